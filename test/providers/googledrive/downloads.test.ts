import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { wrongPasswordFails } from '../../helpers/rejects.js';
import { startTamperProxy } from '../../helpers/tamper-proxy.js';
import { type Env, read, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

describe('downloadFile', () => {
  test('to resourceData, a local file and a stream; alt=media', async () => {
    const d = env.client();
    const bytes = randomBytes(300_000);
    const id = await d.uploadFile('dl.bin', '', { data: bytes });
    const since = env.server.requestLog.length;
    d.localFile = '';
    const result = await d.downloadFile(id, '');
    assert.deepEqual(Buffer.from(result.data!), bytes);
    assert.deepEqual(Buffer.from(d.resourceData as Uint8Array), bytes);
    assert.ok(
      env.server.requestLog
        .slice(since)
        .some((e) => e.path === `/drive/v3/files/${id}` && /alt=media/.test(e.query)),
    );

    const file = join(env.dir, 'dl.bin');
    d.localFile = file;
    await d.downloadFile(id, '');
    assert.deepEqual(await readFile(file), bytes);
    const again = await rejection(d.downloadFile(id, ''));
    assert.equal(again.code, 608);
    d.overwrite = true;
    await d.downloadFile(id, '');

    const chunks: Buffer[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => chunks.push(c));
    await d.downloadFile(id, '', { stream });
    assert.deepEqual(Buffer.concat(chunks), bytes);
  });

  test('a folder is 607; a missing id is 604', async () => {
    const d = env.client();
    const folder = await d.createFolder('not-downloadable', '');
    assert.equal((await rejection(d.downloadFile(folder, '', { localFile: '' }))).code, 607);
    assert.equal((await rejection(d.downloadFile('1nope-nope-nope', '', { localFile: '' }))).code, 604);
  });

  test('an interrupted download resumes from startByte (Range), and the whole file checks against md5Checksum', async () => {
    const d = env.client({ maxRetries: 0 });
    const bytes = randomBytes(2_000_000);
    const id = await d.uploadFile('resume.bin', '', { data: bytes });
    const file = join(env.dir, 'resume.bin');
    // The metadata GET comes first (too short to be cut): the fault's second use is the content.
    env.server.faults.add({ path: `/drive/v3/files/${id}`, resetAfterBytes: 700_000, times: 2 });
    const err = await rejection(d.downloadFile(id, '', { localFile: file }));
    assert.ok(err.code !== 0);
    const partial = (await stat(file)).size;
    assert.ok(partial > 0 && partial < bytes.length, `partial ${partial}`);
    const since = env.server.requestLog.length;
    d.startByte = partial;
    await d.downloadFile(id, '', { localFile: file });
    assert.deepEqual(await readFile(file), bytes);
    const media = env.server.requestLog.slice(since).find((e) => /alt=media/.test(e.query));
    assert.equal(media!.headers.range, `bytes=${partial}-`);
  });

  test('corrupted bytes: 612, and a new file is not left behind', async () => {
    const proxy = await startTamperProxy(env.origin);
    try {
      const d = env.client({ apiUrl: `${proxy.url}/drive/v3` });
      const id = await d.uploadFile('tamper.bin', '', { data: randomBytes(10_000) });
      proxy.arm({ path: /alt=media/, body: 'response', at: 1234 });
      const file = join(env.dir, 'tamper.bin');
      const err = await rejection(d.downloadFile(id, '', { localFile: file }));
      assert.equal(err.code, 612);
      await assert.rejects(stat(file), { code: 'ENOENT' });
    } finally {
      await proxy.close();
    }
  });

  test('a file flagged as abusive needs acknowledgeAbuse', async () => {
    const d = env.client();
    const seeded = await env.emulator.addFile({ name: 'flagged.exe', content: 'MZ payload', abusive: true });
    const err = await rejection(d.downloadFile(seeded.id, '', { localFile: '' }));
    assert.equal(err.providerCode, 'cannotDownloadAbusiveFile');
    assert.match(err.message, /acknowledgeAbuse/);
    const ok = await d.downloadFile(seeded.id, '', { localFile: '', acknowledgeAbuse: true });
    assert.equal(Buffer.from(ok.data!).toString(), 'MZ payload');
  });

  test('RevisionId downloads that revision; acknowledgeAbuse goes along', async () => {
    const d = env.client();
    const id = await d.uploadFile('revs.txt', '', { data: Buffer.from('version one') });
    await d.getResourceInfo(id);
    await d.updateResource(id, { data: Buffer.from('version two') });
    const revisions = await d.listRevisions(id);
    assert.ok(revisions.length >= 2);
    assert.ok(revisions.every((r) => r.type === 2));
    d.config(`RevisionId=${revisions[0]!.id}`);
    assert.equal((await read(d, id)).toString(), 'version one');
    d.config('RevisionId=');
    assert.equal((await read(d, id)).toString(), 'version two');
    const since = env.server.requestLog.length;
    await d.downloadFile(id, '', { localFile: '', acknowledgeAbuse: true });
    assert.ok(env.server.requestLog.slice(since).some((e) => /acknowledgeAbuse=true/.test(e.query)));
  });
});

describe('exports of Google-native files', () => {
  test('an explicit MIME type, and DocsExportFormat (its extension added to localFile)', async () => {
    const d = env.client();
    const id = (await env.emulator.addGoogleDoc('Doc to export', 'document', 'Exported words')).id;
    assert.match((await read(d, id, 'text/plain')).toString(), /Exported words/);
    const base = join(env.dir, 'exported');
    d.config('DocsExportFormat=txt');
    const result = await d.downloadFile(id, '', { localFile: base });
    assert.equal(result.localFile, `${base}.txt`);
    assert.equal(result.mimeType, 'text/plain');
    assert.match(await readFile(`${base}.txt`, 'utf8'), /Exported words/);
    await d.getResourceInfo(id);
    assert.equal(d.config('NormalizedFileName[0]'), 'Doc to export.txt');
    d.config('DocsExportFormat=docx');
    assert.equal(d.config('NormalizedFileName[0]'), 'Doc to export.docx');
    d.config('DocsExportFormat=txt');
    assert.throws(() => d.config('DocsExportFormat=../x,text/plain'), /DocsExportFormat/);
    const err = await rejection(d.downloadFile(id, 'text/plain', { localFile: '', startByte: 5 }));
    assert.equal(err.code, 609);
  });

  test('SheetsExportFormat and SlidesExportFormat pick the format of sheets and slides; custom "ext,mime" too', async () => {
    const d = env.client();
    const sheet = (await env.emulator.addGoogleDoc('Numbers', 'spreadsheet', 'a,b\n1,2\n')).id;
    d.config('SheetsExportFormat=csv');
    const base = join(env.dir, 'numbers');
    const csv = await d.downloadFile(sheet, '', { localFile: base });
    assert.equal(csv.localFile, `${base}.csv`);
    assert.equal(csv.mimeType, 'text/csv');
    assert.match(await readFile(`${base}.csv`, 'utf8'), /a,b/);
    d.config('SheetsExportFormat=tsv,text/tab-separated-values');
    const tsv = await d.downloadFile(sheet, '', { localFile: '' });
    assert.equal(tsv.mimeType, 'text/tab-separated-values');
    const slides = (await env.emulator.addGoogleDoc('Deck', 'presentation', 'Slide text')).id;
    d.config('SlidesExportFormat=pdf');
    const pdf = await d.downloadFile(slides, '', { localFile: '' });
    assert.equal(pdf.mimeType, 'application/pdf');
    assert.equal(Buffer.from(pdf.data!).subarray(0, 5).toString(), '%PDF-');
  });

  test("Drive's export size limit is a clear error", async () => {
    const d = env.client();
    const id = (await env.emulator.addGoogleDoc('big doc', 'document', 'more than ten bytes of text')).id;
    const limit = env.emulator.settings.exportSizeLimit;
    env.emulator.settings.exportSizeLimit = 10;
    try {
      const err = await rejection(d.downloadFile(id, 'text/plain', { localFile: '' }));
      assert.equal(err.code, 601);
      assert.equal(err.providerCode, 'exportSizeLimitExceeded');
      assert.match(err.message, /at most 10 MB/);
    } finally {
      env.emulator.settings.exportSizeLimit = limit;
    }
  });
});

describe('encrypted downloads', () => {
  test('to a local file through DownloadTempFile, interrupted and resumed', async () => {
    const d = env.client({ encryptionPassword: 'secret', maxRetries: 0 });
    const bytes = randomBytes(1_500_000);
    const id = await d.uploadFile('enc-dl.bin', '', { data: bytes });
    const file = join(env.dir, 'enc-dl.bin');
    env.server.faults.add({ path: `/drive/v3/files/${id}`, resetAfterBytes: 500_000, times: 2 });
    await rejection(d.downloadFile(id, '', { localFile: file }));
    const temp = d.config('DownloadTempFile');
    assert.ok(temp);
    await assert.rejects(stat(file), { code: 'ENOENT' });
    d.startByte = (await stat(temp)).size;
    await d.downloadFile(id, '', { localFile: file });
    assert.deepEqual(await readFile(file), bytes);
    assert.equal(d.config('DownloadTempFile'), '');
  });

  test('resuming an encrypted download without DownloadTempFile is 610; the wrong password fails clearly', async () => {
    const d = env.client({ encryptionPassword: 'right' });
    const data = randomBytes(1000);
    const id = await d.uploadFile('enc-610.bin', '', { data });
    const file = join(env.dir, 'enc-610.bin');
    await writeFile(file, '');
    const err = await rejection(d.downloadFile(id, '', { localFile: file, startByte: 10 }));
    assert.equal(err.code, 610);
    const wrong = env.client({ encryptionPassword: 'wrong' });
    // AES-CBC (the default) has no authentication: a wrong key fails the padding check ~255 times in 256.
    await wrongPasswordFails(wrong.downloadFile(id, '', { localFile: '' }), data, (r) =>
      Buffer.from(r.data!),
    );
  });
});
