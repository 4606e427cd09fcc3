import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { Agent } from 'undici';
import { exposeOAuthProperties, type OAuthProperties } from '../../../src/core/auth/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  fetchBrowser,
  makeClient,
  type OAuthEnv,
  redirectOf,
  rejection,
  SecretScan,
  startOAuthEnv,
  WEB_RETURN_URL,
} from './helpers.js';

const scan = new SecretScan();
const envs: OAuthEnv[] = [];

async function env(options: Parameters<typeof startOAuthEnv>[0] = {}): Promise<OAuthEnv> {
  const e = await startOAuthEnv(options);
  scan.track(e);
  envs.push(e);
  return e;
}

after(async () => {
  for (const e of envs) await e.stop();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** A raw token request, outside the client, to see what the server says about a code or token. */
async function rawToken(
  e: OAuthEnv,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(e.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('authorization code grant, Application profile (loopback server)', () => {
  test('PKCE S256 by default, a state, the code exchanged, and the token accepted by the API', async () => {
    const e = await env({ autoApprove: true });
    let authUrl = '';
    const c = scan.client(
      makeClient(e, {
        openBrowser: async (url) => {
          authUrl = url;
          await fetchBrowser(url);
        },
      }),
    );
    const header = await c.oauth.authorize();
    const q = new URL(authUrl).searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), CLIENT_ID);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.match(q.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+$/);
    assert.equal(c.oauth.oAuthReturnUrl, q.get('redirect_uri'));
    const verifier = c.oauth.settings.config('OAuthPKCEVerifier');
    scan.secret(verifier);
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(header, `Bearer ${c.oauth.oAuthAccessToken}`);
    assert.ok(c.oauth.oAuthRefreshToken);
    assert.ok(c.oauth.oAuthAuthorizationCode, 'the code is kept, for information');
    assert.equal(c.oauth.settings.config('OAuthAccessTokenExpiration'), '3600');
    assert.deepEqual(await c.me(), { id: 'user-42', clientId: CLIENT_ID, scopes: [] });
    // The server closed after the one redirect (OAuthReUseWebServer is off by default).
    assert.equal(c.oauth.settings.config('OAuthWebServerActive'), 'False');
    // A second authorize() with a valid cached token asks nobody.
    const before = e.tokenRequests();
    assert.equal(await c.oauth.authorize(), header);
    assert.equal(e.tokenRequests(), before);
  });

  test('plain PKCE when OAuthPKCEChallengeEncoding=1, no PKCE when OAuthUsePKCE=False', async () => {
    const e = await env({ autoApprove: true });
    const urls: string[] = [];
    const launcher = async (url: string) => {
      urls.push(url);
      await fetchBrowser(url);
    };
    const plain = scan.client(makeClient(e, { openBrowser: launcher }));
    plain.oauth.settings.config('OAuthPKCEChallengeEncoding=1');
    await plain.oauth.authorize();
    const q = new URL(urls[0]!).searchParams;
    assert.equal(q.get('code_challenge_method'), 'plain');
    assert.equal(q.get('code_challenge'), plain.oauth.settings.config('OAuthPKCEVerifier'));
    scan.secret(q.get('code_challenge') ?? undefined);

    const none = scan.client(makeClient(e, { openBrowser: launcher }));
    none.oauth.settings.config('OAuthUsePKCE=False');
    await none.oauth.authorize();
    assert.equal(new URL(urls[1]!).searchParams.get('code_challenge'), null);
    assert.equal((await none.me()).id, 'user-42');
  });

  test('a redirect with a wrong state is rejected and no token is requested', async () => {
    const e = await env({ autoApprove: true });
    let browser: Promise<{ status: number; html: string }> | undefined;
    const c = scan.client(
      makeClient(e, {
        // A forged redirect: a code, and a state that is not the one the client sent.
        openBrowser: (url) => {
          const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
          redirect.searchParams.set('code', 'forged-authorization-code');
          redirect.searchParams.set('state', 'not-the-state-that-was-sent');
          browser = fetch(redirect).then(async (res) => ({ status: res.status, html: await res.text() }));
        },
      }),
    );
    const err = await rejection(c.oauth.authorize());
    const page = await browser!;
    scan.output(page.html);
    scan.error(err);
    assert.equal(err.code, 603);
    assert.equal(err.providerCode, 'state_mismatch');
    assert.match(err.message, /state/);
    assert.equal(e.tokenRequests(), 0, 'no token exchange');
    assert.equal(page.status, 400);
    assert.match(page.html, /Authorization failed/);
    assert.equal(c.oauth.oAuthAccessToken, '');
  });

  test('OAuthWebServerResponse / OAuthWebServerFailedResponse are the pages the browser gets', async () => {
    const e = await env({ autoApprove: true });
    let browser: Promise<string> | undefined;
    const c = scan.client(
      makeClient(e, {
        openBrowser: (url) => {
          browser = fetch(url).then((res) => res.text());
        },
      }),
    );
    c.oauth.settings.config('OAuthWebServerResponse=<p>custom success</p>');
    c.oauth.settings.config('OAuthWebServerFailedResponse=<p>custom failure</p>');
    await c.oauth.authorize();
    assert.equal(await browser, '<p>custom success</p>');
    // Deny-like outcome: the server redirects with an error.
    e.oauth.settings.autoApprove = false;
    const d = scan.client(
      makeClient(e, {
        openBrowser: (url) => {
          const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
          redirect.searchParams.set('error', 'access_denied');
          redirect.searchParams.set('state', new URL(url).searchParams.get('state')!);
          browser = fetch(redirect).then((res) => res.text());
        },
      }),
    );
    d.oauth.settings.config('OAuthWebServerFailedResponse=<p>custom failure</p>');
    const err = await rejection(d.oauth.authorize());
    assert.equal(err.providerCode, 'access_denied');
    assert.equal(await browser, '<p>custom failure</p>');
  });

  test('OAuthReUseWebServer keeps one server (and redirect URI) until OAuthWebServerActive=False', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e));
    c.oauth.settings.config('OAuthReUseWebServer=True');
    await c.oauth.authorize();
    assert.equal(c.oauth.settings.config('OAuthWebServerActive'), 'True');
    const port = c.oauth.settings.config('OAuthWebServerPort');
    const firstReturn = c.oauth.oAuthReturnUrl;
    assert.equal(firstReturn, `http://localhost:${port}`);
    // Forget the tokens so the next authorize() runs the browser flow again.
    c.oauth.oAuthAccessToken = '';
    c.oauth.oAuthRefreshToken = '';
    await c.oauth.authorize();
    assert.equal(c.oauth.oAuthReturnUrl, firstReturn);
    c.oauth.settings.config('OAuthWebServerActive=False');
    // Stopping runs in the background; wait until the port refuses connections.
    for (let i = 0; i < 100 && c.oauth.webServerActive; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.oauth.settings.config('OAuthWebServerActive'), 'False');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/?code=x&state=y`));
  });

  test('OAuthWebServerHost names the host of the redirect URI; the server still listens on 127.0.0.1', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e));
    c.oauth.settings.config('OAuthWebServerHost=127.0.0.1');
    await c.oauth.authorize();
    assert.match(c.oauth.oAuthReturnUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await c.me()).id, 'user-42');
  });

  test('no browser: the URL goes to stderr, and the flow completes when the user opens it', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(
      makeClient(e, {
        openBrowser: () => {
          throw new Error('no display');
        },
      }),
    );
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    let opened: Promise<void> | undefined;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      const text = String(chunk);
      written.push(text);
      const url = /https?:\/\/\S+oauth2\/authorize\S+/.exec(text)?.[0];
      if (url) opened = fetchBrowser(url);
      return true;
    }) as typeof process.stderr.write;
    try {
      await c.oauth.authorize();
    } finally {
      process.stderr.write = original;
    }
    await opened;
    assert.match(written.join(''), /Open this URL in a browser/);
    assert.ok(c.logs.some((l) => l.includes('Could not open a browser (no display)')));
    assert.equal((await c.me()).id, 'user-42');
  });

  test('OAuthBrowserResponseTimeout ends the wait with a timeout error', async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { openBrowser: () => undefined }));
    c.oauth.settings.config('OAuthBrowserResponseTimeout=1');
    const err = await rejection(c.oauth.authorize());
    scan.error(err);
    assert.equal(err.code, 145);
    assert.match(err.message, /OAuthBrowserResponseTimeout/);
    assert.equal(c.oauth.webServerActive, false);
  });

  test('an AbortSignal interrupts the wait for the browser', async () => {
    const e = await env();
    const controller = new AbortController();
    const c = scan.client(makeClient(e, { openBrowser: () => controller.abort() }));
    const err = await rejection(c.oauth.authorize(controller.signal));
    assert.equal(err.code, 301);
  });
});

describe('PKCE and authorization codes at the server', () => {
  test('a wrong PKCE verifier is rejected by the server', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const redirect = await redirectOf(c.oauth.oAuthWebAuthUrl);
    const right = c.oauth.settings.config('OAuthPKCEVerifier');
    scan.secret(right);
    const wrong = 'W'.repeat(43);
    c.oauth.settings.config(`OAuthPKCEVerifier=${wrong}`);
    c.oauth.handleWebRedirect(redirect);
    const err = await rejection(c.oauth.authorize());
    scan.error(err);
    assert.equal(err.code, 603);
    assert.equal(err.providerCode, 'invalid_grant');
    assert.equal(err.httpStatus, 400);
    assert.match(err.message, /code_verifier does not match/);
    assert.equal(c.oauth.oAuthAccessToken, '');
  });

  test('a code is single use; a replay is refused and revokes the tokens of the first exchange', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const redirect = await redirectOf(c.oauth.oAuthWebAuthUrl);
    const verifier = c.oauth.settings.config('OAuthPKCEVerifier');
    c.oauth.handleWebRedirect(redirect);
    await c.oauth.authorize();
    const access = c.oauth.oAuthAccessToken;
    assert.equal(e.oauth.verifyToken(access).ok, true);
    const replay = await rawToken(e, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: WEB_RETURN_URL,
      code_verifier: verifier,
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.match(replay.body.error_description, /already used/);
    assert.deepEqual(e.oauth.verifyToken(access), {
      ok: false,
      reason: 'invalid',
      description: 'The access token is not valid.',
    });
  });

  test('a code bound to another redirect URI is rejected', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const redirect = await redirectOf(c.oauth.oAuthWebAuthUrl);
    c.oauth.handleWebRedirect(redirect);
    // Another URI that is registered too: still not the one the code was issued for.
    c.oauth.oAuthReturnUrl = 'http://127.0.0.1:8123/callback';
    const err = await rejection(c.oauth.authorize());
    scan.error(err);
    assert.equal(err.providerCode, 'invalid_grant');
    assert.match(err.message, /redirect_uri does not match/);
  });

  test('an expired code is rejected', async () => {
    const e = await env({ autoApprove: true, codeLifetimeSeconds: 30 });
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const redirect = await redirectOf(c.oauth.oAuthWebAuthUrl);
    c.oauth.handleWebRedirect(redirect);
    e.clock.advance(31);
    const err = await rejection(c.oauth.authorize());
    assert.equal(err.providerCode, 'invalid_grant');
    assert.match(err.message, /expired/);
  });
});

describe('Web profile', () => {
  test('oAuthWebAuthUrl, the code handed in, authorize() exchanges it', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    c.oauth.oAuthAuthorizationScope = 'files.read files.write';
    const url = c.oauth.oAuthWebAuthUrl;
    assert.equal(c.oauth.oAuthWebAuthUrl, url, 'stable until a code is exchanged');
    const q = new URL(url).searchParams;
    assert.equal(q.get('redirect_uri'), WEB_RETURN_URL);
    assert.equal(q.get('scope'), 'files.read files.write');
    assert.equal(q.get('state'), c.oauth.webAuthState);
    assert.ok(q.get('code_challenge'));
    const redirect = await redirectOf(url);
    assert.equal(`${redirect.origin}${redirect.pathname}`, WEB_RETURN_URL);
    assert.equal(redirect.searchParams.get('state'), c.oauth.webAuthState);
    // The reference way: the app parses the code and sets the property; the state goes back with it.
    c.oauth.oAuthAuthorizationCode = redirect.searchParams.get('code')!;
    c.oauth.webRedirectState = redirect.searchParams.get('state')!;
    await c.oauth.authorize();
    assert.deepEqual(await c.me(), {
      id: 'user-42',
      clientId: CLIENT_ID,
      scopes: ['files.read', 'files.write'],
    });
    assert.equal(c.oauth.oAuthAuthorizationScope, 'files.read files.write');
    assert.equal(c.oauth.webServerActive, false, 'the Web profile never starts a server');
    assert.notEqual(c.oauth.oAuthWebAuthUrl, url, 'a fresh state and verifier after the exchange');
  });

  test('the PKCE verifier carries over to another instance through OAuthPKCEVerifier', async () => {
    const e = await env({ autoApprove: true });
    const front = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const redirect = await redirectOf(front.oauth.oAuthWebAuthUrl);
    const verifier = front.oauth.settings.config('OAuthPKCEVerifier');
    const back = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    back.oauth.settings.config(`OAuthPKCEVerifier=${verifier}`);
    back.oauth.webAuthState = front.oauth.webAuthState;
    back.oauth.oAuthAuthorizationCode = redirect.searchParams.get('code')!;
    back.oauth.webRedirectState = redirect.searchParams.get('state')!;
    await back.oauth.authorize();
    assert.equal((await back.me()).id, 'user-42');
  });

  test('handleWebRedirect checks the state and reports a denial', async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    void c.oauth.oAuthWebAuthUrl;
    const forged = `${WEB_RETURN_URL}?code=abcdefgh&state=forged-state-value`;
    const err = (() => {
      try {
        c.oauth.handleWebRedirect(forged);
      } catch (x) {
        return x as { code: number; providerCode: string };
      }
      throw new Error('expected a throw');
    })();
    assert.equal(err.providerCode, 'state_mismatch');
    assert.equal(c.oauth.oAuthAuthorizationCode, '');
    const denied = `${WEB_RETURN_URL}?error=access_denied&state=${c.oauth.webAuthState}`;
    assert.throws(() => c.oauth.handleWebRedirect(denied), /denied/);
  });

  test('a handed-in code is exchanged even with tokens cached; without one, an expired token is refreshed', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    assert.throws(() => c.oauth.settings.config('OAuthTransferredRequest=maybe'), /ON or OFF/);
    c.oauth.settings.config('OAuthTransferredRequest=on');
    c.oauth.handleWebRedirect(await redirectOf(c.oauth.oAuthWebAuthUrl));
    await c.oauth.authorize();
    const first = c.oauth.oAuthRefreshToken;
    c.oauth.handleWebRedirect(await redirectOf(c.oauth.oAuthWebAuthUrl));
    await c.oauth.authorize();
    assert.match(c.oauth.settings.config('OAuthTransferredRequest'), /grant_type=authorization_code/);
    assert.notEqual(c.oauth.oAuthRefreshToken, first, 'tokens of the new authorization');
    e.clock.advance(3600);
    await c.oauth.authorize();
    assert.match(c.oauth.settings.config('OAuthTransferredRequest'), /grant_type=refresh_token/);
    assert.equal(e.tokenRequests(), 3);
    scan.output(c.oauth.settings.config('OAuthTransferredRequest'));
  });

  test('fail closed: a code where no state was made, or without its state, or with another, is refused before any token request', async () => {
    const e = await env({ autoApprove: true });
    // A real code, as a login-CSRF attacker gets one for their own account.
    const attacker = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const stolen = await redirectOf(attacker.oauth.oAuthWebAuthUrl);
    const web = () => scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const refused = async (c: ReturnType<typeof web>, why: RegExp) => {
      const err = await rejection(c.oauth.authorize());
      scan.error(err);
      assert.equal(err.code, 603);
      assert.equal(err.providerCode, 'state_mismatch');
      assert.match(err.message, why);
      assert.equal(c.oauth.oAuthAccessToken, '');
      assert.equal(c.oauth.oAuthAuthorizationCode, '', 'the refused code is dropped');
    };

    // A fresh instance: it made no state, so it cannot check one.
    const fresh = web();
    assert.throws(() => fresh.oauth.handleWebRedirect(stolen), { code: 603, message: /made no state/ });
    assert.equal(fresh.oauth.oAuthAuthorizationCode, '');
    fresh.oauth.oAuthAuthorizationCode = stolen.searchParams.get('code')!;
    await refused(fresh, /made no state/);
    const fresh2 = web();
    fresh2.oauth.oAuthAuthorizationCode = stolen.searchParams.get('code')!;
    fresh2.oauth.webRedirectState = stolen.searchParams.get('state')!;
    await refused(fresh2, /made no state/);

    // An instance that made a state: the code must come back with it.
    const victim = web();
    void victim.oauth.oAuthWebAuthUrl;
    victim.oauth.oAuthAuthorizationCode = stolen.searchParams.get('code')!;
    await refused(victim, /without the state/);
    void victim.oauth.oAuthWebAuthUrl;
    victim.oauth.oAuthAuthorizationCode = stolen.searchParams.get('code')!;
    victim.oauth.webRedirectState = stolen.searchParams.get('state')!;
    await refused(victim, /wrong state/);

    assert.equal(e.tokenRequests(), 0, 'no token request was sent');
    // The stolen code was never spent: the attacker's own instance can still exchange it.
    attacker.oauth.handleWebRedirect(stolen);
    await attacker.oauth.authorize();
    assert.equal(e.tokenRequests(), 1);
  });

  test('the state carries over to the instance that handles the redirect through webAuthState', async () => {
    const e = await env({ autoApprove: true });
    const front = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const redirect = await redirectOf(front.oauth.oAuthWebAuthUrl);
    // What a stateless back-end keeps in the user's session.
    const session = {
      state: front.oauth.webAuthState,
      verifier: front.oauth.settings.config('OAuthPKCEVerifier'),
    };
    const back = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    back.oauth.webAuthState = session.state;
    back.oauth.settings.config(`OAuthPKCEVerifier=${session.verifier}`);
    back.oauth.handleWebRedirect(redirect);
    assert.equal(back.oauth.webRedirectState, session.state);
    await back.oauth.authorize();
    assert.equal((await back.me()).id, 'user-42');
    assert.equal(back.oauth.webRedirectState, '', 'cleared once the code is spent');
  });

  test('without a code, authorize() says what to do', async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { oAuthClientProfile: 1, oAuthReturnUrl: WEB_RETURN_URL }));
    const err = await rejection(c.oauth.authorize());
    assert.equal(err.code, 603);
    assert.match(err.message, /oAuthWebAuthUrl/);
  });
});

describe('other grants', () => {
  test('client credentials: a token without a user, and a new one (no refresh token) when it expires', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 600 });
    const c = scan.client(makeClient(e, { oAuthGrantType: 3 }));
    await c.oauth.authorize();
    assert.equal(c.oauth.oAuthRefreshToken, '');
    assert.equal((await c.me()).id, `client:${CLIENT_ID}`);
    assert.equal(e.tokenRequests(), 1);
    e.clock.advance(601);
    assert.equal((await c.me()).id, `client:${CLIENT_ID}`);
    assert.equal(e.tokenRequests(), 2);
  });

  test('client credentials with HTTP Basic client authentication', async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { oAuthGrantType: 3, service: { clientAuthentication: 'basic' } }));
    c.oauth.settings.config('OAuthTransferredRequest=on');
    await c.oauth.authorize();
    const sent = c.oauth.settings.config('OAuthTransferredRequest');
    scan.output(sent);
    assert.match(sent, /^POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/token HTTP\/1\.1/);
    assert.match(sent, /Authorization: \[REDACTED\]/);
    assert.doesNotMatch(sent, /client_secret/);
    assert.match(sent, /grant_type=client_credentials/);
  });

  test('OAuthParam* go with the request; the token response fields come back in them, and are not sent again', async () => {
    const seen: URLSearchParams[] = [];
    const e = await env({
      clientCredentialsSubject: (_client, params) => {
        seen.push(new URLSearchParams(params));
        return `${params.get('box_subject_type')}:${params.get('box_subject_id')}`;
      },
      tokenResponseExtras: () => ({ restricted_to: [], account_id: 'dbid:AAA' }),
    });
    const c = scan.client(makeClient(e, { oAuthGrantType: 3 }));
    const s = c.oauth.settings;
    s.config('OAuthParamCount=2');
    s.config('OAuthParamName[0]=box_subject_type');
    s.config('OAuthParamValue[0]=enterprise');
    s.config('OAuthParamName[1]=box_subject_id');
    s.config('OAuthParamValue[1]=12345');
    await c.oauth.authorize();
    assert.equal((await c.me()).id, 'enterprise:12345');
    assert.equal(s.config('OAuthParamCount'), '4');
    assert.equal(s.config('OAuthParamName[2]'), 'restricted_to');
    assert.equal(s.config('OAuthParamValue[2]'), '[]');
    assert.equal(s.config('OAuthParamName[3]'), 'account_id');
    assert.equal(s.config('OAuthParamValue[3]'), 'dbid:AAA');
    assert.throws(() => s.config('OAuthParamName[4]'), /out of range/);
    assert.throws(() => s.config('OAuthParamName=x'), /needs an index/);
    assert.throws(() => s.config('OAuthUsePKCE[0]=True'), /takes no index/);
    e.clock.advance(3600);
    await c.me();
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.get('box_subject_id'), '12345');
    assert.equal(seen[1]!.has('account_id'), false, 'response parameters are not sent back');
  });

  test('password grant with OAuthPasswordGrantUsername', async () => {
    const e = await env({
      passwordGrant: (user, password) =>
        user === 'ada' && password === 'correct horse battery' ? 'user-ada' : undefined,
    });
    scan.secret('correct horse battery');
    const c = scan.client(
      makeClient(e, { oAuthGrantType: 2, passwordGrantPassword: 'correct horse battery' }),
    );
    c.oauth.settings.config('OAuthPasswordGrantUsername=ada');
    await c.oauth.authorize();
    assert.equal((await c.me()).id, 'user-ada');
    const bad = scan.client(makeClient(e, { oAuthGrantType: 2, passwordGrantPassword: 'wrong password' }));
    bad.oauth.settings.config('OAuthPasswordGrantUsername=ada');
    const err = await rejection(bad.oauth.authorize());
    scan.error(err);
    assert.equal(err.providerCode, 'invalid_grant');
  });

  test('the implicit grant is refused as unsupported (601)', async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { oAuthGrantType: 1 }));
    const err = await rejection(c.oauth.authorize());
    assert.equal(err.code, 601);
    assert.match(err.message, /implicit/);
    assert.equal(e.server.requestLog.length, 0);
  });

  test('OAuthRequestRefreshToken adds what the service needs (here token_access_type=offline)', async () => {
    const e = await env({
      autoApprove: true,
      issueRefreshToken: (q) => q.get('token_access_type') === 'offline',
    });
    const service = { refreshTokenParams: () => ({ token_access_type: 'offline' }) };
    const offline = scan.client(makeClient(e, { service }));
    await offline.oauth.authorize();
    assert.ok(offline.oauth.oAuthRefreshToken);
    const online = scan.client(makeClient(e, { service, oAuthRequestRefreshToken: false }));
    await online.oauth.authorize();
    assert.equal(online.oauth.oAuthRefreshToken, '');
  });

  test('OAuthJWTPayload and OAuthJWTXPath read the claims of a JWT access token', async () => {
    const e = await env({ autoApprove: true, accessTokenFormat: 'jwt' });
    const c = scan.client(makeClient(e));
    assert.equal(c.oauth.settings.config('OAuthJWTPayload'), '');
    await c.oauth.authorize();
    const payload = JSON.parse(c.oauth.settings.config('OAuthJWTPayload'));
    assert.equal(payload.sub, 'user-42');
    assert.equal(payload.aud, CLIENT_ID);
    assert.equal(payload.exp - payload.iat, 3600);
    c.oauth.settings.config('OAuthJWTXPath=/json/sub');
    assert.equal(c.oauth.settings.config('OAuthJWTXText'), 'user-42');
  });
});

describe('when no user can be asked', () => {
  test('a request without any token fails with 603 and opens no browser', async () => {
    const e = await env({ autoApprove: true });
    let opened = 0;
    const c = scan.client(
      makeClient(e, {
        openBrowser: () => {
          opened++;
        },
      }),
    );
    const err = await rejection(c.me());
    scan.error(err);
    assert.equal(err.code, 603);
    assert.match(err.message, /authorize\(\)/);
    assert.equal(opened, 0);
    assert.equal(e.server.requestLog.length, 0);
  });

  test('an expired token without a refresh token fails with 603 instead of opening a browser', async () => {
    const e = await env();
    const issued = e.oauth.issueToken({ clientId: CLIENT_ID, lifetimeSeconds: 60, refreshToken: false });
    let opened = 0;
    const c = scan.client(
      makeClient(e, {
        openBrowser: () => {
          opened++;
        },
      }),
    );
    c.oauth.oAuthAccessToken = issued.accessToken;
    c.oauth.settings.config('OAuthAccessTokenExpiration=60');
    assert.equal((await c.me()).id, 'user-42');
    e.clock.advance(120);
    const err = await rejection(c.me());
    scan.error(err);
    assert.equal(err.code, 603);
    assert.match(err.message, /expired/);
    assert.equal(opened, 0);
  });

  test('with OAuthAutomaticRefresh=False, requests use the token as it is; only authorize() refreshes', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60 });
    const issued = e.oauth.issueToken({ clientId: CLIENT_ID, lifetimeSeconds: 60 });
    const c = scan.client(makeClient(e));
    c.oauth.settings.config('OAuthAutomaticRefresh=False');
    c.oauth.oAuthAccessToken = issued.accessToken;
    c.oauth.settings.config('OAuthAccessTokenExpiration=60');
    c.oauth.oAuthRefreshToken = issued.refreshToken!;
    e.clock.advance(120);
    // No refresh before the request, and none after the 401 either.
    const err = await rejection(c.me());
    scan.error(err);
    assert.equal(err.httpStatus, 401);
    assert.equal(e.tokenRequests(), 0);
    await c.oauth.authorize();
    assert.equal(e.tokenRequests(), 1);
    assert.equal((await c.me()).id, 'user-42');
    const statuses = e.server.requestLog.filter((r) => r.path === '/me').map((r) => r.status);
    assert.deepEqual(statuses, [401, 200]);
  });
});

describe('external authorization', () => {
  test('the authorization property wins over OAuth and is never refreshed', async () => {
    const e = await env();
    const issued = e.oauth.issueToken({ clientId: CLIENT_ID });
    scan.secret(issued.accessToken);
    const c = scan.client(makeClient(e, { oAuthGrantType: 3 }));
    c.oauth.authorization = `Bearer ${issued.accessToken}`;
    assert.equal(await c.oauth.authorize(), `Bearer ${issued.accessToken}`);
    assert.equal((await c.me()).id, 'user-42');
    e.server.faults.add({ path: '/me', expiredToken: true });
    const err = await rejection(c.me());
    scan.error(err);
    assert.equal(err.httpStatus, 401);
    assert.equal(e.tokenRequests(), 0);
  });
});

describe('the client object', () => {
  test('OAuthWebServerSSLEnabled serves the redirect over HTTPS with a PEM certificate', async () => {
    const pem = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        '-',
        '-out',
        '-',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const port = await freePort();
    const e = await env({ autoApprove: true });
    e.oauth.registerClient({
      clientId: 'tls-app',
      clientSecret: CLIENT_SECRET,
      redirectUris: [`https://localhost:${port}`],
    });
    const dispatcher = new Agent({ connect: { ca: pem } });
    let browser: Promise<string> | undefined;
    const c = scan.client(
      makeClient(e, {
        oAuthClientId: 'tls-app',
        openBrowser: (url) => {
          browser = fetch(url, { dispatcher } as unknown as RequestInit).then((r) => r.text());
        },
      }),
    );
    const s = c.oauth.settings;
    s.config('OAuthWebServerSSLEnabled=True');
    s.config('OAuthWebServerCertStoreType=7');
    s.config(`OAuthWebServerCertStore=${pem}`);
    s.config(`OAuthWebServerPort=${port}`);
    try {
      await c.oauth.authorize();
      assert.equal(c.oauth.oAuthReturnUrl, `https://localhost:${port}`);
      assert.match(await browser!, /Authorization complete/);
      assert.equal((await c.me()).clientId, 'tls-app');
    } finally {
      await dispatcher.close();
    }
    s.config('OAuthWebServerCertStoreType=0');
    c.oauth.oAuthAccessToken = '';
    c.oauth.oAuthRefreshToken = '';
    const err = await rejection(c.oauth.authorize());
    assert.equal(err.code, 601);
  });

  test('reset() clears the OAuth state when OAuthResetData is on, and nothing when it is off', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e));
    await c.oauth.authorize();
    c.oauth.settings.config('OAuthResetData=False');
    await c.oauth.reset();
    assert.ok(c.oauth.oAuthAccessToken);
    c.oauth.settings.config('OAuthResetData=True');
    c.oauth.settings.config('OAuthParamCount=1');
    await c.oauth.reset();
    assert.equal(c.oauth.oAuthAccessToken, '');
    assert.equal(c.oauth.oAuthClientId, '');
    assert.equal(c.oauth.oAuthServerTokenUrl, '');
    assert.equal(c.oauth.settings.config('OAuthParamCount'), '0');
    assert.equal(c.oauth.settings.config('OAuthResetData'), 'True');
  });

  test('exposeOAuthProperties puts the o_auth properties on a provider object', async () => {
    const e = await env({ autoApprove: true });
    const c = scan.client(makeClient(e));
    const provider = {} as OAuthProperties;
    exposeOAuthProperties(provider, c.oauth);
    provider.oAuthGrantType = 3;
    assert.equal(c.oauth.oAuthGrantType, 3);
    assert.equal(provider.oAuthClientId, CLIENT_ID);
    await c.oauth.authorize();
    assert.equal(provider.oAuthAccessToken, c.oauth.oAuthAccessToken);
    assert.throws(() => {
      (provider as { oAuthWebAuthUrl: string }).oAuthWebAuthUrl = 'x';
    }, TypeError);
    assert.throws(() => {
      provider.oAuthGrantType = 7 as 0;
    }, /oAuthGrantType/);
  });
});

test('no secret appears in any log line, error, recorded request or page', () => {
  assert.ok(scan.secrets.size > 20, `secrets collected: ${scan.secrets.size}`);
  assert.ok(scan.outputs.length > 10, `outputs collected: ${scan.outputs.length}`);
  // The scan itself can fail: a text holding a secret is reported.
  const sample = [...scan.secrets].find((s) => s !== CLIENT_SECRET)!;
  assert.equal(scan.leaks([`oops ${sample}`]).length, 1);
  assert.deepEqual(scan.leaks(), []);
});
