import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Env, read, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

describe('folders and copies', () => {
  test('createFolder in root or under parents; IncludeFolderProperties sends resources[0], the arguments win', async () => {
    const d = env.client();
    const top = await d.createFolder('top', '');
    const [info] = await d.getResourceInfo(top);
    assert.equal(info!.type, 1);
    assert.equal(info!.mimeType, 'application/vnd.google-apps.folder');
    const sub = await d.createFolder('sub', top);
    assert.deepEqual(
      (await d.listParents(sub)).map((r) => r.id),
      [top],
    );
    d.resourceCount = 0;
    d.resourceCount = 1;
    Object.assign(d.resources[0]!, { name: 'other', description: 'folder notes', starred: true });
    d.config('IncludeFolderProperties=True');
    const withProps = await d.createFolder('described', top);
    const [p] = await d.getResourceInfo(withProps);
    assert.equal(p!.name, 'described');
    assert.equal(p!.description, 'folder notes');
    assert.equal(p!.starred, true);
    assert.equal(p!.parentIds, top);
  });

  test('copyResource: a new name and parents, or beside the original', async () => {
    const d = env.client();
    const folder = await d.createFolder('copies', '');
    const id = await d.uploadFile('orig.txt', '', { data: Buffer.from('copy me') });
    const copy = await d.copyResource(id, 'copy.txt', folder);
    assert.notEqual(copy, id);
    const [c] = await d.getResourceInfo(copy);
    assert.equal(c!.name, 'copy.txt');
    assert.equal(c!.parentIds, folder);
    assert.equal((await read(d, copy)).toString(), 'copy me');
    const beside = await d.copyResource(id, '', '');
    const [orig, b] = await d.getResourceInfo(`${id},${beside}`);
    assert.equal(b!.parentIds, orig!.parentIds);
  });
});

describe('parents', () => {
  test('moveResource makes the given folders the only parents; addParents and removeParents', async () => {
    const d = env.client();
    const a = await d.createFolder('pa', '');
    const b = await d.createFolder('pb', '');
    const id = await d.uploadFile('moving.txt', '', { data: Buffer.from('m') });
    await d.moveResource(id, a);
    assert.equal((await d.getResourceInfo(id))[0]!.parentIds, a);
    await d.moveResource(id, b);
    assert.equal((await d.getResourceInfo(id))[0]!.parentIds, b);
    // Drive allows one parent: a second one is refused, with advice.
    const refused = await rejection(d.addParents(id, a));
    assert.equal(refused.providerCode, 'cannotAddParent');
    assert.match(refused.message, /moveResource/);
    const since = env.server.requestLog.length;
    await d.removeParents(id, b);
    const remove = env.server.requestLog.slice(since).find((e) => e.method === 'PATCH')!;
    assert.equal(new URLSearchParams(remove.query).get('removeParents'), b);
    assert.equal((await d.getResourceInfo(id))[0]!.parentIds, '');
    await d.addParents(id, a);
    assert.equal((await d.getResourceInfo(id))[0]!.parentIds, a);
    assert.equal((await rejection(d.addParents(id, ''))).code, 1000);
  });
});

describe('updateResource', () => {
  test('metadata from the resources item: name, description, starred, modifiedTime; createdTime and parents not sent', async () => {
    const d = env.client();
    const folder = await d.createFolder('stay', '');
    const id = await d.uploadFile('before.txt', '', { data: Buffer.from('same content') });
    assert.equal((await rejection(d.updateResource('not-listed'))).code, 604);
    const [item] = await d.getResourceInfo(id);
    const originalParents = item!.parentIds;
    Object.assign(item!, {
      name: 'after.txt',
      description: 'updated',
      starred: true,
      modifiedTime: '2020-01-01T00:00:00.000Z',
      createdTime: '1999-01-01T00:00:00.000Z',
      parentIds: folder,
    });
    d.localFile = '';
    d.resourceData = undefined;
    const since = env.server.requestLog.length;
    await d.updateResource(id);
    const patch = env.server.requestLog.slice(since).find((e) => e.method === 'PATCH')!;
    assert.equal(patch.path, `/drive/v3/files/${id}`);
    const [after] = await d.getResourceInfo(id);
    assert.equal(after!.name, 'after.txt');
    assert.equal(after!.description, 'updated');
    assert.equal(after!.starred, true);
    assert.equal(after!.modifiedTime, '2020-01-01T00:00:00.000Z');
    assert.notEqual(after!.createdTime, '1999-01-01T00:00:00.000Z');
    assert.equal(after!.parentIds, originalParents);
    assert.equal((await read(d, id)).toString(), 'same content');
    assert.equal(after!.contentAccessible, true);
    after!.contentAccessible = false;
    d.resourceData = undefined;
    await d.updateResource(id);
    assert.equal((await d.getResourceInfo(id))[0]!.contentAccessible, false);
  });

  test('new content (resourceData), simple and resumable, with the metadata; trashed via the item', async () => {
    const d = env.client({ fragmentSize: 256 * 1024 });
    const id = await d.uploadFile('content.txt', '', { data: Buffer.from('old') });
    await d.getResourceInfo(id);
    d.resources[0]!.name = 'content-v2.txt';
    d.resourceData = Buffer.from('new content');
    await d.updateResource(id);
    assert.equal((await read(d, id)).toString(), 'new content');
    assert.equal((await d.getResourceInfo(id))[0]!.name, 'content-v2.txt');
    const big = Buffer.alloc(600_000, 7);
    d.useResumableUpload = true;
    await d.updateResource(id, { data: big });
    assert.deepEqual(await read(d, id), big);
    d.useResumableUpload = false;
    await d.getResourceInfo(id);
    d.resources[0]!.trashed = true;
    d.resourceData = undefined;
    await d.updateResource(id);
    assert.equal((await d.getResourceInfo(id))[0]!.trashed, true);
  });
});

describe('trash and delete', () => {
  test('trash, restore, permanent delete, emptyTrash; RevisionId deletes one revision', async () => {
    const d = env.client();
    const id = await d.uploadFile('trash-me.txt', '', { data: Buffer.from('t') });
    await d.trashResource(id);
    assert.equal((await d.getResourceInfo(id))[0]!.trashed, true);
    await d.restoreResource(id);
    assert.equal((await d.getResourceInfo(id))[0]!.trashed, false);
    await d.deleteResource(id);
    assert.equal((await rejection(d.getResourceInfo(id))).code, 604);

    const t1 = await d.uploadFile('t1.txt', '', { data: Buffer.from('1') });
    const keep = await d.uploadFile('keep.txt', '', { data: Buffer.from('k') });
    await d.trashResource(t1);
    await d.emptyTrash();
    assert.equal((await rejection(d.getResourceInfo(t1))).code, 604);
    assert.equal((await d.getResourceInfo(keep))[0]!.name, 'keep.txt');

    await d.getResourceInfo(keep);
    d.resourceData = Buffer.from('k2');
    await d.updateResource(keep);
    d.resourceData = undefined;
    const revs = await d.listRevisions(keep);
    assert.equal(revs.length, 2);
    d.config(`RevisionId=${revs[0]!.id}`);
    await d.deleteResource(keep);
    d.config('RevisionId=');
    assert.deepEqual(
      (await d.listRevisions(keep)).map((r) => r.id),
      [revs[1]!.id],
    );
    assert.equal((await read(d, keep)).toString(), 'k2');
  });
});
