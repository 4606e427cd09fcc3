import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Dropbox, DropboxResponseError } from 'dropbox';
import { contentHashOf } from '../../../src/emulator/dropbox/index.js';
import { type Harness, startHarness } from './helpers.js';

/**
 * Dropbox's official JavaScript SDK (npm `dropbox`) against the emulator. The SDK builds
 * https://{api,content,notify}.dropboxapi.com URLs and has no base-URL option, so the harness gives it a
 * fetch that sends each request to the matching emulator port (see helpers.ts).
 */

async function rejects(promise: Promise<unknown>): Promise<DropboxResponseError<any>> {
  try {
    await promise;
  } catch (e) {
    return e as DropboxResponseError<any>;
  }
  assert.fail('expected the call to fail');
}

describe('Dropbox SDK against the emulator', () => {
  let h: Harness;
  let dbx: Dropbox;

  before(async () => {
    h = await startHarness();
    dbx = h.sdk();
  });
  after(() => h.stop());

  it('reads the account and the space usage', async () => {
    const account = (await dbx.usersGetCurrentAccount()).result;
    assert.equal(account.account_id, h.dropbox.account.id);
    assert.equal(account.account_id.length, 40);
    assert.equal(account.name.display_name, 'Franz Ferdinand');
    assert.equal(account.email_verified, true);
    assert.equal(account.account_type['.tag'], 'pro');
    assert.equal(account.root_info['.tag'], 'user');
    assert.equal(account.root_info.root_namespace_id, h.dropbox.account.ns.id);
    assert.equal(account.root_info.home_namespace_id, h.dropbox.account.ns.id);

    await dbx.filesUpload({ path: '/space.bin', contents: Buffer.alloc(1000, 1) });
    const space = (await dbx.usersGetSpaceUsage()).result;
    assert.equal(space.used, 1000);
    assert.equal(space.allocation['.tag'], 'individual');
    assert.ok((space.allocation as { allocated: number }).allocated > 1e9);
    await dbx.filesDeleteV2({ path: '/space.bin' });
    assert.equal((await dbx.usersGetSpaceUsage()).result.used, 0);
  });

  it('uploads, downloads byte for byte, and reports the content hash', async () => {
    const data = randomBytes(300_000);
    const up = (
      await dbx.filesUpload({
        path: '/Docs/Report.BIN',
        contents: data,
        client_modified: '2024-01-02T03:04:05Z',
      })
    ).result;
    assert.equal(up.name, 'Report.BIN');
    assert.equal(up.path_display, '/Docs/Report.BIN');
    assert.equal(up.path_lower, '/docs/report.bin');
    assert.match(up.id, /^id:[A-Za-z0-9_-]{22}$/);
    assert.match(up.rev, /^[0-9a-f]{9,}$/);
    assert.equal(up.size, data.length);
    assert.equal(up.client_modified, '2024-01-02T03:04:05Z');
    assert.match(up.server_modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(up.content_hash, contentHashOf(data));
    assert.equal(up.is_downloadable, true);
    assert.equal((up as { '.tag'?: string })['.tag'], undefined, 'upload returns FileMetadata, without .tag');

    const down = (await dbx.filesDownload({ path: '/docs/report.bin' })).result as typeof up & {
      fileBinary: Buffer;
    };
    assert.ok(Buffer.from(down.fileBinary).equals(data));
    assert.equal(down.rev, up.rev);
    assert.equal(down.content_hash, contentHashOf(data));

    const byId = (await dbx.filesDownload({ path: up.id })).result as unknown as { fileBinary: Buffer };
    assert.ok(Buffer.from(byId.fileBinary).equals(data));

    const meta = (await dbx.filesGetMetadata({ path: '/DOCS/report.bin' })).result;
    assert.equal(meta['.tag'], 'file');
    assert.equal(meta.path_display, '/Docs/Report.BIN');
  });

  it('uploads through a session with several appends', async () => {
    const parts = [randomBytes(100_000), randomBytes(250_000), randomBytes(4096), randomBytes(70_000)];
    const whole = Buffer.concat(parts);
    const start = (await dbx.filesUploadSessionStart({ contents: parts[0], close: false })).result;
    assert.match(start.session_id, /^pid_upload_session:/);
    let offset = parts[0]!.length;
    for (const part of parts.slice(1, 3)) {
      const r = await dbx.filesUploadSessionAppendV2({
        cursor: { session_id: start.session_id, offset },
        contents: part,
        close: false,
      });
      assert.equal(r.result, null);
      offset += part.length;
    }
    const done = (
      await dbx.filesUploadSessionFinish({
        cursor: { session_id: start.session_id, offset },
        commit: { path: '/big/session.bin', mode: { '.tag': 'add' }, autorename: false, mute: true },
        contents: parts[3],
      })
    ).result;
    assert.equal(done.size, whole.length);
    assert.equal(done.content_hash, contentHashOf(whole));
    const down = (await dbx.filesDownload({ path: '/big/session.bin' })).result as unknown as {
      fileBinary: Buffer;
    };
    assert.ok(Buffer.from(down.fileBinary).equals(whole));

    // A finished session is gone for good.
    const late = await rejects(
      dbx.filesUploadSessionAppendV2({
        cursor: { session_id: start.session_id, offset: whole.length },
        contents: Buffer.from('x'),
      }),
    );
    assert.equal(late.status, 409);
    assert.equal(late.error.error['.tag'], 'closed');
  });

  it('lists folders, recursively and in pages, and follows changes with the cursor', async () => {
    await dbx.filesCreateFolderV2({ path: '/list' });
    for (const name of ['b.txt', 'a.txt', 'C.txt'])
      await dbx.filesUpload({ path: `/list/${name}`, contents: name });
    await dbx.filesUpload({ path: '/list/sub/deep.txt', contents: 'deep' });

    const flat = (await dbx.filesListFolder({ path: '/list' })).result;
    assert.deepEqual(
      flat.entries.map((e) => `${e['.tag']}:${e.name}`),
      ['file:a.txt', 'file:b.txt', 'file:C.txt', 'folder:sub'],
    );
    assert.equal(flat.has_more, false);

    const deep = (await dbx.filesListFolder({ path: '/list', recursive: true })).result;
    assert.deepEqual(
      deep.entries.map((e) => e.path_display),
      ['/list', '/list/a.txt', '/list/b.txt', '/list/C.txt', '/list/sub', '/list/sub/deep.txt'],
    );

    // Pages of 2, through list_folder/continue.
    let page = (await dbx.filesListFolder({ path: '/list', recursive: true, limit: 2 })).result;
    const seen = page.entries.map((e) => e.path_lower);
    while (page.has_more) {
      page = (await dbx.filesListFolderContinue({ cursor: page.cursor })).result;
      seen.push(...page.entries.map((e) => e.path_lower));
    }
    assert.deepEqual(
      seen,
      deep.entries.map((e) => e.path_lower),
    );

    // The final cursor reports what changed since.
    await dbx.filesUpload({ path: '/list/new.txt', contents: 'new' });
    await dbx.filesDeleteV2({ path: '/list/b.txt' });
    await dbx.filesUpload({ path: '/elsewhere.txt', contents: 'not in scope' });
    const changes = (await dbx.filesListFolderContinue({ cursor: page.cursor })).result;
    assert.deepEqual(
      changes.entries.map((e) => `${e['.tag']}:${e.path_lower}`),
      ['file:/list/new.txt', 'deleted:/list/b.txt'],
    );
    const none = (await dbx.filesListFolderContinue({ cursor: changes.cursor })).result;
    assert.deepEqual(none.entries, []);

    const latest = (await dbx.filesListFolderGetLatestCursor({ path: '/list' })).result;
    await dbx.filesUpload({ path: '/list/after.txt', contents: 'after' });
    const later = (await dbx.filesListFolderContinue({ cursor: latest.cursor })).result;
    assert.deepEqual(
      later.entries.map((e) => e.name),
      ['after.txt'],
    );

    const withDeleted = (await dbx.filesListFolder({ path: '/list', include_deleted: true })).result;
    assert.ok(withDeleted.entries.some((e) => e['.tag'] === 'deleted' && e.name === 'b.txt'));
  });

  it('longpolls through the notify host', async () => {
    const cursor = (
      await dbx.filesListFolderGetLatestCursor({ path: '/poll', recursive: true }).catch(async () => {
        await dbx.filesCreateFolderV2({ path: '/poll' });
        return dbx.filesListFolderGetLatestCursor({ path: '/poll', recursive: true });
      })
    ).result.cursor;
    const poll = dbx.filesListFolderLongpoll({ cursor, timeout: 30 });
    await new Promise((r) => setTimeout(r, 50));
    await dbx.filesUpload({ path: '/poll/x.txt', contents: 'x' });
    assert.equal((await poll).result.changes, true);
  });

  it('copies, moves, deletes and restores', async () => {
    const original = (await dbx.filesUpload({ path: '/ops/one.txt', contents: 'version 1' })).result;
    const copy = (await dbx.filesCopyV2({ from_path: '/ops/one.txt', to_path: '/ops/copy.txt' })).result
      .metadata;
    assert.equal(copy['.tag'], 'file');
    assert.notEqual((copy as { id: string }).id, original.id);
    assert.equal((copy as { content_hash: string }).content_hash, original.content_hash);

    const conflict = await rejects(dbx.filesCopyV2({ from_path: '/ops/one.txt', to_path: '/ops/copy.txt' }));
    assert.equal(conflict.status, 409);
    assert.match(conflict.error.error_summary, /^to\/conflict\/file\//);
    const renamed = (
      await dbx.filesCopyV2({ from_path: '/ops/one.txt', to_path: '/ops/copy.txt', autorename: true })
    ).result;
    assert.equal(renamed.metadata.name, 'copy (1).txt');

    const moved = (await dbx.filesMoveV2({ from_path: '/ops/one.txt', to_path: '/ops/moved/One.txt' })).result
      .metadata;
    assert.equal((moved as { id: string }).id, original.id, 'a move keeps the id');
    assert.equal(moved.path_display, '/ops/moved/One.txt');
    const gone = await rejects(dbx.filesGetMetadata({ path: '/ops/one.txt' }));
    assert.equal(gone.error.error_summary.startsWith('path/not_found/'), true);

    // Folder move carries its contents.
    await dbx.filesMoveV2({ from_path: '/ops/moved', to_path: '/ops/archive' });
    const inside = (await dbx.filesGetMetadata({ path: '/ops/archive/one.txt' })).result;
    assert.equal(inside.name, 'One.txt');

    const deleted = (await dbx.filesDeleteV2({ path: '/ops/archive/One.txt' })).result.metadata;
    assert.equal(deleted['.tag'], 'file');
    const tomb = (await dbx.filesGetMetadata({ path: '/ops/archive/One.txt', include_deleted: true })).result;
    assert.equal(tomb['.tag'], 'deleted');

    const restored = (
      await dbx.filesRestore({ path: '/ops/archive/One.txt', rev: (moved as { rev: string }).rev })
    ).result;
    assert.equal(restored.content_hash, original.content_hash);
    const bytes = (await dbx.filesDownload({ path: '/ops/archive/One.txt' })).result as unknown as {
      fileBinary: Buffer;
    };
    assert.equal(Buffer.from(bytes.fileBinary).toString(), 'version 1');

    const badRev = await rejects(dbx.filesRestore({ path: '/ops/x.txt', rev: 'abcdef0123' }));
    assert.equal(badRev.error.error['.tag'], 'invalid_revision');
  });

  it('keeps revisions and lists them by path and by id', async () => {
    const r1 = (await dbx.filesUpload({ path: '/rev/file.txt', contents: 'one' })).result;
    const r2 = (
      await dbx.filesUpload({ path: '/rev/file.txt', contents: 'two', mode: { '.tag': 'overwrite' } })
    ).result;
    const r3 = (
      await dbx.filesUpload({
        path: '/rev/file.txt',
        contents: 'three',
        mode: { '.tag': 'update', update: r2.rev },
      })
    ).result;
    assert.equal(r1.id, r3.id);
    const stale = await rejects(
      dbx.filesUpload({
        path: '/rev/file.txt',
        contents: 'four',
        mode: { '.tag': 'update', update: r1.rev },
      }),
    );
    assert.match(stale.error.error_summary, /^path\/conflict\/file\//);
    const revs = (await dbx.filesListRevisions({ path: '/rev/file.txt', limit: 10 })).result;
    assert.equal(revs.is_deleted, false);
    assert.deepEqual(
      revs.entries.map((e) => e.rev),
      [r3.rev, r2.rev, r1.rev],
    );
    const old = (await dbx.filesDownload({ path: `rev:${r1.rev}` })).result as unknown as {
      fileBinary: Buffer;
    };
    assert.equal(Buffer.from(old.fileBinary).toString(), 'one');

    await dbx.filesMoveV2({ from_path: '/rev/file.txt', to_path: '/rev/renamed.txt' });
    const byId = (await dbx.filesListRevisions({ path: r1.id, mode: { '.tag': 'id' } })).result;
    assert.equal(byId.entries.length, 4);
    const byPath = (await dbx.filesListRevisions({ path: '/rev/renamed.txt' })).result;
    assert.equal(byPath.entries.length, 1);
    const limited = (await dbx.filesListRevisions({ path: r1.id, mode: { '.tag': 'id' }, limit: 2 })).result;
    assert.equal(limited.entries.length, 2);
    assert.equal((limited as { has_more?: boolean }).has_more, true);
  });

  it('searches by name, extension and status', async () => {
    await dbx.filesUpload({ path: '/search/Holiday Photo.jpg', contents: 'jpg' });
    await dbx.filesUpload({ path: '/search/holiday notes.txt', contents: 'txt' });
    await dbx.filesUpload({ path: '/search/other.txt', contents: 'other' });
    await dbx.filesUpload({ path: '/search/holiday old.txt', contents: 'old' });
    await dbx.filesDeleteV2({ path: '/search/holiday old.txt' });

    const all = (await dbx.filesSearchV2({ query: 'holiday', options: { path: '/search' } })).result;
    const names = all.matches.map((m) => (m.metadata as { metadata: { name: string } }).metadata.name).sort();
    assert.deepEqual(names, ['Holiday Photo.jpg', 'holiday notes.txt']);
    assert.equal((all.matches[0]!.metadata as { '.tag': string })['.tag'], 'metadata');

    const txt = (await dbx.filesSearchV2({ query: 'holiday', options: { file_extensions: ['txt'] } })).result;
    assert.deepEqual(
      txt.matches.map((m) => (m.metadata as { metadata: { name: string } }).metadata.name),
      ['holiday notes.txt'],
    );

    const images = (
      await dbx.filesSearchV2({ query: 'holiday', options: { file_categories: [{ '.tag': 'image' }] } })
    ).result;
    assert.equal(images.matches.length, 1);

    const deleted = (
      await dbx.filesSearchV2({ query: 'holiday', options: { file_status: { '.tag': 'deleted' } } })
    ).result;
    assert.deepEqual(
      deleted.matches.map((m) => (m.metadata as { metadata: { '.tag': string; name: string } }).metadata),
      [
        {
          '.tag': 'deleted',
          name: 'holiday old.txt',
          path_lower: '/search/holiday old.txt',
          path_display: '/search/holiday old.txt',
        },
      ],
    );

    const first = (
      await dbx.filesSearchV2({ query: 'holiday', options: { path: '/search', max_results: 1 } })
    ).result;
    assert.equal(first.matches.length, 1);
    assert.equal(first.has_more, true);
    const next = (await dbx.filesSearchContinueV2({ cursor: first.cursor! })).result;
    assert.equal(next.matches.length, 1);
    assert.equal(next.has_more, false);
  });

  it('creates, lists and revokes shared links', async () => {
    await dbx.filesUpload({ path: '/share/folder/doc.txt', contents: 'shared' });
    const link = (await dbx.sharingCreateSharedLinkWithSettings({ path: '/share/folder/doc.txt' })).result;
    assert.equal(link['.tag'], 'file');
    assert.match(link.url, /^https:\/\/www\.dropbox\.com\/scl\/fi\//);
    assert.equal(link.name, 'doc.txt');
    assert.equal(link.path_lower, '/share/folder/doc.txt');
    assert.equal(link.link_permissions.can_revoke, true);
    assert.equal(link.link_permissions.resolved_visibility?.['.tag'], 'public');

    const again = await rejects(dbx.sharingCreateSharedLinkWithSettings({ path: '/share/folder/doc.txt' }));
    assert.equal(again.status, 409);
    assert.match(again.error.error_summary, /^shared_link_already_exists\//);
    assert.equal(again.error.error.shared_link_already_exists.metadata.url, link.url);

    const protectedLink = (
      await dbx.sharingCreateSharedLinkWithSettings({
        path: '/share/folder',
        settings: {
          requested_visibility: { '.tag': 'password' },
          link_password: 'secret',
          expires: '2099-01-01T00:00:00Z',
        },
      })
    ).result;
    assert.equal(protectedLink['.tag'], 'folder');
    assert.equal(protectedLink.expires, '2099-01-01T00:00:00Z');
    assert.equal(protectedLink.link_permissions.resolved_visibility?.['.tag'], 'password');

    const all = (await dbx.sharingListSharedLinks({})).result;
    assert.deepEqual(all.links.map((l) => l.url).sort(), [link.url, protectedLink.url].sort());
    const direct = (await dbx.sharingListSharedLinks({ path: '/share/folder/doc.txt', direct_only: true }))
      .result;
    assert.deepEqual(
      direct.links.map((l) => l.url),
      [link.url],
    );
    const withParents = (await dbx.sharingListSharedLinks({ path: '/share/folder/doc.txt' })).result;
    assert.equal(withParents.links.length, 2);

    await dbx.sharingRevokeSharedLink({ url: link.url });
    const after = (await dbx.sharingListSharedLinks({})).result;
    assert.deepEqual(
      after.links.map((l) => l.url),
      [protectedLink.url],
    );
    const missing = await rejects(dbx.sharingRevokeSharedLink({ url: link.url }));
    assert.equal(missing.error.error['.tag'], 'shared_link_not_found');
  });

  it('pages shared links with a cursor', async () => {
    const h2 = await startHarness({ sharedLinksPageSize: 2 });
    try {
      const d = h2.sdk();
      const urls: string[] = [];
      for (let i = 0; i < 5; i++) {
        await d.filesUpload({ path: `/l${i}.txt`, contents: String(i) });
        urls.push((await d.sharingCreateSharedLinkWithSettings({ path: `/l${i}.txt` })).result.url);
      }
      let page = (await d.sharingListSharedLinks({})).result;
      const seen = page.links.map((l) => l.url);
      while (page.has_more) {
        page = (await d.sharingListSharedLinks({ cursor: page.cursor! })).result;
        seen.push(...page.links.map((l) => l.url));
      }
      assert.deepEqual(seen, urls);
    } finally {
      await h2.stop();
    }
  });

  it('downloads a folder as a zip', async () => {
    await dbx.filesUpload({ path: '/zipme/a.txt', contents: 'alpha' });
    const zip = (await dbx.filesDownloadZip({ path: '/zipme' })).result as unknown as {
      metadata: { name: string };
      fileBinary: Buffer;
    };
    assert.equal(zip.metadata.name, 'zipme');
    assert.equal(Buffer.from(zip.fileBinary).readUInt32LE(0), 0x04034b50);
  });

  it('accepts the Dropbox-API-Path-Root header', async () => {
    const ns = h.dropbox.account.ns.id;
    const rooted = h.sdk({ pathRoot: JSON.stringify({ '.tag': 'root', root: ns }) });
    assert.equal((await rooted.filesListFolder({ path: '' })).status, 200);
    const wrong = h.sdk({ pathRoot: JSON.stringify({ '.tag': 'root', root: '1' }) });
    const e = await rejects(wrong.filesListFolder({ path: '' }));
    assert.equal(e.status, 422);
    assert.equal(e.error.error['.tag'], 'invalid_root');
    assert.equal(e.error.error.invalid_root.root_namespace_id, ns);
  });
});
