import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpError } from '../../../src/emulator/core/index.js';
import { parseQuery, tokenize } from '../../../src/emulator/googledrive/index.js';
import { DRIVE_QUERY_FIELDS } from '../../../src/emulator/googledrive/query.js';
import { call, type Harness, reasonOf, startHarness } from './helpers.js';

function rejects(q: string): string {
  try {
    parseQuery(q);
  } catch (e) {
    assert.ok(e instanceof HttpError, `${q}: not an HttpError`);
    assert.equal(e.status, 400);
    const drive = e.detail.drive as { reason: string; location: string };
    assert.equal(drive.reason, 'invalid');
    assert.equal(drive.location, 'q');
    return e.message;
  }
  assert.fail(`${q} was accepted`);
}

describe('Drive q language: parser', () => {
  it('tokenizes strings with escapes, operators and words', () => {
    const t = tokenize("name = 'it\\'s \\\\ ok' and modifiedTime >= '2024-01-01'");
    assert.deepEqual(
      t.map((x) => ('v' in x ? x.v : x.t)),
      ['name', '=', "it's \\ ok", 'and', 'modifiedTime', '>=', '2024-01-01', 'end'],
    );
  });

  it('gives and precedence over or, honours parentheses and not', () => {
    const n = parseQuery("name = 'a' or name = 'b' and starred = true");
    assert.equal(n.kind, 'or');
    assert.equal(n.kind === 'or' && n.right.kind, 'and');
    const p = parseQuery("(name = 'a' or name = 'b') and not trashed = true");
    assert.equal(p.kind, 'and');
    assert.equal(p.kind === 'and' && p.left.kind, 'or');
    assert.equal(p.kind === 'and' && p.right.kind, 'not');
  });

  it('parses every term kind rclone and the class send', () => {
    for (const q of [
      "trashed=false and ('0AId' in parents) and (name='a.txt')",
      "mimeType='application/vnd.google-apps.folder'",
      "mimeType!='application/vnd.google-apps.folder'",
      "(modifiedTime >= '2006-01-02T15:04:05' or mimeType = 'application/vnd.google-apps.folder')",
      'sharedWithMe=true',
      "'A' in parents or 'B' in parents",
      "'me' in owners and 'x@example.com' in writers",
      "properties has { key='color' and value='blue' }",
      "appProperties has {key='k' and value='v'}",
      "fullText contains 'hello world'",
      "createdTime < '2024-05-01T12:00:00-08:00' and viewedByMeTime <= '2024-05-01'",
      "visibility = 'anyoneWithLink'",
      "shortcutDetails.targetId = 'abc'",
      "name contains 'rep' AND NOT starred = true",
    ])
      assert.doesNotThrow(() => parseQuery(q), q);
    assert.doesNotThrow(() => parseQuery('memberCount > 2 and hidden = false', DRIVE_QUERY_FIELDS));
  });

  it('refuses malformed queries with 400 invalid at q', () => {
    for (const q of [
      '',
      "name = 'open",
      "name = 'a' and",
      "(name = 'a'",
      "name = 'a')",
      "name == 'a'",
      "size > '3'",
      "trashed = 'yes'",
      "fullText = 'x'",
      "modifiedTime > 'yesterday'",
      "starred contains 'x'",
      "'x' in names",
      "properties has { key='k' }",
      'name = a',
      "name = 'a' # comment",
      "parents = 'x'",
    ])
      rejects(q);
    assert.match(rejects("name = 'a' and"), /position/);
  });

  it('stays linear on long and deeply nested input', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `name = 'n${i}'`).join(' or ');
    assert.equal(parseQuery(long).kind, 'or');
    rejects(`${"'".repeat(1)}${'a'.repeat(200_000)}`);
  });
});

describe('Drive q language: results of files.list', () => {
  let h: Harness;
  const ids: Record<string, string> = {};
  before(async () => {
    h = await startHarness();
    const d = h.drive;
    const folder = await d.addFolder('Reports');
    ids.folder = folder.id;
    ids.q1 = (
      await d.addFile({
        name: 'Quarterly report.pdf',
        parent: folder.id,
        mimeType: 'application/pdf',
        content: 'x',
        modifiedTime: '2024-01-10T00:00:00Z',
        properties: { color: 'blue' },
      })
    ).id;
    ids.q2 = (
      await d.addFile({
        name: 'reporting-tool.txt',
        mimeType: 'text/plain',
        content: 'y',
        starred: true,
        modifiedTime: '2024-03-10T00:00:00Z',
        appProperties: { k: 'v' },
      })
    ).id;
    ids.old = (
      await d.addFile({
        name: 'old.txt',
        mimeType: 'text/plain',
        content: 'z',
        trashed: true,
        modifiedTime: '2023-01-01T00:00:00Z',
      })
    ).id;
    ids.doc = (await d.addGoogleDoc('Meeting notes', 'document', 'the budget discussion')).id;
    ids.shared = (
      await d.addFile({
        name: 'from-friend.txt',
        content: 'hi',
        owner: 'friend@example.com',
        sharedWith: [{ emailAddress: 'user@example.com', role: 'writer' }],
      })
    ).id;
    // Someone else's file that is not shared with the user must never show.
    await d.addFile({ name: 'private report', content: 'no', owner: 'stranger@example.com' });
  });
  after(() => h.stop());

  async function names(q: string, extra: Record<string, string> = {}) {
    const r = await call(h, 'GET', '/drive/v3/files', {
      query: { q, fields: 'files(name)', orderBy: 'name', ...extra },
    });
    assert.equal(r.status, 200, r.text);
    return r.json().files.map((f: { name: string }) => f.name);
  }

  it('name contains matches word prefixes, = is exact', async () => {
    assert.deepEqual(await names("name contains 'report'"), [
      'Quarterly report.pdf',
      'reporting-tool.txt',
      'Reports',
    ]);
    assert.deepEqual(await names("name contains 'port'"), []);
    assert.deepEqual(await names("name = 'old.txt'"), ['old.txt']);
    assert.deepEqual(await names("name != 'old.txt' and mimeType = 'text/plain'"), [
      'from-friend.txt',
      'reporting-tool.txt',
    ]);
  });

  it('trashed, starred, parents with the root alias, times', async () => {
    assert.deepEqual(await names('trashed = true'), ['old.txt']);
    assert.deepEqual(await names('starred = true'), ['reporting-tool.txt']);
    assert.deepEqual(await names(`'${ids.folder}' in parents`), ['Quarterly report.pdf']);
    assert.deepEqual(
      await names(
        "'root' in parents and trashed = false and mimeType != 'application/vnd.google-apps.folder'",
      ),
      ['Meeting notes', 'reporting-tool.txt'],
    );
    assert.deepEqual(
      await names("modifiedTime > '2024-01-01T00:00:00' and modifiedTime <= '2024-03-10T00:00:00Z'"),
      ['Quarterly report.pdf', 'reporting-tool.txt'],
    );
    assert.deepEqual(await names("modifiedTime < '2024-01-01' and not trashed = false"), ['old.txt']);
  });

  it('properties has, appProperties has, fullText contains, mimeType contains', async () => {
    assert.deepEqual(await names("properties has { key='color' and value='blue' }"), [
      'Quarterly report.pdf',
    ]);
    assert.deepEqual(await names("properties has { key='color' and value='red' }"), []);
    assert.deepEqual(await names("appProperties has { key='k' and value='v' }"), ['reporting-tool.txt']);
    const r = await call(h, 'GET', '/drive/v3/files', {
      query: { q: "fullText contains 'budget'", fields: 'files(name)' },
    });
    assert.deepEqual(r.json().files, [{ name: 'Meeting notes' }]);
    assert.deepEqual(await names("mimeType contains 'google-apps'"), ['Meeting notes', 'Reports']);
  });

  it('sharedWithMe and owners', async () => {
    assert.deepEqual(await names('sharedWithMe = true'), ['from-friend.txt']);
    assert.deepEqual(await names("'friend@example.com' in owners"), ['from-friend.txt']);
    assert.equal((await names("'me' in owners")).includes('from-friend.txt'), false);
    assert.deepEqual(await names("'user@example.com' in writers and not 'me' in owners"), [
      'from-friend.txt',
    ]);
  });

  it('a malformed q is a 400 invalid in Drive JSON; sorting with fullText is refused', async () => {
    const r = await call(h, 'GET', '/drive/v3/files', { query: { q: "name = 'x' and (" } });
    assert.equal(r.status, 400);
    assert.equal(reasonOf(r), 'invalid');
    assert.equal(r.json().error.errors[0].location, 'q');
    assert.equal(r.json().error.status, 'INVALID_ARGUMENT');
    const s = await call(h, 'GET', '/drive/v3/files', {
      query: { q: "fullText contains 'x'", orderBy: 'name' },
    });
    assert.equal(s.status, 400);
  });
});
