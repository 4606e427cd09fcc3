import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Dropbox, ResourceListEvent } from '../../../src/providers/dropbox/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
let d: Dropbox;
const ids: Record<string, string> = {};

async function put(client: Dropbox, path: string, text: string): Promise<string> {
  return client.uploadFile(path, { data: Buffer.from(text), overwrite: true });
}

before(async () => {
  env = await startEnv({ longpollMsPerSecond: 50 });
  d = env.client();
  ids.docs = await d.createFolder('/Docs');
  ids.sub = await d.createFolder('/Docs/Sub');
  ids.a = await put(d, '/Docs/Alpha.txt', 'alpha');
  ids.b = await put(d, '/Docs/Beta.md', 'beta beta');
  ids.c = await put(d, '/Docs/Gamma.jpg', 'not really a jpeg');
  ids.deep = await put(d, '/Docs/Sub/Deep Report.pdf', 'deep');
  ids.top = await put(d, '/Top.txt', 'top');
});
after(() => env.stop());

describe('listResources', () => {
  test('one folder: display and lower-case paths, types, sizes, revisions, hashes, events', async () => {
    const c = env.client();
    const events: ResourceListEvent[] = [];
    c.on('resourceList', (e) => events.push(e));
    const page = await c.listResources('/docs');
    assert.equal(page.marker, '');
    const byName = new Map(page.resources.map((r) => [r.name, r]));
    assert.deepEqual([...byName.keys()].sort(), ['Alpha.txt', 'Beta.md', 'Gamma.jpg', 'Sub']);
    const alpha = byName.get('Alpha.txt')!;
    assert.equal(alpha.path, '/Docs/Alpha.txt');
    assert.equal(alpha.pathLower, '/docs/alpha.txt');
    assert.equal(alpha.id, ids.a);
    assert.equal(alpha.type, 0);
    assert.equal(alpha.size, 5);
    assert.match(alpha.revision, /^[0-9a-f]{9,}$/);
    assert.match(alpha.hash, /^[0-9a-f]{64}$/);
    assert.match(alpha.modifiedTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const sub = byName.get('Sub')!;
    assert.equal(sub.type, 1);
    assert.equal(sub.size, -1);
    assert.equal(sub.revision, '');
    assert.equal(c.resourceCount, 4);
    assert.deepEqual(events.map((e) => e.name).sort(), page.resources.map((r) => r.name).sort());
    assert.equal(events.find((e) => e.name === 'Alpha.txt')!.hash, alpha.hash);
  });

  test('the root is "" (and "/"), a folder id and an id-relative path address the same folders', async () => {
    const c = env.client();
    const root = await c.listResources('');
    assert.ok(root.resources.some((r) => r.name === 'Top.txt'));
    assert.ok(root.resources.some((r) => r.name === 'Docs' && r.type === 1));
    const slash = await c.listResources('/');
    assert.deepEqual(slash.resources.map((r) => r.id).sort(), root.resources.map((r) => r.id).sort());
    const byId = await c.listResources(ids.docs!);
    assert.equal(byId.resources.length, 4);
    const relative = await c.listResources(`${ids.docs}/sub`);
    assert.deepEqual(
      relative.resources.map((r) => r.name),
      ['Deep Report.pdf'],
    );
  });

  test('MaxResults pages through resourceMarker; AccumulatePages appends, then starts over', async () => {
    const c = env.client({ maxResults: 2 });
    const first = await c.listResources('/Docs');
    assert.equal(first.resources.length, 2);
    assert.notEqual(c.resourceMarker, '');
    const names = first.resources.map((r) => r.name);
    let pages = 1;
    while (c.resourceMarker) {
      // The folder argument is ignored while a marker is set.
      const page = await c.listResources('/does-not-matter');
      names.push(...page.resources.map((r) => r.name));
      pages++;
    }
    assert.equal(pages, 2);
    assert.equal(c.resourceCount, 4);
    assert.deepEqual(names.sort(), c.resources.map((r) => r.name).sort());
    // The next listing starts a new collection.
    await c.listResources('/Docs/Sub');
    assert.equal(c.resourceCount, 1);
  });

  test('the scope settings go to Dropbox: IncludeMounted, IncludeDeleted, RecurseSubfolders, MaxResults', async () => {
    const c = env.client({
      includeMounted: false,
      includeDeleted: true,
      recurseSubfolders: true,
      maxResults: 7,
    });
    c.config('TransferredRequest=ON');
    await c.listResources('/Docs');
    const body = JSON.parse(c.config('RawRequest').split('\r\n\r\n')[1]!);
    assert.deepEqual(body, {
      path: '/Docs',
      recursive: true,
      include_deleted: true,
      include_mounted_folders: false,
      limit: 7,
    });
  });

  test('AccumulatePages off: each page replaces the collection; resourceCount=0 clears it', async () => {
    const c = env.client();
    c.config('MaxResults=3');
    c.config('AccumulatePages=False');
    await c.listResources('/Docs');
    assert.equal(c.resourceCount, 3);
    await c.listResources('/Docs');
    assert.equal(c.resourceCount, 1);
    c.resourceCount = 0;
    assert.deepEqual(c.resources, []);
  });

  test('RecurseSubfolders lists every level; the async iterator walks every page', async () => {
    const c = env.client({ recurseSubfolders: true, maxResults: 2 });
    const all: string[] = [];
    for await (const r of c.iterateResources('/Docs')) all.push(r.pathLower);
    assert.ok(all.includes('/docs/sub/deep report.pdf'));
    assert.ok(all.includes('/docs/alpha.txt'));
    // The iterator leaves the instance's collection and marker alone.
    assert.equal(c.resourceCount, 0);
    assert.equal(c.resourceMarker, '');
  });

  test('IncludeDeleted adds deleted entries, flagged; getResourceInfo honours it too', async () => {
    const c = env.client();
    await put(c, '/Docs/Gone.txt', 'soon gone');
    await c.deleteResource('/Docs/Gone.txt');
    const plain = await c.listResources('/Docs');
    assert.ok(!plain.resources.some((r) => r.name === 'Gone.txt'));
    c.config('IncludeDeleted=True');
    const withDeleted = await c.listResources('/Docs');
    const gone = withDeleted.resources.find((r) => r.name === 'Gone.txt');
    assert.ok(gone);
    assert.equal(gone.deleted, true);
    assert.equal(gone.pathLower, '/docs/gone.txt');
    const info = await c.getResourceInfo('/Docs/Gone.txt');
    assert.equal(info.deleted, true);
    c.config('IncludeDeleted=False');
    const err = await rejection(c.getResourceInfo('/Docs/Gone.txt'));
    assert.equal(err.code, 604);
    assert.equal(err.providerCode, 'path/not_found');
  });

  test('a wrong form of address fails with 604 before any request', async () => {
    const c = env.client();
    const before = env.server.requestLog.length;
    const err = await rejection(c.listResources('rev:0123456789abc'));
    assert.equal(err.code, 604);
    assert.match(err.message, /revision/);
    assert.equal((await rejection(c.getResourceInfo(''))).code, 604);
    assert.equal((await rejection(c.createFolder(ids.docs!))).code, 604);
    assert.equal(env.server.requestLog.length, before);
  });

  test('listing a file, or a path that does not exist, is 604 with the Dropbox error tags', async () => {
    const c = env.client();
    const notFolder = await rejection(c.listResources('/Top.txt'));
    assert.equal(notFolder.code, 604);
    assert.equal(notFolder.providerCode, 'path/not_folder');
    const missing = await rejection(c.listResources('/nope'));
    assert.equal(missing.code, 604);
    assert.equal(missing.httpStatus, 409);
    assert.ok(missing.is('path/not_found'));
  });
});

describe('getResourceInfo', () => {
  test('by path (any case), id, id-relative path and rev:, as the one item of resources', async () => {
    const c = env.client();
    await c.listResources('/Docs');
    const byPath = await c.getResourceInfo('/DOCS/alpha.TXT');
    assert.equal(byPath.id, ids.a);
    assert.equal(byPath.path, '/Docs/Alpha.txt');
    assert.equal(c.resourceCount, 1);
    assert.deepEqual(c.resources[0], byPath);
    const byId = await c.getResourceInfo(ids.a!);
    assert.equal(byId.name, 'Alpha.txt');
    const relative = await c.getResourceInfo(`${ids.docs}/Sub/Deep Report.pdf`);
    assert.equal(relative.id, ids.deep);
    const byRev = await c.getResourceInfo(`rev:${byPath.revision}`);
    assert.equal(byRev.id, ids.a);
    assert.equal(byRev.revision, byPath.revision);
  });

  test('DateFormat reformats the date fields', async () => {
    const c = env.client();
    const iso = await c.getResourceInfo('/Top.txt');
    c.config('DateFormat=dd/MM/yyyy hh:mm:ss.fff');
    const custom = await c.getResourceInfo('/Top.txt');
    const [, y, mo, da, h, mi, s] = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/.exec(iso.modifiedTime)!;
    assert.equal(custom.modifiedTime, `${da}/${mo}/${y} ${h}:${mi}:${s}.000`);
  });
});

describe('change tracking', () => {
  test('baseline in pages, then incremental changes; markers clear each other', async () => {
    const c = env.client({ maxResults: 2, recurseSubfolders: true });
    const baseline: string[] = [];
    let page = await c.listChanges('/Docs');
    baseline.push(...page.resources.map((r) => r.pathLower));
    assert.notEqual(c.changeMarker, '');
    assert.equal(c.nextChangeMarker, '');
    while (c.changeMarker) {
      page = await c.listChanges('/ignored');
      baseline.push(...page.resources.map((r) => r.pathLower));
    }
    assert.notEqual(c.nextChangeMarker, '');
    assert.ok(baseline.includes('/docs/sub/deep report.pdf'));
    assert.equal(c.resourceCount, baseline.length);
    // Nothing changed yet: an empty change set, and nextChangeMarker stays set.
    const none = await c.listChanges('');
    assert.deepEqual(none.resources, []);
    assert.notEqual(c.nextChangeMarker, '');

    const other = env.client();
    await put(other, '/Docs/New.txt', 'new');
    await other.deleteResource('/Docs/Beta.md');
    await put(other, '/Elsewhere.txt', 'outside the scope');
    const changes = await c.listChanges('');
    const seen = new Map(changes.resources.map((r) => [r.pathLower, r]));
    assert.ok(seen.has('/docs/new.txt'));
    assert.equal(seen.get('/docs/beta.md')?.deleted, true);
    assert.ok(!seen.has('/elsewhere.txt'));
    assert.equal(c.changeMarker, '');
    assert.notEqual(c.nextChangeMarker, '');
    await put(other, '/Docs/Beta.md', 'beta beta');

    c.changeMarker = 'x';
    assert.equal(c.nextChangeMarker, '');
    c.nextChangeMarker = 'y';
    assert.equal(c.changeMarker, '');
  });

  test('getCurrentChangeMarker skips the baseline; the next listChanges has only new changes', async () => {
    const c = env.client();
    const marker = await c.getCurrentChangeMarker('/Docs');
    assert.equal(c.nextChangeMarker, marker);
    await put(env.client(), '/Docs/Ticker.txt', 'tick');
    const page = await c.listChanges('');
    assert.deepEqual(
      page.resources.map((r) => r.name),
      ['Ticker.txt'],
    );
  });

  test('waitForChanges: a long-poll on the notify host that wakes on a change', async () => {
    const c = env.client();
    await c.getCurrentChangeMarker('/Docs');
    const before = env.server.requestLog.length;
    const waiting = c.waitForChanges(30);
    // Let the long-poll reach the server, then change something in its scope.
    while (!env.server.requestLog.slice(before).some((e) => e.path.endsWith('/longpoll')))
      await new Promise((r) => setTimeout(r, 5));
    await put(env.client(), '/Docs/Wake.txt', 'wake up');
    assert.equal(await waiting, true);
    const poll = env.server.requestLog.slice(before).find((e) => e.path.endsWith('/longpoll'))!;
    assert.equal(poll.host, 'notify');
    assert.equal(poll.headers.authorization, undefined, 'the long-poll carries no token');
    const page = await c.listChanges('');
    assert.ok(page.resources.some((r) => r.name === 'Wake.txt'));
  });

  test('waitForChanges returns false when nothing changes, checks its bounds, needs a marker', async () => {
    const c = env.client();
    assert.equal((await rejection(c.waitForChanges(30))).code, 1000);
    await c.getCurrentChangeMarker('/Docs/Sub');
    // The emulator runs 50 ms per second of timeout here.
    assert.equal(await c.waitForChanges(30), false);
    assert.equal((await rejection(c.waitForChanges(29))).code, 1000);
    assert.equal((await rejection(c.waitForChanges(481))).code, 1000);
  });

  test('the backoff of a long-poll answer is waited out before the next long-poll', async () => {
    const c = env.client();
    await c.getCurrentChangeMarker('/Docs/Sub');
    env.emulator.setLongpollBackoff(1);
    try {
      assert.equal(await c.waitForChanges(30), false);
      const answered = Date.now();
      const before = env.server.requestLog.length;
      await c.waitForChanges(30);
      const next = env.server.requestLog.slice(before).find((e) => e.path.endsWith('/longpoll'))!;
      assert.ok(
        next.at - answered >= 990,
        `the second long-poll came ${next.at - answered} ms after the first`,
      );
    } finally {
      env.emulator.setLongpollBackoff(undefined);
    }
  });
});

describe('listRevisions', () => {
  test('path mode follows the path, id mode the file across moves; MaxRevisionResults caps', async () => {
    const c = env.client();
    const id = await put(c, '/Rev/Note.txt', 'v1');
    await put(c, '/Rev/Note.txt', 'v2');
    await put(c, '/Rev/Note.txt', 'v3');
    await c.moveResource('/Rev/Note.txt', '/Rev/Moved.txt');
    await put(c, '/Rev/Moved.txt', 'v4');
    // A different file now lives at the old path.
    await put(c, '/Rev/Note.txt', 'other');

    // Four contents (a move may add a revision of its own).
    const byId = await c.listRevisions(id);
    assert.ok(byId.length >= 4);
    assert.ok(byId.every((r) => r.id === id));
    assert.equal(byId[0]!.size, 2);
    assert.equal(c.resourceCount, byId.length);

    const byPath = await c.listRevisions('/Rev/Note.txt');
    assert.ok(byPath.length >= 1);
    assert.ok(
      byPath.some((r) => r.id !== id),
      'the path history includes the newer file',
    );

    c.config('ListRevisionsMode=2');
    const forcedId = await c.listRevisions('/Rev/Moved.txt');
    assert.deepEqual(
      forcedId.map((r) => r.revision),
      byId.map((r) => r.revision),
    );
    c.config('ListRevisionsMode=1');
    const forcedPath = await c.listRevisions(id);
    assert.deepEqual(
      forcedPath.map((r) => r.revision),
      (await env.client().listRevisions('/Rev/Moved.txt')).map((r) => r.revision),
    );
    c.config('ListRevisionsMode=0');
    c.config('MaxRevisionResults=2');
    assert.equal((await c.listRevisions(id)).length, 2);
    assert.throws(() => c.config('MaxRevisionResults=101'), /between 1 and 100/);
  });
});

describe('search', () => {
  test('names, scope folder, extensions, categories and kind; pages through searchMarker', async () => {
    const c = env.client();
    const all = await c.search('', 'a');
    assert.ok(all.resources.length >= 3);
    const scoped = await c.search('/Docs/Sub', 'report');
    assert.deepEqual(
      scoped.resources.map((r) => r.name),
      ['Deep Report.pdf'],
    );
    c.searchFileExtensions = 'txt, .md';
    const byExt = await c.search('/Docs', 'a');
    assert.ok(byExt.resources.length > 0);
    assert.ok(byExt.resources.every((r) => /\.(txt|md)$/.test(r.name)));
    c.searchFileExtensions = '';
    c.searchCategories = 'image';
    const images = await c.search('', 'gamma');
    assert.deepEqual(
      images.resources.map((r) => r.name),
      ['Gamma.jpg'],
    );
    c.searchCategories = 'folder';
    const folders = await c.search('', 'sub');
    assert.ok(folders.resources.every((r) => r.type === 1));
    c.searchCategories = '';
    c.searchNamesOnly = true;
    c.config('TransferredRequest=ON');
    await c.search('', 'alpha');
    const raw = c.config('RawRequest');
    assert.match(raw, /"filename_only":true/);

    c.config('MaxSearchResults=1');
    c.searchNamesOnly = false;
    const names: string[] = [];
    const first = await c.search('/Docs', 'a');
    names.push(...first.resources.map((r) => r.name));
    assert.notEqual(c.searchMarker, '');
    while (c.searchMarker) names.push(...(await c.search('/Docs', 'a')).resources.map((r) => r.name));
    assert.ok(names.length >= 2);
    assert.deepEqual(
      c.resources.map((r) => r.name),
      names,
    );
    const iterated: string[] = [];
    for await (const r of c.iterateSearch('/Docs', 'a')) iterated.push(r.name);
    assert.deepEqual(iterated.sort(), [...names].sort());
  });

  test('searchKind deleted finds deleted files', async () => {
    const c = env.client();
    await put(c, '/Docs/Ephemeral.txt', 'x');
    await c.deleteResource('/Docs/Ephemeral.txt');
    assert.equal((await c.search('', 'ephemeral')).resources.length, 0);
    c.searchKind = 1;
    const found = await c.search('', 'ephemeral');
    assert.equal(found.resources.length, 1);
    assert.equal(found.resources[0]!.deleted, true);
  });
});
