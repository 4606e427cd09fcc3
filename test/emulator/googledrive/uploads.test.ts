import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Dispatcher, request } from 'undici';
import { call, type Harness, reasonOf, related, startHarness } from './helpers.js';

const KiB = 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('Drive emulator: uploads', () => {
  let h: Harness;
  let clock = Date.now();
  before(async () => {
    h = await startHarness({ now: () => clock });
  });
  after(() => h.stop());

  it('uploadType=media stores the body with hashes and size as a string', async () => {
    const r = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'media', fields: 'id,name,mimeType,size,md5Checksum,sha1Checksum,sha256Checksum' },
      body: 'hello world',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(r.status, 200);
    const f = r.json();
    assert.equal(f.name, 'Untitled');
    assert.equal(f.mimeType, 'text/plain');
    assert.equal(f.size, '11');
    assert.equal(f.md5Checksum, '5eb63bbbe01eeed093cb22bb8f5acdc3');
    assert.equal(f.sha1Checksum, '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed');
    assert.equal(f.sha256Checksum, 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    const down = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { alt: 'media' } });
    assert.equal(down.text, 'hello world');
  });

  it('uploadType=multipart takes the metadata then the media', async () => {
    const data = randomBytes(300 * KiB);
    const folder = await h.drive.addFolder('dest');
    const m = related(
      { name: 'pic.bin', parents: [folder.id], properties: { k: 'v' } },
      data,
      'application/x-test',
    );
    const r = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'multipart', fields: 'id,name,parents,mimeType,md5Checksum,properties,size' },
      body: m.body,
      headers: { 'content-type': m.contentType },
    });
    assert.equal(r.status, 200, r.text);
    const f = r.json();
    assert.deepEqual(f.parents, [folder.id]);
    assert.equal(f.mimeType, 'application/x-test');
    assert.equal(f.md5Checksum, md5(data));
    assert.equal(f.size, String(data.length));
    assert.deepEqual(f.properties, { k: 'v' });
    const down = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { alt: 'media' } });
    assert.ok(down.body.equals(data));
  });

  it('multipart update replaces the content and keeps the old revision', async () => {
    const first = await h.drive.addFile({ name: 'v.txt', mimeType: 'text/plain', content: 'one' });
    const m = related({ name: 'v2.txt' }, 'two', 'text/plain');
    const r = await call(h, 'PATCH', `/upload/drive/v3/files/${first.id}`, {
      query: { uploadType: 'multipart', fields: 'name,size,headRevisionId' },
      body: m.body,
      headers: { 'content-type': m.contentType },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().name, 'v2.txt');
    const revs = await call(h, 'GET', `/drive/v3/files/${first.id}/revisions`, {
      query: { fields: 'revisions(id,size)' },
    });
    assert.deepEqual(
      revs.json().revisions.map((x: { size: string }) => x.size),
      ['3', '3'],
    );
    assert.equal(revs.json().revisions[1].id, r.json().headRevisionId);
  });

  it('a multipart body without its closing boundary is a 400', async () => {
    const body = Buffer.from(
      '--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b\r\nContent-Type: text/plain\r\n\r\nabc',
    );
    const r = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'multipart' },
      body,
      headers: { 'content-type': 'multipart/related; boundary=b' },
    });
    assert.equal(r.status, 400);
    assert.equal(reasonOf(r), 'badRequest');
  });

  async function startSession(metadata: unknown, extra: Record<string, string> = {}) {
    const r = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'resumable', fields: 'id,name,size,md5Checksum' },
      json: metadata,
      headers: { 'x-upload-content-type': 'application/octet-stream', ...extra },
    });
    assert.equal(r.status, 200, r.text);
    const location = r.headers.location as string;
    assert.match(location, /[?&]upload_id=/);
    assert.ok(location.startsWith(h.api), 'the session URL is on the host the client used');
    assert.equal(r.headers['x-guploader-uploadid'], new URL(location).searchParams.get('upload_id'));
    return location;
  }

  async function put(url: string, body: Buffer, range: string, headers: Record<string, string> = {}) {
    const res = await request(url, {
      method: 'PUT',
      body,
      headers: { 'content-range': range, 'content-length': String(body.length), ...headers },
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  it('resumable: 308 with Range after each chunk, 200 with the file after the last', async () => {
    const data = randomBytes(600 * KiB + 123);
    const url = await startSession({ name: 'big.bin' }, { 'x-upload-content-length': String(data.length) });
    const c1 = 256 * KiB;
    let r = await put(url, data.subarray(0, c1), `bytes 0-${c1 - 1}/*`);
    assert.equal(r.status, 308);
    assert.equal(r.headers.range, `bytes=0-${c1 - 1}`);
    r = await put(url, data.subarray(c1, 2 * c1), `bytes ${c1}-${2 * c1 - 1}/${data.length}`);
    assert.equal(r.status, 308);
    assert.equal(r.headers.range, `bytes=0-${2 * c1 - 1}`);
    // Status query.
    r = await put(url, Buffer.alloc(0), `bytes */${data.length}`);
    assert.equal(r.status, 308);
    assert.equal(r.headers.range, `bytes=0-${2 * c1 - 1}`);
    r = await put(url, data.subarray(2 * c1), `bytes ${2 * c1}-${data.length - 1}/${data.length}`);
    assert.equal(r.status, 200, r.text);
    const f = JSON.parse(r.text);
    assert.equal(f.name, 'big.bin');
    assert.equal(f.size, String(data.length));
    assert.equal(f.md5Checksum, md5(data));
    // After completion a status query answers the file again.
    r = await put(url, Buffer.alloc(0), `bytes */${data.length}`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.text).id, f.id);
    const down = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { alt: 'media' } });
    assert.ok(down.body.equals(data));
  });

  it('resumable: a status query before any byte has no Range; X-GUploader-No-308 turns 308 into 200', async () => {
    const url = await startSession({ name: 'x' });
    let r = await put(url, Buffer.alloc(0), 'bytes */*');
    assert.equal(r.status, 308);
    assert.equal(r.headers.range, undefined);
    r = await put(url, randomBytes(256 * KiB), `bytes 0-${256 * KiB - 1}/*`, { 'x-guploader-no-308': 'yes' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-http-status-code-override'], '308');
    assert.equal(r.headers.range, `bytes=0-${256 * KiB - 1}`);
  });

  it('resumable: a non-final chunk under 256 KiB is refused; a misaligned one keeps whole 256 KiB units', async () => {
    const data = randomBytes(700 * KiB);
    const url = await startSession({ name: 'odd.bin' });
    let r = await put(url, data.subarray(0, 100 * KiB), `bytes 0-${100 * KiB - 1}/*`);
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.text).error.message, /262144/);
    r = await put(url, data.subarray(0, 300 * KiB), `bytes 0-${300 * KiB - 1}/*`);
    assert.equal(r.status, 308);
    assert.equal(r.headers.range, `bytes=0-${256 * KiB - 1}`, 'only the aligned prefix is kept');
    // The client resumes from the Range and finishes.
    r = await put(url, data.subarray(256 * KiB), `bytes ${256 * KiB}-${data.length - 1}/${data.length}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(r.text).md5Checksum, md5(data));
  });

  it('resumable: a chunk cut off midway stores nothing; the status query tells where to resume', async () => {
    const data = randomBytes(1024 * KiB);
    const url = await startSession({ name: 'cut.bin' }, { 'x-upload-content-length': String(data.length) });
    let r = await put(url, data.subarray(0, 512 * KiB), `bytes 0-${512 * KiB - 1}/${data.length}`);
    assert.equal(r.status, 308);
    // Send half of the next chunk, then drop the connection.
    const { Readable } = await import('node:stream');
    const abort = new AbortController();
    const body = new Readable({ read() {} });
    const pending = request(url, {
      method: 'PUT',
      body,
      headers: {
        'content-range': `bytes ${512 * KiB}-${data.length - 1}/${data.length}`,
        'content-length': String(512 * KiB),
      },
      signal: abort.signal,
    }).catch((e: unknown) => e);
    body.push(data.subarray(512 * KiB, 700 * KiB));
    await new Promise((resolve) => setTimeout(resolve, 100));
    abort.abort();
    const outcome = (await pending) as Dispatcher.ResponseData | Error;
    assert.ok(outcome instanceof Error);
    r = await put(url, Buffer.alloc(0), `bytes */${data.length}`);
    assert.equal(r.status, 308);
    assert.equal(r.headers.range, `bytes=0-${512 * KiB - 1}`);
    r = await put(url, data.subarray(512 * KiB), `bytes ${512 * KiB}-${data.length - 1}/${data.length}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(r.text).md5Checksum, md5(data));
  });

  it('resumable: re-sent bytes the session already holds are skipped; a gap is refused', async () => {
    const data = randomBytes(512 * KiB + 10);
    const url = await startSession({ name: 'overlap.bin' });
    let r = await put(url, data.subarray(0, 256 * KiB), `bytes 0-${256 * KiB - 1}/*`);
    assert.equal(r.status, 308);
    r = await put(url, data.subarray(300 * KiB), `bytes ${300 * KiB}-${data.length - 1}/${data.length}`);
    assert.equal(r.status, 400);
    r = await put(url, data, `bytes 0-${data.length - 1}/${data.length}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(r.text).md5Checksum, md5(data));
  });

  it('resumable: POST works like PUT, and the whole file in one request finishes at once', async () => {
    const url = await startSession({ name: 'one.txt', mimeType: 'text/plain' });
    const res = await request(url, { method: 'POST', body: 'short', headers: { 'content-length': '5' } });
    assert.equal(res.statusCode, 200);
    const f = (await res.body.json()) as { name: string; size: string };
    assert.equal(f.size, '5');
  });

  it('resumable: an expired session answers 404 notFound', async () => {
    const url = await startSession({ name: 'late.bin' });
    clock += h.drive.settings.sessionLifetimeMs + 1;
    h.token = h.drive.issueToken().accessToken;
    const r = await put(url, Buffer.from('abc'), 'bytes 0-2/3');
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.text).error.errors[0].reason, 'notFound');
  });

  it('resumable update of an existing file (PATCH), with conversion to a Google Doc on create', async () => {
    const f = await h.drive.addFile({ name: 'u.txt', mimeType: 'text/plain', content: 'old' });
    const r = await call(h, 'PATCH', `/upload/drive/v3/files/${f.id}`, {
      query: { uploadType: 'resumable' },
      json: { name: 'u2.txt' },
    });
    assert.equal(r.status, 200);
    const done = await put(r.headers.location as string, Buffer.from('new content'), 'bytes 0-10/11');
    assert.equal(done.status, 200, done.text);
    const got = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { alt: 'media' } });
    assert.equal(got.text, 'new content');
    const m = related(
      { name: 'Doc', mimeType: 'application/vnd.google-apps.document' },
      'line one\nline two',
      'text/plain',
    );
    const conv = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'multipart', fields: 'id,mimeType' },
      body: m.body,
      headers: { 'content-type': m.contentType },
    });
    assert.equal(conv.status, 200, conv.text);
    assert.equal(conv.json().mimeType, 'application/vnd.google-apps.document');
    const txt = await call(h, 'GET', `/drive/v3/files/${conv.json().id}/export`, {
      query: { mimeType: 'text/plain' },
    });
    assert.equal(txt.text, '\ufeffline one\nline two');
  });
});
