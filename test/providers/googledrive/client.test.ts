import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GoogleDrive as FromRoot } from '../../../src/index.js';
import { GoogleDrive } from '../../../src/providers/googledrive/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

/** An installed app (PKCE, with a secret as Google issues one) whose redirect is the class's loopback server. */
const APP = {
  clientId: 'gdrive-test.apps.googleusercontent.com',
  clientSecret: 'gdrive-test-secret',
  redirectUris: ['http://localhost/', 'http://127.0.0.1/'],
};

let env: Env;
before(async () => {
  env = await startEnv({
    autoApprove: true,
    clients: [APP],
    user: { emailAddress: 'ada@example.com', displayName: 'Ada' },
  });
});
after(() => env.stop());

describe('the class', () => {
  test('exported from the package root; reference defaults; bad property values are refused', async () => {
    assert.equal(FromRoot, GoogleDrive);
    const d = env.client();
    assert.equal(d.listResourcesScope, 0);
    assert.equal(d.useResumableUpload, false);
    assert.equal(d.config('FragmentSize'), '10485760');
    assert.equal(d.config('MaxResults'), '-1');
    assert.equal(d.config('AccumulatePages'), 'True');
    assert.equal(d.config('DocsExportFormat'), 'docx');
    assert.equal(d.config('RequestedFields'), 'default');
    assert.equal(d.oAuthAuthorizationScope, 'https://www.googleapis.com/auth/drive');
    assert.throws(() => d.config('NoSuchSetting=1'), /Unknown config setting/);
    assert.throws(() => d.config('MaxResults=5000'), /between 1 and 1000/);
    assert.throws(() => d.config('SearchIncomplete=True'), /read-only/);
    assert.throws(() => new GoogleDrive({ listResourcesScope: 9 as never }), /listResourcesScope/);
    assert.throws(() => {
      d.resourceCount = -1;
    }, /resourceCount/);
    d.permissionCount = 2;
    assert.equal(d.permissions[1]!.modOp, 0);
  });

  test('getAccountInfo fills account', async () => {
    const d = env.client();
    const account = await d.getAccountInfo();
    assert.equal(account.email, 'ada@example.com');
    assert.equal(account.name, 'Ada');
    assert.equal(account.permissionId, env.emulator.user.permissionId);
    assert.ok(account.storageQuota > 0);
    assert.ok(account.storageUsage >= 0);
    assert.equal(typeof account.canCreateSharedDrives, 'boolean');
    assert.deepEqual(d.account, account);
  });

  test('a bad token is 603 with advice', async () => {
    const d = env.client({ authorization: 'Bearer not-a-token' });
    const err = await rejection(d.getAccountInfo());
    assert.equal(err.code, 603);
    assert.match(err.message, /authorize again/);
  });

  test('reset returns the class to its defaults', async () => {
    const d = env.client();
    d.sharedDrive = 'x';
    d.listResourcesScope = 3;
    d.config('MaxResults=5');
    d.resourceCount = 2;
    await d.reset();
    assert.equal(d.sharedDrive, '');
    assert.equal(d.listResourcesScope, 0);
    assert.equal(d.config('MaxResults'), '-1');
    assert.equal(d.resourceCount, 0);
  });
});

describe('settings, rate limits, interrupt', () => {
  test('every class config setting of the reference is known by its name', () => {
    const d = env.client();
    const names = [
      'AccumulatePages',
      'DocsExportFormat',
      'SheetsExportFormat',
      'SlidesExportFormat',
      'DrawingsExportFormat',
      'DownloadTempFile',
      'TempPath',
      'EncryptionKey',
      'EncryptionIV',
      'EncryptionPasswordKDF',
      'FragmentSize',
      'IncludeAllFields',
      'RequestedFields',
      'IncludeFolderProperties',
      'ListResourcesMode',
      'MaxResults',
      'MaxPermissionResults',
      'MaxSharedDriveResults',
      'ProgressAbsolute',
      'ProgressStep',
      'RevisionId',
      'SearchIncomplete',
      'TransferOwnership',
      'UseDomainAdminAccess',
    ];
    for (const name of names) assert.equal(typeof d.config(name), 'string', name);
    // Readable once there is a JSON answer (XPath) or an item (the indexed ones).
    for (const name of [
      'XPath',
      'XText',
      'XElement',
      'XParent',
      'XSubTree',
      'XChildCount',
      'IconLink',
      'NormalizedFileName',
      'ResourceKey',
      'XChildName',
      'XChildXText',
    ]) {
      assert.ok(d.settings.has(name), name);
    }
    assert.throws(
      () => d.config('RawRequest'),
      (e: { code?: number }) => e.code === 602,
    );
    assert.throws(
      () => d.config('IconLink[0]'),
      (e: { code?: number }) => e.code === 605,
    );
  });

  test('a GET throttled with 403 rateLimitExceeded is sent again; UseDomainAdminAccess goes along', async () => {
    const d = env.client({ useDomainAdminAccess: true });
    env.emulator.rateLimit({ reason: 'rateLimitExceeded', path: '/drive/v3/drives', times: 2 });
    const since = env.server.requestLog.length;
    await d.listSharedDrives();
    const calls = env.server.requestLog.slice(since).filter((e) => e.path === '/drive/v3/drives');
    assert.deepEqual(
      calls.map((e) => e.status),
      [403, 403, 200],
    );
    assert.equal(new URLSearchParams(calls[2]!.query).get('useDomainAdminAccess'), 'true');
  });

  test('interrupt() stops the call in progress with 301; calcAuthorization gives the header', async () => {
    const d = env.client();
    assert.equal(await d.calcAuthorization(), `Bearer ${env.token}`);
    env.server.faults.add({ path: '/drive/v3/about', delayMs: 5000 });
    const pending = d.getAccountInfo();
    setTimeout(() => d.interrupt(), 100);
    const err = await rejection(pending);
    assert.equal(err.code, 301);
    assert.equal(d.idle, true);
  });
});

describe('sendCustomRequest', () => {
  test('GET with query params; the JSON answer feeds XPath; to localFile too', async () => {
    const d = env.client();
    await d.uploadFile('custom.txt', '', { data: Buffer.from('c') });
    d.addQueryParam('fields', 'user(emailAddress)');
    const r = await d.sendCustomRequest('', '/about', '');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(Buffer.from(r.body!).toString()).user.emailAddress, 'ada@example.com');
    d.config('XPath=/json/user/emailAddress');
    assert.match(d.config('XText'), /ada@example\.com/);
    assert.ok(d.parsedHeaderCount > 0);

    d.queryParamCount = 0;
    const body = JSON.stringify({ name: 'custom-folder', mimeType: 'application/vnd.google-apps.folder' });
    const created = await d.sendCustomRequest('POST', '/files', body);
    const id = JSON.parse(Buffer.from(created.body!).toString()).id as string;
    assert.equal((await d.getResourceInfo(id))[0]!.name, 'custom-folder');

    const file = join(env.dir, 'custom.json');
    await d.sendCustomRequest('GET', `/files/${id}`, '', { localFile: file });
    assert.equal(JSON.parse(await readFile(file, 'utf8')).id, id);
    await assert.rejects(d.sendCustomRequest('TRACE', '/about', ''), /sendCustomRequest takes/);
  });
});

describe("Google's OAuth", () => {
  test('authorization code with PKCE, access_type=offline and prompt=consent; refresh when the token expires', async () => {
    let authUrl = '';
    const c = new GoogleDrive({
      apiUrl: `${env.origin}/drive/v3`,
      uploadUrl: `${env.origin}/upload/drive/v3`,
      oAuthServerAuthUrl: `${env.emulator.urls.accounts}/o/oauth2/v2/auth`,
      oAuthServerTokenUrl: `${env.emulator.urls.oauth2}/token`,
      oAuthClientId: APP.clientId,
      oAuthClientSecret: APP.clientSecret,
      openBrowser: async (url) => {
        authUrl = url;
        await (await fetch(url)).text();
      },
    });
    try {
      const header = await c.authorize();
      const q = new URL(authUrl).searchParams;
      assert.equal(q.get('access_type'), 'offline');
      assert.equal(q.get('prompt'), 'consent');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.ok(q.get('code_challenge'));
      assert.equal(q.get('scope'), 'https://www.googleapis.com/auth/drive');
      assert.match(c.oAuthAccessToken, /^ya29\./);
      assert.ok(c.oAuthRefreshToken, 'offline access gives a refresh token');
      assert.equal(header, `Bearer ${c.oAuthAccessToken}`);
      assert.equal((await c.getAccountInfo()).email, 'ada@example.com');

      const before = c.oAuthAccessToken;
      const refresh = c.oAuthRefreshToken;
      const since = env.server.requestLog.length;
      env.server.faults.add({ path: '/drive/v3/about', expiredToken: true });
      await c.getAccountInfo();
      assert.notEqual(c.oAuthAccessToken, before);
      assert.equal(c.oAuthRefreshToken, refresh, 'Google does not rotate refresh tokens');
      assert.deepEqual(
        env.server.requestLog.slice(since).map((e) => `${e.path} ${e.status}`),
        ['/drive/v3/about 401', '/token 200', '/drive/v3/about 200'],
      );
    } finally {
      await c.close();
    }
  });
});
