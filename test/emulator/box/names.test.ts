/**
 * Names in every script, over every Box emulator route that takes or returns one: folder create, multipart
 * and session uploads, rename, copy, move, listing, search, downloads (the Content-Disposition decodes back
 * to the name) and shared-link downloads. Box's name rules (openapi.json): leading and inner spaces are
 * fine, trailing spaces are not. And the fields PUT /files/{id} and PUT /folders/{id} update.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dispositionName, NAMES } from '../names.js';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;

const sha1b64 = (b: Buffer) => createHash('sha1').update(b).digest('base64');

function multipart(attributes: Json, content: Buffer): { body: Buffer; type: string } {
  const boundary = `----names-${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${JSON.stringify(attributes)}\r\n`,
    ),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('Box emulator: names in every script, with spaces', () => {
  let h: BoxHarness;

  before(async () => {
    h = await startBox({ config: { minChunkedUploadSize: 10, partSizeFor: () => 16 } });
  });
  after(() => h.close());

  async function ok(res: Response, status = 200): Promise<Json> {
    const text = await res.text();
    assert.equal(res.status, status, text);
    return JSON.parse(text) as Json;
  }

  async function createFolder(name: string, parent = '0'): Promise<Json> {
    return ok(
      await h.api('/2.0/folders', { method: 'POST', body: JSON.stringify({ name, parent: { id: parent } }) }),
      201,
    );
  }

  async function upload(name: string, content: Buffer, parent = '0'): Promise<Json> {
    const { body, type } = multipart({ name, parent: { id: parent } }, content);
    const res = await h.api('/api/2.0/files/content', {
      host: 'upload',
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
    return ((await ok(res, 201)).entries as Json[])[0]!;
  }

  async function sessionUpload(name: string, content: Buffer, parent = '0'): Promise<Json> {
    const session = await ok(
      await h.api('/api/2.0/files/upload_sessions', {
        host: 'upload',
        method: 'POST',
        body: JSON.stringify({ folder_id: parent, file_size: content.length, file_name: name }),
      }),
      201,
    );
    const endpoints = session.session_endpoints as Record<string, string>;
    const parts: Json[] = [];
    const partSize = session.part_size as number;
    for (let start = 0; start < content.length; start += partSize) {
      const bytes = content.subarray(start, start + partSize);
      const res = await fetch(endpoints.upload_part!, {
        method: 'PUT',
        body: bytes,
        headers: {
          authorization: `Bearer ${h.token}`,
          'content-range': `bytes ${start}-${start + bytes.length - 1}/${content.length}`,
          digest: `sha=${sha1b64(bytes)}`,
        },
      });
      parts.push((await ok(res)).part as Json);
    }
    const res = await fetch(endpoints.commit!, {
      method: 'POST',
      body: JSON.stringify({ parts }),
      headers: {
        authorization: `Bearer ${h.token}`,
        'content-type': 'application/json',
        digest: `sha=${sha1b64(content)}`,
      },
    });
    return ((await ok(res, 201)).entries as Json[])[0]!;
  }

  /** Downloads through the 302 and checks the name the download host gives back. */
  async function download(id: string): Promise<{ name: string; body: Buffer }> {
    const redirect = await h.api(`/2.0/files/${id}/content`);
    assert.equal(redirect.status, 302);
    const res = await fetch(redirect.headers.get('location')!);
    assert.equal(res.status, 200);
    return {
      name: dispositionName(res.headers.get('content-disposition')),
      body: Buffer.from(await res.arrayBuffer()),
    };
  }

  async function update(type: 'files' | 'folders', id: string, body: Json): Promise<Json> {
    return ok(await h.api(`/2.0/${type}/${id}`, { method: 'PUT', body: JSON.stringify(body) }));
  }

  for (const [i, name] of NAMES.entries()) {
    it(`every route keeps the name ${JSON.stringify(name)}`, async () => {
      const content = Buffer.from(`content of ${name}\n`);
      const folder = await createFolder(`dir ${i} ${name}`);
      assert.equal(folder.name, `dir ${i} ${name}`);
      const folderId = folder.id as string;

      // Multipart upload, read back, listed, downloaded.
      const file = await upload(name, content, folderId);
      assert.equal(file.name, name);
      assert.equal((await ok(await h.api(`/2.0/files/${file.id}`))).name, name);
      const listing = await ok(await h.api(`/2.0/folders/${folderId}/items`));
      assert.deepEqual(
        (listing.entries as Json[]).map((e) => e.name),
        [name],
      );
      const got = await download(file.id as string);
      assert.equal(got.name, name);
      assert.deepEqual(got.body, content);

      // Upload session.
      const big = Buffer.from(`${name} `.repeat(8));
      const sessioned = await sessionUpload(`s ${name}`, big, folderId);
      assert.equal(sessioned.name, `s ${name}`);
      assert.equal((await download(sessioned.id as string)).name, `s ${name}`);

      // Search finds it by its name.
      const found = await ok(
        await h.api(`/2.0/search?query=${encodeURIComponent(name)}&ancestor_folder_ids=${folderId}`),
      );
      assert.ok(
        (found.entries as Json[]).some((e) => e.id === file.id),
        `search for ${JSON.stringify(name)}`,
      );

      // Rename, copy under a new name, move under another name.
      const renamed = await update('files', file.id as string, { name: `r ${name}` });
      assert.equal(renamed.name, `r ${name}`);
      assert.equal((await download(file.id as string)).name, `r ${name}`);
      const copy = await ok(
        await h.api(`/2.0/files/${file.id}/copy`, {
          method: 'POST',
          body: JSON.stringify({ parent: { id: folderId }, name: `c ${name}` }),
        }),
        201,
      );
      assert.equal(copy.name, `c ${name}`);
      assert.equal((await download(copy.id as string)).name, `c ${name}`);
      const target = await createFolder(`target ${i} ${name}`, folderId);
      const moved = await update('files', copy.id as string, {
        parent: { id: target.id },
        name: `m ${name}`,
      });
      assert.equal(moved.name, `m ${name}`);
      assert.deepEqual(
        ((moved.path_collection as Json).entries as Json[]).map((e) => e.name),
        ['All Files', `dir ${i} ${name}`, `target ${i} ${name}`],
      );
      const folderCopy = await ok(
        await h.api(`/2.0/folders/${target.id}/copy`, {
          method: 'POST',
          body: JSON.stringify({ parent: { id: '0' }, name: `fc ${i} ${name}` }),
        }),
        201,
      );
      assert.equal(folderCopy.name, `fc ${i} ${name}`);

      // A shared link's download names the file too.
      const shared = await update('files', file.id as string, { shared_link: { access: 'open' } });
      const link = shared.shared_link as Json;
      const res = await fetch(link.download_url as string);
      assert.equal(res.status, 200);
      assert.equal(dispositionName(res.headers.get('content-disposition')), `r ${name}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), content);
    });
  }

  it('refuses trailing spaces everywhere a name is given, and accepts a leading space', async () => {
    const invalid = async (res: Response) => {
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as Json).code, 'item_name_invalid');
    };
    await invalid(
      await h.api('/2.0/folders', {
        method: 'POST',
        body: JSON.stringify({ name: 'trailing ', parent: { id: '0' } }),
      }),
    );
    const { body, type } = multipart({ name: 'trailing.txt ', parent: { id: '0' } }, Buffer.from('x'));
    await invalid(
      await h.api('/api/2.0/files/content', {
        host: 'upload',
        method: 'POST',
        body,
        headers: { 'content-type': type },
      }),
    );
    const file = await upload(' lead.txt', Buffer.from('x'));
    assert.equal(file.name, ' lead.txt');
    await invalid(
      await h.api(`/2.0/files/${file.id}`, { method: 'PUT', body: JSON.stringify({ name: 'x.txt  ' }) }),
    );
    // Copy cleans a name instead of refusing it: the trailing spaces go, the leading one stays.
    const copy = await ok(
      await h.api(`/2.0/files/${file.id}/copy`, {
        method: 'POST',
        body: JSON.stringify({ parent: { id: '0' }, name: ' copied.txt   ' }),
      }),
      201,
    );
    assert.equal(copy.name, ' copied.txt');
  });

  it('PUT /files/{id} sets content_modified_at and disposition_at', async () => {
    const file = await upload('times.txt', Buffer.from('t'));
    const updated = await update('files', file.id as string, {
      content_modified_at: '2021-03-04T05:06:07Z',
    });
    assert.equal(Date.parse(updated.content_modified_at as string), Date.parse('2021-03-04T05:06:07Z'));
    const read = await ok(await h.api(`/2.0/files/${file.id}?fields=content_modified_at,disposition_at`));
    assert.equal(Date.parse(read.content_modified_at as string), Date.parse('2021-03-04T05:06:07Z'));
    assert.equal(read.disposition_at, null);

    const disposed = await ok(
      await h.api(`/2.0/files/${file.id}?fields=disposition_at`, {
        method: 'PUT',
        body: JSON.stringify({ disposition_at: '2030-01-01T00:00:00Z' }),
      }),
    );
    assert.equal(Date.parse(disposed.disposition_at as string), Date.parse('2030-01-01T00:00:00Z'));
    // A retention date moves later, never earlier.
    const shorter = await h.api(`/2.0/files/${file.id}`, {
      method: 'PUT',
      body: JSON.stringify({ disposition_at: '2029-01-01T00:00:00Z' }),
    });
    assert.equal(shorter.status, 400);
    for (const bad of [{ content_modified_at: 'yesterday' }, { permissions: { can_download: 'everyone' } }]) {
      const res = await h.api(`/2.0/files/${file.id}`, { method: 'PUT', body: JSON.stringify(bad) });
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    // A bad field changes nothing.
    const after = await ok(await h.api(`/2.0/files/${file.id}?fields=content_modified_at`));
    assert.equal(Date.parse(after.content_modified_at as string), Date.parse('2021-03-04T05:06:07Z'));
  });

  it('PUT /folders/{id} sets the collaboration settings and the upload email', async () => {
    const folder = await createFolder('settings');
    const fields =
      'fields=can_non_owners_invite,can_non_owners_view_collaborators,is_collaboration_restricted_to_enterprise,folder_upload_email';
    const updated = await ok(
      await h.api(`/2.0/folders/${folder.id}?${fields}`, {
        method: 'PUT',
        body: JSON.stringify({
          can_non_owners_invite: false,
          can_non_owners_view_collaborators: false,
          is_collaboration_restricted_to_enterprise: true,
          folder_upload_email: { access: 'collaborators' },
        }),
      }),
    );
    assert.equal(updated.can_non_owners_invite, false);
    assert.equal(updated.can_non_owners_view_collaborators, false);
    assert.equal(updated.is_collaboration_restricted_to_enterprise, true);
    const email = updated.folder_upload_email as Json;
    assert.equal(email.access, 'collaborators');
    assert.match(email.email as string, /^[^@\s]+@u\.box\.com$/);
    const read = await ok(await h.api(`/2.0/folders/${folder.id}?${fields}`));
    assert.deepEqual(read, updated);
    const off = await update('folders', folder.id as string, { folder_upload_email: null });
    assert.equal(off.folder_upload_email, null);
    // Hiding collaborators needs non-owner invitations off as well.
    const other = await createFolder('settings 2');
    const res = await h.api(`/2.0/folders/${other.id}`, {
      method: 'PUT',
      body: JSON.stringify({ can_non_owners_view_collaborators: false }),
    });
    assert.equal(res.status, 400);
  });
});
