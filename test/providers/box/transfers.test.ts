/**
 * Simple uploads and downloads of the Box class against the emulator: sources (file, bytes, streams),
 * HashSimpleUploads, client times, new versions, downloads to a file / bytes / a stream, resumes (a reset
 * mid-body, an interrupt then startByte), overwrite, redirects, and thumbnails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { type Box, BoxErrorCode } from '../../../src/providers/box/index.js';
import { startTamperProxy } from '../../helpers/tamper-proxy.js';
import { type BoxEnv, rejectsWithCode, sha1, startBoxEnv } from './helpers.js';

describe('Box class: simple transfers', () => {
  let env: BoxEnv;
  let box: Box;
  const content = randomBytes(3 * 1024 * 1024 + 17);

  before(async () => {
    env = await startBoxEnv({ config: { thumbnailPendingResponses: 1, thumbnailRetryAfterSeconds: 7 } });
    box = env.box();
  });
  after(() => env.close());

  it('bytes corrupted on the way: Box stores other bytes than sent, error 612', async () => {
    const proxy = await startTamperProxy(env.emulator.urls.upload);
    try {
      const t = env.box({ uploadUrl: `${proxy.url}/api/2.0` });
      // Past the multipart head: a byte of the file itself.
      proxy.arm({ path: /^\/api\/2\.0\/files\/content/, body: 'request', at: 900 });
      const err = await rejectsWithCode(t.uploadFile('corrupt.bin', '', { data: randomBytes(5000) }), 612);
      assert.equal(proxy.corrupted, 1);
      assert.match(
        err.message,
        /corrupt\.bin with SHA-1 [0-9a-f]{40}, but the data sent hashes to [0-9a-f]{40}: the stored file is not what was sent/,
      );
      // The same path untouched passes the check.
      const id = await t.uploadFile('intact.bin', '', { data: content });
      assert.equal((await t.getResourceInfo(id)).hash, sha1(content));
    } finally {
      await proxy.close();
    }
  });

  it('uploads from localFile, bytes and streams; HashSimpleUploads sends the SHA-1', async () => {
    const path = join(env.dir, 'source.bin');
    await writeFile(path, content);
    box.localFile = path;
    const fromFile = await box.uploadFile('from-file.bin', '');
    box.localFile = '';
    assert.equal((await box.getResourceInfo(fromFile)).hash, sha1(content));
    let log = env.server.requestLog.at(-2)!;
    assert.equal(log.path, '/api/2.0/files/content');
    assert.equal(log.headers['content-md5'], undefined, 'no hash by default');

    box.config('HashSimpleUploads=true');
    box.resourceData = content;
    const fromBytes = await box.uploadFile('from-bytes.bin', '');
    log = env.server.requestLog.at(-1)!;
    assert.equal(log.headers['content-md5'], sha1(content));
    assert.equal((await box.getResourceInfo(fromBytes)).hash, sha1(content));
    box.resourceData = undefined;

    // A one-shot stream with HashSimpleUploads is spooled first, so the hash is known before the body.
    const fromStream = await box.uploadFile('from-stream.bin', '', {
      data: Readable.from([content.subarray(0, 1000), content.subarray(1000)]),
    });
    assert.equal(env.server.requestLog.at(-1)!.headers['content-md5'], sha1(content));
    assert.equal((await box.getResourceInfo(fromStream)).hash, sha1(content));
    const web = new Blob([content]).stream();
    const fromWeb = await box.uploadFile('from-web.bin', '', { data: web });
    assert.equal((await box.getResourceInfo(fromWeb)).hash, sha1(content));
    box.config('HashSimpleUploads=false');

    // Empty content is a file too.
    const empty = await box.uploadFile('empty.txt', '', { data: new Uint8Array(0) });
    assert.equal((await box.getResourceInfo(empty)).size, 0);

    // A missing local file is 611.
    await rejectsWithCode(
      box.uploadFile('x', '', { localFile: join(env.dir, 'nope') }),
      ErrorCode.LocalFileError,
    );
    // A clash is Box's 409.
    const clash = await rejectsWithCode(
      box.uploadFile('from-file.bin', '', { data: content }),
      ErrorCode.ServerError,
    );
    assert.equal(clash.providerCode, 'item_name_in_use');
  });

  it('sends a simple upload again after a 429 (Box did not run it), and after a 500 once Box shows it has no such file', async () => {
    const b = env.box();
    env.server.faults.add({
      host: 'upload',
      method: 'POST',
      path: '/files/content',
      status: 429,
      retryAfter: 1,
    });
    const log = env.server.requestLog.length;
    const id = await b.uploadFile('after-429.bin', '', { data: content });
    assert.deepEqual(
      env.server.requestLog.slice(log).map((e) => e.status),
      [429, 201],
    );
    assert.equal((await b.getResourceInfo(id)).hash, sha1(content));
    // After a 500 the outcome is unknown: Box's folder is asked first (no such file), then it goes again.
    env.server.faults.add({ host: 'upload', method: 'POST', path: '/files/content', status: 500 });
    const since = env.server.requestLog.length;
    const again = await b.uploadFile('after-500.bin', '', { data: content });
    assert.deepEqual(
      env.server.requestLog.slice(since).map((e) => `${e.method} ${e.path} ${e.status}`),
      ['POST /api/2.0/files/content 500', 'GET /2.0/folders/0/items 200', 'POST /api/2.0/files/content 201'],
    );
    assert.equal((await b.getResourceInfo(again)).hash, sha1(content));
    // Listing is safe to repeat: a 503 is retried by itself.
    env.server.faults.add({ host: 'api', method: 'GET', path: '/items', status: 503 });
    await b.listResources('');
    assert.ok(b.resources.some((r) => r.name === 'after-429.bin'));
  });

  it('sends ClientCreatedTime / ClientModifiedTime, and a new version through updateResource', async () => {
    const b = env.box();
    b.config('ClientCreatedTime=2020-01-02T03:04:05Z');
    b.config('ClientModifiedTime=2021-06-07T08:09:10Z');
    const id = await b.uploadFile('dated.txt', '', { data: Buffer.from('dated') });
    const info = await b.getResourceInfo(id);
    assert.equal(Date.parse(b.config('ResourceClientCreatedTime[0]')), Date.parse('2020-01-02T03:04:05Z'));
    assert.equal(Date.parse(info.clientModifiedTime), Date.parse('2021-06-07T08:09:10Z'));
    await rejectsWithCode(
      Promise.resolve().then(() => b.config('ClientModifiedTime=yesterday')),
      ErrorCode.InvalidArgument,
    );

    b.config('ClientModifiedTime=2022-02-02T02:02:02Z');
    b.resources[0]!.name = 'dated-v2.txt';
    b.resourceData = Buffer.from('second version');
    await b.updateResource(id);
    b.resourceData = undefined;
    const v2 = await b.getResourceInfo(id);
    assert.equal(v2.name, 'dated-v2.txt');
    assert.equal(v2.hash, sha1(Buffer.from('second version')));
    assert.equal(Date.parse(v2.clientModifiedTime), Date.parse('2022-02-02T02:02:02Z'));
    assert.notEqual(v2.versionId, info.versionId);
  });

  it('downloads to a file, to bytes (resourceData) and to a stream, following the redirect to the download host', async () => {
    const id = await box.uploadFile('download.bin', '', { data: content });
    const bytes = await box.downloadFile(id);
    assert.ok(Buffer.from(bytes.data!).equals(content));
    assert.ok(Buffer.from(box.resourceData as Uint8Array).equals(content));
    const hosts = env.server.requestLog.slice(-2).map((e) => `${e.host} ${e.method} ${e.path}`);
    assert.match(hosts[0]!, /^api GET \/2.0\/files\/\d+\/content$/);
    assert.match(hosts[1]!, /^download GET \/d\/1\/.+\/download$/);
    assert.equal(
      env.server.requestLog.at(-1)!.headers.authorization,
      undefined,
      'no token to the download host',
    );

    const path = join(env.dir, 'download.bin');
    await box.downloadFile(id, { localFile: path });
    assert.ok((await readFile(path)).equals(content));
    // overwrite is off: 608, and the file is untouched.
    await rejectsWithCode(box.downloadFile(id, { localFile: path }), ErrorCode.LocalFileExists);
    await writeFile(path, 'old');
    await box.downloadFile(id, { localFile: path, overwrite: true });
    assert.ok((await readFile(path)).equals(content));

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c) => chunks.push(c));
    await box.downloadFile(id, { stream: sink });
    assert.ok(Buffer.concat(chunks).equals(content));

    let progress = 0;
    let last = { bytesTransferred: 0, totalBytes: 0, percentDone: 0 };
    box.on('progress', (e) => {
      progress++;
      last = e;
    });
    await box.downloadFile(id);
    box.removeAllListeners('progress');
    assert.ok(progress >= 2);
    assert.deepEqual(last, {
      direction: 1,
      bytesTransferred: content.length,
      totalBytes: content.length,
      percentDone: 100,
    });
  });

  it('resumes a download whose connection breaks mid-body, and one interrupted then resumed with startByte', async () => {
    const id = await box.uploadFile('resume.bin', '', { data: content });
    // The connection is reset after 1 MB: the class asks for the rest with a Range request by itself.
    env.server.faults.add({ host: 'download', resetAfterBytes: 1024 * 1024 });
    const bytes = await box.downloadFile(id);
    assert.ok(Buffer.from(bytes.data!).equals(content));
    const ranged = env.server.requestLog.filter((e) => e.host === 'download').at(-1)!;
    assert.match(String(ranged.headers.range), /^bytes=\d+-$/);

    // Interrupted by the caller midway: the partial file stays; startByte resumes it.
    const path = join(env.dir, 'resume.bin');
    const b = env.box({ localFile: path });
    const stopAt = 1024 * 1024;
    const onTransfer = (e: { direction: number; bytesTransferred: number }) => {
      if (e.direction === 1 && e.bytesTransferred >= stopAt) b.interrupt();
    };
    b.on('transfer', onTransfer);
    await rejectsWithCode(b.downloadFile(id), ErrorCode.Interrupted);
    b.off('transfer', onTransfer);
    const partial = (await stat(path)).size;
    assert.ok(partial > 0 && partial < content.length, `partial file of ${partial} bytes`);
    b.startByte = partial;
    const events: number[] = [];
    b.on('progress', (e) => events.push(e.bytesTransferred));
    await b.downloadFile(id);
    assert.ok((await readFile(path)).equals(content), 'byte for byte');
    assert.equal(events[0], partial, 'ProgressAbsolute: the resumed download starts at startByte');
    const range = env.server.requestLog.filter((e) => e.host === 'download').at(-1)!.headers.range;
    assert.equal(range, `bytes=${partial}-`);
    // A startByte that does not match the partial file is 609.
    b.startByte = 5;
    await rejectsWithCode(
      b.downloadFile(id, { localFile: join(env.dir, 'other.bin') }),
      ErrorCode.CannotResume,
    );
    // To bytes, startByte gives the rest of the file.
    const tail = await b.downloadFile(id, { localFile: '', startByte: content.length - 100 });
    assert.ok(Buffer.from(tail.data!).equals(content.subarray(content.length - 100)));
  });

  it('waits out a 202 before a fresh download; a per-call signal or interrupt() stops an upload (301); idle', async () => {
    const id = await box.uploadFile('fresh.bin', '', { data: content });
    env.emulator.config.downloadPendingResponses = 1;
    const log = env.server.requestLog.length;
    const bytes = await box.downloadFile(id);
    env.emulator.config.downloadPendingResponses = 0;
    assert.ok(Buffer.from(bytes.data!).equals(content));
    assert.deepEqual(
      env.server.requestLog.slice(log).map((e) => e.status),
      [202, 302, 200],
    );

    const b = env.box();
    assert.equal(b.idle, true);
    const controller = new AbortController();
    let sawBusy = false;
    b.on('transfer', (e) => {
      if (e.direction === 0 && e.bytesTransferred > 256 * 1024) {
        sawBusy ||= !b.idle;
        controller.abort();
      }
    });
    await rejectsWithCode(
      b.uploadFile('aborted.bin', '', { data: content, signal: controller.signal }),
      ErrorCode.Interrupted,
    );
    assert.ok(sawBusy, 'idle is false while a method runs');
    assert.equal(b.idle, true);
    b.removeAllListeners('transfer');
    b.on('transfer', (e) => {
      if (e.direction === 0 && e.bytesTransferred > 256 * 1024) b.interrupt();
    });
    await rejectsWithCode(b.uploadFile('aborted.bin', '', { data: content }), ErrorCode.Interrupted);
    b.removeAllListeners('transfer');
    // The instance works again afterwards.
    assert.match(await b.uploadFile('after-abort.bin', '', { data: content }), /^f:/);
  });

  it('sendCustomRequest: a body that breaks midway fails the call (no uncaught error) and leaves no file', async () => {
    const path = join(env.dir, 'custom-body.json');
    env.server.faults.add({ host: 'api', path: '/folders/0', resetAfterBytes: 100 });
    await rejectsWithCode(
      box.sendCustomRequest('GET', '/folders/0', '', { localFile: path }),
      ErrorCode.ConnectionDropped,
    );
    await assert.rejects(stat(path), { code: 'ENOENT' }, 'no truncated file that looks complete');
    await box.sendCustomRequest('GET', '/folders/0', '', { localFile: path });
    const whole = await readFile(path, 'utf8');
    assert.equal(JSON.parse(whole).id, '0');
    // An existing file stays as it was, whether the body breaks or the call is 608.
    env.server.faults.add({ host: 'api', path: '/folders/0', resetAfterBytes: 100 });
    await assert.rejects(
      box.sendCustomRequest('GET', '/folders/0', '', { localFile: path, overwrite: true }),
    );
    await rejectsWithCode(
      box.sendCustomRequest('GET', '/folders/0', '', { localFile: path }),
      ErrorCode.LocalFileExists,
    );
    assert.equal(await readFile(path, 'utf8'), whole);
  });

  it('downloads thumbnails (format, size, 202 → error 700 with RetryAfter, placeholders)', async () => {
    const png = await box.uploadFile('picture.png', '', { data: Buffer.from('not really a png') });
    const t = env.box({ downloadType: 1 });
    const err = await rejectsWithCode(t.downloadFile(png), BoxErrorCode.ThumbnailNotReady);
    assert.equal(err.retryAfter, 7);
    assert.equal(t.config('RetryAfter'), '7');
    const jpg = await t.downloadFile(png);
    assert.deepEqual(
      [...Buffer.from(jpg.data!).subarray(0, 3)],
      [0xff, 0xd8, 0xff],
      'a JPEG (ThumbnailFormat 0)',
    );
    assert.equal(t.config('RetryAfter'), '0');
    t.config('ThumbnailFormat=1');
    t.config('ThumbnailSize=5');
    const big = await t.downloadFile(png);
    const b = Buffer.from(big.data!);
    assert.equal(b.subarray(1, 4).toString(), 'PNG');
    assert.equal(b.readUInt32BE(16), 256, 'a 256x256 PNG');
    assert.match(env.server.requestLog.at(-1)!.query, /min_width=256/);
    // 94x94 is a JPG size only.
    t.config('ThumbnailSize=2');
    await rejectsWithCode(t.downloadFile(png), ErrorCode.InvalidArgument);
    // A type Box cannot render: the placeholder it redirects to.
    const other = await box.uploadFile('archive.xyz', '', { data: Buffer.from('?') });
    t.config('ThumbnailSize=0');
    const placeholder = Buffer.from((await t.downloadFile(other)).data!);
    assert.equal(placeholder.subarray(1, 4).toString(), 'PNG');
    const path = join(env.dir, 'thumb.png');
    await t.downloadFile(png, { localFile: path });
    assert.equal((await readFile(path)).subarray(1, 4).toString(), 'PNG');
  });
});
