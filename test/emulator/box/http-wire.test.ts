/**
 * Wire details of the Box emulator that Box's SDK does not exercise, checked with plain `fetch`: error
 * bodies and headers, 401s, `fields`, etags, marker paging, uploads' multipart rules and digests, the
 * download redirect and ranges, and fault injection through the framework.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type BoxHarness, pseudoRandomBytes, startBox } from './helpers.js';

type Json = Record<string, unknown>;

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** A multipart/form-data body in Box's order (attributes, then file), or in a given order. */
function multipart(
  attributes: Json,
  content: Buffer,
  order: Array<'attributes' | 'file'> = ['attributes', 'file'],
): { body: Buffer; type: string } {
  const boundary = `----box-test-${Math.random().toString(16).slice(2)}`;
  const parts = order.map((name) =>
    name === 'attributes'
      ? Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${JSON.stringify(attributes)}\r\n`,
        )
      : Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
          content,
          Buffer.from('\r\n'),
        ]),
  );
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Checks Box's error body and that its request id is the `box-request-id` header. */
async function expectError(res: Response, status: number, code: string): Promise<Json> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await json(res);
  assert.equal(body.type, 'error');
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.help_url, 'string');
  assert.equal(typeof body.request_id, 'string');
  assert.equal(res.headers.get('box-request-id'), body.request_id);
  return body;
}

describe('Box emulator over plain HTTP', () => {
  let h: BoxHarness;
  let now = Date.now();

  before(async () => {
    h = await startBox({ now: () => now });
  });
  after(() => h.close());

  async function upload(name: string, content: Buffer, parentId = '0', headers: Record<string, string> = {}) {
    const { body, type } = multipart({ name, parent: { id: parentId } }, content);
    return h.api('/api/2.0/files/content', {
      host: 'upload',
      method: 'POST',
      body,
      headers: { 'content-type': type, ...headers },
    });
  }

  async function uploadOk(name: string, content: Buffer, parentId = '0'): Promise<Json> {
    const res = await upload(name, content, parentId);
    assert.equal(res.status, 201);
    return ((await json(res)).entries as Json[])[0]!;
  }

  async function mkdir(name: string, parentId = '0'): Promise<Json> {
    const res = await h.api('/2.0/folders', {
      method: 'POST',
      body: JSON.stringify({ name, parent: { id: parentId } }),
    });
    assert.equal(res.status, 201);
    return json(res);
  }

  it('answers a missing, unknown or expired token with a bare 401 and WWW-Authenticate', async () => {
    const wanted =
      'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."';
    const check = async (res: Response) => {
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), wanted);
      assert.equal(await res.text(), '');
      assert.ok(res.headers.get('box-request-id'));
    };
    await check(await h.api('/2.0/folders/0', { auth: false }));
    await check(await h.api('/2.0/folders/0', { headers: { authorization: 'Bearer not-a-token' } }));
    h.server.faults.add({ path: '/2.0/users/me', expiredToken: true });
    await check(await h.api('/2.0/users/me'));
    // A token past its lifetime.
    const short = h.box.issueToken({ lifetimeSeconds: 60 });
    assert.equal(
      (await h.api('/2.0/users/me', { headers: { authorization: `Bearer ${short}` } })).status,
      200,
    );
    now += 61_000;
    try {
      await check(await h.api('/2.0/users/me', { headers: { authorization: `Bearer ${short}` } }));
    } finally {
      now -= 61_000;
    }
    await check(await h.api('/api/2.0/files/content', { host: 'upload', method: 'POST', auth: false }));
  });

  it('puts box-request-id on every answer and formats errors as Box does', async () => {
    const ok = await h.api('/2.0/folders/0');
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('box-request-id') ?? '', /^[0-9a-f]+$/);
    await expectError(await h.api('/2.0/files/123456'), 404, 'not_found');
    await expectError(await h.api('/2.0/folders/abc'), 405, 'method_not_allowed');
    await expectError(await h.api('/2.0/no/such/route'), 404, 'not_found');
    await expectError(await h.api('/2.0/folders', { method: 'POST', body: '{not json' }), 400, 'bad_request');
  });

  it('enforces the name rules and reports conflicts with context_info', async () => {
    const bad = async (name: string, code: string) =>
      expectError(
        await h.api('/2.0/folders', { method: 'POST', body: JSON.stringify({ name, parent: { id: '0' } }) }),
        400,
        code,
      );
    await bad('a/b', 'item_name_invalid');
    await bad('back\\slash', 'item_name_invalid');
    await bad('trailing ', 'item_name_invalid');
    await bad('tab\tinside', 'item_name_invalid');
    await bad('.', 'item_name_invalid');
    await bad('..', 'item_name_invalid');
    await bad('x'.repeat(256), 'item_name_too_long');
    await mkdir('x'.repeat(255));
    // Box forbids trailing spaces only: a leading one is a valid name.
    await mkdir(' leading');

    const folder = await mkdir('Docs');
    // Folder create: conflicts is an array of minis; the check ignores case.
    const clash = await expectError(
      await h.api('/2.0/folders', {
        method: 'POST',
        body: JSON.stringify({ name: 'docs', parent: { id: '0' } }),
      }),
      409,
      'item_name_in_use',
    );
    const conflicts = (clash.context_info as Json).conflicts as Json[];
    assert.ok(Array.isArray(conflicts));
    assert.equal(conflicts[0]!.id, folder.id);
    assert.equal(conflicts[0]!.type, 'folder');

    // Upload: conflicts is one object, with the existing file's sha1 and version.
    const content = Buffer.from('same bytes');
    const file = await uploadOk('report.txt', content);
    const uploadClash = await expectError(await upload('REPORT.txt', content), 409, 'item_name_in_use');
    const conflict = (uploadClash.context_info as Json).conflicts as Json;
    assert.equal(conflict.id, file.id);
    assert.equal(conflict.sha1, sha1(content));
    assert.equal((conflict.file_version as Json).type, 'file_version');
    // A file and a folder share one namespace.
    await expectError(await upload('docs', content), 409, 'item_name_in_use');
    // Missing parent: 404.
    await expectError(await upload('x.txt', content, '99999999'), 404, 'not_found');
  });

  it('returns exactly the requested fields plus type, id and etag, and mini items in listings', async () => {
    const file = await uploadOk('fields.txt', Buffer.from('fields'));
    const picked = await json(await h.api(`/2.0/files/${file.id}?fields=name,size,unknown_field`));
    assert.deepEqual(Object.keys(picked).sort(), ['etag', 'id', 'name', 'size', 'type']);
    const standard = await json(await h.api(`/2.0/files/${file.id}`));
    for (const key of [
      'sha1',
      'file_version',
      'path_collection',
      'created_at',
      'owned_by',
      'parent',
      'item_status',
    ]) {
      assert.ok(key in standard, key);
    }
    assert.ok(!('lock' in standard));
    assert.match(String(standard.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    const listing = await json(await h.api('/2.0/folders/0/items?limit=1000'));
    const entry = (listing.entries as Json[]).find((e) => e.id === file.id)!;
    assert.deepEqual(Object.keys(entry).sort(), [
      'etag',
      'file_version',
      'id',
      'name',
      'sequence_id',
      'sha1',
      'type',
    ]);
    const embed = await json(await h.api(`/2.0/files/${file.id}?fields=expiring_embed_link`));
    const page = await fetch(String((embed.expiring_embed_link as Json).url));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /fields\.txt/);
    const withFields = await json(await h.api('/2.0/folders/0/items?fields=name,modified_at&limit=1000'));
    const e2 = (withFields.entries as Json[]).find((e) => e.id === file.id)!;
    assert.deepEqual(Object.keys(e2).sort(), ['etag', 'id', 'modified_at', 'name', 'type']);
  });

  it('pages folder items by marker until next_marker is null, without total_count', async () => {
    const folder = await mkdir('many');
    const names = Array.from({ length: 7 }, (_, i) => `f${i}.txt`);
    for (const n of names) await uploadOk(n, Buffer.from(n), folder.id as string);
    await mkdir('sub', folder.id as string);
    const seen: string[] = [];
    let marker: string | null = null;
    let pages = 0;
    do {
      const page: Json = await json(
        await h.api(
          `/2.0/folders/${folder.id}/items?usemarker=true&limit=3${marker ? `&marker=${marker}` : ''}`,
        ),
      );
      assert.ok(!('total_count' in page));
      assert.equal(page.limit, 3);
      assert.ok('next_marker' in page);
      assert.notEqual(page.next_marker, '');
      seen.push(...(page.entries as Json[]).map((e) => e.name as string));
      marker = page.next_marker as string | null;
      pages++;
    } while (marker);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['sub', ...names]);
    // A marker survives deletions of items already seen.
    const first = await json(await h.api(`/2.0/folders/${folder.id}/items?usemarker=true&limit=4`));
    const seenIds = (first.entries as Json[]).map((e) => e.id);
    await h.api(`/2.0/files/${seenIds[3]}`, { method: 'DELETE' });
    const next = await json(
      await h.api(`/2.0/folders/${folder.id}/items?usemarker=true&limit=4&marker=${first.next_marker}`),
    );
    assert.deepEqual(
      (next.entries as Json[]).map((e) => e.name),
      ['f3.txt', 'f4.txt', 'f5.txt', 'f6.txt'],
    );
    // Offset paging: total_count, offset, limit and order.
    const offset = await json(
      await h.api(`/2.0/folders/${folder.id}/items?offset=2&limit=2&sort=name&direction=DESC`),
    );
    assert.equal(offset.total_count, 7);
    assert.equal(offset.offset, 2);
    assert.deepEqual(
      (offset.entries as Json[]).map((e) => e.name),
      ['f5.txt', 'f4.txt'],
    );
    assert.deepEqual(offset.order, [
      { by: 'type', direction: 'ASC' },
      { by: 'name', direction: 'DESC' },
    ]);
    // Limits are clamped to Box's maximum.
    assert.equal((await json(await h.api(`/2.0/folders/${folder.id}/items?limit=5000`))).limit, 1000);
    // The trash refuses sort/offset with marker paging, and a marker without usemarker.
    await expectError(
      await h.api('/2.0/folders/trash/items?usemarker=true&sort=name'),
      400,
      'invalid_parameter',
    );
    await expectError(await h.api('/2.0/folders/trash/items?marker=abc'), 400, 'invalid_parameter');
    const trash = await json(await h.api('/2.0/folders/trash/items?usemarker=true&limit=10'));
    assert.ok((trash.entries as Json[]).some((e) => e.id === seenIds[3]));
    assert.equal(trash.next_marker, null);
  });

  it('honours If-None-Match (304) and If-Match (412) with etags that change on every update', async () => {
    const file = await uploadOk('etag.txt', Buffer.from('v1'));
    const res = await h.api(`/2.0/files/${file.id}`, { headers: { 'if-none-match': String(file.etag) } });
    assert.equal(res.status, 304);
    const renamed = await json(
      await h.api(`/2.0/files/${file.id}`, {
        method: 'PUT',
        body: JSON.stringify({ name: 'etag2.txt' }),
        headers: { 'if-match': String(file.etag) },
      }),
    );
    assert.notEqual(renamed.etag, file.etag);
    await expectError(
      await h.api(`/2.0/files/${file.id}`, {
        method: 'PUT',
        body: JSON.stringify({ name: 'etag3.txt' }),
        headers: { 'if-match': String(file.etag) },
      }),
      412,
      'precondition_failed',
    );
    const { body, type } = multipart({}, Buffer.from('v2'));
    await expectError(
      await h.api(`/api/2.0/files/${file.id}/content`, {
        host: 'upload',
        method: 'POST',
        body,
        headers: { 'content-type': type, 'if-match': String(file.etag) },
      }),
      412,
      'precondition_failed',
    );
    assert.equal((await json(await h.api(`/2.0/files/${file.id}`))).name, 'etag2.txt');
  });

  it('refuses bodies that are not a complete multipart form, and stores nothing from them', async () => {
    const post = (body: Buffer | string, type: string) =>
      h.api('/api/2.0/files/content', {
        host: 'upload',
        method: 'POST',
        body,
        headers: { 'content-type': type },
      });
    const before = h.box.store.items.size;
    const { body, type } = multipart({ name: 'cut.txt', parent: { id: '0' } }, Buffer.alloc(100_000, 1));
    // Cut inside the file part: no closing boundary.
    await expectError(await post(body.subarray(0, body.length - 200), type), 400, 'bad_request');
    await expectError(await post('{"name":"x"}', 'application/json'), 400, 'bad_request');
    await expectError(await post(body, 'multipart/form-data'), 400, 'bad_request');
    const huge = multipart(
      { name: 'big-attributes.txt', parent: { id: '0' }, pad: 'x'.repeat(300_000) },
      Buffer.from('x'),
    );
    await expectError(await post(huge.body, huge.type), 400, 'bad_request');
    const noFile = multipart({ name: 'nofile.txt', parent: { id: '0' } }, Buffer.alloc(0), ['attributes']);
    await expectError(await post(noFile.body, noFile.type), 400, 'bad_request');
    assert.equal(h.box.store.items.size, before);
  });

  it('requires the attributes part first and checks the Content-MD5 SHA-1', async () => {
    const content = Buffer.from('ordered');
    const wrongOrder = multipart({ name: 'order.txt', parent: { id: '0' } }, content, ['file', 'attributes']);
    await expectError(
      await h.api('/api/2.0/files/content', {
        host: 'upload',
        method: 'POST',
        body: wrongOrder.body,
        headers: { 'content-type': wrongOrder.type },
      }),
      400,
      'metadata_after_file_contents',
    );
    const wrong = await upload('digest.txt', content, '0', { 'content-md5': sha1(Buffer.from('other')) });
    await expectError(wrong, 400, 'bad_digest');
    const good = await upload('digest.txt', content, '0', { 'content-md5': sha1(content) });
    assert.equal(good.status, 201);
    // The `/2.0` prefix works on the upload host too; the file part may have any name.
    const { body, type } = multipart({ name: 'prefix.txt', parent: { id: '0' } }, content);
    const other = await h.api('/2.0/files/content', {
      host: 'upload',
      method: 'POST',
      body: Buffer.from(body.toString('latin1').replace('name="file"', 'name="contents"'), 'latin1'),
      headers: { 'content-type': type },
    });
    assert.equal(other.status, 201);
    const entry = ((await json(other)).entries as Json[])[0]!;
    assert.equal(entry.sha1, sha1(content));
    assert.equal(entry.size, content.length);
  });

  it('redirects downloads to a signed, short-lived URL that serves ranges', async () => {
    const content = pseudoRandomBytes(100_000, 11);
    const file = await uploadOk('range.bin', content);
    const redirect = await h.api(`/2.0/files/${file.id}/content`);
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location')!;
    assert.ok(location.startsWith(h.box.urls.download));
    assert.ok(redirect.headers.get('box-request-id'));

    const full = await fetch(location);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.ok(Buffer.from(await full.arrayBuffer()).equals(content));

    const part = await fetch(location, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${content.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(content.subarray(1000, 2000)));
    const tail = await fetch(location, { headers: { range: 'bytes=-10' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(content.subarray(content.length - 10)));
    const open = await fetch(location, { headers: { range: 'bytes=99990-' } });
    assert.equal(open.headers.get('content-range'), `bytes 99990-99999/${content.length}`);

    const unsatisfiable = await fetch(location, { headers: { range: 'bytes=200000-' } });
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.headers.get('content-range'), `bytes */${content.length}`);
    await unsatisfiable.arrayBuffer();

    // Tampered and expired links are refused.
    assert.equal((await fetch(location.replace(/\/d\/1\/./, '/d/1/x'))).status, 403);
    now += 16 * 60_000;
    try {
      assert.equal((await fetch(location)).status, 403);
    } finally {
      now -= 16 * 60_000;
    }
    // Older versions by id; folders have no content.
    const { body, type } = multipart({}, Buffer.from('new content'));
    await h.api(`/api/2.0/files/${file.id}/content`, {
      host: 'upload',
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
    const versions = await json(await h.api(`/2.0/files/${file.id}/versions`));
    const oldId = (versions.entries as Json[])[0]!.id;
    const old = await h.api(`/2.0/files/${file.id}/content?version=${oldId}`);
    const oldBytes = Buffer.from(await (await fetch(old.headers.get('location')!)).arrayBuffer());
    assert.ok(oldBytes.equals(content));
    await expectError(await h.api('/2.0/files/0/content'), 404, 'not_found');
  });

  it('answers 202 + Retry-After for a download that is not ready, when configured', async () => {
    const file = await uploadOk('fresh.txt', Buffer.from('fresh'));
    h.box.config.downloadPendingResponses = 1;
    try {
      const first = await h.api(`/2.0/files/${file.id}/content`);
      assert.equal(first.status, 202);
      assert.equal(first.headers.get('retry-after'), '1');
      assert.equal((await h.api(`/2.0/files/${file.id}/content`)).status, 302);
    } finally {
      h.box.config.downloadPendingResponses = 0;
    }
  });

  it('trash semantics: folder_not_empty, trashed errors, restore with a new name or parent, purge', async () => {
    const folder = await mkdir('trash-me');
    const inner = await uploadOk('inner.txt', Buffer.from('i'), folder.id as string);
    await expectError(
      await h.api(`/2.0/folders/${folder.id}`, { method: 'DELETE' }),
      400,
      'folder_not_empty',
    );
    assert.equal((await h.api(`/2.0/folders/${folder.id}?recursive=true`, { method: 'DELETE' })).status, 204);
    await expectError(await h.api(`/2.0/folders/${folder.id}`), 404, 'trashed');
    await expectError(await h.api(`/2.0/folders/${folder.id}/items`), 404, 'trashed');
    // The file went with its folder: it is trashed, but only the folder is in the trash listing.
    const innerNow = await json(await h.api(`/2.0/files/${inner.id}`));
    assert.equal(innerNow.item_status, 'trashed');
    assert.deepEqual((innerNow.path_collection as Json).entries, [
      { type: 'folder', id: '1', sequence_id: null, etag: null, name: 'Trash' },
    ]);
    await expectError(await h.api(`/2.0/files/${inner.id}/trash`), 404, 'not_found');

    // Restoring when the name was taken meanwhile: 409, then with a new name.
    await mkdir('trash-me');
    await expectError(
      await h.api(`/2.0/folders/${folder.id}`, { method: 'POST', body: '{}' }),
      409,
      'item_name_in_use',
    );
    const restored = await h.api(`/2.0/folders/${folder.id}`, {
      method: 'POST',
      body: JSON.stringify({ name: 'trash-me-2' }),
    });
    assert.equal(restored.status, 201);
    assert.equal((await json(restored)).name, 'trash-me-2');
    assert.equal((await json(await h.api(`/2.0/files/${inner.id}`))).item_status, 'active');

    // A file whose folder is gone needs a parent to come back to.
    const parent = await mkdir('parent-gone');
    const orphan = await uploadOk('orphan.txt', Buffer.from('o'), parent.id as string);
    await h.api(`/2.0/files/${orphan.id}`, { method: 'DELETE' });
    await h.api(`/2.0/folders/${parent.id}?recursive=true`, { method: 'DELETE' });
    await expectError(
      await h.api(`/2.0/files/${orphan.id}`, { method: 'POST', body: '{}' }),
      404,
      'not_found',
    );
    const back = await h.api(`/2.0/files/${orphan.id}`, {
      method: 'POST',
      body: JSON.stringify({ parent: { id: '0' } }),
    });
    assert.equal(back.status, 201);
    assert.equal(((await json(back)).parent as Json).id, '0');

    // Purge frees the bytes.
    const big = await uploadOk('purge.bin', pseudoRandomBytes(50_000, 2));
    const used = await h.server.blobs.diskUsage();
    await h.api(`/2.0/files/${big.id}`, { method: 'DELETE' });
    assert.equal((await h.api(`/2.0/files/${big.id}/trash`, { method: 'DELETE' })).status, 204);
    assert.equal(await h.server.blobs.diskUsage(), used - 50_000);
    await expectError(await h.api(`/2.0/files/${big.id}`), 404, 'not_found');
  });

  it('validates JSON Patch metadata updates atomically', async () => {
    const file = await uploadOk('patch.txt', Buffer.from('p'));
    const base = `/2.0/files/${file.id}/metadata/global/properties`;
    assert.equal(
      (await h.api(base, { method: 'POST', body: JSON.stringify({ a: '1', b: '2' }) })).status,
      201,
    );
    const patch = (ops: unknown) =>
      h.api(base, {
        method: 'PUT',
        body: JSON.stringify(ops),
        headers: { 'content-type': 'application/json-patch+json' },
      });
    await expectError(await patch({ op: 'add' }), 400, 'bad_request');
    await expectError(
      await patch([
        { op: 'replace', path: '/a', value: 'changed' },
        { op: 'test', path: '/b', value: 'not-2' },
      ]),
      400,
      'bad_request',
    );
    const unchanged = await json(await h.api(base));
    assert.equal(unchanged.a, '1');
    const res = await patch([
      { op: 'test', path: '/b', value: '2' },
      { op: 'move', from: '/a', path: '/c' },
      { op: 'copy', from: '/b', path: '/d' },
      { op: 'remove', path: '/b' },
    ]);
    assert.equal(res.status, 200);
    const after = await json(res);
    assert.equal(after.c, '1');
    assert.equal(after.d, '2');
    assert.ok(!('a' in after) && !('b' in after));
    assert.equal(after.$version, 1);
    assert.equal(after.$parent, `file_${file.id}`);
    assert.equal(after.$template, 'properties');
    assert.match(String(after.$type), /^properties-/);
    await expectError(await h.api(base, { method: 'POST', body: '{"x":"y"}' }), 409, 'tuple_already_exists');
  });

  it('turns an injected 429 (and 5xx) into Box error bodies with Retry-After', async () => {
    h.server.faults.add({ path: '/2.0/folders/0', status: 429, retryAfter: 7 });
    const res = await h.api('/2.0/folders/0');
    const body = await expectError(res, 429, 'rate_limit_exceeded');
    assert.equal(res.headers.get('retry-after'), '7');
    assert.match(String(body.message), /rate limit/i);
    h.server.faults.add({ path: '/api/2.0/files/content', host: 'upload', status: 503 });
    const { body: mp, type } = multipart({ name: 'x.txt', parent: { id: '0' } }, Buffer.from('x'));
    await expectError(
      await h.api('/api/2.0/files/content', {
        host: 'upload',
        method: 'POST',
        body: mp,
        headers: { 'content-type': type },
      }),
      503,
      'unavailable',
    );
    assert.equal((await h.api('/2.0/folders/0')).status, 200);
  });

  it('searches with offset paging and refuses a search without a query', async () => {
    const folder = await mkdir('s');
    for (let i = 0; i < 5; i++) await uploadOk(`needle-${i}.txt`, Buffer.from('x'), folder.id as string);
    await expectError(await h.api('/2.0/search'), 400, 'missing_parameter');
    const page = await json(
      await h.api(`/2.0/search?query=needle&ancestor_folder_ids=${folder.id}&limit=2&offset=2`),
    );
    assert.equal(page.type, 'search_results_items');
    assert.equal(page.total_count, 5);
    assert.equal(page.limit, 2);
    assert.equal(page.offset, 2);
    assert.equal((page.entries as Json[]).length, 2);
    assert.equal((await json(await h.api('/2.0/search?query=x&limit=999'))).limit, 200);
    await expectError(await h.api('/2.0/search?query=x&ancestor_folder_ids=424242'), 404, 'not_found');
  });
});
