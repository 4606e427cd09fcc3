import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import type { Dropbox } from '../../../src/providers/dropbox/index.js';
import { type Env, rejection, startEnv, startTamperProxy } from './helpers.js';

let env: Env;
let d: Dropbox;
const content = randomBytes(300_000);

/** A real RGB PNG of the given size (what Dropbox makes thumbnails of). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x80)]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

before(async () => {
  env = await startEnv();
  d = env.client();
  await d.uploadFile('/dl/data.bin', { data: content });
  await d.uploadFile('/dl/picture.png', { data: png(300, 200) });
  await d.uploadFile('/dl/report.docx', { data: Buffer.from('not really a docx') });
  await d.uploadFile('/dl/table.csv', { data: Buffer.from('a,b\n1,2\n') });
  await d.uploadFile('/dl/folder/one.txt', { data: Buffer.from('one') });
  await d.uploadFile('/dl/folder/two.txt', { data: Buffer.from('two') });
  await env.emulator.createExportOnlyFile('/dl/Plan.paper', {
    exports: { html: '<h1>Plan</h1>', markdown: '# Plan' },
  });
});
after(() => env.stop());

describe('downloadFile: content', () => {
  test('to resourceData, to a local file and to a stream; the metadata comes back', async () => {
    const c = env.client();
    const toBytes = await c.downloadFile('/DL/DATA.BIN');
    assert.deepEqual(Buffer.from(toBytes.data!), content);
    assert.deepEqual(Buffer.from(c.resourceData as Uint8Array), content);
    assert.equal(toBytes.resource.name, 'data.bin');
    assert.equal(toBytes.resource.size, content.length);

    const file = join(env.dir, 'data.bin');
    c.localFile = file;
    const toFile = await c.downloadFile('/dl/data.bin');
    assert.equal(toFile.localFile, file);
    assert.deepEqual(await readFile(file), content);

    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    await c.downloadFile('/dl/data.bin', { stream: sink });
    assert.deepEqual(Buffer.concat(chunks), content);
    assert.equal(sink.writableEnded, true);
  });

  test('an existing localFile is 608 unless overwrite; overwriting replaces it', async () => {
    const c = env.client();
    const file = join(env.dir, 'exists.bin');
    await writeFile(file, 'old');
    c.localFile = file;
    const err = await rejection(c.downloadFile('/dl/data.bin'));
    assert.equal(err.code, 608);
    assert.equal(await readFile(file, 'utf8'), 'old');
    c.overwrite = true;
    await c.downloadFile('/dl/data.bin');
    assert.deepEqual(await readFile(file), content);
  });

  test('interrupted mid-way, resumed from startByte with a Range request', async () => {
    const c = env.client();
    const file = join(env.dir, 'partial.bin');
    const controller = new AbortController();
    c.on('transfer', (e) => {
      if (e.direction === 1 && e.bytesTransferred > 100_000) controller.abort();
    });
    const err = await rejection(
      c.downloadFile('/dl/data.bin', { localFile: file, signal: controller.signal }),
    );
    assert.equal(err.code, 301);
    const have = (await stat(file)).size;
    assert.ok(have > 0 && have < content.length, `a partial file is left (${have} bytes)`);
    c.removeAllListeners('transfer');

    const wrong = await rejection(c.downloadFile('/dl/data.bin', { localFile: file, startByte: have + 1 }));
    assert.equal(wrong.code, 609);
    const since = env.server.requestLog.length;
    c.startByte = have;
    c.localFile = file;
    await c.downloadFile('/dl/data.bin');
    assert.deepEqual(await readFile(file), content);
    const request = env.server.requestLog.slice(since).find((e) => e.path === '/2/files/download')!;
    assert.equal(request.headers.range, `bytes=${have}-`);
  });

  test('a connection reset in the body is resumed by itself', async () => {
    const c = env.client();
    const since = env.server.requestLog.length;
    env.server.faults.add({ path: '/2/files/download', resetAfterBytes: 50_000 });
    const result = await c.downloadFile('/dl/data.bin');
    assert.deepEqual(Buffer.from(result.data!), content);
    const tries = env.server.requestLog.slice(since).filter((e) => e.path === '/2/files/download');
    assert.equal(tries.length, 2);
    assert.match(String(tries[1]!.headers.range), /^bytes=\d+-$/);
  });

  test('an older revision by rev:', async () => {
    const c = env.client();
    await c.uploadFile('/dl/versions.txt', { data: Buffer.from('first') });
    const rev = (await c.getResourceInfo('/dl/versions.txt')).revision;
    await c.uploadFile('/dl/versions.txt', { data: Buffer.from('second'), overwrite: true });
    assert.equal(Buffer.from((await c.downloadFile(`rev:${rev}`)).data!).toString(), 'first');
    assert.equal(Buffer.from((await c.downloadFile('/dl/versions.txt')).data!).toString(), 'second');
  });

  test('a corrupted body fails the content hash check (612) and leaves no file; an overwritten file survives', async () => {
    const proxy = await startTamperProxy(env.urls.content);
    try {
      const c = env.client({ contentBaseUrl: proxy.url });
      const errors: number[] = [];
      c.on('error', (e) => errors.push(e.errorCode));
      const file = join(env.dir, 'corrupt.bin');
      proxy.arm({ path: /files\/download$/, body: 'response', at: 12_345 });
      const err = await rejection(c.downloadFile('/dl/data.bin', { localFile: file }));
      assert.equal(proxy.corrupted, 1);
      assert.equal(err.code, 612);
      assert.match(err.message, /content hash/);
      assert.equal(existsSync(file), false);
      assert.deepEqual(errors, [612], 'the error event fired too');

      await writeFile(file, 'keep me');
      proxy.arm({ path: /files\/download$/, body: 'response', at: 7 });
      assert.equal(
        (await rejection(c.downloadFile('/dl/data.bin', { localFile: file, overwrite: true }))).code,
        612,
      );
      assert.equal(await readFile(file, 'utf8'), 'keep me');

      proxy.arm({ path: /files\/download$/, body: 'response', at: 0 });
      assert.equal((await rejection(c.downloadFile('/dl/data.bin'))).code, 612);
    } finally {
      await proxy.close();
    }
  });
});

describe('downloadFile: thumbnails, previews, exports, folders', () => {
  test('thumbnails per ThumbnailFormat, ThumbnailSize and ThumbnailMode', async () => {
    const c = env.client({ downloadType: 1 });
    const jpeg = Buffer.from((await c.downloadFile('/dl/picture.png')).data!);
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    c.config('ThumbnailFormat=1');
    c.config('ThumbnailSize=2');
    const thumb = Buffer.from((await c.downloadFile('/dl/picture.png')).data!);
    assert.equal(thumb.subarray(1, 4).toString(), 'PNG');
    // 300x200 into 128x128, strict: 128x85.
    assert.deepEqual([thumb.readUInt32BE(16), thumb.readUInt32BE(20)], [128, 85]);
    c.config('ThumbnailMode=2');
    const cover = Buffer.from((await c.downloadFile('/dl/picture.png')).data!);
    assert.deepEqual([cover.readUInt32BE(16), cover.readUInt32BE(20)], [192, 128]);
    const err = await rejection(c.downloadFile('/dl/data.bin'));
    assert.equal(err.httpStatus, 409);
  });

  test('previews: PDF for documents, HTML for spreadsheets', async () => {
    const c = env.client({ downloadType: 2 });
    const pdf = Buffer.from((await c.downloadFile('/dl/report.docx')).data!);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const html = Buffer.from((await c.downloadFile('/dl/table.csv')).data!).toString();
    assert.match(html, /<html/i);
  });

  test('an export-only file: exported, its extension appended to localFile', async () => {
    const c = env.client();
    const info = await c.getResourceInfo('/dl/Plan.paper');
    assert.equal(info.exportExtension, 'html');
    const result = await c.downloadFile('/dl/Plan.paper', { localFile: join(env.dir, 'plan') });
    assert.equal(result.localFile, join(env.dir, 'plan.html'));
    assert.equal(await readFile(join(env.dir, 'plan.html'), 'utf8'), '<h1>Plan</h1>');
    const again = await c.downloadFile('/dl/Plan.paper', { localFile: join(env.dir, 'named.html') });
    assert.equal(again.localFile, join(env.dir, 'named.html'));
    assert.equal(Buffer.from((await c.downloadFile('/dl/Plan.paper')).data!).toString(), '<h1>Plan</h1>');
  });

  test('a folder: 607, or a ZIP with AllowFolderDownloads', async () => {
    const c = env.client();
    assert.equal((await rejection(c.downloadFile('/dl/folder'))).code, 607);
    c.config('AllowFolderDownloads=True');
    const zip = Buffer.from((await c.downloadFile('/dl/folder')).data!);
    assert.equal(zip.readUInt32LE(0), 0x04034b50);
    const text = zip.toString('latin1');
    assert.ok(text.includes('folder/one.txt') && text.includes('folder/two.txt'));
    assert.equal((await rejection(c.downloadFile('/dl/folder', { startByte: 10 }))).code, 609);
    // A ZIP cannot be resumed: one cut short leaves no file that looks complete.
    const file = join(env.dir, 'folder-cut.zip');
    const fault = env.server.faults.add({ path: '/2/files/download_zip', resetAfterBytes: 40, times: 10 });
    await rejection(c.downloadFile('/dl/folder', { localFile: file }));
    env.server.faults.clear(fault);
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });

  test('deleted and missing resources are 604', async () => {
    const c = env.client();
    assert.equal((await rejection(c.downloadFile('/dl/missing.bin'))).code, 604);
    await c.uploadFile('/dl/deleted.bin', { data: Buffer.from('x') });
    await c.deleteResource('/dl/deleted.bin');
    assert.equal((await rejection(c.downloadFile('/dl/deleted.bin'))).code, 604);
  });
});
