import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError, ErrorCode } from '../../../src/core/errors.js';
import { hashTap } from '../../../src/core/transfer/hash-tap.js';
import {
  DROPBOX_HASH_BLOCK,
  DropboxContentHasher,
  fixedSizeParts,
  HashingStream,
  hashBytes,
  openDownloadSink,
  readAhead,
  runParallel,
  spooledParts,
  uploadSource,
} from '../../../src/core/transfer/index.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-transfer-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('Dropbox content hash', () => {
  it('matches the published vectors, including the 4 MiB boundary', () => {
    const A = (n: number) => Buffer.alloc(n, 'A');
    assert.equal(
      hashBytes('dropbox', Buffer.alloc(0)),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.equal(
      hashBytes('dropbox', Buffer.from('hello world')),
      'bc62d4b80d9e36da29c16c5d4d9f11731f36052c72401a76c23c0fb5a9b74423',
    );
    assert.equal(
      hashBytes('dropbox', A(1)),
      '1cd6ef71e6e0ff46ad2609d403dc3fee244417089aa4461245a4e4fe23a55e42',
    );
    assert.equal(
      hashBytes('dropbox', A(4194304)),
      'd4d63bac5b866c71620185392a8a6218ac1092454a2d16f820363b69852befa3',
    );
    assert.equal(
      hashBytes('dropbox', A(4194305)),
      '8f553da8d00d0bf509d8470e242888be33019c20c0544811f5b2b89e98360b92',
    );
  });

  it('does not depend on how the bytes are chunked', () => {
    const data = randomBytes(DROPBOX_HASH_BLOCK * 2 + 12345);
    const whole = hashBytes('dropbox', data);
    const h = new DropboxContentHasher();
    for (let i = 0; i < data.length; i += 777_777) h.update(data.subarray(i, i + 777_777));
    assert.equal(h.digest(), whole);
  });

  it('agrees with rclone on 0 B, 1 B, 4 MiB, 4 MiB + 1 and 20 MB files', async () => {
    const sizes = [0, 1, DROPBOX_HASH_BLOCK, DROPBOX_HASH_BLOCK + 1, 20_000_000];
    for (const size of sizes) {
      const data = randomBytes(size);
      const path = join(dir, `dbx-${size}`);
      await writeFile(path, data);
      const out = execFileSync('rclone', ['hashsum', 'dropbox', path], { encoding: 'utf8' });
      const expected = out.trim().split(/\s+/)[0];
      const streamed = new HashingStream(['dropbox']);
      await pipeline((await uploadSource(path, undefined)).open(), streamed, async function* (src) {
        for await (const _ of src) yield* [];
      });
      assert.equal(streamed.digests.dropbox, expected, `size ${size}`);
    }
  });
});

describe('hashTap', () => {
  const through = async (tap: import('node:stream').Transform, data: Buffer[]) => {
    const out: Buffer[] = [];
    await pipeline(Readable.from(data), tap, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) out.push(c);
    });
    return Buffer.concat(out);
  };
  const data = [randomBytes(70_000), randomBytes(3), randomBytes(200_000)];
  /** A chooser that gives `hasher` and counts how often it was asked. */
  const chooser = <T>(hasher: T) => {
    const c = {
      asked: 0,
      choose: () => {
        c.asked++;
        return hasher;
      },
    };
    return c;
  };

  it('asks a chooser for its hasher once, at the first bytes, and hashes every byte with it', async () => {
    const hash = createHash('sha1');
    const c = chooser(hash);
    const out = await through(hashTap(c.choose), data);
    assert.equal(c.asked, 1);
    assert.ok(out.equals(Buffer.concat(data)));
    assert.equal(hash.digest('hex'), createHash('sha1').update(Buffer.concat(data)).digest('hex'));
  });

  it('passes the bytes unhashed when the chooser gives no hasher', async () => {
    const c = chooser(undefined);
    const out = await through(hashTap(c.choose), data);
    assert.equal(c.asked, 1);
    assert.ok(out.equals(Buffer.concat(data)));
  });
});

describe('HashingStream', () => {
  it('computes several digests over exactly the bytes that pass', async () => {
    const data = randomBytes(3_000_001);
    const h = new HashingStream(['sha1', 'md5', 'sha256']);
    const out: Buffer[] = [];
    await pipeline(Readable.from([data.subarray(0, 10), data.subarray(10)]), h, async (src) => {
      for await (const c of src) out.push(c as Buffer);
    });
    assert.ok(Buffer.concat(out).equals(data));
    assert.equal(h.bytes, data.length);
    assert.equal(h.digests.sha1, createHash('sha1').update(data).digest('hex'));
    assert.equal(h.digests.md5, createHash('md5').update(data).digest('hex'));
  });
});

describe('fixedSizeParts and runParallel', () => {
  it('cuts any chunking into exact parts', async () => {
    const data = randomBytes(10_000);
    const chunks = [
      data.subarray(0, 1),
      data.subarray(1, 3333),
      data.subarray(3333, 9999),
      data.subarray(9999),
    ];
    const parts: Buffer[] = [];
    for await (const p of fixedSizeParts(Readable.from(chunks), 4096)) parts.push(Buffer.from(p));
    assert.deepEqual(
      parts.map((p) => p.length),
      [4096, 4096, 1808],
    );
    assert.ok(Buffer.concat(parts).equals(data));
  });

  it('keeps at most N workers busy and stops at the first failure', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (n % 3) * 5));
      running--;
      done.push(n);
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      done.sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7],
    );

    const started: number[] = [];
    async function* lazy() {
      for (let i = 0; i < 100; i++) yield i;
    }
    await assert.rejects(
      runParallel(lazy(), 2, async (n) => {
        started.push(n);
        if (n === 3) throw new Error('boom');
        await new Promise((r) => setTimeout(r, 2));
      }),
      /boom/,
    );
    assert.ok(started.length < 10, `stopped early, started ${started.length}`);
  });

  it('a source that fails midway fails the run, after the running workers are done', async () => {
    let finished = 0;
    async function* failing() {
      yield 1;
      yield 2;
      throw new Error('source broke');
    }
    await assert.rejects(
      runParallel(failing(), 2, async () => {
        await new Promise((r) => setTimeout(r, 20));
        finished++;
      }),
      /source broke/,
    );
    assert.equal(finished, 2);
  });

  it('an abort releases the source', async () => {
    const controller = new AbortController();
    let released = false;
    async function* parts() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        released = true;
      }
    }
    await assert.rejects(
      runParallel(
        parts(),
        2,
        async (n) => {
          if (n === 3) controller.abort(new Error('stop'));
        },
        controller.signal,
      ),
      /stop/,
    );
    assert.equal(released, true);
  });
});

describe('readAhead', () => {
  it('runs the source ahead of its consumer, in order, up to the count', async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 6; i++) {
        produced++;
        yield i;
      }
    }
    const seen: Array<[number, number]> = [];
    for await (const item of readAhead(source(), 3)) {
      await new Promise((r) => setImmediate(r));
      seen.push([item, produced]);
    }
    assert.deepEqual(
      seen.map(([item]) => item),
      [0, 1, 2, 3, 4, 5],
    );
    assert.ok(seen[0]![1] >= 3, `the source was ${seen[0]![1]} items ahead when the first was consumed`);
    assert.ok(
      seen.every(([item, made]) => made <= item + 4),
      'never more than the count ahead',
    );
  });

  it('reports an error at its item; stopping early stops the source and discards what was read ahead', async () => {
    async function* failing() {
      yield 1;
      throw new Error('broken at 2');
    }
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const item of readAhead(failing(), 4)) got.push(item);
    }, /broken at 2/);
    assert.deepEqual(got, [1]);

    let stopped = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        stopped = true;
      }
    }
    const discarded: number[] = [];
    for await (const item of readAhead(endless(), 3, async (n) => {
      discarded.push(n);
    })) {
      if (item === 1) break;
    }
    assert.ok(stopped, 'the source was stopped');
    assert.deepEqual(discarded, [2, 3, 4], 'the items read ahead were handed to discard');
  });
});

describe('spooledParts', () => {
  const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
  const collect = async (r: Readable) => {
    const chunks: Buffer[] = [];
    for await (const c of r) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };

  it('cuts a stream into exact parts kept in owner-only temporary files, each readable again, removed on release', async () => {
    const spool = join(dir, 'spool-ok');
    await mkdir(spool);
    const data = randomBytes(250_000);
    const chunks = [];
    for (let at = 0; at < data.length; at += 7_777) chunks.push(data.subarray(at, at + 7_777));
    const seen: Buffer[] = [];
    for await (const part of spooledParts(Readable.from(chunks), 100_000, spool)) {
      const files = await readdir(spool);
      assert.equal(files.length, 1, 'one file per part not yet released');
      assert.equal((await stat(join(spool, files[0]!))).mode & 0o777, 0o600);
      const bytes = await collect(part.open());
      assert.deepEqual(await collect(part.open()), bytes, 'a part can be read again (a second attempt)');
      assert.equal(part.length, bytes.length);
      assert.equal(part.sha1, sha1(bytes));
      seen.push(bytes);
      await part.release();
      await part.release();
      assert.deepEqual(await readdir(spool), []);
    }
    assert.deepEqual(
      seen.map((b) => b.length),
      [100_000, 100_000, 50_000],
    );
    assert.ok(Buffer.concat(seen).equals(data));
  });

  it('removes its files when the source fails or the consumer stops early', async () => {
    const spool = join(dir, 'spool-fail');
    await mkdir(spool);
    async function* failing() {
      yield randomBytes(150_000);
      throw new Error('the source broke');
    }
    const parts = spooledParts(failing(), 100_000, spool);
    const first = await parts.next();
    assert.equal(first.done, false);
    await assert.rejects(parts.next(), /the source broke/);
    if (!first.done) await first.value.release();
    assert.deepEqual(await readdir(spool), []);

    // A consumer that gives up (runParallel after a failed part) stops the generator: nothing stays.
    const stopped = spooledParts(Readable.from([randomBytes(150_000), randomBytes(10)]), 100_000, spool);
    await stopped.next();
    assert.equal((await readdir(spool)).length, 1);
    await stopped.return(undefined);
    assert.deepEqual(await readdir(spool), []);
  });
});

describe('upload sources', () => {
  it('re-reads files and bytes at any range; a missing file is error 611', async () => {
    const data = randomBytes(5000);
    const path = join(dir, 'src.bin');
    await writeFile(path, data);
    const read = async (r: Readable) => {
      const out: Buffer[] = [];
      for await (const c of r) out.push(c as Buffer);
      return Buffer.concat(out);
    };
    const f = await uploadSource(path, undefined);
    assert.equal(f.size, 5000);
    assert.ok((await read(f.open(100, 200))).equals(data.subarray(100, 200)));
    const b = await uploadSource(undefined, data);
    assert.ok((await read(b.open(4000))).equals(data.subarray(4000)));
    const s = await uploadSource(undefined, Readable.from([data.subarray(0, 2500), data.subarray(2500)]));
    assert.equal(s.repeatable, false);
    assert.ok((await read(s.open(1000, 3000))).equals(data.subarray(1000, 3000)));
    assert.throws(() => s.open(), CloudStorageError);

    // A stream that fails midway fails the window too (pipe() alone would leave it waiting forever).
    const broken = new Readable({ read() {} });
    broken.push(data.subarray(0, 100));
    setImmediate(() => broken.destroy(new Error('disk gone')));
    const windowed = await uploadSource(undefined, broken);
    await assert.rejects(read(windowed.open(50)), /disk gone/);
    await assert.rejects(
      uploadSource(join(dir, 'missing'), undefined),
      (e: CloudStorageError) => e.code === ErrorCode.LocalFileError,
    );
  });
});

describe('download sinks', () => {
  it('refuses to overwrite without overwrite (608), resumes by appending, and keeps the old file on failure', async () => {
    const path = join(dir, 'out.bin');
    await writeFile(path, 'old content');
    await assert.rejects(
      openDownloadSink({ kind: 'file', path, overwrite: false }),
      (e: CloudStorageError) => e.code === 608,
    );

    // A failed overwrite leaves the old file as it was.
    const failing = await openDownloadSink({ kind: 'file', path, overwrite: true });
    failing.writable.write('new partial');
    await failing.abort();
    assert.equal(await readFile(path, 'utf8'), 'old content');

    // Resume: startByte must equal the partial size.
    await assert.rejects(
      openDownloadSink({ kind: 'file', path, overwrite: false }, 5),
      (e: CloudStorageError) => e.code === 609,
    );
    const resumed = await openDownloadSink({ kind: 'file', path, overwrite: false }, 11);
    resumed.writable.write(' and more');
    await resumed.commit();
    assert.equal(await readFile(path, 'utf8'), 'old content and more');

    const replaced = await openDownloadSink({ kind: 'file', path, overwrite: true });
    replaced.writable.write('fresh');
    await replaced.commit();
    assert.equal(await readFile(path, 'utf8'), 'fresh');
    assert.equal((await stat(path)).size, 5);

    const bytes = await openDownloadSink({ kind: 'bytes' });
    bytes.writable.write('abc');
    assert.equal(Buffer.from((await bytes.commit())!).toString(), 'abc');
  });
});
