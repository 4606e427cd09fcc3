/**
 * The Box class against the Box emulator: ids and names, folders, listing (pages, markers, iterators,
 * the trash), resource info, copy / move / delete / restore, updateResource, search and versions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { type Box, BoxErrorCode, type BoxResource } from '../../../src/providers/box/index.js';
import { type BoxEnv, rejectsWithCode, sha1, startBoxEnv } from './helpers.js';

describe('Box class: resources', () => {
  let env: BoxEnv;
  let box: Box;

  before(async () => {
    env = await startBoxEnv();
    box = env.box();
  });
  after(() => env.close());

  const upload = (b: Box, name: string, parent: string, text: string) =>
    b.uploadFile(name, parent, { data: Buffer.from(text) });

  it('creates folders and returns prefixed ids; ids of the wrong kind are 604/607 before any request', async () => {
    const id = await box.createFolder('ids', '');
    assert.match(id, /^d:\d+$/);
    const fileId = await upload(box, 'a.txt', id, 'hello');
    assert.match(fileId, /^f:\d+$/);
    const before = env.server.requestLog.length;
    await rejectsWithCode(box.listResources(fileId), ErrorCode.InvalidRemoteId);
    await rejectsWithCode(box.downloadFile(id), ErrorCode.IsFolder);
    await rejectsWithCode(box.downloadFile(''), ErrorCode.IsFolder);
    await rejectsWithCode(box.lockFile(id, '', true), ErrorCode.InvalidRemoteId);
    await rejectsWithCode(box.listVersions(id), ErrorCode.InvalidRemoteId);
    await rejectsWithCode(box.createFolder('x', fileId), ErrorCode.InvalidRemoteId);
    const bare = await rejectsWithCode(box.getResourceInfo(fileId.slice(2)), ErrorCode.InvalidRemoteId);
    assert.match(bare.message, /f:\d+ for a file or d:\d+ for a folder/);
    assert.equal(env.server.requestLog.length, before, 'no request was sent');
    // A well-formed id that does not exist is Box's 404, reported as 604 too.
    await rejectsWithCode(box.getResourceInfo('f:999999'), ErrorCode.InvalidRemoteId);
  });

  it('checks names before any request', async () => {
    const before = env.server.requestLog.length;
    for (const bad of ['', 'a/b', 'a\\b', 'tab\there', 'trailing ', '.', '..', 'x'.repeat(256), 'bell\x07']) {
      const err = await rejectsWithCode(box.createFolder(bad, ''), ErrorCode.InvalidArgument);
      assert.match(err.message, /cannot be used on Box/);
      await rejectsWithCode(upload(box, bad, '', 'x'), ErrorCode.InvalidArgument);
    }
    await rejectsWithCode(box.copyResource('d:0', '', 'a/b'), ErrorCode.InvalidArgument);
    await rejectsWithCode(box.moveResource('f:1', '', '..'), ErrorCode.InvalidArgument);
    assert.equal(env.server.requestLog.length, before);
    // 255 characters is fine.
    const long = await box.createFolder('n'.repeat(255), '');
    assert.match(long, /^d:/);
  });

  it('lists pages with MaxResults, markers and AccumulatePages, and iterates every item', async () => {
    const folder = await box.createFolder('paging', '');
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      const name = `file-${i}.txt`;
      names.push(name);
      await upload(box, name, folder, `content ${i}`);
    }
    await box.createFolder('sub', folder);
    box.config('MaxResults=3');
    const events: string[] = [];
    const onList = (e: { name: string }) => events.push(e.name);
    box.on('resourceList', onList);
    const seen: string[] = [];
    let pages = 0;
    do {
      const page = await box.listResources(folder);
      pages++;
      seen.push(...page.resources.map((r) => r.name));
      assert.ok(page.resources.length <= 3);
    } while (box.resourceMarker);
    box.off('resourceList', onList);
    assert.equal(pages, 3);
    // Folders first, then files by name.
    assert.deepEqual(seen, ['sub', ...names]);
    assert.deepEqual(events, seen);
    assert.deepEqual(
      box.resources.map((r) => r.name),
      seen,
      'AccumulatePages (default on) keeps every page',
    );
    assert.equal(box.resourceCount, 8);
    const sub = box.resources[0]!;
    assert.equal(sub.type, 1);
    assert.equal(sub.parentId, folder);
    const file = box.resources[1]!;
    assert.equal(file.type, 0);
    assert.equal(file.hash, sha1(Buffer.from('content 0')));
    assert.equal(file.size, 9);
    assert.equal(file.owner, 'user@example.com');
    assert.match(file.versionId, /^\d+$/);
    assert.match(file.createdTime, /^\d{4}-\d\d-\d\dT/);

    box.config('AccumulatePages=false');
    await box.listResources(folder);
    await box.listResources(folder);
    assert.equal(box.resources.length, 3, 'each page replaces the collection');
    assert.deepEqual(
      box.resources.map((r) => r.name),
      names.slice(2, 5),
    );
    box.config('AccumulatePages=true');
    // A marker of another folder is not sent: a listing of the root starts from its first page.
    assert.notEqual(box.resourceMarker, '');
    await box.listResources('');
    assert.ok(box.resources.some((r) => r.name === 'paging'));

    const all: string[] = [];
    for await (const r of box.iterateResources(folder)) all.push(r.name);
    assert.deepEqual(all, seen);
    box.config('MaxResults=-1');
    await rejectsWithCode(
      Promise.resolve().then(() => box.config('MaxResults=1001')),
      ErrorCode.InvalidArgument,
    );
    await rejectsWithCode(
      Promise.resolve().then(() => box.config('MaxResults=0')),
      ErrorCode.InvalidArgument,
    );
  });

  it('getResourceInfo replaces the collection with one item and fires resourceList once', async () => {
    await box.listResources('');
    assert.ok(box.resources.length > 1);
    let fired = 0;
    const count = () => fired++;
    box.on('resourceList', count);
    const root = await box.getResourceInfo('');
    box.off('resourceList', count);
    assert.equal(fired, 1);
    assert.equal(root.id, 'd:0');
    assert.equal(root.name, 'All Files');
    assert.equal(root.parentId, '');
    assert.deepEqual(box.resources, [root]);
    const id = await upload(box, 'info.txt', '', 'info');
    const info = await box.getResourceInfo(id);
    assert.equal(info.id, id);
    assert.equal(info.parentId, 'd:0');
    assert.equal(info.hash, sha1(Buffer.from('info')));
    assert.equal(box.config('ResourceSharedLinkCanDownload[0]'), 'False');
    await rejectsWithCode(
      Promise.resolve().then(() => box.config('ResourcePurgeTime[5]')),
      ErrorCode.InvalidIndex,
    );
  });

  it('copies, moves and renames', async () => {
    const a = await box.createFolder('copy-a', '');
    const b = await box.createFolder('copy-b', '');
    const f = await upload(box, 'orig.txt', a, 'copy me');
    const copy = await box.copyResource(f, b, '');
    assert.match(copy, /^f:\d+$/);
    assert.notEqual(copy, f);
    const renamed = await box.copyResource(f, '', 'copy-in-root.txt');
    const info = await box.getResourceInfo(renamed);
    assert.equal(info.parentId, 'd:0');
    assert.equal(info.hash, sha1(Buffer.from('copy me')));
    const folderCopy = await box.copyResource(a, b, 'a-copy');
    assert.match(folderCopy, /^d:/);
    const inCopy = await box.listResources(folderCopy);
    assert.deepEqual(
      inCopy.resources.map((r) => r.name),
      ['orig.txt'],
    );

    await box.moveResource(f, b, 'moved.txt');
    const moved = await box.getResourceInfo(f);
    assert.equal(moved.parentId, b);
    assert.equal(moved.name, 'moved.txt');
    // A clash is Box's 409, with what to do in the message.
    const clash = await rejectsWithCode(box.moveResource(copy, b, 'moved.txt'), ErrorCode.ServerError);
    assert.equal(clash.providerCode, 'item_name_in_use');
    assert.match(clash.message, /Choose another name/);
    assert.match(clash.message, new RegExp(f));
  });

  it('deleteResource trashes, lists the trash, then deletes for good; restoreResource falls back as documented', async () => {
    const folder = await box.createFolder('trash-test', '');
    const f = await upload(box, 'doomed.txt', folder, 'bye');
    await box.deleteResource(f);
    const trashed = await box.getResourceInfo(f);
    assert.equal(trashed.trashed, true);
    assert.notEqual(trashed.trashedTime, '');
    assert.notEqual(box.config('ResourcePurgeTime[0]'), '');
    await box.listResources('trash');
    assert.ok(box.resources.some((r) => r.id === f && r.trashed));
    // A call on a trashed item: Box's 404 `trashed` is 702.
    await rejectsWithCode(box.moveResource(f, '', 'x.txt'), BoxErrorCode.Trashed);

    // Restore to the original place and name.
    await box.restoreResource(f, 'd:0', 'unused.txt');
    const back = await box.getResourceInfo(f);
    assert.equal(back.trashed, false);
    assert.equal(back.parentId, folder);
    assert.equal(back.name, 'doomed.txt', 'the new name is used only when the original one is taken');

    // The original name is taken: newName is used.
    await box.deleteResource(f);
    await upload(box, 'doomed.txt', folder, 'usurper');
    await box.restoreResource(f, '', 'doomed (restored).txt');
    assert.equal((await box.getResourceInfo(f)).name, 'doomed (restored).txt');

    // The original folder is gone: parentId is used.
    await box.deleteResource(f);
    const sub = await box.createFolder('gone', folder);
    const g = await upload(box, 'orphan.txt', sub, 'orphan');
    await box.deleteResource(g);
    await box.deleteResource(sub);
    await box.deleteResource(sub); // purge the folder: g's original parent no longer exists
    await box.restoreResource(g, 'd:0', '');
    const orphan = await box.getResourceInfo(g);
    assert.equal(orphan.parentId, 'd:0');
    assert.equal(orphan.name, 'orphan.txt');

    // f is in the trash: deleting it again removes it for good.
    assert.equal((await box.getResourceInfo(f)).trashed, true);
    await box.deleteResource(f);
    await rejectsWithCode(box.getResourceInfo(f), ErrorCode.InvalidRemoteId);
    await box.listResources('trash');
    assert.ok(!box.resources.some((r) => r.id === f));
    // Folders are trashed with their contents (recursive).
    const full = await box.createFolder('full', '');
    await upload(box, 'inside.txt', full, 'in');
    await box.deleteResource(full);
    const info = await box.getResourceInfo(full);
    assert.equal(info.trashed, true);
  });

  it('updateResource sends name, description, parent, sync state and tags', async () => {
    const dest = await box.createFolder('update-dest', '');
    const folder = await box.createFolder('update-me', '');
    const f = await upload(box, 'u.txt', folder, 'update');
    await rejectsWithCode(box.updateResource('f:123456789'), ErrorCode.InvalidRemoteId);
    await box.getResourceInfo(f);
    const r = box.resources[0]!;
    r.name = 'renamed.txt';
    r.description = 'cool stuff';
    r.tags = 'one,two';
    r.parentId = dest;
    const requests = env.server.requestLog.length;
    await box.updateResource(f);
    const puts = env.server.requestLog.slice(requests).filter((e) => e.method === 'PUT');
    assert.equal(puts.length, 1, 'one request for all the fields');
    const after = await box.getResourceInfo(f);
    assert.equal(after.name, 'renamed.txt');
    assert.equal(after.description, 'cool stuff');
    assert.equal(after.tags, 'one,two');
    assert.equal(after.parentId, dest);

    // Sync state (folders only, 1 or 2), and back to the root with d:0.
    await box.getResourceInfo(folder);
    const fr: BoxResource = box.resources[0]!;
    fr.syncState = 1;
    fr.parentId = 'd:0';
    await box.updateResource(folder);
    assert.equal((await box.getResourceInfo(folder)).syncState, 1);
    box.resources[0]!.syncState = 2;
    await box.updateResource(folder);
    assert.equal((await box.getResourceInfo(folder)).syncState, 2);

    // Names are checked before the request.
    box.resources[0]!.name = 'bad/name';
    await rejectsWithCode(box.updateResource(folder), ErrorCode.InvalidArgument);
  });

  it('searches with QueryParams (type, file_extensions, ancestor_folder_ids with prefixed ids) and MaxSearchResults', async () => {
    const s = env.box();
    const root = await s.createFolder('search-root', '');
    const other = await s.createFolder('search-other', '');
    for (let i = 0; i < 5; i++) await upload(s, `zebra-${i}.png`, root, 'png');
    await upload(s, 'zebra-doc.docx', root, 'docx');
    await upload(s, 'zebra-out.png', other, 'png');
    await s.createFolder('zebra-folder', root);

    await s.search('zebra');
    assert.equal(s.resources.length, 8);
    s.addQueryParam('type', 'file');
    s.addQueryParam('file_extensions', 'png');
    s.addQueryParam('ancestor_folder_ids', `${root},d:999999999`.replace('d:999999999', root));
    s.config('MaxSearchResults=2');
    const pages: number[] = [];
    do {
      const page = await s.search('zebra');
      pages.push(page.resources.length);
    } while (s.searchMarker);
    assert.deepEqual(pages, [2, 2, 1]);
    assert.equal(s.resources.length, 5);
    assert.ok(s.resources.every((r) => /^zebra-\d\.png$/.test(r.name) && r.parentId === root));
    const q = env.server.requestLog.filter((e) => e.path.endsWith('/search')).at(-1)!.query;
    const params = new URLSearchParams(q);
    assert.equal(params.get('ancestor_folder_ids'), `${root.slice(2)},${root.slice(2)}`);
    assert.equal(params.get('limit'), '2');
    const iterated: string[] = [];
    for await (const r of s.iterateSearch('zebra')) iterated.push(r.name);
    assert.equal(iterated.length, 5);
    s.queryParams = [];
    s.addQueryParam('ancestor_folder_ids', 'f:12');
    await rejectsWithCode(s.search('zebra'), ErrorCode.InvalidRemoteId);
    await rejectsWithCode(
      Promise.resolve().then(() => s.config('MaxSearchResults=201')),
      ErrorCode.InvalidArgument,
    );
  });

  it('lists versions, promotes one, and copies or downloads a given version (VersionId)', async () => {
    const v = env.box();
    const f = await upload(v, 'versions.txt', '', 'version 1');
    for (const n of [2, 3]) {
      await v.getResourceInfo(f);
      await v.updateResource(f, { data: Buffer.from(`version ${n}`) });
    }
    const current = await v.getResourceInfo(f);
    assert.equal(current.hash, sha1(Buffer.from('version 3')));
    v.config('MaxResults=1');
    const versions: BoxResource[] = [];
    do {
      const page = await v.listVersions(f);
      versions.push(...page.resources);
    } while (v.versionMarker);
    assert.equal(versions.length, 2, 'previous versions only');
    assert.deepEqual(
      versions.map((r) => r.hash),
      [sha1(Buffer.from('version 2')), sha1(Buffer.from('version 1'))],
    );
    assert.ok(versions.every((r) => r.id === f && r.type === 0 && /^\d+$/.test(r.versionId)));
    assert.equal(v.resources.length, 2);
    const first = versions[1]!;

    v.config(`VersionId=${first.versionId}`);
    const bytes = await v.downloadFile(f);
    assert.equal(Buffer.from(bytes.data!).toString(), 'version 1');
    const copy = await v.copyResource(f, '', 'versions-v1.txt');
    v.config('VersionId=');
    assert.equal((await v.getResourceInfo(copy)).hash, sha1(Buffer.from('version 1')));

    await v.promoteVersion(f, first.versionId);
    const promoted = await v.getResourceInfo(f);
    assert.equal(promoted.hash, sha1(Buffer.from('version 1')));
    assert.notEqual(promoted.versionId, first.versionId, 'Box copies the old version as a new one');
    const all: BoxResource[] = [];
    for await (const r of v.iterateVersions(f)) all.push(r);
    assert.equal(all.length, 3);
    await rejectsWithCode(v.promoteVersion(f, 'abc'), ErrorCode.InvalidRemoteId);
  });
});
