import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, type Harness, rpc, startHarness, upload } from './helpers.js';

/**
 * The namespace model through the API: revisions and deletions, relocation rules, change feeds after
 * moves, quotas, accounts (business team fields, isolation), shared link settings.
 */

describe('Dropbox namespace semantics', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ account: { accountType: 'business', givenName: 'Ada', surname: 'Lovelace' } });
  });
  after(() => h.stop());

  it('describes a business account with its team', async () => {
    const account = (await rpc(h, 'users/get_current_account', null)).json();
    assert.equal(account.account_type['.tag'], 'business');
    assert.equal(account.name.abbreviated_name, 'AL');
    assert.match(account.team.id, /^dbtid:/);
    assert.equal(typeof account.team.name, 'string');
    assert.match(account.team_member_id, /^dbmid:/);
    const space = (await rpc(h, 'users/get_space_usage', null)).json();
    assert.equal(space.allocation['.tag'], 'team');
    assert.equal(space.allocation.user_within_team_space_limit_type['.tag'], 'off');
  });

  it('reads old revisions, lists revisions of deleted files, and deletes permanently', async () => {
    const first = await upload(h, '/hist/a.txt', 'one');
    await upload(h, '/hist/a.txt', 'two');
    const byRev = (await rpc(h, 'files/get_metadata', { path: `rev:${first.rev}` })).json();
    assert.equal(byRev['.tag'], 'file');
    assert.equal(byRev.rev, first.rev);
    assert.equal(byRev.size, 3);

    await rpc(h, 'files/delete_v2', { path: '/hist/a.txt' });
    const revs = (await rpc(h, 'files/list_revisions', { path: '/hist/a.txt' })).json();
    assert.equal(revs.is_deleted, true);
    assert.match(revs.server_deleted, /Z$/);
    assert.equal(revs.entries.length, 2);

    assert.equal((await rpc(h, 'files/permanently_delete', { path: '/hist/a.txt' })).text, 'null');
    const gone = await rpc(h, 'files/get_metadata', { path: '/hist/a.txt', include_deleted: true });
    assert.deepEqual(gone.json().error, { '.tag': 'path', path: { '.tag': 'not_found' } });
    const restore = await rpc(h, 'files/restore', { path: '/hist/a.txt', rev: first.rev });
    assert.deepEqual(restore.json().error, { '.tag': 'invalid_revision' });
  });

  it('refuses permanent deletion outside business accounts', async () => {
    const basic = await startHarness({ account: { accountType: 'basic' } });
    try {
      await upload(basic, '/x.txt', 'x');
      const res = await rpc(basic, 'files/permanently_delete', { path: '/x.txt' });
      assert.equal(res.status, 403);
      assert.deepEqual(res.json().error, {
        '.tag': 'invalid_account_type',
        invalid_account_type: { '.tag': 'endpoint' },
      });
    } finally {
      await basic.stop();
    }
  });

  it('applies the relocation rules', async () => {
    await rpc(h, 'files/create_folder_v2', { path: '/rel/inner' });
    const into = await rpc(h, 'files/move_v2', { from_path: '/rel', to_path: '/rel/inner/rel' });
    assert.deepEqual(into.json().error, { '.tag': 'cant_move_folder_into_itself' });
    const same = await rpc(h, 'files/move_v2', { from_path: '/rel', to_path: '/REL' });
    assert.deepEqual(same.json().error, { '.tag': 'duplicated_or_nested_paths' });
    const missing = await rpc(h, 'files/copy_v2', { from_path: '/nope', to_path: '/nope2' });
    assert.deepEqual(missing.json().error, { '.tag': 'from_lookup', from_lookup: { '.tag': 'not_found' } });
    await upload(h, '/rel/file.txt', 'f');
    const underFile = await rpc(h, 'files/copy_v2', {
      from_path: '/rel/inner',
      to_path: '/rel/file.txt/inner',
    });
    assert.deepEqual(underFile.json().error, {
      '.tag': 'to',
      to: { '.tag': 'conflict', conflict: { '.tag': 'file_ancestor' } },
    });

    const meta = (await rpc(h, 'files/get_metadata', { path: '/rel/file.txt' })).json();
    const staleDelete = await rpc(h, 'files/delete_v2', {
      path: '/rel/file.txt',
      parent_rev: '0123456789abcdef',
    });
    assert.equal(staleDelete.status, 409);
    assert.match(staleDelete.json().error_summary, /^path_write\//);
    assert.equal(
      (await rpc(h, 'files/delete_v2', { path: '/rel/file.txt', parent_rev: meta.rev })).status,
      200,
    );
  });

  it('reports a move as deletions at the old paths and entries at the new ones', async () => {
    await upload(h, '/feed/dir/one.txt', '1');
    const cursor = (
      await rpc(h, 'files/list_folder/get_latest_cursor', { path: '/feed', recursive: true })
    ).json().cursor;
    await rpc(h, 'files/move_v2', { from_path: '/feed/dir', to_path: '/feed/moved' });
    const changes = (await rpc(h, 'files/list_folder/continue', { cursor })).json();
    assert.deepEqual(
      changes.entries.map((e: { '.tag': string; path_lower: string }) => `${e['.tag']}:${e.path_lower}`),
      ['deleted:/feed/dir', 'deleted:/feed/dir/one.txt', 'folder:/feed/moved', 'file:/feed/moved/one.txt'],
    );
  });

  it('renames conflicting updates as conflicted copies', async () => {
    const v1 = await upload(h, '/conf/doc.txt', 'v1');
    await upload(h, '/conf/doc.txt', 'v2');
    const res = await content(
      h,
      'files/upload',
      { path: '/conf/doc.txt', mode: { '.tag': 'update', update: v1.rev }, autorename: true },
      { body: 'mine' },
    );
    assert.equal(res.json().name, 'doc (conflicted copy).txt');
  });

  it('enforces the quota', async () => {
    const small = await startHarness({ account: { allocated: 1000 } });
    try {
      await upload(small, '/fits.bin', Buffer.alloc(600));
      const res = await content(
        small,
        'files/upload',
        { path: '/too-much.bin' },
        { body: Buffer.alloc(600) },
      );
      assert.equal(res.status, 409);
      assert.deepEqual(res.json().error.reason, { '.tag': 'insufficient_space' });
      const copy = await rpc(small, 'files/copy_v2', { from_path: '/fits.bin', to_path: '/copy.bin' });
      assert.deepEqual(copy.json().error, { '.tag': 'insufficient_quota' });
    } finally {
      await small.stop();
    }
  });

  it('resolves ns: paths and keeps accounts apart', async () => {
    await upload(h, '/mine.txt', 'mine');
    const ns = h.dropbox.account.ns.id;
    assert.equal((await rpc(h, 'files/get_metadata', { path: `ns:${ns}/mine.txt` })).json().name, 'mine.txt');
    const other = h.dropbox.addAccount({ email: 'other@example.com' });
    const token = h.dropbox.issueToken({ account: other }).accessToken;
    const theirs = await rpc(h, 'files/get_metadata', { path: '/mine.txt' }, { token });
    assert.equal(theirs.status, 409);
    const foreignNs = await rpc(h, 'files/get_metadata', { path: `ns:${ns}/mine.txt` }, { token });
    assert.equal(foreignNs.status, 409);
    const pathRoot = await rpc(
      h,
      'files/list_folder',
      { path: '' },
      {
        token,
        headers: { 'dropbox-api-path-root': JSON.stringify({ '.tag': 'namespace_id', namespace_id: ns }) },
      },
    );
    assert.equal(pathRoot.status, 422);
    assert.deepEqual(pathRoot.json().error, { '.tag': 'no_permission' });
  });

  it('reads and changes shared link settings', async () => {
    await upload(h, '/links/secret.txt', 's');
    const link = (
      await rpc(h, 'sharing/create_shared_link_with_settings', {
        path: '/links/secret.txt',
        settings: {
          audience: 'public',
          require_password: true,
          link_password: 'pw',
          expires: '2099-05-01T00:00:00Z',
        },
      })
    ).json();
    assert.equal(link.link_permissions.require_password, true);
    const denied = await rpc(h, 'sharing/get_shared_link_metadata', { url: link.url });
    assert.deepEqual(denied.json().error, { '.tag': 'shared_link_access_denied' });
    const read = (
      await rpc(h, 'sharing/get_shared_link_metadata', { url: link.url, link_password: 'pw' })
    ).json();
    assert.equal(read.name, 'secret.txt');
    assert.equal(read.size, 1);

    const modified = (
      await rpc(h, 'sharing/modify_shared_link_settings', {
        url: link.url,
        settings: { require_password: false },
        remove_expiration: true,
      })
    ).json();
    assert.equal(modified.link_permissions.require_password, false);
    assert.equal(modified.expires, undefined);
    assert.equal((await rpc(h, 'sharing/get_shared_link_metadata', { url: link.url })).status, 200);

    const differentSettings = await rpc(h, 'sharing/create_shared_link_with_settings', {
      path: '/links/secret.txt',
      settings: { requested_visibility: 'team_only' },
    });
    assert.deepEqual(differentSettings.json().error, { '.tag': 'shared_link_already_exists' });

    const basic = await startHarness({ account: { accountType: 'basic' } });
    try {
      await upload(basic, '/b.txt', 'b');
      const res = await rpc(basic, 'sharing/create_shared_link_with_settings', {
        path: '/b.txt',
        settings: { requested_visibility: 'password', link_password: 'x' },
      });
      assert.deepEqual(res.json().error, {
        '.tag': 'settings_error',
        settings_error: { '.tag': 'not_authorized' },
      });
      const noPassword = await rpc(basic, 'sharing/create_shared_link_with_settings', {
        path: '/b.txt',
        settings: { requested_visibility: 'password' },
      });
      assert.deepEqual(noPassword.json().error, {
        '.tag': 'settings_error',
        settings_error: { '.tag': 'invalid_settings' },
      });
    } finally {
      await basic.stop();
    }
  });
});
