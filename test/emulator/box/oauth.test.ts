/**
 * Box's OAuth on the emulator: the authorization-code flow driven by Box's SDK (`BoxOAuth`), refresh tokens
 * that rotate on every use, and the client-credentials grant with `box_subject_type`/`box_subject_id`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoxClient, BoxOAuth, OAuthConfig } from 'box-typescript-sdk-gen';
import { DEFAULT_BOX_CLIENT } from '../../../src/emulator/box/index.js';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;

const { clientId, clientSecret } = DEFAULT_BOX_CLIENT as { clientId: string; clientSecret: string };

function tokenRequest(h: BoxHarness, form: Record<string, string>): Promise<Response> {
  return fetch(`${h.box.urls.api}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

describe('Box OAuth on the emulator', () => {
  let h: BoxHarness;

  before(async () => {
    h = await startBox({ autoApprove: true });
    h.box.store.users.set('20000002', {
      ...h.box.store.owner,
      id: '20000002',
      name: 'Second User',
      login: 'two@example.com',
    });
  });
  after(() => h.close());

  it('runs the authorization-code flow with the SDK and rotates refresh tokens on every use', async () => {
    const oauth = new BoxOAuth({ config: new OAuthConfig({ clientId, clientSecret }) });
    const redirectUri = 'http://127.0.0.1:53682/callback';
    // The SDK builds the URL for account.box.com; the emulator serves the same path and query.
    const sdkUrl = new URL(oauth.getAuthorizeUrl({ redirectUri, state: 'xyz' }));
    assert.equal(sdkUrl.pathname, '/api/oauth2/authorize');
    const consent = await fetch(`${h.box.urls.oauth2}/authorize${sdkUrl.search}`, { redirect: 'manual' });
    assert.equal(consent.status, 302);
    const back = new URL(consent.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, redirectUri);
    assert.equal(back.searchParams.get('state'), 'xyz');
    const code = back.searchParams.get('code')!;

    const client = new BoxClient({ auth: oauth }).withCustomBaseUrls({
      baseUrl: h.box.urls.api,
      uploadUrl: `${h.box.urls.upload}/api`,
      oauth2Url: h.box.urls.oauth2,
    });
    const first = await oauth.getTokensAuthorizationCodeGrant(code, client.networkSession);
    assert.ok(first.accessToken && first.refreshToken);
    assert.equal(first.tokenType, 'bearer');
    assert.equal(first.expiresIn, 3600);
    assert.equal((await client.users.getUserMe()).id, h.box.store.owner.id);

    // The SDK refreshes on a 401 (an expired-token fault) and keeps the new refresh token.
    h.server.faults.add({ path: '/2.0/users/me', expiredToken: true });
    assert.equal((await client.users.getUserMe()).id, h.box.store.owner.id);
    const second = await oauth.retrieveToken(client.networkSession);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.notEqual(second.accessToken, first.accessToken);

    // The used refresh token is dead; the new one works once.
    const replay = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: first.refreshToken!,
      client_id: clientId,
      client_secret: clientSecret,
    });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as Json).error, 'invalid_grant');
    const fresh = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: second.refreshToken!,
      client_id: clientId,
      client_secret: clientSecret,
    });
    assert.equal(fresh.status, 200);
    const body = (await fresh.json()) as Json;
    assert.ok(body.refresh_token && body.refresh_token !== second.refreshToken);
    assert.deepEqual(body.restricted_to, []);
  });

  it('issues client-credentials tokens for the enterprise or a user, without refresh tokens', async () => {
    const enterprise = await tokenRequest(h, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      box_subject_type: 'enterprise',
      box_subject_id: h.box.store.enterprise.id,
    });
    assert.equal(enterprise.status, 200);
    const e = (await enterprise.json()) as Json;
    assert.equal(e.token_type, 'bearer');
    assert.equal(e.expires_in, 3600);
    assert.equal(e.refresh_token, undefined);
    assert.deepEqual(e.restricted_to, []);

    const user = await tokenRequest(h, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      box_subject_type: 'user',
      box_subject_id: '20000002',
    });
    const token = ((await user.json()) as Json).access_token as string;
    const me = (await (
      await fetch(`${h.box.urls.api}/2.0/users/me`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Json;
    assert.equal(me.id, '20000002');
    assert.equal(me.login, 'two@example.com');

    const wrongSubject = await tokenRequest(h, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      box_subject_type: 'enterprise',
      box_subject_id: '999',
    });
    assert.equal(wrongSubject.status, 400);
    assert.equal(((await wrongSubject.json()) as Json).error, 'invalid_grant');
    const noType = await tokenRequest(h, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    assert.equal(noType.status, 400);
    assert.equal(((await noType.json()) as Json).error, 'invalid_request');
    const badSecret = await tokenRequest(h, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: 'wrong',
      box_subject_type: 'enterprise',
      box_subject_id: h.box.store.enterprise.id,
    });
    assert.equal(((await badSecret.json()) as Json).error, 'invalid_client');
  });

  it('revokes tokens', async () => {
    const token = h.box.issueToken();
    assert.equal(
      (await fetch(`${h.box.urls.api}/2.0/users/me`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
      200,
    );
    const res = await fetch(`${h.box.urls.api}/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, token }),
    });
    assert.equal(res.status, 200);
    assert.equal(
      (await fetch(`${h.box.urls.api}/2.0/users/me`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
      401,
    );
  });
});
