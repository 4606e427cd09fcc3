import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { challengeFor } from '../../../src/core/auth/pkce.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import {
  OAuthAuthorizationServer,
  redirectUriMatches,
  s256,
  type TokenCheck,
} from '../../../src/emulator/core/oauth/index.js';

/**
 * The emulator's authorization server, driven with plain HTTP requests: consent form and CSRF, redirect URI
 * rules, PKCE, client authentication, grants, revocation and token checks.
 */

const SECRET = 'server-test-secret-value';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
let server: EmulatorServer;
let oauth: OAuthAuthorizationServer;
let base: string;
let clock = Date.now();
const lastCheck: { value?: TokenCheck } = {};

before(async () => {
  server = new EmulatorServer();
  oauth = new OAuthAuthorizationServer({
    authorizePath: '/api/oauth2/authorize',
    tokenPath: '/oauth2/token',
    revokePath: '/oauth2/revoke',
    serviceName: 'Box Emulator',
    user: { id: '7', name: 'Grace Hopper' },
    now: () => clock,
    clients: [
      {
        clientId: 'conf',
        clientSecret: SECRET,
        name: 'Confidential <App>',
        redirectUris: ['http://127.0.0.1/callback', 'https://app.example/cb'],
        allowedScopes: ['read', 'write'],
      },
      { clientId: 'public', name: 'Public App', redirectUris: ['http://localhost/'] },
      {
        clientId: 'nocc',
        clientSecret: SECRET,
        redirectUris: ['https://x.example/'],
        grantTypes: ['authorization_code'],
      },
    ],
  });
  oauth.install(server);
  server.host('api').router.get('/check', (req, res) => {
    lastCheck.value = oauth.verifyAccessToken(req);
    res.writeHead(204);
    res.end();
  });
  await server.start();
  base = server.url('api');
});

after(async () => {
  await server.stop();
});

function authorizeUrl(params: Record<string, string>): string {
  const u = new URL(`${base}/api/oauth2/authorize`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

async function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, string> };
}

/** Shows the consent page and submits it with the given decision; returns the redirect. */
async function consent(params: Record<string, string>, decision: 'allow' | 'deny'): Promise<URL> {
  const page = await get(authorizeUrl(params));
  assert.equal(page.status, 200);
  const html = await page.text();
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)![1]!;
  const res = await fetch(`${base}/api/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({
      transaction: field('transaction'),
      csrf_token: field('csrf_token'),
      decision,
    }),
  });
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location')!);
}

const codeParams = (extra: Record<string, string> = {}) => ({
  response_type: 'code',
  client_id: 'conf',
  redirect_uri: 'http://127.0.0.1:4567/callback',
  state: 'st-1',
  code_challenge: challengeFor(VERIFIER, 2).challenge,
  code_challenge_method: 'S256',
  ...extra,
});

describe('PKCE', () => {
  test('S256 matches the RFC 7636 Appendix B example, on both sides', () => {
    assert.equal(s256(VERIFIER), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.equal(challengeFor(VERIFIER, 2).challenge, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('redirect URIs', () => {
  test('exact match, except loopback URIs, which match on any port (RFC 8252)', () => {
    assert.ok(redirectUriMatches('https://app.example/cb', 'https://app.example/cb'));
    assert.ok(!redirectUriMatches('https://app.example/cb', 'https://app.example:8443/cb'));
    assert.ok(!redirectUriMatches('https://app.example/cb', 'https://app.example/cb/'));
    assert.ok(redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:51234/callback'));
    assert.ok(redirectUriMatches('http://localhost', 'http://localhost:8080'));
    assert.ok(redirectUriMatches('http://[::1]/', 'http://[::1]:9/'));
    assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:51234/other'));
    assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'http://localhost:51234/callback'));
    assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'https://127.0.0.1:51234/callback'));
  });

  test('an unknown client or an unregistered redirect URI gets an error page, not a redirect', async () => {
    for (const params of [
      codeParams({ client_id: 'nobody' }),
      codeParams({ redirect_uri: 'https://evil.example/cb' }),
      codeParams({ redirect_uri: 'http://127.0.0.1:4567/elsewhere' }),
    ]) {
      const res = await get(authorizeUrl(params));
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      assert.match(await res.text(), /Authorization error/);
    }
  });

  test('errors after the client is known go back on the redirect, with the state', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [codeParams({ response_type: 'token' }), 'unsupported_response_type'],
      [codeParams({ scope: 'read admin' }), 'invalid_scope'],
      [codeParams({ code_challenge_method: 'S512' }), 'invalid_request'],
      [codeParams({ code_challenge: 'short' }), 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const res = await get(authorizeUrl(params));
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.origin + location.pathname, 'http://127.0.0.1:4567/callback');
      assert.equal(location.searchParams.get('error'), error);
      assert.equal(location.searchParams.get('state'), 'st-1');
    }
    const noPkce = await get(
      authorizeUrl({ response_type: 'code', client_id: 'public', redirect_uri: 'http://localhost:9999/' }),
    );
    assert.equal(new URL(noPkce.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  });
});

describe('consent page', () => {
  test('a real form: client, user and scopes shown (escaped), Allow and Deny, CSRF token, no framing', async () => {
    const res = await get(authorizeUrl(codeParams({ scope: 'read write' })));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    const html = await res.text();
    assert.match(html, /Confidential &#60;App&#62;/);
    assert.doesNotMatch(html, /Confidential <App>/);
    assert.match(html, /Grace Hopper/);
    assert.match(html, /<li>read<\/li><li>write<\/li>/);
    assert.match(html, /<form method="post" action="\/api\/oauth2\/authorize">/);
    assert.match(html, /<button type="submit" name="decision" value="allow" id="allow">Allow<\/button>/);
    assert.match(html, /<button type="submit" name="decision" value="deny" id="deny">Deny<\/button>/);
    assert.match(html, /name="csrf_token" value="[A-Za-z0-9_-]{43}"/);
  });

  test('Allow redirects with a code and the state; Deny with access_denied', async () => {
    const allowed = await consent(codeParams(), 'allow');
    assert.ok(allowed.searchParams.get('code'));
    assert.equal(allowed.searchParams.get('state'), 'st-1');
    const denied = await consent(codeParams({ state: 'st-2' }), 'deny');
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('state'), 'st-2');
    assert.equal(denied.searchParams.get('code'), null);
  });

  test('a post without the CSRF cookie, with a wrong token, or replayed is refused', async () => {
    const page = await get(authorizeUrl(codeParams()));
    const html = await page.text();
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const transaction = /name="transaction" value="([^"]+)"/.exec(html)![1]!;
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${base}/api/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body),
      });
    assert.equal((await post({}, { transaction, csrf_token: csrf, decision: 'allow' })).status, 403);
    assert.equal(
      (await post({ cookie }, { transaction, csrf_token: 'x'.repeat(43), decision: 'allow' })).status,
      403,
    );
    const ok = await post({ cookie }, { transaction, csrf_token: csrf, decision: 'allow' });
    assert.equal(ok.status, 302);
    assert.equal((await post({ cookie }, { transaction, csrf_token: csrf, decision: 'allow' })).status, 400);
  });
});

describe('token endpoint', () => {
  async function code(params: Record<string, string> = codeParams()): Promise<string> {
    oauth.settings.autoApprove = true;
    try {
      const res = await get(authorizeUrl(params));
      return new URL(res.headers.get('location')!).searchParams.get('code')!;
    } finally {
      oauth.settings.autoApprove = false;
    }
  }

  const exchange = (c: string, extra: Record<string, string> = {}) =>
    token({
      grant_type: 'authorization_code',
      code: c,
      redirect_uri: 'http://127.0.0.1:4567/callback',
      code_verifier: VERIFIER,
      client_id: 'conf',
      client_secret: SECRET,
      ...extra,
    });

  test('code exchange: RFC 6749 response, no-store, expires_in, scope', async () => {
    const res = await exchange(await code(codeParams({ scope: 'read' })));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.token_type, 'bearer');
    assert.equal((res.body as Record<string, unknown>).expires_in, 3600);
    assert.equal(res.body.scope, 'read');
    assert.ok(res.body.access_token && res.body.refresh_token);
    const check = oauth.verifyToken(res.body.access_token);
    assert.ok(check.ok);
    assert.equal(check.subject, '7');
    assert.deepEqual(check.scopes, ['read']);
  });

  test('client authentication: wrong secret 401 invalid_client (Basic: with WWW-Authenticate), both methods 400', async () => {
    const wrong = await exchange(await code(), { client_secret: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const basicBad = `Basic ${Buffer.from('conf:nope').toString('base64')}`;
    const viaBasic = await token(
      { grant_type: 'authorization_code', code: await code(), code_verifier: VERIFIER },
      { authorization: basicBad },
    );
    assert.equal(viaBasic.status, 401);
    assert.match(viaBasic.headers.get('www-authenticate') ?? '', /^Basic/);
    const basicGood = `Basic ${Buffer.from(`conf:${SECRET}`).toString('base64')}`;
    const good = await token(
      {
        grant_type: 'authorization_code',
        code: await code(),
        code_verifier: VERIFIER,
        redirect_uri: 'http://127.0.0.1:4567/callback',
      },
      { authorization: basicGood },
    );
    assert.equal(good.status, 200);
    const both = await token(
      { grant_type: 'authorization_code', code: await code(), client_secret: SECRET },
      { authorization: basicGood },
    );
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_request');
  });

  test('a confidential client without its secret is refused even with PKCE (unless allowPublicClients)', async () => {
    const noSecret = await exchange(await code(), { client_secret: '' });
    assert.equal(noSecret.status, 401);
    oauth.settings.allowPublicClients = true;
    try {
      const ok = await exchange(await code(), { client_secret: '' });
      assert.equal(ok.status, 200);
      // Tokens issued that way refresh without the secret too (Dropbox PKCE apps).
      const refreshed = await token({
        grant_type: 'refresh_token',
        refresh_token: ok.body.refresh_token!,
        client_id: 'conf',
      });
      assert.equal(refreshed.status, 200);
    } finally {
      oauth.settings.allowPublicClients = false;
    }
  });

  test('a public client exchanges with PKCE only; parameters in the query of an empty POST work (Dropbox JS SDK)', async () => {
    const c = await code({
      response_type: 'code',
      client_id: 'public',
      redirect_uri: 'http://localhost:5000/',
      code_challenge: VERIFIER,
      code_challenge_method: 'plain',
    });
    const url = new URL(`${base}/oauth2/token`);
    for (const [k, v] of Object.entries({
      grant_type: 'authorization_code',
      code: c,
      client_id: 'public',
      code_verifier: VERIFIER,
      redirect_uri: 'http://localhost:5000/',
    })) {
      url.searchParams.set(k, v);
    }
    const res = await fetch(url, { method: 'POST' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token!,
      client_id: 'public',
    });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.body.refresh_token, undefined, 'no rotation by default');
  });

  test('missing or unknown grant types, and grants the client may not use', async () => {
    assert.equal((await token({ client_id: 'conf', client_secret: SECRET })).body.error, 'invalid_request');
    const unknown = await token({ grant_type: 'urn:x', client_id: 'conf', client_secret: SECRET });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'unsupported_grant_type');
    const cc = await token({ grant_type: 'client_credentials', client_id: 'nocc', client_secret: SECRET });
    assert.equal(cc.body.error, 'unauthorized_client');
    const password = await token({
      grant_type: 'password',
      username: 'a',
      password: 'b',
      client_id: 'conf',
      client_secret: SECRET,
    });
    assert.equal(password.body.error, 'unsupported_grant_type');
  });

  test('refresh: narrower scope allowed, wider refused; rotation and refresh-token expiry', async () => {
    const first = await exchange(await code(codeParams({ scope: 'read write' })));
    const narrow = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      scope: 'read',
      client_id: 'conf',
      client_secret: SECRET,
    });
    assert.equal(narrow.body.scope, 'read');
    const wide = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      scope: 'read admin',
      client_id: 'conf',
      client_secret: SECRET,
    });
    assert.equal(wide.body.error, 'invalid_scope');
    const otherClient = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      client_id: 'nocc',
      client_secret: SECRET,
    });
    assert.equal(otherClient.body.error, 'unauthorized_client');

    oauth.settings.rotateRefreshTokens = true;
    oauth.settings.refreshTokenLifetimeSeconds = 100;
    try {
      const second = await exchange(await code());
      const rotated = await token({
        grant_type: 'refresh_token',
        refresh_token: second.body.refresh_token!,
        client_id: 'conf',
        client_secret: SECRET,
      });
      assert.ok(rotated.body.refresh_token);
      assert.notEqual(rotated.body.refresh_token, second.body.refresh_token);
      const replay = await token({
        grant_type: 'refresh_token',
        refresh_token: second.body.refresh_token!,
        client_id: 'conf',
        client_secret: SECRET,
      });
      assert.equal(replay.body.error, 'invalid_grant');
      clock += 101_000;
      const expired = await token({
        grant_type: 'refresh_token',
        refresh_token: rotated.body.refresh_token!,
        client_id: 'conf',
        client_secret: SECRET,
      });
      assert.equal(expired.body.error, 'invalid_grant');
      assert.match(expired.body.error_description!, /expired/);
    } finally {
      oauth.settings.rotateRefreshTokens = false;
      oauth.settings.refreshTokenLifetimeSeconds = 0;
    }
  });

  test('client credentials: no refresh token; subject is the client', async () => {
    const res = await token({
      grant_type: 'client_credentials',
      client_id: 'conf',
      client_secret: SECRET,
      scope: 'read',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.refresh_token, undefined);
    const check = oauth.verifyToken(res.body.access_token);
    assert.ok(check.ok);
    assert.equal(check.subject, 'client:conf');
    const anonymous = await token({ grant_type: 'client_credentials', client_id: 'conf' });
    assert.equal(anonymous.status, 401);
  });

  test('revocation: a refresh token takes its grant along; unknown tokens are fine', async () => {
    const t = await exchange(await code());
    const revoke = (tok: string) =>
      fetch(`${base}/oauth2/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tok, client_id: 'conf', client_secret: SECRET }),
      });
    assert.equal((await revoke('no-such-token')).status, 200);
    assert.equal(oauth.verifyToken(t.body.access_token).ok, true);
    assert.equal((await revoke(t.body.refresh_token!)).status, 200);
    assert.equal(oauth.verifyToken(t.body.access_token).ok, false);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: t.body.refresh_token!,
      client_id: 'conf',
      client_secret: SECRET,
    });
    assert.equal(refresh.body.error, 'invalid_grant');
  });
});

describe('verifyAccessToken', () => {
  async function check(headers: Record<string, string>, fault = false): Promise<TokenCheck> {
    if (fault) server.faults.add({ path: '/check', expiredToken: true });
    const res = await fetch(`${base}/check`, { headers });
    assert.equal(res.status, 204);
    return lastCheck.value!;
  }

  test('missing, invalid, expired, fault-injected expiry, and a good token', async () => {
    const issued = oauth.issueToken({
      clientId: 'conf',
      userId: '99',
      scopes: ['read'],
      lifetimeSeconds: 30,
    });
    assert.equal(issued.expiresIn, 30);
    assert.ok(issued.refreshToken);
    const good = await check({ authorization: `Bearer ${issued.accessToken}` });
    assert.deepEqual(good, {
      ok: true,
      token: issued.accessToken,
      subject: '99',
      clientId: 'conf',
      scopes: ['read'],
      expiresAt: issued.expiresAt,
    });
    assert.equal(((await check({})) as { reason: string }).reason, 'missing');
    assert.equal(((await check({ authorization: 'Bearer nope' })) as { reason: string }).reason, 'invalid');
    const injected = await check({ authorization: `Bearer ${issued.accessToken}` }, true);
    assert.equal((injected as { reason: string }).reason, 'expired');
    assert.equal(
      (await check({ authorization: `Bearer ${issued.accessToken}` })).ok,
      true,
      'the fault was used up',
    );
    clock += 31_000;
    const expired = await check({ authorization: `Bearer ${issued.accessToken}` });
    assert.equal((expired as { reason: string }).reason, 'expired');
    assert.equal(
      OAuthAuthorizationServer.wwwAuthenticate(expired, 'Service'),
      'Bearer realm="Service", error="invalid_token", error_description="The access token expired."',
    );
    assert.equal(
      OAuthAuthorizationServer.wwwAuthenticate({ ok: false, reason: 'missing', description: '' }),
      'Bearer realm="Service"',
    );
  });

  test('issueToken refuses an unknown client', () => {
    assert.throws(() => oauth.issueToken({ clientId: 'ghost' }), /unknown client/);
  });
});
