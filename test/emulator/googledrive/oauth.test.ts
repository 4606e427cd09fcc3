import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DEFAULT_GOOGLE_CLIENT } from '../../../src/emulator/googledrive/index.js';
import { call, type Harness, startHarness } from './helpers.js';

/**
 * Google's OAuth endpoints on the shared authorization server: the consent page (a real HTML form with a
 * CSRF token), the code flow with PKCE, refresh tokens only for access_type=offline, the refresh grant
 * without rotation, the legacy token and authorize paths, tokeninfo and revocation.
 */

const REDIRECT = 'http://127.0.0.1:41234/callback';
const CLIENT = DEFAULT_GOOGLE_CLIENT;

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('Drive emulator: Google OAuth', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  /** Opens the consent page, clicks `decision`, returns the redirect. */
  async function consent(params: Record<string, string>, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
    const url = new URL(`${h.drive.urls.accounts}/o/oauth2/v2/auth`);
    for (const [k, v] of Object.entries({
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      ...params,
    }))
      url.searchParams.set(k, v);
    const page = await request(url);
    const html = await page.body.text();
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(html, /Google/);
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)![1]!;
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const post = await request(`${h.drive.urls.accounts}/o/oauth2/v2/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({
        transaction: field('transaction'),
        csrf_token: field('csrf_token'),
        decision,
      }).toString(),
    });
    await post.body.dump();
    assert.equal(post.statusCode, 302);
    return new URL(post.headers.location as string);
  }

  async function token(params: Record<string, string>, path = `${h.drive.urls.oauth2}/token`) {
    const res = await request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  }

  it('consent page, code + PKCE, access_type=offline gives a refresh token that refreshes without rotation', async () => {
    const { verifier, challenge } = pkce();
    const back = await consent({
      scope: 'https://www.googleapis.com/auth/drive',
      access_type: 'offline',
      prompt: 'consent',
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    assert.equal(back.searchParams.get('state'), 's1');
    const code = back.searchParams.get('code')!;
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret!,
      redirect_uri: REDIRECT,
      code_verifier: 'x'.repeat(43),
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error, 'invalid_grant');
    const back2 = await consent({
      scope: 'https://www.googleapis.com/auth/drive',
      access_type: 'offline',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const got = await token({
      grant_type: 'authorization_code',
      code: back2.searchParams.get('code')!,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    assert.equal(got.status, 200, JSON.stringify(got.json));
    assert.match(String(got.json.access_token), /^ya29\./);
    assert.equal(got.json.token_type, 'Bearer');
    assert.equal(got.json.expires_in, 3599);
    assert.equal(got.json.scope, 'https://www.googleapis.com/auth/drive');
    const refresh = String(got.json.refresh_token);
    const files = await call(h, 'GET', '/drive/v3/files', { token: String(got.json.access_token) });
    assert.equal(files.status, 200);
    // The legacy token path answers the same; the refresh token stays the same.
    const refreshed = await token(
      {
        grant_type: 'refresh_token',
        refresh_token: refresh,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret!,
      },
      `${h.drive.urls.accounts}/o/oauth2/token`,
    );
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.json.refresh_token, undefined);
    const again = await token(
      {
        grant_type: 'refresh_token',
        refresh_token: refresh,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret!,
      },
      `${h.api}/oauth2/v4/token`,
    );
    assert.equal(again.status, 200);
    // tokeninfo, then revocation of the refresh token ends the grant.
    const info = await request(`${h.drive.urls.oauth2}/tokeninfo?access_token=${again.json.access_token}`);
    const infoJson = (await info.body.json()) as Record<string, string>;
    assert.equal(infoJson.email, 'user@example.com');
    assert.equal(infoJson.aud, CLIENT.clientId);
    const revoke = await request(`${h.drive.urls.oauth2}/revoke?token=${refresh}`, { method: 'POST' });
    await revoke.body.dump();
    assert.equal(revoke.statusCode, 200);
    const dead = await call(h, 'GET', '/drive/v3/files', { token: String(again.json.access_token) });
    assert.equal(dead.status, 401);
    const after = await token({
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret!,
    });
    assert.equal(after.json.error, 'invalid_grant');
    const twice = await request(`${h.drive.urls.oauth2}/revoke?token=${refresh}`, { method: 'POST' });
    assert.equal(twice.statusCode, 400);
    await twice.body.dump();
  });

  it('online access (no access_type=offline) gets no refresh token; Deny redirects with access_denied', async () => {
    const back = await consent({ scope: 'https://www.googleapis.com/auth/drive.file' });
    const got = await token({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret!,
      redirect_uri: REDIRECT,
    });
    assert.equal(got.status, 200);
    assert.equal(got.json.refresh_token, undefined);
    const denied = await consent({ scope: 'https://www.googleapis.com/auth/drive', state: 'd' }, 'deny');
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('state'), 'd');
  });

  it('the legacy authorize path redirects to v2; a wrong secret is invalid_client', async () => {
    const legacy = await request(
      `${h.drive.urls.accounts}/o/oauth2/auth?client_id=${CLIENT.clientId}&response_type=code`,
    );
    await legacy.body.dump();
    assert.equal(legacy.statusCode, 302);
    assert.match(String(legacy.headers.location), /^\/o\/oauth2\/v2\/auth\?client_id=/);
    const bad = await token({
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: CLIENT.clientId,
      client_secret: 'wrong',
    });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'invalid_client');
  });

  it('an expired access token answers 401 authError; a fault can expire a good one', async () => {
    const short = h.drive.issueToken({ lifetimeSeconds: -1 }).accessToken;
    let r = await call(h, 'GET', '/drive/v3/files', { token: short });
    assert.equal(r.status, 401);
    assert.equal(r.json().error.errors[0].reason, 'authError');
    h.server.faults.add({ expiredToken: true, path: '/drive/v3/about' });
    r = await call(h, 'GET', '/drive/v3/about', { query: { fields: 'user' } });
    assert.equal(r.status, 401);
    r = await call(h, 'GET', '/drive/v3/about', { query: { fields: 'user' } });
    assert.equal(r.status, 200);
  });
});
