/**
 * core streamingHash: digests computed on a worker thread from a shared ring, or on the calling thread,
 * equal node's own (and Dropbox's content hash) for any chunking, when the caller reuses its buffers,
 * when jobs are given up, when more jobs run than there are threads; and an idle thread does not keep the
 * process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DropboxContentHasher } from '../../src/core/transfer/hash.js';
import {
  type StreamingHash,
  type StreamingHashName,
  setHashThreads,
  streamingHash,
  THREAD_MIN_BYTES,
} from '../../src/core/transfer/hash-thread.js';

const MiB = 1024 * 1024;

function expected(name: StreamingHashName, data: Uint8Array): string {
  if (name === 'dropbox') return new DropboxContentHasher().update(data).digest();
  return createHash(name).update(data).digest('hex');
}

/** Feeds `data` in pieces of the given sizes (cycled), waiting whenever the hash asks to. */
async function feed(hash: StreamingHash, data: Uint8Array, sizes: number[]): Promise<void> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - offset);
    const wait = hash.update(data.subarray(offset, offset + n));
    if (wait) await wait;
    offset += n;
  }
}

/**
 * A hash on the hashing thread, once the thread is free: a job given up is let go by the thread a moment
 * later (after it has drained the ring, or started, for the first job of the process).
 */
async function threaded(name: StreamingHashName): Promise<StreamingHash> {
  for (let i = 0; i < 500; i++) {
    const hash = streamingHash(name);
    if (hash.offThread) return hash;
    hash.release();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the hashing thread stayed busy for 5 s');
}

describe('streamingHash', () => {
  // One thread, whatever the machine's CPUs (the default is one fewer than those).
  beforeEach(() => setHashThreads(1));

  for (const name of ['md5', 'sha1', 'sha256', 'dropbox'] as const) {
    it(`${name}: off the thread, over more than the ring, in odd and large pieces`, async () => {
      setHashThreads(1);
      // 4 MiB ring: 13 MiB with pieces of 1 byte, 64 KiB + 3, 6 MiB (bigger than the ring) and 0 bytes.
      const data = randomBytes(13 * MiB + 5);
      const hash = streamingHash(name);
      assert.equal(hash.offThread, true);
      await feed(hash, data, [1, 65536 + 3, 6 * MiB, 0, 4 * MiB]);
      assert.equal(await hash.digest(), expected(name, data));
    });
  }

  for (const threads of [1, 0]) {
    it(`part digests (${threads ? 'off the thread' : 'on this thread'}): the SHA-1 of every part, the last shorter, next to the whole digest`, async () => {
      setHashThreads(threads);
      const partSize = MiB + 7;
      const data = randomBytes(5 * partSize + 3);
      const hash = streamingHash('sha256', { partSize });
      assert.equal(hash.offThread, threads > 0);
      // Asked for before its bytes are in: answers once they are.
      const early = hash.part(0);
      await feed(hash, data, [300_001, 2 * MiB]);
      assert.equal(await early, createHash('sha1').update(data.subarray(0, partSize)).digest('hex'));
      const digest = await hash.digest();
      assert.equal(digest, expected('sha256', data));
      for (let i = 1; i <= 5; i++) {
        const slice = data.subarray(i * partSize, Math.min(data.length, (i + 1) * partSize));
        assert.equal(await hash.part(i), createHash('sha1').update(slice).digest('hex'), `part ${i}`);
      }
      await assert.rejects(hash.part(6), /no such part/);
    });
  }

  it('the empty input hashes as nothing', async () => {
    for (const name of ['md5', 'sha1', 'dropbox'] as const) {
      const hash = streamingHash(name);
      assert.equal(await hash.digest(), expected(name, new Uint8Array(0)));
    }
  });

  it('copies the bytes: a caller that refills its buffer after each update still gets the right digest', async () => {
    const buffer = Buffer.alloc(256 * 1024);
    const all: Buffer[] = [];
    const hash = streamingHash('sha256');
    assert.equal(hash.offThread, true);
    for (let i = 0; i < 64; i++) {
      buffer.fill(i * 7 + 1);
      all.push(Buffer.from(buffer));
      const wait = hash.update(buffer);
      if (wait) await wait;
    }
    assert.equal(await hash.digest(), expected('sha256', Buffer.concat(all)));
  });

  it('updates not awaited queue in order', async () => {
    const data = randomBytes(12 * MiB);
    const hash = await threaded('sha1');
    const waits: Array<Promise<void> | undefined> = [];
    for (let offset = 0; offset < data.length; offset += MiB)
      waits.push(hash.update(data.subarray(offset, offset + MiB)));
    assert.ok(
      waits.some((w) => w !== undefined),
      'twelve MiB at once overfill a 4 MiB ring',
    );
    assert.equal(await hash.digest(), expected('sha1', data));
  });

  it('a released job frees its thread for the next one, which starts from nothing', async () => {
    const first = await threaded('md5');
    await feed(first, randomBytes(5 * MiB), [MiB]);
    first.release();
    first.release();
    const data = randomBytes(3 * MiB);
    // The thread is free once it has seen the release: at most a moment later.
    const second = await threaded('md5');
    assert.equal(second.offThread, true);
    await feed(second, data, [100_000]);
    assert.equal(await second.digest(), expected('md5', data));
    assert.throws(() => second.update(data), /after digest/);
  });

  it('bytes still queued when a hash is released never reach the next job on the same thread', async () => {
    for (let round = 0; round < 5; round++) {
      const first = await threaded('sha1');
      const junk = randomBytes(12 * MiB);
      // Not awaited: 8 MiB wait for room in the 4 MiB ring when the hash is given up.
      for (let offset = 0; offset < junk.length; offset += MiB)
        first.update(junk.subarray(offset, offset + MiB));
      first.release();
      const second = await threaded('sha1');
      assert.equal(second.offThread, true);
      const data = randomBytes(6 * MiB);
      await feed(second, data, [256 * 1024]);
      assert.equal(await second.digest(), expected('sha1', data), `round ${round}`);
    }
  });

  it('more jobs than threads: the others hash on this thread, every digest right', async () => {
    setHashThreads(1);
    const inputs = Array.from({ length: 4 }, () => randomBytes(2 * MiB + 17));
    const hashes = [await threaded('sha1'), ...inputs.slice(1).map(() => streamingHash('sha1'))];
    assert.deepEqual(
      hashes.map((h) => h.offThread),
      [true, false, false, false],
    );
    await Promise.all(hashes.map((h, i) => feed(h, inputs[i]!, [64 * 1024])));
    const digests = await Promise.all(hashes.map((h) => h.digest()));
    assert.deepEqual(
      digests,
      inputs.map((d) => expected('sha1', d)),
    );
  });

  it('small inputs and a limit of 0 stay on this thread', async () => {
    const small = streamingHash('sha1', { expectedBytes: THREAD_MIN_BYTES - 1 });
    assert.equal(small.offThread, false);
    small.update(Buffer.from('abc'));
    assert.equal(await small.digest(), expected('sha1', Buffer.from('abc')));
    setHashThreads(0);
    const data = randomBytes(3 * MiB);
    const inline = streamingHash('dropbox');
    assert.equal(inline.offThread, false);
    await feed(inline, data, [MiB - 1]);
    assert.equal(await inline.digest(), expected('dropbox', data));
    assert.throws(() => setHashThreads(-1), RangeError);
  });

  it('a process whose hashing thread is idle exits by itself', () => {
    const module = fileURLToPath(new URL('../../src/core/transfer/hash-thread.ts', import.meta.url));
    const script = `
      import { setHashThreads, streamingHash } from ${JSON.stringify(module)};
      setHashThreads(1);
      const h = streamingHash('sha1');
      h.update(new Uint8Array(3 << 20));
      console.log(h.offThread, await h.digest());
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.error, undefined, 'the process did not exit within 60 s');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout.trim(),
      `true ${createHash('sha1')
        .update(new Uint8Array(3 << 20))
        .digest('hex')}`,
    );
  });
});
