import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Dropbox } from '../../../src/providers/dropbox/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv({
    account: { accountType: 'business' },
  });
});
after(() => env.stop());

async function text(client: Dropbox, path: string): Promise<string> {
  return Buffer.from((await client.downloadFile(path, { localFile: '' })).data!).toString();
}

describe('createFolder', () => {
  test('returns the id; paths, id-relative paths; a conflict fails unless RenameIfExists', async () => {
    const c = env.client();
    const id = await c.createFolder('/Projects');
    assert.match(id, /^id:/);
    assert.equal((await c.getResourceInfo('/projects')).id, id);
    const nested = await c.createFolder(`${id}/2024`);
    assert.equal((await c.getResourceInfo('/Projects/2024')).id, nested);
    // Case-insensitive names: "/PROJECTS" is the same folder.
    const conflict = await rejection(c.createFolder('/PROJECTS'));
    assert.equal(conflict.providerCode, 'path/conflict/folder');
    c.config('RenameIfExists=True');
    const renamed = await c.createFolder('/Projects');
    assert.notEqual(renamed, id);
    assert.equal((await c.getResourceInfo(renamed)).name, 'Projects (1)');
  });
});

describe('copyResource and moveResource', () => {
  test('copy returns the new id; by id or id-relative path; RenameIfExists; AllowCopySharedFolders is sent', async () => {
    const c = env.client();
    const folder = await c.createFolder('/Copy');
    const src = await c.uploadFile('/Copy/a.txt', { data: Buffer.from('A') });
    const copy = await c.copyResource('/Copy/a.txt', '/Copy/b.txt');
    assert.notEqual(copy, src);
    assert.equal(await text(c, '/Copy/b.txt'), 'A');
    const byId = await c.copyResource(src, `${folder}/c.txt`);
    assert.equal((await c.getResourceInfo(byId)).path, '/Copy/c.txt');
    assert.equal((await rejection(c.copyResource(src, '/Copy/b.txt'))).providerCode, 'to/conflict/file');
    c.config('RenameIfExists=True');
    c.config('AllowCopySharedFolders=True');
    c.config('TransferredRequest=ON');
    const renamed = await c.copyResource(src, '/Copy/b.txt');
    assert.equal((await c.getResourceInfo(renamed)).name, 'b (1).txt');
    c.config('TransferredRequest=ON');
    await c.copyResource(src, '/Copy/d.txt');
    assert.match(c.config('RawRequest'), /"allow_shared_folder":true/);
    assert.equal((await rejection(c.copyResource('/Copy/missing.txt', '/Copy/e.txt'))).code, 604);
  });

  test('move keeps the id; AllowOwnershipTransfers and RenameIfExists are sent; the destination must be a path', async () => {
    const c = env.client();
    const id = await c.uploadFile('/Move/a.txt', { data: Buffer.from('moving') });
    await c.uploadFile('/Move/taken.txt', { data: Buffer.from('taken') });
    assert.equal(await c.moveResource('/Move/a.txt', '/Move/Sub/b.txt'), undefined);
    assert.equal((await c.getResourceInfo(id)).path, '/Move/Sub/b.txt');
    assert.equal((await rejection(c.getResourceInfo('/Move/a.txt'))).code, 604);
    c.config('AllowOwnershipTransfers=True');
    c.config('TransferredRequest=ON');
    await c.moveResource(id, '/Move/c.txt');
    assert.match(c.config('RawRequest'), /"allow_ownership_transfer":true/);
    assert.equal((await rejection(c.moveResource(id, '/Move/taken.txt'))).providerCode, 'to/conflict/file');
    c.config('RenameIfExists=True');
    await c.moveResource(id, '/Move/taken.txt');
    assert.equal((await c.getResourceInfo(id)).name, 'taken (1).txt');
    assert.equal((await rejection(c.moveResource(id, id))).code, 604);
  });
});

describe('deleteResource and restoreResource', () => {
  test('delete by path, id and id-relative path', async () => {
    const c = env.client();
    const folder = await c.createFolder('/Del');
    const a = await c.uploadFile('/Del/a.txt', { data: Buffer.from('a') });
    await c.uploadFile('/Del/b.txt', { data: Buffer.from('b') });
    await c.uploadFile('/Del/c.txt', { data: Buffer.from('c') });
    await c.deleteResource('/del/A.TXT');
    await c.deleteResource(`${folder}/b.txt`);
    const cId = (await c.getResourceInfo('/Del/c.txt')).id;
    await c.deleteResource(cId);
    assert.equal((await c.listResources('/Del')).resources.length, 0);
    assert.equal((await rejection(c.deleteResource(a))).code, 604);
  });

  test('IfRevision: only the latest revision is deleted', async () => {
    const c = env.client();
    await c.uploadFile('/Del/r.txt', { data: Buffer.from('1') });
    const old = (await c.getResourceInfo('/Del/r.txt')).revision;
    await c.uploadFile('/Del/r.txt', { data: Buffer.from('2'), overwrite: true });
    c.config(`IfRevision=${old}`);
    const err = await rejection(c.deleteResource('/Del/r.txt'));
    assert.equal(err.providerCode, 'path_write/conflict/file');
    c.config(`IfRevision=${(await c.getResourceInfo('/Del/r.txt')).revision}`);
    await c.deleteResource('/Del/r.txt');
    assert.equal((await rejection(c.getResourceInfo('/Del/r.txt'))).code, 604);
  });

  test('restore a revision of a deleted file, by rev; returns the id', async () => {
    const c = env.client();
    const id = await c.uploadFile('/Del/keep.txt', { data: Buffer.from('version one') });
    const rev = (await c.getResourceInfo(id)).revision;
    await c.uploadFile('/Del/keep.txt', { data: Buffer.from('version two'), overwrite: true });
    await c.deleteResource('/Del/keep.txt');
    const restored = await c.restoreResource(`rev:${rev}`, '/Del/keep.txt');
    assert.equal((await c.getResourceInfo(restored)).path, '/Del/keep.txt');
    assert.equal((await c.listRevisions(id)).at(-1)!.revision, rev, 'the history of the file is there');
    assert.equal(await text(c, '/Del/keep.txt'), 'version one');
    const folder = (await c.getResourceInfo('/Del')).id;
    const elsewhere = await c.restoreResource(rev, `${folder}/other-name.txt`);
    assert.match(elsewhere, /^id:/);
    assert.equal(await text(c, '/Del/other-name.txt'), 'version one');
    assert.equal((await rejection(c.restoreResource('not-a-rev', '/Del/x.txt'))).code, 604);
  });

  test('PermanentlyDelete: gone for good on Business, 601 elsewhere', async () => {
    const c = env.client({ permanentlyDelete: true });
    await c.uploadFile('/Del/perm.txt', { data: Buffer.from('p') });
    await c.deleteResource('/Del/perm.txt');
    c.config('IncludeDeleted=True');
    const listed = await c.listResources('/Del');
    assert.ok(!listed.resources.some((r) => r.name === 'perm.txt'), 'no trace left');

    const pro = env.emulator.addAccount({ accountType: 'pro' });
    const p = env.client({
      authorization: `Bearer ${env.emulator.issueToken({ account: pro }).accessToken}`,
    });
    await p.uploadFile('/perm.txt', { data: Buffer.from('p') });
    p.config('PermanentlyDelete=True');
    const err = await rejection(p.deleteResource('/perm.txt'));
    assert.equal(err.code, 601);
    assert.equal(err.httpStatus, 403);
    assert.match(err.message, /Business/);
  });
});
