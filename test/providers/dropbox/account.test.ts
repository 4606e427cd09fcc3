import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Dropbox } from '../../../src/providers/dropbox/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

/** A public app (PKCE, no secret) whose redirect is the class's loopback server. */
const APP = { clientId: 'dropbox-test-app', redirectUris: ['http://localhost/', 'http://127.0.0.1/'] };

let env: Env;
before(async () => {
  env = await startEnv({ autoApprove: true, clients: [APP] });
});
after(() => env.stop());

describe('getAccountInfo', () => {
  test('a Pro account: profile, space, the namespace settings (read-only)', async () => {
    const c = env.client();
    await c.uploadFile('/space.bin', { data: Buffer.alloc(1000) });
    const account = await c.getAccountInfo();
    const a = env.emulator.account;
    assert.deepEqual(
      { ...account },
      {
        id: a.id,
        displayName: 'Franz Ferdinand',
        firstName: 'Franz',
        lastName: 'Ferdinand',
        email: 'franz@example.com',
        country: 'US',
        type: 1,
        teamId: '',
        teamMemberId: '',
        teamName: '',
        totalSpace: 2000 * 1000 ** 3,
        usedSpace: 1000,
        teamTotalSpace: -1,
        teamUsedSpace: -1,
      },
    );
    assert.deepEqual(c.account, account);
    assert.equal(c.config('AccountHomeNamespace'), a.ns.id);
    assert.equal(c.config('AccountRootNamespace'), a.ns.id);
    assert.equal(c.config('AccountHomePath'), '');
    assert.throws(() => c.config('AccountRootNamespace=1'), /read-only/);
  });

  test('a Business account: the team fields and the team space', async () => {
    const member = env.emulator.addAccount({
      accountType: 'business',
      givenName: 'Ada',
      surname: 'Lovelace',
      team: { name: 'Analytical Engines', allocated: 5_000_000 },
      allocated: 1_000_000,
    });
    const c = env.client({
      authorization: `Bearer ${env.emulator.issueToken({ account: member }).accessToken}`,
    });
    const account = await c.getAccountInfo();
    assert.equal(account.type, 2);
    assert.equal(account.displayName, 'Ada Lovelace');
    assert.equal(account.teamName, 'Analytical Engines');
    assert.match(account.teamId, /^dbtid:/);
    assert.match(account.teamMemberId, /^dbmid:/);
    assert.equal(account.teamTotalSpace, 5_000_000);
    assert.equal(account.teamUsedSpace, 0);
    // The member's own quota, when the team gives one.
    assert.equal(account.totalSpace, 1_000_000);
  });
});

describe('PathRoot (Dropbox-API-Path-Root)', () => {
  test('root, home and a namespace id are sent as the header; a wrong namespace is 604', async () => {
    const c = env.client();
    const ns = env.emulator.account.ns.id;
    const header = (since: number) =>
      env.server.requestLog.slice(since).find((e) => e.path === '/2/files/list_folder')?.headers[
        'dropbox-api-path-root'
      ];
    c.config('PathRoot=root');
    let since = env.server.requestLog.length;
    await c.listResources('');
    // The root namespace was unknown: the class asked for it first, without the header.
    const account = env.server.requestLog.slice(since).find((e) => e.path === '/2/users/get_current_account');
    assert.equal(account?.headers['dropbox-api-path-root'], undefined);
    assert.equal(header(since), JSON.stringify({ '.tag': 'root', root: ns }));
    assert.equal(c.config('AccountRootNamespace'), ns);
    c.config('PathRoot=home');
    since = env.server.requestLog.length;
    await c.listResources('');
    assert.equal(header(since), '{".tag":"home"}');
    c.config(`PathRoot=${ns}`);
    since = env.server.requestLog.length;
    await c.listResources('');
    assert.equal(header(since), JSON.stringify({ '.tag': 'namespace_id', namespace_id: ns }));
    c.config('PathRoot=12345');
    const err = await rejection(c.listResources(''));
    assert.equal(err.httpStatus, 422);
    assert.equal(err.code, 604);
    assert.throws(() => c.config('PathRoot=team'), /namespace id/);
  });
});

describe('sendCustomRequest', () => {
  test('POST (the default) to an RPC route with a JSON body; the XPath settings read the answer', async () => {
    const c = env.client();
    await c.uploadFile('/custom/x.txt', { data: Buffer.from('x') });
    const response = await c.sendCustomRequest(
      '',
      '/files/get_metadata',
      JSON.stringify({ path: '/custom/x.txt' }),
    );
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(Buffer.from(response.body!).toString()).name, 'x.txt');
    assert.deepEqual(Buffer.from(c.resourceData as Uint8Array), Buffer.from(response.body!));
    c.config('XPath=/json/path_display');
    assert.equal(c.config('XText'), '/custom/x.txt');
    assert.ok(c.parsedHeaders.some((h) => h.field.toLowerCase() === 'x-dropbox-request-id'));
    assert.equal(c.parsedHeaderCount, c.parsedHeaders.length);
  });

  test('query parameters, a body to localFile, errors mapped, only GET and POST', async () => {
    const c = env.client();
    c.addQueryParam('note', 'a b&c');
    assert.equal(c.queryParamCount, 1);
    const since = env.server.requestLog.length;
    const file = join(env.dir, 'account.json');
    await c.sendCustomRequest('POST', '/users/get_current_account', '', { localFile: file });
    assert.equal(env.server.requestLog[since]!.query, '?note=a%20b%26c');
    assert.equal(JSON.parse(await readFile(file, 'utf8')).account_id, env.emulator.account.id);
    c.config('XPath=/json/email');
    assert.equal(c.config('XText'), 'franz@example.com');
    c.queryParamCount = 0;
    const missing = await rejection(
      c.sendCustomRequest('POST', '/files/get_metadata', JSON.stringify({ path: '/nope' })),
    );
    assert.equal(missing.code, 604);
    assert.equal((await rejection(c.sendCustomRequest('DELETE', '/files/x', ''))).code, 1000);
  });
  test('a body that breaks midway fails the call (no uncaught error) and leaves no file', async () => {
    const c = env.client();
    const file = join(env.dir, 'broken-answer.json');
    env.server.faults.add({ path: '/2/users/get_current_account', resetAfterBytes: 20 });
    assert.equal(
      (await rejection(c.sendCustomRequest('POST', '/users/get_current_account', '', { localFile: file })))
        .code,
      1120, // the connection was dropped by the remote host
    );
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });
});

describe('OAuth', () => {
  test('authorization code with PKCE and token_access_type=offline: a refresh token exists, then refresh on expiry', async () => {
    let authUrl = '';
    const c = new Dropbox({
      apiBaseUrl: env.urls.api,
      contentBaseUrl: env.urls.content,
      notifyBaseUrl: env.urls.notify,
      oAuthServerAuthUrl: `${env.urls.api}/oauth2/authorize`,
      oAuthServerTokenUrl: `${env.urls.api}/oauth2/token`,
      oAuthClientId: APP.clientId,
      openBrowser: async (url) => {
        authUrl = url;
        await (await fetch(url)).text();
      },
    });
    try {
      const header = await c.authorize();
      const q = new URL(authUrl).searchParams;
      assert.equal(q.get('token_access_type'), 'offline');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.equal(q.get('response_type'), 'code');
      assert.match(c.oAuthAccessToken, /^sl\./);
      assert.ok(c.oAuthRefreshToken, 'offline access gives a refresh token');
      assert.equal(header, `Bearer ${c.oAuthAccessToken}`);
      assert.equal(await c.calcAuthorization(), header);
      assert.equal((await c.getAccountInfo()).id, env.emulator.account.id);

      // The next call finds its token expired: the class refreshes and sends it again.
      const before = c.oAuthAccessToken;
      const since = env.server.requestLog.length;
      env.server.faults.add({ path: '/2/files/list_folder', expiredToken: true });
      await c.listResources('');
      assert.notEqual(c.oAuthAccessToken, before);
      const log = env.server.requestLog.slice(since);
      assert.deepEqual(
        log.map((e) => `${e.path} ${e.status}`),
        ['/2/files/list_folder 401', '/oauth2/token 200', '/2/files/list_folder 200'],
      );
    } finally {
      await c.close();
    }
  });

  test('an expired token without a refresh token is 603, with advice', async () => {
    const c = env.client();
    env.server.faults.add({ path: '/2/files/list_folder', expiredToken: true });
    const err = await rejection(c.listResources(''));
    assert.equal(err.code, 603);
    assert.equal(err.providerCode, 'expired_access_token');
    assert.match(err.message, /authorize again/);
    assert.ok(!err.message.includes(env.token));
  });
});

describe('rate limits', () => {
  test('429 with Retry-After: waited out, for RPC routes that change things and those that do not', async () => {
    const c = env.client();
    let since = env.server.requestLog.length;
    env.server.faults.add({ path: '/2/files/create_folder_v2', status: 429, retryAfter: 1 });
    await c.createFolder('/limited');
    let tries = env.server.requestLog.slice(since).filter((e) => e.path === '/2/files/create_folder_v2');
    assert.deepEqual(
      tries.map((t) => t.status),
      [429, 200],
    );
    assert.ok(tries[1]!.at - tries[0]!.at >= 990);
    since = env.server.requestLog.length;
    env.server.faults.add({ path: '/2/files/list_folder', status: 429, retryAfter: 1 });
    await c.listResources('/limited');
    tries = env.server.requestLog.slice(since).filter((e) => e.path === '/2/files/list_folder');
    assert.deepEqual(
      tries.map((t) => t.status),
      [429, 200],
    );
  });

  test('a Retry-After beyond MaxRetryAfter fails at once, with retryAfter on the error', async () => {
    const c = env.client({ maxRetryAfter: 5 });
    env.server.faults.add({ path: '/2/files/create_folder_v2', status: 429, retryAfter: 60 });
    const err = await rejection(c.createFolder('/limited-long'));
    assert.equal(err.httpStatus, 429);
    assert.equal(err.retryAfter, 60);
    assert.match(err.message, /60 s/);
  });
});
