import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GoogleDrive, ResourceListEvent } from '../../../src/providers/googledrive/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
let d: GoogleDrive;
let folderA: string;
let folderB: string;
const files: string[] = [];

before(async () => {
  env = await startEnv();
  d = env.client();
  folderA = await d.createFolder('list-A', '');
  folderB = await d.createFolder('list-B', '');
  for (let i = 0; i < 3; i++) files.push(await d.uploadFile(`a${i}.txt`, '', { data: Buffer.from(`a${i}`) }));
  d.resourceCount = 1;
  d.resources[0]!.parentIds = folderA;
  for (let i = 0; i < 2; i++)
    files.push(await d.uploadFile(`in-a${i}.txt`, '', { data: Buffer.from(`x${i}`) }));
  d.resources[0]!.parentIds = folderB;
  files.push(await d.uploadFile('in-b.txt', '', { data: Buffer.from('b') }));
  d.resourceCount = 0;
});
after(() => env.stop());

/** The names of everything listResources gives, walking the marker. */
async function listAll(c: GoogleDrive): Promise<string[]> {
  c.resourceMarker = '';
  do await c.listResources();
  while (c.resourceMarker);
  return c.resources.map((r) => r.name).sort();
}

describe('listResources', () => {
  test('pages of MaxResults, accumulated, with resourceList per item; the next listing starts afresh', async () => {
    const c = env.client({ maxResults: 2 });
    const events: ResourceListEvent[] = [];
    c.on('resourceList', (e) => events.push(e));
    const first = await c.listResources();
    assert.equal(first.resources.length, 2);
    assert.ok(c.resourceMarker);
    const names = await listAll(c);
    for (const n of ['a0.txt', 'a1.txt', 'a2.txt', 'in-a0.txt', 'in-b.txt', 'list-A', 'list-B'])
      assert.ok(names.includes(n), n);
    assert.equal(c.resourceMarker, '');
    assert.ok(events.length >= names.length);
    const folder = c.resources.find((r) => r.name === 'list-A')!;
    assert.equal(folder.type, 1);
    assert.equal(folder.size, -1);
    const file = c.resources.find((r) => r.name === 'a0.txt')!;
    assert.equal(file.type, 0);
    assert.equal(file.size, 2);
    assert.equal(file.extension, 'txt');
    assert.ok(file.md5Checksum);
    assert.equal(file.owner !== '' || file.ownerEmail !== '', true);

    c.config('AccumulatePages=False');
    c.resourceMarker = '';
    await c.listResources();
    await c.listResources();
    assert.equal(c.resources.length <= 2, true, 'without accumulation a page replaces the collection');
  });

  test('ListResourcesMode: files only, folders only', async () => {
    const c = env.client({ listResourcesMode: 1 });
    assert.ok((await listAll(c)).every((n) => !n.startsWith('list-')));
    c.config('ListResourcesMode=2');
    const folders = await listAll(c);
    assert.ok(folders.includes('list-A') && folders.every((n) => n.startsWith('list-')));
  });

  test("a caller's q through addQueryParam is joined to the class's own filters", async () => {
    const c = env.client({ listResourcesMode: 1 });
    c.addQueryParam('q', "name contains 'in-a'");
    const names = await listAll(c);
    assert.deepEqual(names, ['in-a0.txt', 'in-a1.txt']);
    const since = env.server.requestLog.length;
    await c.listResources();
    const q = new URLSearchParams(env.server.requestLog[since]!.query).get('q');
    assert.equal(q, "mimeType != 'application/vnd.google-apps.folder' and (name contains 'in-a')");
    c.queryParamCount = 0;
    const bad = env.client();
    bad.addQueryParam('q', "name = 'unterminated");
    assert.equal((await rejection(bad.listResources())).httpStatus, 400);
  });

  test('iterateResources walks every page without touching the collection or the marker', async () => {
    const c = env.client({ maxResults: 1 });
    const seen: string[] = [];
    for await (const r of c.iterateResources()) seen.push(r.name);
    assert.ok(seen.includes('in-b.txt') && seen.includes('list-B'));
    assert.equal(c.resources.length, 0);
    assert.equal(c.resourceMarker, '');
  });

  test('the four scopes send corpora, driveId, includeItemsFromAllDrives and supportsAllDrives', async () => {
    const c = env.client();
    const drive = await c.createSharedDrive('scope-drive', 'scope-req-1');
    c.resourceCount = 1;
    c.resources[0]!.parentIds = drive;
    await c.uploadFile('in-drive.txt', '', { data: Buffer.from('shared') });
    c.resourceCount = 0;

    const seen = async (scope: 0 | 1 | 2 | 3) => {
      c.listResourcesScope = scope;
      const since = env.server.requestLog.length;
      const names = await listAll(c);
      const query = new URLSearchParams(env.server.requestLog[since]!.query);
      return { names, query };
    };
    const user = await seen(0);
    assert.equal(user.query.get('corpora'), 'user');
    assert.ok(!user.names.includes('in-drive.txt'));
    const domain = await seen(1);
    assert.equal(domain.query.get('corpora'), 'domain');
    assert.throws(() => {
      c.listResourcesScope = 7 as never;
    }, /listResourcesScope/);
    c.listResourcesScope = 2;
    assert.equal((await rejection(c.listResources())).code, 1000);
    c.sharedDrive = drive;
    const shared = await seen(2);
    assert.deepEqual(shared.names, ['in-drive.txt']);
    assert.equal(shared.query.get('corpora'), 'drive');
    assert.equal(shared.query.get('driveId'), drive);
    assert.equal(shared.query.get('includeItemsFromAllDrives'), 'true');
    assert.equal(shared.query.get('supportsAllDrives'), 'true');
    const all = await seen(3);
    assert.equal(all.query.get('corpora'), 'allDrives');
    assert.ok(all.names.includes('in-drive.txt') && all.names.includes('a0.txt'));
    assert.equal(c.config('SearchIncomplete'), 'False');
    env.emulator.settings.allDrivesIncompleteSearch = true;
    try {
      const page = await c.listResources();
      assert.equal(page.incomplete, true);
      assert.equal(c.config('SearchIncomplete'), 'True');
    } finally {
      env.emulator.settings.allDrivesIncompleteSearch = false;
    }
  });
});

describe('listChildren, listParents, getResourceInfo', () => {
  test('children of several folders, in the children collection, with childMarker paging', async () => {
    const c = env.client({ maxResults: 1 });
    c.childMarker = '';
    do await c.listChildren(`${folderA},${folderB}`);
    while (c.childMarker);
    assert.deepEqual(c.children.map((r) => r.name).sort(), ['in-a0.txt', 'in-a1.txt', 'in-b.txt']);
    assert.equal(c.childCount, 3);
    assert.equal(c.resources.length, 0, 'listChildren leaves resources alone');
    const walked: string[] = [];
    for await (const r of c.iterateChildren(folderB)) walked.push(r.name);
    assert.deepEqual(walked, ['in-b.txt']);
  });

  test('listParents: the parent folders as resources; getResourceInfo of several ids', async () => {
    const c = env.client();
    const parents = await c.listParents(files[3]!);
    assert.deepEqual(
      parents.map((r) => r.id),
      [folderA],
    );
    assert.equal(c.resources[0]!.name, 'list-A');
    const infos = await c.getResourceInfo(`${files[0]}, ${files[5]}`);
    assert.deepEqual(
      infos.map((r) => r.name),
      ['a0.txt', 'in-b.txt'],
    );
    assert.equal(c.resourceCount, 2);
    assert.ok(c.config('IconLink[0]') !== undefined);
    assert.equal(c.config('ResourceKey[1]'), c.resources[1]!.resourceKey);
    assert.throws(() => c.config('IconLink[5]'), /out of range/);
    assert.equal((await rejection(c.getResourceInfo('1missing-id-here'))).code, 604);
  });

  test('RequestedFields and IncludeAllFields choose the fields mask; a fields query param wins', async () => {
    const c = env.client();
    const since = env.server.requestLog.length;
    c.config('IncludeAllFields=True');
    assert.equal(c.config('RequestedFields'), '*');
    await c.getResourceInfo(files[0]!);
    c.config('RequestedFields=id,name');
    await c.getResourceInfo(files[0]!);
    assert.equal(c.resources[0]!.md5Checksum, '');
    c.addQueryParam('fields', 'id');
    await c.getResourceInfo(files[0]!);
    const fields = env.server.requestLog
      .slice(since)
      .filter((e) => e.path === `/drive/v3/files/${files[0]}`)
      .map((e) => new URLSearchParams(e.query).get('fields'));
    assert.deepEqual(fields, ['*', 'id,name', 'id']);
  });
});
