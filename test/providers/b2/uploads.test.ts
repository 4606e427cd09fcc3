import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { BackblazeB2 } from '../../../src/providers/b2/index.js';
import { type Env, randomData, rejection, startEnv } from './helpers.js';

const MiB = 1024 * 1024;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

/** Part uploads the emulator saw for a large file (by part number), with their statuses. */
function partRequests(env: Env): Array<{ part: number; status: number }> {
  return env.server.requestLog
    .filter((e) => e.path.includes('b2_upload_part') && e.method === 'POST')
    .map((e) => ({ part: Number(e.headers['x-bz-part-number']), status: e.status }));
}

describe('BackblazeB2 uploads', () => {
  let env: Env;
  let b2: BackblazeB2;
  before(async () => {
    env = await startEnv();
    b2 = env.client();
    await b2.authorize();
    // Small parts so that multipart uploads stay quick: 5 MiB parts, multipart above 6 MB.
    b2.config('FragmentSize=5242880');
    b2.config('SimpleUploadLimit=6000000');
  });
  after(async () => {
    await env.stop();
  });

  test('a simple upload from bytes carries the metadata, ClientModifiedTime and content type', async () => {
    const bucket = env.bucket();
    const data = randomData(1000);
    b2.metadataCount = 0;
    b2.addMetadata('Author', 'Ada Lövelace & co');
    b2.config('ClientModifiedTime=1700000000123');
    b2.contentType = 'application/x-test';
    try {
      const id = await b2.uploadFile(bucket.id, 'dir/ünïcode name+plus.bin', { data });
      const file = await b2.getFileInfo(id);
      assert.equal(file.name, 'dir/ünïcode name+plus.bin');
      assert.equal(file.size, 1000);
      assert.equal(file.sha1Hash, sha1(data));
      assert.equal(file.contentType, 'application/x-test');
      assert.equal(file.modifiedTime, 1700000000123);
      assert.equal(file.kind, 'upload');
      assert.deepEqual(b2.metadata.map((m) => `${m.name}=${m.value}`).sort(), [
        'author=Ada Lövelace & co',
        'src_last_modified_millis=1700000000123',
      ]);
    } finally {
      b2.config('ClientModifiedTime=');
      b2.contentType = '';
      b2.metadataCount = 0;
    }
    const auto = await b2.uploadFile(bucket.id, 'notes.txt', { data: Buffer.from('hello') });
    assert.equal(
      (await b2.getFileInfo(auto)).contentType,
      'text/plain',
      'b2/x-auto picks from the extension',
    );
  });

  test('names are checked before any request', async () => {
    const bucket = env.bucket();
    const n = env.server.requestLog.length;
    for (const bad of ['/lead', 'trail/', 'a//b', 'back\\slash', 'ctl\u0001', 'x'.repeat(251), ''])
      assert.equal(
        (await rejection(b2.uploadFile(bucket.id, bad, { data: Buffer.from('x') }))).code,
        604,
        bad,
      );
    assert.equal(env.server.requestLog.length, n);
  });

  test('a simple upload from a local file and from a stream of unknown size (SHA-1 at the end of the body)', async () => {
    const bucket = env.bucket();
    const data = randomData(300_000);
    const path = join(env.dir, 'simple.bin');
    await writeFile(path, data);
    b2.localFile = path;
    try {
      const fromFile = await b2.uploadFile(bucket.id, 'from-file.bin');
      assert.equal((await b2.getFileInfo(fromFile)).sha1Hash, sha1(data));
    } finally {
      b2.localFile = '';
    }
    const fromStream = await b2.uploadFile(bucket.id, 'from-stream.bin', {
      data: Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    });
    assert.equal((await b2.getFileInfo(fromStream)).sha1Hash, sha1(data));
    const result = await b2.downloadFileById(fromStream);
    assert.ok(Buffer.from(result.data!).equals(data));
  });

  test('a large file goes in FragmentSize parts, several at a time, each with its SHA-1; fragmentComplete per part', async () => {
    const bucket = env.bucket();
    const data = randomData(18 * MiB + 12345);
    const path = join(env.dir, 'large.bin');
    await writeFile(path, data);
    const fragments: number[] = [];
    const onFragment = (e: { fragmentNumber: number; fragmentCount: number }) => {
      fragments.push(e.fragmentNumber);
      assert.equal(e.fragmentCount, 4);
    };
    b2.on('fragmentComplete', onFragment);
    const progress: number[] = [];
    const onProgress = (e: { direction: number; percentDone: number }) => {
      if (e.direction === 0) progress.push(e.percentDone);
    };
    b2.on('progress', onProgress);
    const before = partRequests(env).length;
    try {
      const id = await b2.uploadFile(bucket.id, 'large.bin', { localFile: path });
      assert.deepEqual([...fragments].sort(), [1, 2, 3, 4]);
      assert.equal(partRequests(env).length - before, 4);
      assert.equal(b2.config('ResumableUploadState'), '', 'cleared on success');
      assert.equal(b2.startByte, 0);
      const info = await b2.getFileInfo(id);
      assert.equal(info.size, data.length);
      assert.equal(info.sha1Hash, '', 'B2 has no whole-file SHA-1 for large files');
      const down = await b2.downloadFileById(id);
      assert.ok(Buffer.from(down.data!).equals(data));
      assert.ok(progress.includes(100));
    } finally {
      b2.off('fragmentComplete', onFragment);
      b2.off('progress', onProgress);
    }
  });

  test('uploads survive "too busy" upload URLs: each 503 URL is dropped for a fresh one', async () => {
    const bucket = env.bucket();
    const urlsBefore = env.requests('b2_get_upload_url').length;
    env.emulator.failNextUploads(2, 'file');
    const small = randomData(5000);
    const id = await b2.uploadFile(bucket.id, 'busy.bin', { data: small });
    assert.equal((await b2.getFileInfo(id)).sha1Hash, sha1(small));
    assert.ok(env.requests('b2_get_upload_url').length - urlsBefore >= 3, 'a new URL after each 503');
    assert.equal(
      env.server.requestLog.filter((e) => e.path.includes('b2_upload_file') && e.status === 503).length >= 2,
      true,
    );

    const partUrlsBefore = env.requests('b2_get_upload_part_url').length;
    env.emulator.failNextUploads(3, 'part');
    const data = randomData(12 * MiB);
    const large = await b2.uploadFile(bucket.id, 'busy-large.bin', { data });
    const down = await b2.downloadFileById(large);
    assert.ok(Buffer.from(down.data!).equals(data));
    assert.ok(env.requests('b2_get_upload_part_url').length - partUrlsBefore >= 3 + 1);
  });

  test('tokens that expire in the middle of a large upload (account and upload tokens) are renewed', async () => {
    const bucket = env.bucket();
    const data = randomData(16 * MiB);
    const authorizations = env.requests('b2_authorize_account').length;
    const expire = (e: { fragmentNumber: number }) => {
      if (e.fragmentNumber === 1) env.emulator.expireAllTokens();
    };
    b2.on('fragmentComplete', expire);
    // One part at a time, so that part 2 goes to the pooled URL whose token has just expired.
    b2.config('UploadConcurrency=1');
    try {
      const id = await b2.uploadFile(bucket.id, 'expiring.bin', { data });
      assert.ok(Buffer.from((await b2.downloadFileById(id)).data!).equals(data));
    } finally {
      b2.off('fragmentComplete', expire);
      b2.config('UploadConcurrency=4');
    }
    assert.ok(env.requests('b2_authorize_account').length > authorizations, 'authorized again');
    assert.ok(
      env.server.requestLog.some((e) => e.path.includes('b2_upload_part') && e.status === 401),
      'an upload token was refused as expired',
    );
  });

  test('a broken connection during a part gets a fresh upload URL too', async () => {
    const bucket = env.bucket();
    env.server.faults.add({ path: 'b2_upload_part', resetConnection: true, times: 2 });
    const data = randomData(11 * MiB);
    const id = await b2.uploadFile(bucket.id, 'reset.bin', { data });
    const down = await b2.downloadFileById(id);
    assert.ok(Buffer.from(down.data!).equals(data));
  });

  test('fragmentComplete interrupt stops the upload (606); a resume sends only the missing parts', async () => {
    const bucket = env.bucket();
    const data = randomData(21 * MiB);
    const path = join(env.dir, 'resume.bin');
    await writeFile(path, data);
    b2.config('UploadConcurrency=1');
    const stop = (e: { fragmentNumber: number; interrupt: boolean }) => {
      if (e.fragmentNumber === 2) e.interrupt = true;
    };
    b2.on('fragmentComplete', stop);
    try {
      const e = await rejection(b2.uploadFile(bucket.id, 'resume.bin', { localFile: path }));
      assert.equal(e.code, 606);
    } finally {
      b2.off('fragmentComplete', stop);
      b2.config('UploadConcurrency=4');
    }
    const state = b2.config('ResumableUploadState');
    assert.notEqual(state, '');
    assert.equal(b2.startByte, 2 * 5 * MiB);
    const unfinished = await b2.listMultipartUploads(bucket.id);
    assert.equal(unfinished.files.length, 1);
    assert.equal(unfinished.files[0]!.kind, 'start');

    const before = partRequests(env).length;
    const id = await b2.uploadFile(bucket.id, 'resume.bin', { localFile: path });
    const sent = partRequests(env)
      .slice(before)
      .map((r) => r.part)
      .sort();
    assert.deepEqual(sent, [3, 4, 5], 'parts 1 and 2 were not sent again');
    assert.equal(b2.config('ResumableUploadState'), '');
    const down = await b2.downloadFileById(id);
    assert.ok(Buffer.from(down.data!).equals(data));
  });

  test('a resume checks the parts B2 has against the local data and sends a changed one again', async () => {
    const bucket = env.bucket();
    const data = randomData(16 * MiB);
    b2.config('UploadConcurrency=1');
    const stop = (e: { fragmentNumber: number; interrupt: boolean }) => {
      if (e.fragmentNumber === 2) e.interrupt = true;
    };
    b2.on('fragmentComplete', stop);
    try {
      assert.equal((await rejection(b2.uploadFile(bucket.id, 'changed.bin', { data }))).code, 606);
    } finally {
      b2.off('fragmentComplete', stop);
      b2.config('UploadConcurrency=4');
    }
    data[10] = data[10]! ^ 0xff; // part 1 changed locally meanwhile
    const before = partRequests(env).length;
    const id = await b2.uploadFile(bucket.id, 'changed.bin', { data });
    assert.deepEqual(
      partRequests(env)
        .slice(before)
        .map((r) => r.part)
        .sort(),
      [1, 3, 4],
    );
    assert.ok(Buffer.from((await b2.downloadFileById(id)).data!).equals(data));
  });

  test('a resume with another name, or a state that is not ours, is 609', async () => {
    const bucket = env.bucket();
    assert.equal(
      (
        await rejection(
          b2.uploadFile(bucket.id, 'x.bin', { data: Buffer.from('x'), resumableUploadState: 'garbage' }),
        )
      ).code,
      609,
    );
    assert.equal(
      (await rejection(b2.uploadFile(bucket.id, 'x.bin', { data: Buffer.from('x'), startByte: 5 }))).code,
      609,
    );
  });

  test('a large upload from a stream of unknown size, and one that fails for good is cancelled', async () => {
    const bucket = env.bucket();
    const data = randomData(13 * MiB);
    const chunks = [];
    for (let at = 0; at < data.length; at += 100_000) chunks.push(data.subarray(at, at + 100_000));
    const id = await b2.uploadFile(bucket.id, 'stream-large.bin', { data: Readable.from(chunks) });
    assert.ok(Buffer.from((await b2.downloadFileById(id)).data!).equals(data));

    // A stream that says 20 MiB and ends at 13: the data is wrong, nothing to resume.
    const e = await rejection(
      b2.uploadFile(bucket.id, 'short-stream.bin', { data: Readable.from(chunks), size: 20 * MiB }),
    );
    assert.equal(e.code, 612);
    b2.fileMarker = '';
    const left = await b2.listMultipartUploads(bucket.id);
    assert.deepEqual(
      left.files.map((f) => f.name),
      [],
      'the large file was cancelled',
    );
    assert.equal(b2.config('ResumableUploadState'), '');
  });

  test('the parts of a stream wait in TempPath files, not in memory, and are removed after success or failure', async () => {
    const bucket = env.bucket();
    const spool = join(env.dir, 'spool');
    await mkdir(spool);
    const client = env.client({ tempPath: spool });
    await client.authorize();
    client.config('FragmentSize=5242880');
    client.config('SimpleUploadLimit=6000000');
    client.config('UploadConcurrency=2');
    const spooled: number[] = [];
    client.on('fragmentComplete', () => spooled.push(readdirSync(spool).length));
    const data = randomData(17 * MiB);
    const chunks = [];
    for (let at = 0; at < data.length; at += 65_536) chunks.push(data.subarray(at, at + 65_536));
    const id = await client.uploadFile(bucket.id, 'spooled.bin', { data: Readable.from(chunks) });
    assert.ok(Buffer.from((await client.downloadFileById(id)).data!).equals(data));
    assert.equal(spooled.length, 4);
    assert.ok(
      spooled.every((n) => n >= 1 && n <= 5),
      `a part being sent is in a file; at most UploadConcurrency sent, as many spooled ahead, one filling: ${spooled}`,
    );
    assert.deepEqual(readdirSync(spool), [], 'every part file is removed');

    // A small stream is one simple upload from its spooled part; a wrong one is cancelled: no file stays.
    const small = randomData(MiB);
    const smallId = await client.uploadFile(bucket.id, 'spooled-small.bin', { data: Readable.from([small]) });
    assert.ok(Buffer.from((await client.downloadFileById(smallId)).data!).equals(small));
    const e = await rejection(
      client.uploadFile(bucket.id, 'spooled-short.bin', { data: Readable.from(chunks), size: 20 * MiB }),
    );
    assert.equal(e.code, 612);
    assert.deepEqual(readdirSync(spool), []);
  });

  test('SimpleUploadLimit 0 is always multipart, -1 never', async () => {
    const bucket = env.bucket();
    const startsBefore = env.requests('b2_start_large_file').length;
    b2.config('SimpleUploadLimit=0');
    try {
      const id = await b2.uploadFile(bucket.id, 'tiny-multipart.bin', { data: Buffer.from('tiny') });
      assert.equal(env.requests('b2_start_large_file').length, startsBefore + 1);
      assert.equal(Buffer.from((await b2.downloadFileById(id)).data!).toString(), 'tiny');
      b2.config('SimpleUploadLimit=-1');
      const big = randomData(7 * MiB);
      const id2 = await b2.uploadFile(bucket.id, 'never-multipart.bin', { data: big });
      assert.equal(env.requests('b2_start_large_file').length, startsBefore + 1);
      assert.equal((await b2.getFileInfo(id2)).sha1Hash, sha1(big));
    } finally {
      b2.config('SimpleUploadLimit=6000000');
    }
  });
});
