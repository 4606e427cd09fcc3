/**
 * The Box class's account, custom requests (with the XPath settings), shared and preview links, locks,
 * and OAuth: Box's client-credentials grant (enterprise and user subjects), the Web profile's code
 * exchange, and refresh-token rotation (the new refresh token is kept; the old one is dead).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { DEFAULT_BOX_CLIENT } from '../../../src/emulator/box/index.js';
import type { Box } from '../../../src/providers/box/index.js';
import { type BoxEnv, rejectsWithCode, startBoxEnv } from './helpers.js';

describe('Box class: account, custom requests, links, locks and OAuth', () => {
  let env: BoxEnv;
  let box: Box;

  before(async () => {
    env = await startBoxEnv({ autoApprove: true });
    box = env.box();
  });
  after(() => env.close());

  it('getAccountInfo fills the account properties and AccountMaxFileSize', async () => {
    const id = await box.uploadFile('tagged.txt', '', { data: Buffer.from('12345') });
    await box.getResourceInfo(id);
    box.resources[0]!.tags = 'blue,green';
    await box.updateResource(id);
    const account = await box.getAccountInfo();
    assert.equal(account, box.account);
    assert.equal(account.email, 'user@example.com');
    assert.equal(account.id, '20000001');
    assert.equal(account.name, 'Emulated User');
    assert.equal(account.role, 2, 'admin');
    assert.equal(account.status, 0, 'active');
    assert.equal(account.enterpriseId, '1000001');
    assert.equal(account.totalSpace, 10 * 1024 ** 4);
    assert.ok(account.usedSpace >= 5);
    assert.equal(account.tags, 'blue,green');
    assert.match(account.createdTime, /^\d{4}-/);
    assert.equal(box.config('AccountMaxFileSize'), String(50 * 1024 ** 3));
    await rejectsWithCode(
      Promise.resolve().then(() => box.config('AccountMaxFileSize=1')),
      ErrorCode.InvalidArgument,
    );
  });

  it('sendCustomRequest: QueryParams, body, response headers, XPath, and the body to a file', async () => {
    const c = env.box();
    c.addQueryParam('fields', 'name,item_collection');
    const bytes = await c.sendCustomRequest('', '/folders/0', '');
    const json = JSON.parse(Buffer.from(bytes.body!).toString()) as { name: string };
    assert.equal(json.name, 'All Files');
    assert.ok(c.resourceData instanceof Uint8Array);
    assert.match(env.server.requestLog.at(-1)!.query, /fields=name%2Citem_collection/);
    assert.ok(c.parsedHeaders.some((h) => h.field.toLowerCase() === 'box-request-id'));
    c.config('XPath=/json/name');
    assert.equal(c.config('XText'), 'All Files');
    c.config('XPath=/json/item_collection/entries/[1]/type');
    assert.equal(c.config('XText'), 'file');
    c.queryParams = [];

    await c.sendCustomRequest('POST', '/folders', JSON.stringify({ name: 'custom', parent: { id: '0' } }));
    c.config('XPath=/json/name');
    assert.equal(c.config('XText'), 'custom');
    c.config('XPath=/json/id');
    const folderId = c.config('XText');
    const path = join(env.dir, 'custom.json');
    await c.sendCustomRequest('GET', `/folders/${folderId}`, '', { localFile: path });
    assert.equal((JSON.parse(await readFile(path, 'utf8')) as { id: string }).id, folderId);
    await rejectsWithCode(
      c.sendCustomRequest('GET', `/folders/${folderId}`, '', { localFile: path }),
      ErrorCode.LocalFileExists,
    );
    await c.sendCustomRequest('HEAD', `/folders/${folderId}`, '');
    await c.sendCustomRequest('DELETE', `/folders/${folderId}`, '');
    await rejectsWithCode(c.sendCustomRequest('PATCH', '/folders/0', ''), ErrorCode.InvalidArgument);
    const missing = await rejectsWithCode(
      c.sendCustomRequest('GET', '/files/123', ''),
      ErrorCode.InvalidRemoteId,
    );
    assert.equal(missing.httpStatus, 404);
    assert.equal(missing.providerCode, 'not_found');
  });

  it('creates, updates and revokes shared links; creates preview links', async () => {
    const file = await box.uploadFile('shared.txt', '', { data: Buffer.from('shared') });
    const url = await box.createLink(file);
    assert.match(url, /\/s\/[0-9a-f]+$/);
    let info = await box.getResourceInfo(file);
    assert.equal(info.sharedLink, url);
    assert.equal(info.sharedLinkAccess, 0);
    assert.equal(info.sharedLinkProtected, false);
    assert.equal(box.config('ResourceSharedLinkCanDownload[0]'), 'True');
    assert.match(box.config('ResourceSharedLinkDownloadURL[0]'), /\/shared\/static\/[0-9a-f]+\.txt$/);

    box.config('CreateLinkPassword=Secret-Password-1');
    box.config('CreateLinkExpiration=2099-01-01T00:00:00Z');
    box.config('CreateLinkAllowDownloads=false');
    assert.equal(await box.createLink(file), url, 'one link per resource: its settings change, not its URL');
    info = await box.getResourceInfo(file);
    assert.equal(info.sharedLinkProtected, true);
    assert.equal(
      Date.parse(box.config('ResourceSharedLinkExpiration[0]')),
      Date.parse('2099-01-01T00:00:00Z'),
    );
    assert.equal(box.config('ResourceSharedLinkCanDownload[0]'), 'False');
    assert.ok(!JSON.stringify(env.server.requestLog).includes('Secret-Password-1'));
    box.config('CreateLinkPassword=');
    box.config('CreateLinkExpiration=');
    box.config('CreateLinkAllowDownloads=true');

    const folder = await box.createFolder('shared-folder', '');
    box.config('CreateLinkAccess=1');
    await box.createLink(folder);
    assert.equal((await box.getResourceInfo(folder)).sharedLinkAccess, 1);
    box.config('CreateLinkAccess=2');
    await box.createLink(folder);
    assert.equal((await box.getResourceInfo(folder)).sharedLinkAccess, 2);
    box.config('CreateLinkAccess=0');

    await box.revokeLink(file);
    assert.equal((await box.getResourceInfo(file)).sharedLink, '');
    await box.revokeLink(file);

    const preview = await box.createPreviewLink(file);
    assert.match(preview, /\/preview\/expiring_embed\//);
    await rejectsWithCode(box.createPreviewLink(folder), ErrorCode.InvalidRemoteId);
  });

  it('locks and unlocks files', async () => {
    const file = await box.uploadFile('locked.txt', '', { data: Buffer.from('lock') });
    await box.lockFile(file, '2099-01-01T00:00:00Z', false);
    const id = file.slice(2);
    box.queryParams = [];
    box.addQueryParam('fields', 'lock');
    await box.sendCustomRequest('GET', `/files/${id}`, '');
    box.config('XPath=/json/lock/is_download_prevented');
    assert.equal(box.config('XText'), 'true');
    box.config('XPath=/json/lock/expired_at');
    assert.equal(Date.parse(box.config('XText')), Date.parse('2099-01-01T00:00:00Z'));
    await box.unlockFile(file);
    await box.sendCustomRequest('GET', `/files/${id}`, '');
    box.config('XPath=/json/lock');
    assert.equal(box.config('XText'), 'null');
    await box.lockFile(file, '', true);
    await box.sendCustomRequest('GET', `/files/${id}`, '');
    box.config('XPath=/json/lock/is_download_prevented');
    assert.equal(box.config('XText'), 'false');
    box.queryParams = [];
    await rejectsWithCode(box.lockFile(file, 'tomorrow', true), ErrorCode.InvalidArgument);
  });

  it('authorizes with client credentials for the enterprise or a user (box_subject_type / box_subject_id)', async () => {
    const ccg = (subjectType: string, subjectId: string) =>
      env.box({
        authorization: '',
        oAuthGrantType: 3,
        oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
        oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
        boxSubjectType: subjectType,
        boxSubjectId: subjectId,
      });
    const enterprise = ccg('enterprise', '1000001');
    assert.equal((await enterprise.getAccountInfo()).id, '20000001');
    assert.notEqual(enterprise.oAuthAccessToken, '');
    assert.equal(enterprise.oAuthRefreshToken, '', 'client credentials give no refresh token');
    const user = ccg('user', '20000001');
    await user.authorize();
    assert.equal((await user.getAccountInfo()).email, 'user@example.com');
    const wrong = ccg('enterprise', '999');
    await rejectsWithCode(wrong.getAccountInfo(), ErrorCode.InvalidCredentials);
    await rejectsWithCode(
      Promise.resolve().then(() => env.box({ boxSubjectType: 'team' })),
      ErrorCode.InvalidArgument,
    );
  });

  it('exchanges a Web-profile code, then keeps each rotated refresh token', async () => {
    const web = env.box({
      authorization: '',
      oAuthClientProfile: 1,
      oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
      oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
      oAuthReturnUrl: 'http://127.0.0.1/callback',
    });
    const authUrl = web.oAuthWebAuthUrl;
    assert.ok(authUrl.startsWith(`${env.emulator.urls.api}/api/oauth2/authorize?`), authUrl);
    const consent = await fetch(authUrl, { redirect: 'manual' });
    const location = new URL(consent.headers.get('location')!);
    web.oAuthAuthorizationCode = location.searchParams.get('code')!;
    web.oauth.webRedirectState = location.searchParams.get('state')!;
    await web.authorize();
    const firstRefresh = web.oAuthRefreshToken;
    assert.ok(firstRefresh);
    assert.equal((await web.getAccountInfo()).id, '20000001');

    // Another instance holding only the refresh token: Box rotates it on use, and the new one is kept.
    const tokens = env.emulator.oauth.issueToken({
      clientId: DEFAULT_BOX_CLIENT.clientId,
      userId: '20000001',
    });
    const r = env.box({
      authorization: '',
      oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
      oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
      oAuthRefreshToken: tokens.refreshToken!,
    });
    await r.getAccountInfo();
    const second = r.oAuthRefreshToken;
    assert.ok(second && second !== tokens.refreshToken, 'the rotated refresh token replaced the old one');
    r.oAuthAccessToken = '';
    await r.authorize();
    const third = r.oAuthRefreshToken;
    assert.ok(third && third !== second);
    assert.equal((await r.getAccountInfo()).id, '20000001');
    // The old refresh token is dead.
    const stale = env.box({
      authorization: '',
      oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
      oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
      oAuthRefreshToken: tokens.refreshToken!,
    });
    await rejectsWithCode(stale.getAccountInfo(), ErrorCode.InvalidCredentials);
    // calcAuthorization gives the header the next request sends.
    assert.equal(await r.calcAuthorization(), `Bearer ${r.oAuthAccessToken}`);
  });

  it('reset() returns the properties and collections to their defaults', async () => {
    const b = env.box({ useResumableUpload: true, downloadType: 1 });
    await b.listResources('');
    b.config('MaxResults=5');
    b.metadataCount = 2;
    await b.reset();
    assert.equal(b.resourceCount, 0);
    assert.equal(b.metadataCount, 0);
    assert.equal(b.useResumableUpload, false);
    assert.equal(b.downloadType, 0);
    assert.equal(b.config('MaxResults'), '-1');
    assert.equal(b.account.totalSpace, -1);
    b.resourceCount = 3;
    assert.equal(b.resources[2]!.id, '');
    assert.throws(() => {
      b.resourceCount = -1;
    });
  });
});
