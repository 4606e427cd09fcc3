import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { DropboxContentHasher, hashBytes } from '../../../src/core/transfer/index.js';
import type { Dropbox, DropboxFragmentCompleteEvent } from '../../../src/providers/dropbox/index.js';
import { type Env, rejection, sameFile, startEnv, startTamperProxy } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

async function read(client: Dropbox, path: string): Promise<Buffer> {
  return Buffer.from((await client.downloadFile(path, { localFile: '' })).data!);
}

/** The requests of one route made since `since` (an index into the emulator's request log). */
function requests(since: number, route: string) {
  return env.server.requestLog.slice(since).filter((e) => e.path === `/2/${route}`);
}

describe('simple upload (files/upload)', () => {
  test('from resourceData, a local file, a Node stream and a web stream; the id comes back', async () => {
    const d = env.client();
    const bytes = randomBytes(10_000);
    d.resourceData = bytes;
    const id = await d.uploadFile('/simple/bytes.bin');
    assert.match(id, /^id:/);
    assert.deepEqual(await read(d, id), bytes);
    assert.equal((await d.getResourceInfo(id)).hash, hashBytes('dropbox', bytes));

    const local = join(env.dir, 'local.bin');
    await writeFile(local, bytes.subarray(0, 4321));
    d.localFile = local;
    await d.uploadFile('/simple/local.bin');
    d.localFile = '';
    assert.deepEqual(await read(d, '/simple/local.bin'), bytes.subarray(0, 4321));

    await d.uploadFile('/simple/node-stream.bin', {
      data: Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]),
    });
    assert.deepEqual(await read(d, '/simple/node-stream.bin'), bytes);
    const web = new Blob([bytes]).stream();
    await d.uploadFile('/simple/web-stream.bin', { data: web, size: bytes.length });
    assert.deepEqual(await read(d, '/simple/web-stream.bin'), bytes);
  });

  test('non-ASCII names travel in the Dropbox-API-Arg header escaped, and come back intact', async () => {
    const d = env.client();
    const id = await d.uploadFile('/Café ☕/naïve 😀.txt', { data: Buffer.from('unicode') });
    const info = await d.getResourceInfo(id);
    assert.equal(info.path, '/Café ☕/naïve 😀.txt');
    assert.equal(info.pathLower, '/café ☕/naïve 😀.txt');
  });

  test('name conflicts: add fails, identical content is a no-op, overwrite replaces, RenameIfExists renames and wins', async () => {
    const d = env.client();
    const id = await d.uploadFile('/conflict/a.txt', { data: Buffer.from('one') });
    const conflict = await rejection(d.uploadFile('/conflict/a.txt', { data: Buffer.from('two') }));
    assert.equal(conflict.code, 600);
    assert.equal(conflict.providerCode, 'path/conflict/file');
    assert.match(conflict.message, /RenameIfExists/);
    // Identical bytes: Dropbox accepts and keeps the file.
    assert.equal(await d.uploadFile('/conflict/a.txt', { data: Buffer.from('one') }), id);
    assert.equal(await d.uploadFile('/conflict/a.txt', { data: Buffer.from('two'), overwrite: true }), id);
    assert.equal((await read(d, '/conflict/a.txt')).toString(), 'two');
    d.config('RenameIfExists=True');
    const renamed = await d.uploadFile('/conflict/a.txt', { data: Buffer.from('three'), overwrite: true });
    assert.notEqual(renamed, id);
    assert.equal((await d.getResourceInfo(renamed)).name, 'a (1).txt');
    assert.equal((await read(d, '/conflict/a.txt')).toString(), 'two');
  });

  test('IfRevision updates that revision only; a stale one fails, or makes a conflicted copy with RenameIfExists', async () => {
    const d = env.client();
    await d.uploadFile('/ifrev/f.txt', { data: Buffer.from('v1') });
    const v1 = (await d.getResourceInfo('/ifrev/f.txt')).revision;
    d.config(`IfRevision=${v1}`);
    await d.uploadFile('/ifrev/f.txt', { data: Buffer.from('v2') });
    assert.equal((await read(d, '/ifrev/f.txt')).toString(), 'v2');
    // v1 is stale now.
    const stale = await rejection(d.uploadFile('/ifrev/f.txt', { data: Buffer.from('v3') }));
    assert.equal(stale.providerCode, 'path/conflict/file');
    d.config('RenameIfExists=True');
    const copy = await d.uploadFile('/ifrev/f.txt', { data: Buffer.from('v3') });
    assert.match((await d.getResourceInfo(copy)).name, /conflicted copy/);
    assert.equal((await read(d, '/ifrev/f.txt')).toString(), 'v2');
  });

  test('ClientModifiedTime, MuteFileUploads and updating by file id', async () => {
    const d = env.client();
    const id = await d.uploadFile('/meta/m.txt', { data: Buffer.from('m') });
    d.config('ClientModifiedTime=2021-02-03T04:05:06.789Z');
    d.config('MuteFileUploads=True');
    d.config('TransferredRequest=ON');
    assert.equal(await d.uploadFile(id, { data: Buffer.from('m2'), overwrite: true }), id);
    assert.match(d.config('RawRequest'), /Dropbox-API-Arg: \{[^\r\n]*"mute":true/);
    const info = await d.getResourceInfo(id);
    assert.equal(info.clientModifiedTime, '2021-02-03T04:05:06Z');
    assert.throws(() => d.config('ClientModifiedTime=yesterday'), /ISO 8601/);
  });

  test('a corrupted body is caught by the content hash: error 612', async () => {
    const proxy = await startTamperProxy(env.urls.content);
    try {
      const d = env.client({ contentBaseUrl: proxy.url });
      const errors: number[] = [];
      d.on('error', (e) => errors.push(e.errorCode));
      proxy.arm({ path: /files\/upload$/, body: 'request', at: 500 });
      const err = await rejection(d.uploadFile('/corrupt/up.bin', { data: randomBytes(2000) }));
      assert.equal(proxy.corrupted, 1);
      assert.equal(err.code, 612);
      assert.deepEqual(errors, [612], 'the error event fired too');
      assert.match(err.message, /content hash/);
    } finally {
      await proxy.close();
    }
  });

  test('429 with Retry-After on a non-idempotent upload: waited out, then sent again', async () => {
    const d = env.client();
    const since = env.server.requestLog.length;
    env.server.faults.add({ path: '/2/files/upload', status: 429, retryAfter: 1, times: 1 });
    const data = randomBytes(3000);
    await d.uploadFile('/limited/r.bin', { data });
    const tries = requests(since, 'files/upload');
    assert.deepEqual(
      tries.map((t) => t.status),
      [429, 200],
    );
    assert.ok(tries[1]!.at - tries[0]!.at >= 990, 'Retry-After was honoured');
    assert.deepEqual(await read(d, '/limited/r.bin'), data);
  });
});

describe('upload sessions', () => {
  test('fragments of FragmentSize, fragmentComplete per fragment, startByte and the session id', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 1000 });
    const data = randomBytes(3500);
    const events: DropboxFragmentCompleteEvent[] = [];
    d.on('fragmentComplete', (e) => events.push({ ...e }));
    const since = env.server.requestLog.length;
    const id = await d.uploadFile('/session/small.bin', { data });
    assert.deepEqual(
      events.map((e) => [e.fragmentNumber, e.fragmentCount, e.startByte]),
      [
        [1, 4, 1000],
        [2, 4, 2000],
        [3, 4, 3000],
        [4, 4, 3500],
      ],
    );
    assert.ok(events.every((e) => e.uploadSessionId.length > 0));
    assert.equal(requests(since, 'files/upload_session/start').length, 1);
    assert.equal(requests(since, 'files/upload_session/append_v2').length, 4);
    assert.equal(requests(since, 'files/upload_session/finish').length, 1);
    // Done: nothing left to resume.
    assert.equal(d.uploadSessionId, '');
    assert.equal(d.startByte, 0);
    assert.deepEqual(await read(d, id), data);
  });

  test('an empty file and a stream of unknown size go through a session too', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 4 * 1024 * 1024 });
    await d.uploadFile('/session/empty.bin', { data: Buffer.alloc(0) });
    assert.equal((await d.getResourceInfo('/session/empty.bin')).size, 0);
    const data = randomBytes(9 * 1024 * 1024 + 7);
    // No size: the simple upload cannot know it fits, so a session is used whatever useResumableUpload says.
    const plain = env.client();
    const since = env.server.requestLog.length;
    await plain.uploadFile('/session/stream.bin', { data: Readable.from([data]) });
    assert.equal(requests(since, 'files/upload_session/append_v2').length, 1);
    assert.deepEqual(await read(d, '/session/stream.bin'), data);
    assert.equal((await d.getResourceInfo('/session/stream.bin')).hash, hashBytes('dropbox', data));
  });

  test('4 MiB-aligned fragments carry their own content_hash', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 4 * 1024 * 1024 });
    const since = env.server.requestLog.length;
    await d.uploadFile('/session/aligned.bin', { data: randomBytes(9 * 1024 * 1024) });
    const appends = requests(since, 'files/upload_session/append_v2');
    assert.equal(appends.length, 3);
    for (const a of appends)
      assert.match(String(a.headers['dropbox-api-arg']), /"content_hash":"[0-9a-f]{64}"/);
  });

  test('progress: from 0 to 100 % once per session; a resumed upload starts at startByte (ProgressAbsolute)', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 1000 });
    const data = randomBytes(4000);
    const progress: Array<[number, number, number]> = [];
    d.on('progress', (e) => progress.push([e.direction, e.bytesTransferred, e.percentDone]));
    d.on('fragmentComplete', (e) => {
      if (e.fragmentNumber === 2) e.interrupt = true;
    });
    await rejection(d.uploadFile('/session/progress.bin', { data }));
    assert.deepEqual(progress[0], [0, 0, 0]);
    d.removeAllListeners('fragmentComplete');
    progress.length = 0;
    await d.uploadFile('/session/progress.bin', { data });
    assert.deepEqual(progress[0], [0, 2000, 50]);
    assert.deepEqual(progress.at(-1), [0, 4000, 100]);
    assert.ok(progress.every(([dir]) => dir === 0));
  });

  test('interrupt from fragmentComplete (606), then resume on the same instance', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 1024 });
    const data = randomBytes(5000);
    let stopAt = 2;
    d.on('fragmentComplete', (e) => {
      if (e.fragmentNumber === stopAt) e.interrupt = true;
    });
    const err = await rejection(d.uploadFile('/session/interrupted.bin', { data }));
    assert.equal(err.code, 606);
    assert.equal(d.startByte, 2048);
    assert.notEqual(d.uploadSessionId, '');
    assert.match(err.message, /startByte 2048/);
    await assert.rejects(d.getResourceInfo('/session/interrupted.bin'), { code: 604 });
    stopAt = -1;
    const since = env.server.requestLog.length;
    await d.uploadFile('/session/interrupted.bin', { data });
    assert.equal(requests(since, 'files/upload_session/start').length, 0, 'the session was resumed');
    assert.equal(requests(since, 'files/upload_session/append_v2').length, 3);
    assert.deepEqual(await read(d, '/session/interrupted.bin'), data);
  });

  test('incorrect_offset: resumes from the offset Dropbox reports, ahead or behind startByte', async () => {
    const data = randomBytes(6000);
    const first = env.client({ useResumableUpload: true, fragmentSize: 1000 });
    first.on('fragmentComplete', (e) => {
      if (e.fragmentNumber === 3) e.interrupt = true;
    });
    assert.equal((await rejection(first.uploadFile('/session/offset.bin', { data }))).code, 606);
    const sessionId = first.uploadSessionId;
    assert.equal(first.startByte, 3000);

    // A new instance that thinks Dropbox has less (1000 bytes): Dropbox says 3000, the upload skips ahead.
    const behind = env.client({
      useResumableUpload: true,
      fragmentSize: 1000,
      uploadSessionId: sessionId,
      startByte: 1000,
    });
    behind.on('fragmentComplete', (e) => {
      if (e.startByte >= 4000) e.interrupt = true;
    });
    const since = env.server.requestLog.length;
    assert.equal((await rejection(behind.uploadFile('/session/offset.bin', { data }))).code, 606);
    const appends = requests(since, 'files/upload_session/append_v2');
    assert.deepEqual(
      appends.map((a) => a.status),
      [409, 200],
    );
    assert.equal(behind.startByte, 4000);

    // One that thinks Dropbox has more (5500): Dropbox says 4000, the data is read again from there.
    const ahead = env.client({
      useResumableUpload: true,
      fragmentSize: 1000,
      uploadSessionId: sessionId,
      startByte: 5500,
    });
    const since2 = env.server.requestLog.length;
    await ahead.uploadFile('/session/offset.bin', { data });
    assert.deepEqual(
      requests(since2, 'files/upload_session/append_v2').map((a) => a.status),
      [409, 200, 200],
    );
    assert.deepEqual(await read(ahead, '/session/offset.bin'), data);
  });

  test('an append whose answer is lost: the retry hears incorrect_offset, and the upload goes on', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 1000 });
    const data = randomBytes(3000);
    const events: number[] = [];
    d.on('fragmentComplete', (e) => events.push(e.startByte));
    const since = env.server.requestLog.length;
    // The first append is stored, but its connection breaks before the answer is complete.
    env.server.faults.add({ path: '/2/files/upload_session/append_v2', resetAfterBytes: 1, times: 1 });
    await d.uploadFile('/session/lost-answer.bin', { data });
    const appends = requests(since, 'files/upload_session/append_v2');
    assert.ok(
      appends.some((a) => a.status === 409),
      'the repeated append was refused with incorrect_offset',
    );
    assert.deepEqual(events, [1000, 2000, 3000]);
    assert.deepEqual(await read(d, '/session/lost-answer.bin'), data);
  });

  test('resuming needs the session id; a missing or expired session is 609', async () => {
    const d = env.client({ useResumableUpload: true, startByte: 10 });
    assert.equal((await rejection(d.uploadFile('/session/x.bin', { data: randomBytes(20) }))).code, 609);
    const e = env.client({
      useResumableUpload: true,
      uploadSessionId: 'pid_upload_session:nope',
      startByte: 10,
    });
    const err = await rejection(e.uploadFile('/session/x.bin', { data: randomBytes(20) }));
    assert.equal(err.code, 609);
    assert.match(err.message, /expired|does not exist/);
  });

  test('a 101 MiB file: interrupted midway, resumed by a new instance, identical byte for byte', async () => {
    const size = 101 * 1024 * 1024;
    const fragmentSize = 8 * 1024 * 1024;
    const source = join(env.dir, 'big.bin');
    const hasher = new DropboxContentHasher();
    const out = createWriteStream(source);
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(1024 * 1024, size - written));
      hasher.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      written += chunk.length;
    }
    out.end();
    await finished(out);
    const expectedHash = hasher.digest();

    const first = env.client({ useResumableUpload: true, fragmentSize, localFile: source });
    first.on('fragmentComplete', (e) => {
      if (e.fragmentNumber === 6) e.interrupt = true;
    });
    const err = await rejection(first.uploadFile('/big/big.bin'));
    assert.equal(err.code, 606);
    const { uploadSessionId, startByte } = first;
    assert.equal(startByte, 6 * fragmentSize);

    const second = env.client({ useResumableUpload: true, fragmentSize, localFile: source });
    second.uploadSessionId = uploadSessionId;
    second.startByte = startByte;
    const events: DropboxFragmentCompleteEvent[] = [];
    second.on('fragmentComplete', (e) => events.push({ ...e }));
    const id = await second.uploadFile('/big/big.bin');
    assert.equal(events[0]!.fragmentNumber, 7);
    assert.equal(events.at(-1)!.fragmentNumber, events.at(-1)!.fragmentCount);
    assert.equal(events.at(-1)!.fragmentCount, Math.ceil(size / fragmentSize));

    const info = await second.getResourceInfo(id);
    assert.equal(info.size, size);
    assert.equal(info.hash, expectedHash);
    const copy = join(env.dir, 'big.copy');
    await second.downloadFile(id, { localFile: copy });
    assert.ok(await sameFile(source, copy), 'the download is identical to the source');
  });
});
