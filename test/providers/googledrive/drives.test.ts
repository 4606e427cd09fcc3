import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChangeListEvent, SharedDriveListEvent } from '../../../src/providers/googledrive/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

describe('shared drives', () => {
  test('create is idempotent per requestId; list (paged), get, hide, update restrictions, rename, delete', async () => {
    const d = env.client();
    const one = await d.createSharedDrive('Team One', 'req-one');
    // The same requestId again makes no second drive: Drive answers 409 duplicate.
    const again = await rejection(d.createSharedDrive('Team One', 'req-one'));
    assert.equal(again.providerCode, 'duplicate');
    assert.match(again.message, /no second one was made/);
    const two = await d.createSharedDrive('Team Two', 'req-two');
    assert.notEqual(two, one);

    const events: SharedDriveListEvent[] = [];
    d.on('sharedDriveList', (e) => events.push(e));
    d.config('MaxSharedDriveResults=1');
    d.sharedDriveMarker = '';
    do await d.listSharedDrives();
    while (d.sharedDriveMarker);
    assert.deepEqual(d.sharedDrives.map((s) => s.name).sort(), ['Team One', 'Team Two']);
    assert.equal(d.sharedDriveCount, 2);
    assert.equal(events.length, 2);
    const walked: string[] = [];
    for await (const s of d.iterateSharedDrives()) walked.push(s.id);
    assert.deepEqual(walked.sort(), [one, two].sort());

    const info = await d.getSharedDriveInfo(one);
    assert.equal(info.name, 'Team One');
    assert.ok(info.capabilities & 0x08000, 'the organizer can rename');
    assert.equal(info.hidden, false);
    await d.toggleSharedDriveHidden(one, true);
    assert.equal((await d.getSharedDriveInfo(one)).hidden, true);
    await d.toggleSharedDriveHidden(one, false);
    assert.equal((await d.getSharedDriveInfo(one)).hidden, false);

    await d.updateSharedDrive(one, 'Team Renamed', 0x2 | 0x8, 0);
    let after = await d.getSharedDriveInfo(one);
    assert.equal(after.name, 'Team Renamed');
    assert.equal(after.restrictions, 0x2 | 0x8);
    await d.updateSharedDrive(one, '', 0x4, 0x8);
    after = await d.getSharedDriveInfo(one);
    assert.equal(after.name, 'Team Renamed');
    assert.equal(after.restrictions, 0x2 | 0x4);
    await assert.rejects(
      d.updateSharedDrive(one, '', 0x2, 0x2),
      /both in setRestrictions and unsetRestrictions/,
    );

    await d.deleteSharedDrive(two);
    assert.equal((await rejection(d.getSharedDriveInfo(two))).code, 604);
  });

  test('a drive with items cannot be deleted', async () => {
    const d = env.client();
    const drive = await d.createSharedDrive('Busy', 'req-busy');
    d.resourceCount = 1;
    d.resources[0]!.parentIds = drive;
    await d.uploadFile('inside.txt', '', { data: Buffer.from('i') });
    d.resourceCount = 0;
    const err = await rejection(d.deleteSharedDrive(drive));
    assert.ok(err.httpStatus === 403 || err.httpStatus === 400, `status ${err.httpStatus}`);
  });
});

describe('changes', () => {
  test('getCurrentChangeMarker, then listChanges: pages with changeMarker, then nextChangeMarker for polling', async () => {
    const d = env.client({ maxResults: 1 });
    await d.getCurrentChangeMarker();
    const start = d.nextChangeMarker;
    assert.ok(start);
    const a = await d.uploadFile('change-a.txt', '', { data: Buffer.from('a') });
    const b = await d.uploadFile('change-b.txt', '', { data: Buffer.from('b') });
    await d.deleteResource(a);

    const events: ChangeListEvent[] = [];
    d.on('changeList', (e) => events.push(e));
    await d.listChanges();
    assert.ok(d.changeMarker, 'more pages: changeMarker is set');
    assert.equal(d.nextChangeMarker, '');
    while (d.changeMarker) await d.listChanges();
    assert.ok(d.nextChangeMarker);
    const ids = d.changes.map((c) => c.resourceId);
    assert.ok(ids.includes(a) && ids.includes(b));
    assert.ok(d.changes.some((c) => c.resourceId === a && c.removed));
    assert.ok(d.changes.every((c) => c.changeType === 0 && c.time));
    assert.equal(events.length, d.changeCount);

    // Caught up: nothing new.
    await d.listChanges();
    assert.equal(d.changeCount, 0);

    // Setting one marker clears the other.
    d.changeMarker = '1';
    assert.equal(d.nextChangeMarker, '');
    await d.listChanges();
    assert.ok(d.changeCount >= 1, 'changeMarker "1" lists from the first change');
  });

  test('scoped to sharedDrive: only that drive and its items', async () => {
    const d = env.client();
    const drive = await d.createSharedDrive('Changes Drive', 'req-changes');
    d.sharedDrive = drive;
    await d.getCurrentChangeMarker();
    d.resourceCount = 1;
    d.resources[0]!.parentIds = drive;
    const inside = await d.uploadFile('drive-change.txt', '', { data: Buffer.from('d') });
    d.resourceCount = 0;
    await d.uploadFile('outside.txt', '', { data: Buffer.from('o') });
    const since = env.server.requestLog.length;
    do await d.listChanges();
    while (d.changeMarker);
    const query = new URLSearchParams(
      env.server.requestLog.slice(since).find((e) => e.path === '/drive/v3/changes')!.query,
    );
    assert.equal(query.get('driveId'), drive);
    const ids = d.changes.map((c) => c.resourceId);
    assert.ok(ids.includes(inside));
    assert.ok(d.changes.every((c) => c.sharedDriveId === drive));
    assert.equal((await rejection(env.client().listChanges())).code, 1000);
  });
});
