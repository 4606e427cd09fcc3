import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { HttpError } from '../../../src/emulator/core/index.js';
import { applyFields, parseFields } from '../../../src/emulator/googledrive/index.js';
import { call, type Harness, reasonOf, startHarness } from './helpers.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The entries of a ZIP archive (stored or deflated), read from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'no end of central directory');
  let p = zip.readUInt32LE(end + 16);
  const count = zip.readUInt16LE(end + 10);
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50);
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString();
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : raw);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

describe('fields masks', () => {
  it('selects nested paths, sub-lists and *', () => {
    const v = {
      kind: 'k',
      files: [{ id: '1', name: 'a', parents: ['p'], capabilities: { canEdit: true, canShare: false } }],
      nextPageToken: 't',
    };
    assert.deepEqual(applyFields(v, parseFields('nextPageToken,files(id,capabilities/canEdit)')), {
      nextPageToken: 't',
      files: [{ id: '1', capabilities: { canEdit: true } }],
    });
    assert.deepEqual(applyFields(v, parseFields('files(*)')), { files: v.files });
    assert.deepEqual(applyFields(v, parseFields('*')), v);
    assert.deepEqual(applyFields(v, parseFields('files/name,files/id')), { files: [{ id: '1', name: 'a' }] });
  });
  it('refuses malformed masks', () => {
    for (const bad of ['', 'files(id', 'files)', 'a,,b', 'files(id))', 'a b'])
      assert.throws(
        () => parseFields(bad),
        (e: unknown) => e instanceof HttpError && e.status === 400,
        bad,
      );
  });
});

describe('Drive emulator: files', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ settings: { exportSizeLimit: 64 * 1024 } });
  });
  after(() => h.stop());

  it('default projection, fields=*, unknown field names are a 400', async () => {
    const f = await h.drive.addFile({ name: 'a.txt', content: 'abc' });
    let r = await call(h, 'GET', `/drive/v3/files/${f.id}`);
    assert.deepEqual(Object.keys(r.json()).sort(), ['id', 'kind', 'mimeType', 'name']);
    r = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { fields: '*' } });
    const all = r.json();
    assert.equal(all.size, '3');
    assert.equal(all.md5Checksum, '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(all.version, '1');
    assert.equal(all.ownedByMe, true);
    assert.ok(all.webContentLink.startsWith(h.api));
    r = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { fields: 'id,nosuchfield' } });
    assert.equal(r.status, 400);
    assert.equal(r.json().error.errors[0].location, 'fields');
    r = await call(h, 'GET', '/drive/v3/files', { query: { fields: 'files(id,bogus)' } });
    assert.equal(r.status, 400);
  });

  it('lists in pages of pageSize with nextPageToken; a token of another query is refused', async () => {
    const folder = await h.drive.addFolder('paged');
    for (let i = 0; i < 7; i++)
      await h.drive.addFile({ name: `f${i}`, parent: folder.id, content: String(i) });
    const q = `'${folder.id}' in parents`;
    const got: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await call(h, 'GET', '/drive/v3/files', {
        query: {
          q,
          pageSize: 3,
          orderBy: 'name desc',
          fields: 'nextPageToken,files(name)',
          ...(token ? { pageToken: token } : {}),
        },
      });
      assert.equal(r.status, 200, r.text);
      got.push(...r.json().files.map((x: { name: string }) => x.name));
      token = r.json().nextPageToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(got, ['f6', 'f5', 'f4', 'f3', 'f2', 'f1', 'f0']);
    const first = await call(h, 'GET', '/drive/v3/files', {
      query: { q, pageSize: 3, fields: 'nextPageToken' },
    });
    const wrong = await call(h, 'GET', '/drive/v3/files', {
      query: { q: 'starred = true', pageToken: first.json().nextPageToken },
    });
    assert.equal(wrong.status, 400);
    for (const pageSize of [0, 1001, 'x'])
      assert.equal(
        (await call(h, 'GET', '/drive/v3/files', { query: { pageSize } })).status,
        400,
        String(pageSize),
      );
    const bad = await call(h, 'GET', '/drive/v3/files', { query: { orderBy: 'size' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error.errors[0].location, 'orderBy');
  });

  it('orders by several keys: folder first, then modifiedTime desc', async () => {
    const parent = await h.drive.addFolder('ordered');
    await h.drive.addFile({
      name: 'old',
      parent: parent.id,
      content: '1',
      modifiedTime: '2020-01-01T00:00:00Z',
    });
    await h.drive.addFile({
      name: 'new',
      parent: parent.id,
      content: '2',
      modifiedTime: '2024-01-01T00:00:00Z',
    });
    await h.drive.addFolder('sub', parent.id);
    const r = await call(h, 'GET', '/drive/v3/files', {
      query: { q: `'${parent.id}' in parents`, orderBy: 'folder,modifiedTime desc', fields: 'files(name)' },
    });
    assert.deepEqual(
      r.json().files.map((x: { name: string }) => x.name),
      ['sub', 'new', 'old'],
    );
  });

  it('alt=media: ranges, 416, Google Docs refused, abusive files need acknowledgeAbuse', async () => {
    const f = await h.drive.addFile({ name: 'r.bin', content: '0123456789' });
    let r = await call(h, 'GET', `/drive/v3/files/${f.id}`, {
      query: { alt: 'media' },
      headers: { range: 'bytes=2-4' },
    });
    assert.equal(r.status, 206);
    assert.equal(r.text, '234');
    assert.equal(r.headers['content-range'], 'bytes 2-4/10');
    r = await call(h, 'GET', `/drive/v3/files/${f.id}`, {
      query: { alt: 'media' },
      headers: { range: 'bytes=-3' },
    });
    assert.equal(r.text, '789');
    r = await call(h, 'GET', `/drive/v3/files/${f.id}`, {
      query: { alt: 'media' },
      headers: { range: 'bytes=20-' },
    });
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], 'bytes */10');
    const doc = await h.drive.addGoogleDoc('D', 'document', 'text');
    r = await call(h, 'GET', `/drive/v3/files/${doc.id}`, { query: { alt: 'media' } });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'fileNotDownloadable');
    const bad = await h.drive.addFile({ name: 'virus.exe', content: 'MZ', abusive: true });
    r = await call(h, 'GET', `/drive/v3/files/${bad.id}`, { query: { alt: 'media' } });
    assert.equal(reasonOf(r), 'cannotDownloadAbusiveFile');
    r = await call(h, 'GET', `/drive/v3/files/${bad.id}`, {
      query: { alt: 'media', acknowledgeAbuse: true },
    });
    assert.equal(r.text, 'MZ');
  });

  it('webContentLink downloads with a token, or without one when anyone has the link', async () => {
    const f = await h.drive.addFile({
      name: 'pub.txt',
      content: 'public',
      sharedWith: [{ type: 'anyone', role: 'reader' }],
    });
    const link = (
      await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { fields: 'webContentLink' } })
    ).json().webContentLink;
    assert.equal((await call(h, 'GET', link, { token: null })).text, 'public');
    const priv = await h.drive.addFile({ name: 'priv.txt', content: 'private' });
    const link2 = (
      await call(h, 'GET', `/drive/v3/files/${priv.id}`, { query: { fields: 'webContentLink' } })
    ).json().webContentLink;
    assert.equal((await call(h, 'GET', link2, { token: null })).status, 404);
    assert.equal((await call(h, 'GET', link2)).text, 'private');
  });

  it('exports Docs, Sheets, Slides and Drawings to their formats as real files', async () => {
    const doc = await h.drive.addGoogleDoc('Report', 'document', 'Title line\nBody <b> & more');
    const exp = (id: string, mimeType: string) =>
      call(h, 'GET', `/drive/v3/files/${id}/export`, { query: { mimeType } });
    let r = await exp(doc.id, 'text/html');
    assert.equal(r.headers['content-type'], 'text/html');
    assert.match(r.text, /<p>Body &lt;b&gt; &amp; more<\/p>/);
    r = await exp(doc.id, 'application/pdf');
    assert.match(r.body.subarray(0, 8).toString(), /^%PDF-1\.\d/);
    assert.match(r.body.toString('latin1'), /%%EOF\n$/);
    const xref = Number(/startxref\n(\d+)/.exec(r.body.toString('latin1'))![1]);
    assert.equal(r.body.subarray(xref, xref + 4).toString(), 'xref', 'startxref points at the xref table');
    r = await exp(doc.id, DOCX);
    const docx = unzip(r.body);
    assert.ok(docx.has('[Content_Types].xml'));
    assert.match(docx.get('word/document.xml')!.toString(), /Body &lt;b&gt; &amp; more/);
    r = await exp(doc.id, 'application/rtf');
    assert.match(r.text, /^\{\\rtf1/);
    r = await exp(doc.id, 'application/vnd.oasis.opendocument.text');
    assert.equal(unzip(r.body).get('mimetype')!.toString(), 'application/vnd.oasis.opendocument.text');
    r = await exp(doc.id, 'application/epub+zip');
    assert.ok(unzip(r.body).has('META-INF/container.xml'));

    const sheet = await h.drive.addGoogleDoc('Budget', 'spreadsheet', 'item,cost\n"a, b",3\n');
    r = await exp(sheet.id, 'text/csv');
    assert.equal(r.text, 'item,cost\n"a, b",3');
    r = await exp(sheet.id, 'text/tab-separated-values');
    assert.equal(r.text, 'item\tcost\na, b\t3');
    r = await exp(sheet.id, XLSX);
    const xlsx = unzip(r.body);
    assert.match(
      xlsx.get('xl/worksheets/sheet1.xml')!.toString(),
      /<c r="A2" t="inlineStr"><is><t>a, b<\/t>/,
    );

    const slides = await h.drive.addGoogleDoc('Deck', 'presentation', 'Slide one');
    r = await exp(slides.id, 'application/vnd.openxmlformats-officedocument.presentationml.presentation');
    assert.match(unzip(r.body).get('ppt/slides/slide1.xml')!.toString(), /Slide one/);
    const drawing = await h.drive.addGoogleDoc('Pic', 'drawing', '');
    r = await exp(drawing.id, 'image/png');
    assert.deepEqual([...r.body.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    r = await exp(doc.id, 'image/png');
    assert.equal(r.status, 400, 'a document does not export as an image');
    const bin = await h.drive.addFile({ name: 'x.bin', content: 'x' });
    r = await exp(bin.id, 'application/pdf');
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'fileNotExportable');
    r = await call(h, 'GET', `/drive/v3/files/${doc.id}/export`);
    assert.equal(r.status, 400);
  });

  it('refuses exports over the export size limit with 403 exportSizeLimitExceeded', async () => {
    const big = await h.drive.addGoogleDoc('Huge', 'document', 'x'.repeat(100 * 1024));
    const r = await call(h, 'GET', `/drive/v3/files/${big.id}/export`, { query: { mimeType: 'text/plain' } });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'exportSizeLimitExceeded');
  });

  it('metadata create and update: folders, Google Docs, properties, trash flags, root alias', async () => {
    const root = await call(h, 'GET', '/drive/v3/files/root', { query: { fields: 'id,name' } });
    assert.equal(root.json().id, h.drive.user.rootId);
    assert.equal(root.json().name, 'My Drive');
    let r = await call(h, 'POST', '/drive/v3/files', {
      json: { name: 'Dir', mimeType: 'application/vnd.google-apps.folder' },
      query: { fields: 'id,parents,mimeType' },
    });
    const dir = r.json();
    assert.deepEqual(dir.parents, [h.drive.user.rootId]);
    r = await call(h, 'POST', '/drive/v3/files', {
      json: {
        name: 'Blank doc',
        mimeType: 'application/vnd.google-apps.document',
        parents: [dir.id],
        properties: { a: '1', b: '2' },
      },
      query: { fields: 'id,size,md5Checksum,properties' },
    });
    const doc = r.json();
    assert.equal(doc.md5Checksum, undefined, 'Google Docs have no md5Checksum');
    r = await call(h, 'PATCH', `/drive/v3/files/${doc.id}`, {
      json: {
        properties: { a: null, c: '3' },
        description: 'about',
        modifiedTime: '2024-02-03T04:05:06.789Z',
      },
      query: { fields: 'properties,description,modifiedTime,version' },
    });
    assert.deepEqual(r.json().properties, { b: '2', c: '3' });
    assert.equal(r.json().modifiedTime, '2024-02-03T04:05:06.789Z');
    assert.equal(r.json().version, '2');
    r = await call(h, 'PATCH', `/drive/v3/files/${doc.id}`, { json: { parents: ['x'] } });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'fieldNotWritable');
    // Trashing a folder trashes what is inside (trashed, not explicitlyTrashed).
    r = await call(h, 'PATCH', `/drive/v3/files/${dir.id}`, {
      json: { trashed: true },
      query: { fields: 'trashed,explicitlyTrashed,trashedTime' },
    });
    assert.equal(r.json().explicitlyTrashed, true);
    assert.ok(r.json().trashedTime);
    r = await call(h, 'GET', `/drive/v3/files/${doc.id}`, { query: { fields: 'trashed,explicitlyTrashed' } });
    assert.deepEqual(r.json(), { trashed: true, explicitlyTrashed: false });
    await call(h, 'PATCH', `/drive/v3/files/${dir.id}`, { json: { trashed: false } });
    r = await call(h, 'GET', `/drive/v3/files/${doc.id}`, { query: { fields: 'trashed' } });
    assert.equal(r.json().trashed, false);
  });

  it('single parent: a second parent on create or update is refused; moves refuse cycles', async () => {
    const a = await h.drive.addFolder('A');
    const b = await h.drive.addFolder('B');
    let r = await call(h, 'POST', '/drive/v3/files', { json: { name: 'two', parents: [a.id, b.id] } });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'cannotAddParent');
    const child = await h.drive.addFolder('child', a.id);
    r = await call(h, 'PATCH', `/drive/v3/files/${a.id}`, {
      query: { addParents: child.id, removeParents: h.drive.user.rootId },
    });
    assert.equal(r.status, 400, 'a folder cannot go into its own child');
    r = await call(h, 'PATCH', `/drive/v3/files/${child.id}`, {
      query: { addParents: b.id, removeParents: a.id, fields: 'parents' },
    });
    assert.deepEqual(r.json().parents, [b.id]);
    r = await call(h, 'PATCH', `/drive/v3/files/${child.id}`, { query: { removeParents: a.id } });
    assert.equal(r.status, 400, 'a is not a parent any more');
    r = await call(h, 'POST', '/drive/v3/files', { json: { name: 'x', parents: ['nope'] } });
    assert.equal(r.status, 404);
    assert.equal(reasonOf(r), 'notFound');
  });

  it('copy, delete (recursive), emptyTrash and generateIds', async () => {
    const src = await h.drive.addFile({ name: 'orig.txt', content: 'copy me', properties: { p: '1' } });
    let r = await call(h, 'POST', `/drive/v3/files/${src.id}/copy`, {
      json: {},
      query: { fields: 'id,name,md5Checksum,properties,parents' },
    });
    assert.equal(r.json().name, 'orig.txt');
    assert.deepEqual(r.json().properties, { p: '1' });
    assert.equal(
      (await call(h, 'GET', `/drive/v3/files/${r.json().id}`, { query: { alt: 'media' } })).text,
      'copy me',
    );
    const folder = await h.drive.addFolder('F');
    r = await call(h, 'POST', `/drive/v3/files/${folder.id}/copy`, { json: {} });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'cannotCopyFile');
    const inner = await h.drive.addFile({ name: 'inner', parent: folder.id, content: 'i' });
    r = await call(h, 'DELETE', `/drive/v3/files/${folder.id}`);
    assert.equal(r.status, 204);
    assert.equal((await call(h, 'GET', `/drive/v3/files/${inner.id}`)).status, 404);
    const t1 = await h.drive.addFile({ name: 't1', content: '1', trashed: true });
    const keep = await h.drive.addFile({ name: 'keep', content: '1' });
    r = await call(h, 'DELETE', '/drive/v3/files/trash');
    assert.equal(r.status, 204);
    assert.equal((await call(h, 'GET', `/drive/v3/files/${t1.id}`)).status, 404);
    assert.equal((await call(h, 'GET', `/drive/v3/files/${keep.id}`)).status, 200);
    r = await call(h, 'GET', '/drive/v3/files/generateIds', { query: { count: 3 } });
    assert.equal(r.json().ids.length, 3);
    const id = r.json().ids[0];
    r = await call(h, 'POST', '/drive/v3/files', { json: { id, name: 'with-id' }, query: { fields: 'id' } });
    assert.equal(r.json().id, id);
    r = await call(h, 'POST', '/drive/v3/files', { json: { id, name: 'again' } });
    assert.equal(r.status, 409);
  });

  it('Drive JSON errors: 401 authError, 404 notFound, unknown route, read-only scope', async () => {
    let r = await call(h, 'GET', '/drive/v3/files', { token: 'ya29.bogus' });
    assert.equal(r.status, 401);
    assert.equal(reasonOf(r), 'authError');
    assert.match(String(r.headers['www-authenticate']), /invalid_token/);
    r = await call(h, 'GET', '/drive/v3/files', { token: null });
    assert.equal(r.status, 401);
    r = await call(h, 'GET', '/drive/v3/files/doesnotexist');
    assert.deepEqual(r.json().error.errors[0], {
      message: 'File not found: doesnotexist.',
      domain: 'global',
      reason: 'notFound',
      location: 'fileId',
      locationType: 'parameter',
    });
    assert.equal(r.json().error.code, 404);
    assert.equal(r.json().error.status, 'NOT_FOUND');
    r = await call(h, 'GET', '/drive/v3/nothing');
    assert.equal(r.status, 404);
    const readonly = h.drive.issueToken({
      scopes: ['https://www.googleapis.com/auth/drive.readonly'],
    }).accessToken;
    r = await call(h, 'POST', '/drive/v3/files', { json: { name: 'x' }, token: readonly });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'insufficientPermissions');
    r = await call(h, 'GET', '/drive/v3/files', { token: readonly });
    assert.equal(r.status, 200);
    r = await call(h, 'GET', '/drive/v3/about');
    assert.equal(r.status, 400, 'about needs fields');
    assert.equal(reasonOf(r), 'required');
  });

  it('fault injection answers with Drive rate-limit errors', async () => {
    h.drive.rateLimit({ path: '/drive/v3/files' });
    let r = await call(h, 'GET', '/drive/v3/files');
    assert.equal(r.status, 403);
    assert.deepEqual(r.json().error.errors[0], {
      message: 'User Rate Limit Exceeded',
      domain: 'usageLimits',
      reason: 'userRateLimitExceeded',
    });
    h.drive.rateLimit({ reason: 'rateLimitExceeded' });
    r = await call(h, 'GET', '/drive/v3/files');
    assert.equal(reasonOf(r), 'rateLimitExceeded');
    h.drive.rateLimit({ status: 429, retryAfter: 2 });
    r = await call(h, 'GET', '/drive/v3/files');
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '2');
    h.server.faults.add({ status: 503, path: '/drive/v3/files' });
    r = await call(h, 'GET', '/drive/v3/files');
    assert.equal(r.status, 503);
    assert.equal(reasonOf(r), 'backendError');
    r = await call(h, 'GET', '/drive/v3/files');
    assert.equal(r.status, 200);
  });

  it('appDataFolder items are listed only with spaces=appDataFolder', async () => {
    const r = await call(h, 'POST', '/drive/v3/files', {
      json: { name: 'config.json', parents: ['appDataFolder'] },
      query: { fields: 'id,spaces' },
    });
    assert.deepEqual(r.json().spaces, ['appDataFolder']);
    const normal = await call(h, 'GET', '/drive/v3/files', {
      query: { q: "name = 'config.json'", fields: 'files(id)' },
    });
    assert.deepEqual(normal.json().files, []);
    const app = await call(h, 'GET', '/drive/v3/files', {
      query: { spaces: 'appDataFolder', fields: 'files(id)' },
    });
    assert.deepEqual(app.json().files, [{ id: r.json().id }]);
  });
});
