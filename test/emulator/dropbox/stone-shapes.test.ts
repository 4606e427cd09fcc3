/**
 * Every route the Dropbox emulator serves, checked against Dropbox's own Stone specification
 * (test/fixtures/dropbox/*.stone, copies of dropbox/dropbox-api-spec): the success JSON (body, or the
 * Dropbox-API-Result header of download routes) is a valid instance of the route's result type, and the
 * 409 answers of common failures carry `error_summary` and an `error` of the route's error union.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { encodePng, solidImage } from '../../../src/emulator/core/images.js';
import { downloadRoutes } from '../../../src/emulator/dropbox/routes/download.js';
import { filesRoutes } from '../../../src/emulator/dropbox/routes/files.js';
import { sharingRoutes } from '../../../src/emulator/dropbox/routes/sharing.js';
import { uploadRoutes } from '../../../src/emulator/dropbox/routes/upload.js';
import { usersRoutes } from '../../../src/emulator/dropbox/routes/users.js';
import { StoneSpec } from '../../helpers/stone.js';
import { apiResult, content, type Harness, type RawResponse, rpc, startHarness, upload } from './helpers.js';

const DIR = new URL('../../fixtures/dropbox/', import.meta.url);
const spec = new StoneSpec(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.stone'))
    .map((f) => readFileSync(new URL(f, DIR), 'utf8')),
);

const routes = [...downloadRoutes, ...filesRoutes, ...sharingRoutes, ...uploadRoutes, ...usersRoutes];
const served = routes.map((r) => r.name);
const checked = new Set<string>();

/** The route's success answer (JSON body, or the result header of a download) against its result type. */
function ok(route: string, res: RawResponse): Record<string, unknown> {
  assert.equal(res.status, 200, `${route}: ${res.status} ${res.text.slice(0, 300)}`);
  const r = spec.route_(route);
  const value = res.headers['dropbox-api-result'] !== undefined ? apiResult(res) : res.json();
  const problems =
    r.result.name === 'Void'
      ? value === null
        ? []
        : [`$: ${JSON.stringify(value)} where the result is Void`]
      : spec.check(r.result, r.ns, value);
  assert.deepEqual(problems, [], `${route} result ${r.result.name}: ${problems.join('; ')}`);
  checked.add(route);
  return value;
}

/**
 * A route error: 409 with `error_summary` (a string) and `error` of the route's error union; or, for the
 * errors every route shares, another status with its own union (401 `auth.AuthError`, ...).
 */
function failed(
  route: string,
  res: RawResponse,
  tag: string,
  common?: { status: number; type: string },
): void {
  assert.equal(res.status, common?.status ?? 409, `${route}: ${res.status} ${res.text.slice(0, 300)}`);
  const body = res.json();
  const r = common
    ? { error: { name: common.type, args: [], kwargs: {}, nullable: false }, ns: '' }
    : spec.route_(route);
  assert.equal(typeof body.error_summary, 'string', `${route}: error_summary`);
  assert.ok(body.error_summary.startsWith(`${tag}/`), `${route}: summary ${body.error_summary}`);
  const extra = Object.keys(body).filter((k) => !['error_summary', 'error', 'user_message'].includes(k));
  assert.deepEqual(extra, [], `${route}: fields beside error_summary/error`);
  const problems = spec.check(r.error, r.ns, body.error, '$.error');
  assert.deepEqual(problems, [], `${route} error ${r.error.name}: ${problems.join('; ')}`);
  assert.equal(body.error['.tag'], tag);
}

describe('Dropbox emulator answers match the Stone specification', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('reads the spec: every served route is declared, and the spec is whole', () => {
    assert.deepEqual(
      served.filter((name) => !spec.routes.has(name)),
      [],
    );
    // Namespaces the copied files import but that are not published in the same set (their types are
    // accepted unchecked): keep this list short and explicit.
    assert.deepEqual([...spec.missingNamespaces].sort(), [
      'account_id',
      'file_properties',
      'seen_state',
      'team_policies',
    ]);
  });

  it('every argument field the spec declares is accepted by the route, and only those', () => {
    const missing: string[] = [];
    for (const route of routes) {
      const declared = spec.route_(route.name);
      const fields = spec.fieldsOf(declared.arg, declared.ns);
      if (!fields) {
        assert.equal(declared.arg.name, 'Void', `${route.name}: a struct or Void argument`);
        continue;
      }
      // The decoder looks at the names before the values, so one field with any value shows whether its name
      // is known.
      const unknown = (name: string) => {
        try {
          route.arg.decode({ [name]: null });
          return false;
        } catch (e) {
          return String(e).includes(`unknown field '${name}'`);
        }
      };
      for (const f of fields) if (unknown(f.name)) missing.push(`${route.name}: ${f.name}`);
      assert.ok(unknown('not_in_the_spec'), `${route.name} refuses undeclared fields`);
    }
    assert.deepEqual(missing, []);
  });

  it("the spec's own examples: every argument example decodes, every result and error example checks", () => {
    const refused: string[] = [];
    const unlike: string[] = [];
    let args = 0;
    let answers = 0;
    for (const route of routes) {
      const r = spec.route_(route.name);
      for (const label of spec.exampleLabels(r.arg, r.ns)) {
        const value = spec.example(r.arg, r.ns, label);
        args++;
        try {
          route.arg.decode(value);
        } catch (e) {
          refused.push(`${route.name} example ${label} ${JSON.stringify(value)}: ${e}`);
        }
      }
      for (const type of [r.result, r.error]) {
        for (const label of spec.exampleLabels(type, r.ns)) {
          answers++;
          const problems = spec.check(type, r.ns, spec.example(type, r.ns, label));
          if (problems.length)
            unlike.push(`${route.name} ${type.name} example ${label}: ${problems.join('; ')}`);
        }
      }
    }
    assert.deepEqual(refused, []);
    assert.deepEqual(unlike, []);
    assert.ok(args >= 30 && answers >= 30, `${args} argument and ${answers} answer examples`);
  });

  it('the checker catches what it must', () => {
    const r = spec.route_('files/get_metadata');
    const good = {
      '.tag': 'file',
      name: 'a',
      path_lower: '/a',
      path_display: '/a',
      id: 'id:abcd',
      client_modified: '2026-01-02T03:04:05Z',
      server_modified: '2026-01-02T03:04:05Z',
      rev: '0123456789a',
      size: 1,
      is_downloadable: true,
    };
    assert.deepEqual(spec.check(r.result, r.ns, good), []);
    const bad = (v: object) => spec.check(r.result, r.ns, { ...good, ...v });
    assert.equal(bad({ '.tag': 'link' }).length, 1);
    assert.equal(bad({ extra: 1 }).length, 1);
    assert.equal(bad({ size: '1' }).length, 1);
    assert.equal(bad({ server_modified: '2026-01-02T03:04:05.000Z' }).length, 1);
    assert.equal(bad({ rev: 'xyz' }).length, 1);
    assert.equal(bad({ path_lower: null }).length, 1);
    assert.equal(spec.check(r.result, r.ns, { '.tag': 'folder', id: 'id:abcd' }).length, 1, 'no name');
    assert.deepEqual(spec.check(r.error, r.ns, { '.tag': 'path', path: { '.tag': 'not_found' } }), []);
    assert.equal(spec.check(r.error, r.ns, { '.tag': 'path', path: 'not_found' }).length, 1, 'bare tag');
    assert.equal(spec.check(r.error, r.ns, { '.tag': 'path' }).length, 1);
  });

  it('users and auth', async () => {
    ok('users/get_current_account', await rpc(h, 'users/get_current_account', undefined));
    ok('users/get_space_usage', await rpc(h, 'users/get_space_usage', undefined));
    const other = h.dropbox.issueToken().accessToken;
    ok('auth/token/revoke', await rpc(h, 'auth/token/revoke', undefined, { token: other }));
  });

  it('uploads: single, sessions, batches', async () => {
    ok('files/upload', await content(h, 'files/upload', { path: '/s/a.txt' }, { body: 'hello' }));
    failed(
      'files/upload',
      await content(h, 'files/upload', { path: '/s/a.txt', mode: 'add', autorename: false }, { body: 'x' }),
      'path',
    );
    const start = ok(
      'files/upload_session/start',
      await content(h, 'files/upload_session/start', {}, { body: 'ab' }),
    );
    const sid = start.session_id as string;
    ok(
      'files/upload_session/append_v2',
      await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sid, offset: 2 } },
        { body: 'cd' },
      ),
    );
    ok(
      'files/upload_session/append',
      await content(h, 'files/upload_session/append', { session_id: sid, offset: 4 }, { body: 'ef' }),
    );
    failed(
      'files/upload_session/append_v2',
      await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sid, offset: 1 } },
        { body: 'x' },
      ),
      'incorrect_offset',
    );
    ok(
      'files/upload_session/finish',
      await content(
        h,
        'files/upload_session/finish',
        { cursor: { session_id: sid, offset: 6 }, commit: { path: '/s/session.txt' } },
        { body: '' },
      ),
    );
    failed(
      'files/upload_session/finish',
      await content(
        h,
        'files/upload_session/finish',
        { cursor: { session_id: 'nope', offset: 0 }, commit: { path: '/s/x.txt' } },
        { body: '' },
      ),
      'lookup_failed',
    );
    const batch = ok(
      'files/upload_session/start_batch',
      await rpc(h, 'files/upload_session/start_batch', { num_sessions: 2 }),
    );
    const [b1, b2] = batch.session_ids as string[];
    await content(
      h,
      'files/upload_session/append_v2',
      { cursor: { session_id: b1, offset: 0 }, close: true },
      { body: 'one' },
    );
    ok(
      'files/upload_session/finish_batch_v2',
      await rpc(h, 'files/upload_session/finish_batch_v2', {
        entries: [
          { cursor: { session_id: b1, offset: 3 }, commit: { path: '/s/b1.txt' } },
          { cursor: { session_id: b2, offset: 5 }, commit: { path: '/s/b2.txt' } },
        ],
      }),
    );
  });

  it('listing, metadata, revisions, search, links', async () => {
    await upload(h, '/l/one.txt', '1');
    await upload(h, '/l/two.txt', '2');
    const page = ok('files/list_folder', await rpc(h, 'files/list_folder', { path: '/l', limit: 1 }));
    ok(
      'files/list_folder',
      await rpc(h, 'files/list_folder', { path: '', recursive: true, include_deleted: true }),
    );
    failed('files/list_folder', await rpc(h, 'files/list_folder', { path: '/missing' }), 'path');
    ok('files/list_folder/continue', await rpc(h, 'files/list_folder/continue', { cursor: page.cursor }));
    failed(
      'files/list_folder/continue',
      await rpc(h, 'files/list_folder/continue', { cursor: 'AAAA' }),
      'reset',
    );
    const latest = ok(
      'files/list_folder/get_latest_cursor',
      await rpc(h, 'files/list_folder/get_latest_cursor', { path: '/l' }),
    );
    await upload(h, '/l/three.txt', '3');
    ok(
      'files/list_folder/longpoll',
      await rpc(
        h,
        'files/list_folder/longpoll',
        { cursor: latest.cursor, timeout: 30 },
        { host: 'notify', token: null },
      ),
    );
    ok(
      'files/get_metadata',
      await rpc(h, 'files/get_metadata', { path: '/l/one.txt', include_media_info: true }),
    );
    ok('files/get_metadata', await rpc(h, 'files/get_metadata', { path: '/l' }));
    failed('files/get_metadata', await rpc(h, 'files/get_metadata', { path: '/l/none' }), 'path');
    ok('files/list_revisions', await rpc(h, 'files/list_revisions', { path: '/l/one.txt' }));
    failed('files/list_revisions', await rpc(h, 'files/list_revisions', { path: '/l/none' }), 'path');
    const found = ok(
      'files/search_v2',
      await rpc(h, 'files/search_v2', { query: 'txt', options: { max_results: 1 } }),
    );
    assert.ok(found.has_more, 'a second page of search results');
    ok('files/search/continue_v2', await rpc(h, 'files/search/continue_v2', { cursor: found.cursor }));
    ok('files/get_temporary_link', await rpc(h, 'files/get_temporary_link', { path: '/l/one.txt' }));
    failed('files/get_temporary_link', await rpc(h, 'files/get_temporary_link', { path: '/l/none' }), 'path');
  });

  it('folders, delete, restore, copy, move', async () => {
    ok('files/create_folder_v2', await rpc(h, 'files/create_folder_v2', { path: '/m' }));
    failed('files/create_folder_v2', await rpc(h, 'files/create_folder_v2', { path: '/m' }), 'path');
    const file = await upload(h, '/m/f.txt', 'f');
    ok('files/copy_v2', await rpc(h, 'files/copy_v2', { from_path: '/m/f.txt', to_path: '/m/g.txt' }));
    failed(
      'files/copy_v2',
      await rpc(h, 'files/copy_v2', { from_path: '/m/none', to_path: '/m/h' }),
      'from_lookup',
    );
    ok('files/move_v2', await rpc(h, 'files/move_v2', { from_path: '/m/g.txt', to_path: '/m/h.txt' }));
    failed(
      'files/move_v2',
      await rpc(h, 'files/move_v2', { from_path: '/m/f.txt', to_path: '/m/h.txt' }),
      'to',
    );
    ok('files/delete_v2', await rpc(h, 'files/delete_v2', { path: '/m/f.txt' }));
    failed('files/delete_v2', await rpc(h, 'files/delete_v2', { path: '/m/f.txt' }), 'path_lookup');
    ok('files/restore', await rpc(h, 'files/restore', { path: '/m/f.txt', rev: file.rev }));
    failed(
      'files/restore',
      await rpc(h, 'files/restore', { path: '/m/f.txt', rev: '0000000000000' }),
      'invalid_revision',
    );
    failed(
      'files/permanently_delete',
      await rpc(h, 'files/permanently_delete', { path: '/m/h.txt' }),
      'invalid_account_type',
      {
        status: 403,
        type: 'auth.AccessError',
      },
    );
  });

  it('downloads: files, zips, exports, thumbnails, previews', async () => {
    await upload(h, '/d/a.txt', 'abc');
    await upload(h, '/d/p.png', encodePng(solidImage(40, 30, [1, 2, 3])));
    await upload(h, '/d/r.docx', 'doc');
    await h.dropbox.createExportOnlyFile('/d/n.paper', { exports: { markdown: '# n', html: '<h1>n</h1>' } });
    ok('files/download', await content(h, 'files/download', { path: '/d/a.txt' }));
    failed('files/download', await content(h, 'files/download', { path: '/d/none' }), 'path');
    ok('files/download_zip', await content(h, 'files/download_zip', { path: '/d' }));
    failed('files/download_zip', await content(h, 'files/download_zip', { path: '/d/a.txt' }), 'path');
    ok('files/export', await content(h, 'files/export', { path: '/d/n.paper' }));
    failed('files/export', await content(h, 'files/export', { path: '/d/a.txt' }), 'non_exportable');
    ok(
      'files/get_thumbnail_v2',
      await content(h, 'files/get_thumbnail_v2', { resource: { '.tag': 'path', path: '/d/p.png' } }),
    );
    failed(
      'files/get_thumbnail_v2',
      await content(h, 'files/get_thumbnail_v2', { resource: { '.tag': 'path', path: '/d/none.png' } }),
      'path',
    );
    ok('files/get_thumbnail', await content(h, 'files/get_thumbnail', { path: '/d/p.png' }));
    failed(
      'files/get_thumbnail',
      await content(h, 'files/get_thumbnail', { path: '/d/a.txt' }),
      'unsupported_extension',
    );
    ok('files/get_preview', await content(h, 'files/get_preview', { path: '/d/r.docx' }));
    failed(
      'files/get_preview',
      await content(h, 'files/get_preview', { path: '/d/p.png' }),
      'unsupported_extension',
    );
  });

  it('shared links', async () => {
    await upload(h, '/sh/a.txt', 'a');
    const link = ok(
      'sharing/create_shared_link_with_settings',
      await rpc(h, 'sharing/create_shared_link_with_settings', { path: '/sh/a.txt' }),
    );
    failed(
      'sharing/create_shared_link_with_settings',
      await rpc(h, 'sharing/create_shared_link_with_settings', { path: '/sh/a.txt' }),
      'shared_link_already_exists',
    );
    ok(
      'sharing/create_shared_link_with_settings',
      await rpc(h, 'sharing/create_shared_link_with_settings', { path: '/sh' }),
    );
    ok('sharing/list_shared_links', await rpc(h, 'sharing/list_shared_links', {}));
    ok(
      'sharing/list_shared_links',
      await rpc(h, 'sharing/list_shared_links', { path: '/sh/a.txt', direct_only: true }),
    );
    ok(
      'sharing/get_shared_link_metadata',
      await rpc(h, 'sharing/get_shared_link_metadata', { url: link.url }),
    );
    failed(
      'sharing/get_shared_link_metadata',
      await rpc(h, 'sharing/get_shared_link_metadata', { url: 'https://www.dropbox.com/s/none/x' }),
      'shared_link_not_found',
    );
    ok(
      'sharing/modify_shared_link_settings',
      await rpc(h, 'sharing/modify_shared_link_settings', {
        url: link.url,
        settings: { requested_visibility: 'public', expires: '2030-01-01T00:00:00Z' },
      }),
    );
    ok('sharing/revoke_shared_link', await rpc(h, 'sharing/revoke_shared_link', { url: link.url }));
    failed(
      'sharing/revoke_shared_link',
      await rpc(h, 'sharing/revoke_shared_link', { url: link.url }),
      'shared_link_not_found',
    );
  });

  it('a business account: team fields, team space, permanent deletes', async () => {
    const team = await startHarness({ account: { accountType: 'business' } });
    try {
      ok('users/get_current_account', await rpc(team, 'users/get_current_account', undefined));
      ok('users/get_space_usage', await rpc(team, 'users/get_space_usage', undefined));
      await upload(team, '/gone.txt', 'x');
      ok('files/permanently_delete', await rpc(team, 'files/permanently_delete', { path: '/gone.txt' }));
      failed(
        'files/permanently_delete',
        await rpc(team, 'files/permanently_delete', { path: '/gone.txt' }),
        'path_lookup',
      );
    } finally {
      await team.stop();
    }
  });

  it('the errors every route shares: auth, scope, path root', async () => {
    const auth = { status: 401, type: 'auth.AuthError' };
    failed(
      'files/get_metadata',
      await rpc(h, 'files/get_metadata', { path: '/x' }, { token: 'sl.nope' }),
      'invalid_access_token',
      auth,
    );
    const narrow = h.dropbox.issueToken({ scopes: ['account_info.read'] }).accessToken;
    failed(
      'files/get_metadata',
      await rpc(h, 'files/get_metadata', { path: '/x' }, { token: narrow }),
      'missing_scope',
      auth,
    );
    const other = h.dropbox.issueToken().accessToken;
    await rpc(h, 'auth/token/revoke', undefined, { token: other });
    failed(
      'files/get_metadata',
      await rpc(h, 'files/get_metadata', { path: '/x' }, { token: other }),
      'invalid_access_token',
      auth,
    );
    failed(
      'files/get_metadata',
      await rpc(
        h,
        'files/get_metadata',
        { path: '/x' },
        { headers: { 'dropbox-api-path-root': '{".tag":"namespace_id","namespace_id":"999"}' } },
      ),
      'no_permission',
      { status: 422, type: 'common.PathRootError' },
    );
  });

  it('variants: deleted entries, highlights, folder links, batch failures, export-only files, link thumbnails', async () => {
    await upload(h, '/v/keep.txt', 'k');
    await upload(h, '/v/gone.txt', 'g');
    await rpc(h, 'files/delete_v2', { path: '/v/gone.txt' });
    ok(
      'files/get_metadata',
      await rpc(h, 'files/get_metadata', { path: '/v/gone.txt', include_deleted: true }),
    );
    ok(
      'files/get_metadata',
      await rpc(h, 'files/get_metadata', { path: '/v/keep.txt', include_has_explicit_shared_members: true }),
    );
    const listed = ok(
      'files/list_folder',
      await rpc(h, 'files/list_folder', {
        path: '/v',
        include_deleted: true,
        include_non_downloadable_files: true,
      }),
    );
    assert.ok((listed.entries as { '.tag': string }[]).some((e) => e['.tag'] === 'deleted'));
    ok('files/list_revisions', await rpc(h, 'files/list_revisions', { path: '/v/gone.txt' }));
    ok(
      'files/search_v2',
      await rpc(h, 'files/search_v2', {
        query: 'keep',
        options: { path: '/v', file_status: 'active', filename_only: true },
        match_field_options: { include_highlights: true },
      }),
    );
    await h.dropbox.createExportOnlyFile('/v/doc.paper', { exports: { markdown: '# d' } });
    ok('files/get_metadata', await rpc(h, 'files/get_metadata', { path: '/v/doc.paper' }));
    ok('files/export', await content(h, 'files/export', { path: '/v/doc.paper', export_format: 'markdown' }));
    const link = ok(
      'sharing/create_shared_link_with_settings',
      await rpc(h, 'sharing/create_shared_link_with_settings', {
        path: '/v',
        settings: { audience: 'public', access: 'viewer', allow_download: true },
      }),
    );
    ok(
      'sharing/get_shared_link_metadata',
      await rpc(h, 'sharing/get_shared_link_metadata', { url: link.url }),
    );
    await upload(h, '/v/p.png', encodePng(solidImage(20, 10, [9, 9, 9])));
    ok(
      'files/get_thumbnail_v2',
      await content(h, 'files/get_thumbnail_v2', {
        resource: { '.tag': 'link', url: link.url, path: '/p.png' },
        format: 'png',
      }),
    );
    ok('files/download_zip', await content(h, 'files/download_zip', { path: '/v' }));
    const batch = await rpc(h, 'files/upload_session/start_batch', { num_sessions: 1 });
    const [sid] = batch.json().session_ids as string[];
    await content(
      h,
      'files/upload_session/append_v2',
      { cursor: { session_id: sid, offset: 0 }, close: true },
      { body: 'x' },
    );
    const mixed = ok(
      'files/upload_session/finish_batch_v2',
      await rpc(h, 'files/upload_session/finish_batch_v2', {
        entries: [
          {
            cursor: { session_id: sid, offset: 1 },
            commit: { path: '/v/keep.txt', mode: 'add', autorename: false },
          },
          { cursor: { session_id: 'nope', offset: 0 }, commit: { path: '/v/other.txt' } },
        ],
      }),
    );
    assert.deepEqual(
      (mixed.entries as { '.tag': string }[]).map((e) => e['.tag']),
      ['failure', 'failure'],
    );
    failed(
      'files/copy_v2',
      await rpc(h, 'files/copy_v2', { from_path: '/v/keep.txt', to_path: '/v/keep.txt', autorename: true }),
      'duplicated_or_nested_paths',
    );
    ok(
      'files/copy_v2',
      await rpc(h, 'files/copy_v2', { from_path: '/v/keep.txt', to_path: '/v/copied', autorename: true }),
    );
  });

  it('rate limits and expired tokens', async () => {
    h.server.faults.add({ path: '/2/files/list_folder', status: 429, retryAfter: 3 });
    const limited = await rpc(h, 'files/list_folder', { path: '' });
    assert.equal(limited.status, 429);
    const body = limited.json();
    assert.equal(typeof body.error_summary, 'string');
    const problems = spec.check(
      { name: 'auth.RateLimitError', args: [], kwargs: {}, nullable: false },
      '',
      body.error,
      '$.error',
    );
    assert.deepEqual(problems, []);
    h.server.faults.add({ path: '/2/users/get_current_account', expiredToken: true });
    failed(
      'users/get_current_account',
      await rpc(h, 'users/get_current_account', undefined),
      'expired_access_token',
      {
        status: 401,
        type: 'auth.AuthError',
      },
    );
  });

  it('covered every served route', () => {
    assert.deepEqual(
      served.filter((name) => !checked.has(name)),
      [],
    );
  });
});
