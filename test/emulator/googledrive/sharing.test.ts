import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, type Harness, reasonOf, related, startHarness } from './helpers.js';

describe('Drive emulator: permissions, revisions, shared drives, changes', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('permissions: create each type, list pages, get, update, delete, owner rules', async () => {
    const f = await h.drive.addFile({ name: 'shared.txt', content: 's' });
    const perm = (json: unknown, query: Record<string, string | boolean> = {}) =>
      call(h, 'POST', `/drive/v3/files/${f.id}/permissions`, {
        json,
        query: { fields: '*', sendNotificationEmail: false, ...query },
      });
    let r = await perm({ type: 'user', role: 'commenter', emailAddress: 'bob@example.com' });
    assert.equal(r.status, 200, r.text);
    const bob = r.json();
    assert.equal(bob.kind, 'drive#permission');
    assert.equal(bob.emailAddress, 'bob@example.com');
    r = await perm({ type: 'group', role: 'reader', emailAddress: 'team@example.com' });
    assert.equal(r.json().type, 'group');
    r = await perm({ type: 'domain', role: 'reader', domain: 'example.com', allowFileDiscovery: true });
    assert.equal(r.json().allowFileDiscovery, true);
    r = await perm({ type: 'anyone', role: 'reader' });
    assert.equal(r.json().id, 'anyoneWithLink');
    r = await perm({ type: 'user', role: 'reader' });
    assert.equal(r.status, 400, 'a user permission needs an email');
    r = await perm({ type: 'robot', role: 'reader' });
    assert.equal(r.status, 400);
    r = await perm({ type: 'user', role: 'organizer', emailAddress: 'x@example.com' });
    assert.equal(r.status, 403, 'organizer is a shared-drive role');
    r = await perm({ type: 'user', role: 'owner', emailAddress: 'carol@example.com' });
    assert.equal(r.status, 403);
    assert.match(r.json().error.message, /transferOwnership/);

    const page1 = await call(h, 'GET', `/drive/v3/files/${f.id}/permissions`, {
      query: { pageSize: 3, fields: 'nextPageToken,permissions(id,role)' },
    });
    assert.equal(page1.json().permissions.length, 3);
    const page2 = await call(h, 'GET', `/drive/v3/files/${f.id}/permissions`, {
      query: {
        pageSize: 3,
        pageToken: page1.json().nextPageToken,
        fields: 'nextPageToken,permissions(id,role)',
      },
    });
    assert.equal(page2.json().permissions.length, 2);
    assert.equal(page2.json().nextPageToken, undefined);

    r = await call(h, 'PATCH', `/drive/v3/files/${f.id}/permissions/${bob.id}`, {
      json: { role: 'writer', expirationTime: '2099-01-01T00:00:00Z' },
      query: { fields: 'role,expirationTime' },
    });
    assert.deepEqual(r.json(), { role: 'writer', expirationTime: '2099-01-01T00:00:00.000Z' });
    r = await call(h, 'GET', `/drive/v3/files/${f.id}/permissions/${bob.id}`);
    assert.deepEqual(r.json(), { kind: 'drive#permission', id: bob.id, type: 'user', role: 'writer' });
    // Bob now sees the file as shared with him and can write it.
    const bobToken = h.drive.issueToken({ user: 'bob@example.com' }).accessToken;
    r = await call(h, 'GET', '/drive/v3/files', {
      token: bobToken,
      query: { q: 'sharedWithMe = true', fields: 'files(id,ownedByMe)' },
    });
    assert.deepEqual(r.json().files, [{ id: f.id, ownedByMe: false }]);
    r = await call(h, 'PATCH', `/drive/v3/files/${f.id}`, {
      token: bobToken,
      json: { description: 'by bob' },
    });
    assert.equal(r.status, 200);
    r = await call(h, 'DELETE', `/drive/v3/files/${f.id}`, { token: bobToken });
    assert.equal(r.status, 403, 'only the owner deletes');
    // Transfer: the old owner becomes a writer.
    r = await call(h, 'PATCH', `/drive/v3/files/${f.id}/permissions/${bob.id}`, {
      json: { role: 'owner' },
      query: { transferOwnership: true },
    });
    assert.equal(r.status, 200, r.text);
    r = await call(h, 'GET', `/drive/v3/files/${f.id}`, {
      query: { fields: 'owners(emailAddress),ownedByMe,capabilities(canDelete)' },
    });
    assert.deepEqual(r.json(), {
      owners: [{ emailAddress: 'bob@example.com' }],
      ownedByMe: false,
      capabilities: { canDelete: false },
    });
    r = await call(h, 'DELETE', `/drive/v3/files/${f.id}/permissions/${bob.id}`);
    assert.equal(r.status, 403, 'the owner cannot be removed');
    r = await call(h, 'DELETE', `/drive/v3/files/${f.id}/permissions/anyoneWithLink`);
    assert.equal(r.status, 204);
    r = await call(h, 'GET', `/drive/v3/files/${f.id}/permissions/anyoneWithLink`);
    assert.equal(r.status, 404);
  });

  it('revisions: list, get, alt=media of an old one, keepForever, delete, only revision kept', async () => {
    const f = await h.drive.addFile({ name: 'rev.txt', content: 'v1' });
    for (const body of ['v2', 'v3']) {
      await call(h, 'PATCH', `/upload/drive/v3/files/${f.id}`, {
        query: { uploadType: 'media' },
        body,
        headers: { 'content-type': 'text/plain' },
      });
    }
    let r = await call(h, 'GET', `/drive/v3/files/${f.id}/revisions`, {
      query: { fields: 'revisions(id,size,md5Checksum,keepForever,originalFilename)' },
    });
    const revs = r.json().revisions;
    assert.equal(revs.length, 3);
    r = await call(h, 'GET', `/drive/v3/files/${f.id}/revisions/${revs[0].id}`, { query: { alt: 'media' } });
    assert.equal(r.text, 'v1');
    r = await call(h, 'GET', `/drive/v3/files/${f.id}/revisions/${revs[1].id}`);
    assert.deepEqual(Object.keys(r.json()).sort(), ['id', 'kind', 'mimeType', 'modifiedTime']);
    r = await call(h, 'PATCH', `/drive/v3/files/${f.id}/revisions/${revs[0].id}`, {
      json: { keepForever: true },
      query: { fields: 'keepForever' },
    });
    assert.equal(r.json().keepForever, true);
    r = await call(h, 'DELETE', `/drive/v3/files/${f.id}/revisions/${revs[2].id}`);
    assert.equal(r.status, 204);
    r = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { alt: 'media' } });
    assert.equal(r.text, 'v2', 'deleting the head makes the previous revision the content');
    await call(h, 'DELETE', `/drive/v3/files/${f.id}/revisions/${revs[1].id}`);
    r = await call(h, 'DELETE', `/drive/v3/files/${f.id}/revisions/${revs[0].id}`);
    assert.equal(r.status, 403, 'the last revision stays');
    const doc = await h.drive.addGoogleDoc('G', 'document', 'x');
    r = await call(h, 'GET', `/drive/v3/files/${doc.id}/revisions`, {
      query: { fields: 'revisions(id,exportLinks)' },
    });
    assert.equal(r.json().revisions.length, 1);
    assert.ok(r.json().revisions[0].exportLinks['application/pdf']);
  });

  it('shared drives: requestId idempotency, membership, supportsAllDrives gating, corpora, delete rules', async () => {
    let r = await call(h, 'POST', '/drive/v3/drives', { json: { name: 'Eng' } });
    assert.equal(r.status, 400, 'requestId is required');
    r = await call(h, 'POST', '/drive/v3/drives', {
      query: { requestId: 'req-1', fields: '*' },
      json: { name: 'Eng', restrictions: { domainUsersOnly: true } },
    });
    assert.equal(r.status, 200, r.text);
    const d = r.json();
    assert.equal(d.kind, 'drive#drive');
    assert.equal(d.restrictions.domainUsersOnly, true);
    assert.equal(d.hidden, false);
    r = await call(h, 'POST', '/drive/v3/drives', { query: { requestId: 'req-1' }, json: { name: 'Eng' } });
    assert.equal(r.status, 409);
    assert.equal(reasonOf(r), 'duplicate');

    const m = related({ name: 'spec.md', parents: [d.id] }, '# spec', 'text/markdown');
    r = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'multipart', fields: 'id,driveId,parents' },
      body: m.body,
      headers: { 'content-type': m.contentType },
    });
    assert.equal(r.status, 404, 'a shared-drive parent needs supportsAllDrives');
    r = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'multipart', supportsAllDrives: true, fields: 'id,driveId,parents' },
      body: m.body,
      headers: { 'content-type': m.contentType },
    });
    const item = r.json();
    assert.equal(item.driveId, d.id);
    // corpora rules.
    r = await call(h, 'GET', '/drive/v3/files', { query: { corpora: 'drive', driveId: d.id } });
    assert.equal(r.status, 400, 'corpora=drive needs includeItemsFromAllDrives');
    r = await call(h, 'GET', '/drive/v3/files', {
      query: { corpora: 'drive', driveId: d.id, includeItemsFromAllDrives: true },
    });
    assert.equal(r.status, 400, 'includeItemsFromAllDrives needs supportsAllDrives');
    const list = async (query: Record<string, string | boolean>) =>
      (
        await call(h, 'GET', '/drive/v3/files', { query: { fields: 'files(id),incompleteSearch', ...query } })
      ).json();
    assert.deepEqual(
      (
        await list({
          corpora: 'drive',
          driveId: d.id,
          includeItemsFromAllDrives: true,
          supportsAllDrives: true,
        })
      ).files,
      [{ id: item.id }],
    );
    assert.ok(
      !(await list({})).files.some((x: { id: string }) => x.id === item.id),
      'My Drive listings leave shared drives out',
    );
    assert.ok(
      (
        await list({ corpora: 'allDrives', includeItemsFromAllDrives: true, supportsAllDrives: true })
      ).files.some((x: { id: string }) => x.id === item.id),
    );
    h.drive.settings.allDrivesIncompleteSearch = true;
    assert.equal(
      (await list({ corpora: 'allDrives', includeItemsFromAllDrives: true, supportsAllDrives: true }))
        .incompleteSearch,
      true,
    );
    h.drive.settings.allDrivesIncompleteSearch = false;
    // Single parent inside a shared drive.
    const other = await h.drive.addFolder('elsewhere');
    r = await call(h, 'PATCH', `/drive/v3/files/${item.id}`, {
      query: { addParents: other.id, supportsAllDrives: true },
    });
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'teamDrivesParentLimit');

    // Members: a reader cannot rename the drive; an organizer can.
    r = await call(h, 'POST', `/drive/v3/files/${d.id}/permissions`, {
      query: { supportsAllDrives: true, fields: 'id,role' },
      json: { type: 'user', role: 'reader', emailAddress: 'reader@example.com' },
    });
    assert.equal(r.json().role, 'reader');
    r = await call(h, 'POST', `/drive/v3/files/${d.id}/permissions`, {
      query: { supportsAllDrives: true },
      json: { type: 'anyone', role: 'reader' },
    });
    assert.equal(r.status, 403, 'drive members are users or groups');
    const readerToken = h.drive.issueToken({ user: 'reader@example.com' }).accessToken;
    r = await call(h, 'PATCH', `/drive/v3/drives/${d.id}`, { token: readerToken, json: { name: 'Mine' } });
    assert.equal(r.status, 403);
    r = await call(h, 'GET', `/drive/v3/files/${item.id}`, {
      token: readerToken,
      query: { supportsAllDrives: true, fields: 'capabilities(canEdit)' },
    });
    assert.deepEqual(r.json(), { capabilities: { canEdit: false } });
    r = await call(h, 'PATCH', `/drive/v3/drives/${d.id}`, {
      json: { name: 'Eng 2', restrictions: { driveMembersOnly: true } },
      query: { fields: 'name,restrictions' },
    });
    assert.equal(r.json().name, 'Eng 2');
    assert.equal(r.json().restrictions.driveMembersOnly, true);
    assert.equal(r.json().restrictions.domainUsersOnly, true);
    // Hidden is per user.
    r = await call(h, 'POST', `/drive/v3/drives/${d.id}/hide`, { query: { fields: 'hidden' } });
    assert.equal(r.json().hidden, true);
    r = await call(h, 'GET', `/drive/v3/drives/${d.id}`, { token: readerToken, query: { fields: 'hidden' } });
    assert.equal(r.json().hidden, false);
    r = await call(h, 'GET', '/drive/v3/drives', { query: { q: 'hidden = true', fields: 'drives(id)' } });
    assert.deepEqual(r.json().drives, [{ id: d.id }]);
    r = await call(h, 'GET', '/drive/v3/drives', {
      query: { q: "name contains 'Eng' and memberCount >= 2", fields: 'drives(id)' },
    });
    assert.deepEqual(r.json().drives, [{ id: d.id }]);

    r = await call(h, 'DELETE', `/drive/v3/drives/${d.id}`);
    assert.equal(r.status, 403);
    assert.equal(reasonOf(r), 'cannotDeleteNonemptyDrive');
    await call(h, 'PATCH', `/drive/v3/files/${item.id}`, {
      query: { supportsAllDrives: true },
      json: { trashed: true },
    });
    r = await call(h, 'DELETE', `/drive/v3/drives/${d.id}`);
    assert.equal(r.status, 204, 'a drive with only trashed items can go');
    r = await call(h, 'GET', `/drive/v3/drives/${d.id}`);
    assert.equal(r.status, 404);
  });

  it('drives.list pages', async () => {
    for (let i = 0; i < 3; i++)
      await call(h, 'POST', '/drive/v3/drives', {
        query: { requestId: `page-${i}` },
        json: { name: `P${i}` },
      });
    const r = await call(h, 'GET', '/drive/v3/drives', {
      query: { pageSize: 2, q: "name contains 'P'", fields: 'nextPageToken,drives(name)' },
    });
    assert.equal(r.json().drives.length, 2);
    const r2 = await call(h, 'GET', '/drive/v3/drives', {
      query: {
        pageSize: 2,
        q: "name contains 'P'",
        pageToken: r.json().nextPageToken,
        fields: 'nextPageToken,drives(name)',
      },
    });
    assert.deepEqual(r2.json().drives, [{ name: 'P2' }]);
  });

  it('changes: page tokens are change numbers; latest change per item; drive changes; per driveId; includeRemoved', async () => {
    const start = (await call(h, 'GET', '/drive/v3/changes/startPageToken')).json();
    assert.equal(start.kind, 'drive#startPageToken');
    assert.match(start.startPageToken, /^\d+$/);
    const a = await h.drive.addFile({ name: 'ch-a', content: '1' });
    await call(h, 'PATCH', `/drive/v3/files/${a.id}`, { json: { name: 'ch-a2' } });
    const b = await h.drive.addFile({ name: 'ch-b', content: '1' });
    await call(h, 'DELETE', `/drive/v3/files/${b.id}`);
    const team = h.drive.addSharedDrive('Changes team');
    const inTeam = await h.drive.addFile({ name: 'team-file', parent: team.id, content: 't' });
    let r = await call(h, 'GET', '/drive/v3/changes', {
      query: { pageToken: start.startPageToken, fields: '*' },
    });
    assert.equal(r.status, 200, r.text);
    const changes = r.json().changes;
    const ids = changes.map(
      (c: { fileId?: string; driveId?: string; changeType: string }) => c.fileId ?? `drive:${c.driveId}`,
    );
    assert.deepEqual(
      ids,
      [a.id, b.id, `drive:${team.id}`],
      'one change per item; shared-drive items need includeItemsFromAllDrives',
    );
    assert.equal(changes[0].file.name, 'ch-a2');
    assert.equal(changes[1].removed, true);
    assert.equal(changes[2].changeType, 'drive');
    assert.ok(r.json().newStartPageToken);
    r = await call(h, 'GET', '/drive/v3/changes', {
      query: {
        pageToken: start.startPageToken,
        includeRemoved: false,
        includeItemsFromAllDrives: true,
        supportsAllDrives: true,
        fields: 'changes(fileId)',
      },
    });
    assert.deepEqual(
      r
        .json()
        .changes.filter((c: { fileId?: string }) => c.fileId)
        .map((c: { fileId: string }) => c.fileId),
      [a.id, inTeam.id],
    );
    r = await call(h, 'GET', '/drive/v3/changes', {
      query: {
        pageToken: start.startPageToken,
        driveId: team.id,
        supportsAllDrives: true,
        includeItemsFromAllDrives: true,
        fields: 'changes(fileId,driveId,changeType)',
      },
    });
    assert.deepEqual(
      r.json().changes.map((c: { fileId?: string }) => c.fileId ?? 'drive'),
      ['drive', inTeam.id],
    );
    // Paging: pageSize 1 walks with nextPageToken until newStartPageToken.
    let token = start.startPageToken;
    const walked: string[] = [];
    for (;;) {
      const page = (
        await call(h, 'GET', '/drive/v3/changes', { query: { pageToken: token, pageSize: 1 } })
      ).json();
      walked.push(...page.changes.map((c: { fileId?: string; driveId?: string }) => c.fileId ?? c.driveId));
      if (page.nextPageToken) token = page.nextPageToken;
      else {
        assert.ok(page.newStartPageToken);
        break;
      }
    }
    assert.deepEqual(walked, [a.id, b.id, team.id]);
    r = await call(h, 'GET', '/drive/v3/changes', { query: { pageToken: '1', fields: 'changes(fileId)' } });
    assert.ok(r.json().changes.length >= 3, 'token "1" starts at the first change');
    r = await call(h, 'GET', '/drive/v3/changes');
    assert.equal(r.status, 400);
    r = await call(h, 'GET', '/drive/v3/changes', { query: { pageToken: 'abc' } });
    assert.equal(r.status, 400);
  });
});
