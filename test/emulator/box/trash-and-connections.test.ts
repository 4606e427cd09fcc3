/**
 * Emulator behaviours the Box class relies on: an error answered before an upload body was read closes
 * the connection (so a client does not reuse a connection whose request is still unread), a folder purged
 * from the trash leaves the items that were trashed on their own in the trash, and `my_tags` lists the
 * tags of the user's items.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;

function multipart(attributes: Json, size: number): { body: Buffer; type: string } {
  const boundary = 'trash-test-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${JSON.stringify(attributes)}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`,
    ),
    Buffer.alloc(size, 7),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('Box emulator: early errors and trash purges', () => {
  let h: BoxHarness;
  before(async () => {
    h = await startBox();
  });
  after(() => h.close());

  async function upload(name: string, parent: string, size = 10): Promise<Response> {
    const { body, type } = multipart({ name, parent: { id: parent } }, size);
    return h.api('/api/2.0/files/content', {
      host: 'upload',
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
  }

  it('answers a name clash found before the file part at once, and reads the rest of the body away', async () => {
    assert.equal((await upload('clash.bin', '0')).status, 201);
    const { body, type } = multipart({ name: 'clash.bin', parent: { id: '0' } }, 4 * 1024 * 1024);
    const url = new URL(`${h.box.urls.upload}/api/2.0/files/content`);
    const answer = await new Promise<{ status: number; connection: string | undefined; code: string }>(
      (resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${h.token}`,
              'content-type': type,
              'content-length': body.length,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                connection: res.headers.connection,
                code: (JSON.parse(Buffer.concat(chunks).toString()) as { code: string }).code,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
    assert.equal(answer.status, 409);
    assert.equal(answer.code, 'item_name_in_use');
    // The unread rest of the body is drained, as Box does, so the connection is not closed under the
    // answer (a close with unread bytes is a reset, which can destroy the answer before it is read).
    assert.notEqual(answer.connection, 'close');
    const ok = await h.api('/2.0/folders/0', {});
    assert.equal(ok.status, 200);
    assert.notEqual(ok.headers.get('connection'), 'close');
  });

  it('keeps an item trashed on its own in the trash when its folder is purged', async () => {
    const folder = (await (
      await h.api('/2.0/folders', {
        method: 'POST',
        body: JSON.stringify({ name: 'purged', parent: { id: '0' } }),
        headers: { 'content-type': 'application/json' },
      })
    ).json()) as Json;
    const file = ((await (await upload('alone.txt', folder.id as string)).json()) as { entries: Json[] })
      .entries[0]!;
    assert.equal((await h.api(`/2.0/files/${file.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await h.api(`/2.0/folders/${folder.id}?recursive=true`, { method: 'DELETE' })).status, 204);
    assert.equal((await h.api(`/2.0/folders/${folder.id}/trash`, { method: 'DELETE' })).status, 204);
    const trashed = (await (await h.api(`/2.0/files/${file.id}/trash`)).json()) as Json;
    assert.equal(trashed.item_status, 'trashed');
    const trash = (await (await h.api('/2.0/folders/trash/items')).json()) as { entries: Json[] };
    assert.ok(trash.entries.some((e) => e.id === file.id));
    // Its folder is gone: restoring it needs a new parent.
    const noParent = await h.api(`/2.0/files/${file.id}`, { method: 'POST', body: '{}' });
    assert.equal(noParent.status, 404);
    const restored = await h.api(`/2.0/files/${file.id}`, {
      method: 'POST',
      body: JSON.stringify({ parent: { id: '0' } }),
    });
    assert.equal(restored.status, 201);
    assert.equal(((await restored.json()) as { parent: Json }).parent.id, '0');
  });

  it('reports the tags of the user’s items as my_tags', async () => {
    const file = ((await (await upload('tagged.txt', '0')).json()) as { entries: Json[] }).entries[0]!;
    const tag = await h.api(`/2.0/files/${file.id}`, {
      method: 'PUT',
      body: JSON.stringify({ tags: ['zeta', 'alpha'] }),
    });
    assert.equal(tag.status, 200);
    const me = (await (await h.api('/2.0/users/me?fields=my_tags')).json()) as { my_tags: string[] };
    assert.deepEqual(me.my_tags, ['alpha', 'zeta']);
    assert.equal((await h.api(`/2.0/files/${file.id}`, { method: 'DELETE' })).status, 204);
    const after = (await (await h.api('/2.0/users/me?fields=my_tags')).json()) as { my_tags: string[] };
    assert.deepEqual(after.my_tags, [], 'trashed items do not count');
  });
});
