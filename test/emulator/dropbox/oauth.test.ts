import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DropboxAuth } from 'dropbox';
import { request } from 'undici';
import { type Harness, rpc, startHarness } from './helpers.js';

/**
 * The emulator's OAuth endpoints (the shared authorization server, mounted with Dropbox's settings) driven
 * by the official SDK's DropboxAuth: PKCE code flow, `token_access_type=offline` for a refresh token,
 * refresh without rotation, revocation through /2/auth/token/revoke.
 */

const REDIRECT = 'http://127.0.0.1:53682/callback';

describe('Dropbox OAuth with the SDK', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ autoApprove: true });
  });
  after(() => h.stop());

  /** Follows the authorize URL to the redirect (consent auto-approved) and returns the code. */
  async function authorize(url: string, expectedState: string): Promise<string> {
    const u = new URL(url);
    assert.equal(u.host, 'dropbox.com'); // the SDK's authorize URL (Dropbox serves it on www.dropbox.com too)
    assert.equal(u.pathname, '/oauth2/authorize');
    const res = await request(`${h.urls.api}${u.pathname}${u.search}`);
    await res.body.dump();
    assert.equal(res.statusCode, 302);
    const location = new URL(res.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('state'), expectedState);
    return location.searchParams.get('code')!;
  }

  async function offlineAuth(): Promise<{ auth: DropboxAuth; tokens: Record<string, any> }> {
    const auth = new DropboxAuth({ clientId: 'emulator-app-key', fetch: h.fetch as never });
    const url = (await auth.getAuthenticationUrl(
      REDIRECT,
      'st4te',
      'code',
      'offline',
      undefined,
      'none',
      true,
    )) as string;
    assert.match(url, /code_challenge_method=S256/);
    const code = await authorize(url, 'st4te');
    const tokens = (await auth.getAccessTokenFromCode(REDIRECT, code)).result as Record<string, any>;
    auth.setAccessToken(tokens.access_token);
    auth.setRefreshToken(tokens.refresh_token);
    auth.setAccessTokenExpiresAt(new Date(Date.now() + tokens.expires_in * 1000));
    return { auth, tokens };
  }

  it('runs the PKCE code flow and answers like Dropbox', async () => {
    const { auth, tokens } = await offlineAuth();
    assert.match(tokens.access_token, /^sl\./);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 14_400);
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.equal(tokens.account_id, h.dropbox.account.id);
    assert.match(tokens.uid, /^\d+$/);
    const account = (await h.sdk({ auth }).usersGetCurrentAccount()).result;
    assert.equal(account.account_id, h.dropbox.account.id);
  });

  it('refreshes an expired access token and keeps the refresh token', async () => {
    const { auth, tokens } = await offlineAuth();
    auth.setAccessTokenExpiresAt(new Date(0));
    const dbx = h.sdk({ auth });
    assert.equal((await dbx.filesListFolder({ path: '' })).status, 200);
    assert.notEqual(auth.getAccessToken(), tokens.access_token);
    assert.equal(auth.getRefreshToken(), tokens.refresh_token);
    // The refresh token works again: Dropbox does not rotate it.
    const raw = await request(
      `${h.urls.api}/oauth2/token?grant_type=refresh_token&refresh_token=${tokens.refresh_token}&client_id=emulator-app-key&client_secret=emulator-app-secret`,
      { method: 'POST' },
    );
    const body = (await raw.body.json()) as Record<string, unknown>;
    assert.equal(raw.statusCode, 200);
    assert.equal(body.refresh_token, undefined);
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
  });

  it('gives no refresh token to online access', async () => {
    const auth = new DropboxAuth({
      clientId: 'emulator-app-key',
      clientSecret: 'emulator-app-secret',
      fetch: h.fetch as never,
    });
    const url = (await auth.getAuthenticationUrl(REDIRECT, 's', 'code', 'online')) as string;
    const tokens = (await auth.getAccessTokenFromCode(REDIRECT, await authorize(url, 's'))).result as Record<
      string,
      any
    >;
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(
      (await rpc(h, 'users/get_current_account', null, { token: tokens.access_token })).status,
      200,
    );
  });

  it('revokes the token and its refresh token through auth/token/revoke', async () => {
    const { auth, tokens } = await offlineAuth();
    const dbx = h.sdk({ auth });
    await dbx.authTokenRevoke();
    const after = await rpc(h, 'users/get_current_account', null, { token: tokens.access_token });
    assert.equal(after.status, 401);
    const refresh = await request(
      `${h.urls.api}/oauth2/token?grant_type=refresh_token&refresh_token=${tokens.refresh_token}&client_id=emulator-app-key&client_secret=emulator-app-secret`,
      { method: 'POST' },
    );
    assert.equal(refresh.statusCode, 400);
    assert.equal(((await refresh.body.json()) as { error: string }).error, 'invalid_grant');
  });

  it('shows a consent page when not auto-approving', async () => {
    const manual = await startHarness();
    try {
      const res = await request(
        `${manual.urls.api}/oauth2/authorize?client_id=emulator-app-key&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      );
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(await res.body.text(), /<form/);
    } finally {
      await manual.stop();
    }
  });
});
