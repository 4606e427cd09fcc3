import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileTokenStore, MemoryTokenStore, storeTokensCallback } from '../../../src/core/auth/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  makeClient,
  type OAuthEnv,
  rejection,
  SecretScan,
  startOAuthEnv,
  TOKEN_PATH,
} from './helpers.js';

const scan = new SecretScan();
const envs: OAuthEnv[] = [];
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudstorage-oauth-refresh-'));
});

after(async () => {
  for (const e of envs) await e.stop();
  await rm(dir, { recursive: true, force: true });
});

async function env(options: Parameters<typeof startOAuthEnv>[0] = {}): Promise<OAuthEnv> {
  const e = await startOAuthEnv({ autoApprove: true, ...options });
  scan.track(e);
  envs.push(e);
  return e;
}

async function refreshDirectly(
  e: OAuthEnv,
  refreshToken: string,
): Promise<{ status: number; error?: string }> {
  const res = await fetch(e.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    }),
  });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, ...(body.error ? { error: body.error } : {}) };
}

function meStatuses(e: OAuthEnv): number[] {
  return e.server.requestLog.filter((r) => r.path === '/me').map((r) => r.status);
}

describe('refresh on expiry', () => {
  test('with rotation (Box): the next request refreshes first; the new refresh token replaces the old, which is dead, and is stored at once', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60, rotateRefreshTokens: true });
    const path = join(dir, 'rotation', 'tokens.json');
    const store = new FileTokenStore(path);
    const c = scan.client(makeClient(e, { store }));
    await c.oauth.authorize();
    const a1 = c.oauth.oAuthAccessToken;
    const r1 = c.oauth.oAuthRefreshToken;
    assert.equal((await store.get())?.refreshToken, r1);
    assert.equal((await c.me()).id, 'user-42');
    assert.equal(e.tokenRequests(), 1);

    e.clock.advance(61);
    assert.equal((await c.me()).id, 'user-42');
    assert.equal(e.tokenRequests(), 2, 'one refresh');
    assert.deepEqual(meStatuses(e), [200, 200], 'refreshed before the request, not after a 401');
    const a2 = c.oauth.oAuthAccessToken;
    const r2 = c.oauth.oAuthRefreshToken;
    assert.notEqual(a2, a1);
    assert.notEqual(r2, r1);
    const stored = await store.get();
    assert.equal(stored?.refreshToken, r2);
    assert.equal(stored?.accessToken, a2);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).refreshToken, r2);
    assert.deepEqual(await refreshDirectly(e, r1), { status: 400, error: 'invalid_grant' });
    assert.equal(e.oauth.verifyToken(a2).ok, true);
  });

  test('a little before expiry: within a tenth of the lifetime (at most a minute)', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 100 });
    const c = scan.client(makeClient(e));
    await c.oauth.authorize();
    e.clock.advance(85);
    await c.me();
    assert.equal(e.tokenRequests(), 1, '15 s left: no refresh yet');
    e.clock.advance(6);
    await c.me();
    assert.equal(e.tokenRequests(), 2, '9 s left: refreshed');
  });

  test('without rotation (Dropbox, Google): the refresh token is kept and keeps working', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60 });
    const store = new MemoryTokenStore();
    const c = scan.client(makeClient(e, { store }));
    await c.oauth.authorize();
    const r1 = c.oauth.oAuthRefreshToken;
    e.clock.advance(61);
    await c.me();
    assert.equal(e.tokenRequests(), 2);
    assert.equal(c.oauth.oAuthRefreshToken, r1);
    assert.equal((await store.get())?.refreshToken, r1);
    assert.equal((await refreshDirectly(e, r1)).status, 200);
  });

  test('concurrent requests share one refresh', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60, rotateRefreshTokens: true });
    const c = scan.client(makeClient(e));
    await c.oauth.authorize();
    e.clock.advance(61);
    const results = await Promise.all(Array.from({ length: 5 }, () => c.me()));
    assert.deepEqual(
      results.map((r) => r.id),
      Array(5).fill('user-42'),
    );
    assert.equal(e.tokenRequests(), 2);
  });

  test('two clients sharing a token file (two processes) refresh once, under the file lock', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60, rotateRefreshTokens: true });
    const path = join(dir, 'shared', 'tokens.json');
    const first = scan.client(makeClient(e, { store: new FileTokenStore(path) }));
    await first.oauth.authorize();
    let opened = 0;
    const openBrowser = () => {
      opened++;
    };
    // Separate store instances on one file, as two processes would have.
    const a = scan.client(makeClient(e, { store: new FileTokenStore(path), openBrowser }));
    const b = scan.client(makeClient(e, { store: new FileTokenStore(path), openBrowser }));
    assert.equal((await a.me()).id, 'user-42', 'tokens loaded from the file, no browser');
    assert.equal((await b.me()).id, 'user-42');
    assert.equal(e.tokenRequests(), 1);
    e.clock.advance(61);
    // With rotation, a second refresh with the same refresh token would fail: the lock prevents it.
    const [ra, rb] = await Promise.all([a.me(), b.me()]);
    assert.equal(ra.id, 'user-42');
    assert.equal(rb.id, 'user-42');
    assert.equal(e.tokenRequests(), 2, 'one refresh for both');
    assert.equal(a.oauth.oAuthRefreshToken, b.oauth.oAuthRefreshToken);
    assert.equal(opened, 0);
  });

  test('the store_tokens callback sees every change, rotated refresh tokens included', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60, rotateRefreshTokens: true });
    const calls: Array<[string, string | undefined]> = [];
    const store = storeTokensCallback((access, refresh) => {
      calls.push([access, refresh]);
    });
    const c = scan.client(makeClient(e, { store }));
    await c.oauth.authorize();
    e.clock.advance(61);
    await c.me();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1], [c.oauth.oAuthAccessToken, c.oauth.oAuthRefreshToken]);
    assert.notEqual(calls[0]![1], calls[1]![1]);
  });

  test('tokens saved by an earlier run are loaded from the callback store', async () => {
    const e = await env();
    const issued = e.oauth.issueToken({ clientId: CLIENT_ID });
    const store = storeTokensCallback(
      () => undefined,
      () => ({ accessToken: issued.accessToken, refreshToken: issued.refreshToken! }),
    );
    let opened = 0;
    const c = scan.client(
      makeClient(e, {
        store,
        openBrowser: () => {
          opened++;
        },
      }),
    );
    assert.equal((await c.me()).id, 'user-42');
    assert.equal(opened, 0);
    assert.equal(c.oauth.oAuthRefreshToken, issued.refreshToken);
  });
});

describe('one retry after a 401', () => {
  test('an expired-token 401 (fault injection) refreshes once and the request goes again', async () => {
    const e = await env();
    const c = scan.client(makeClient(e));
    await c.oauth.authorize();
    const before = c.oauth.oAuthAccessToken;
    e.server.faults.add({ path: '/me', expiredToken: true });
    assert.equal((await c.me()).id, 'user-42');
    assert.deepEqual(meStatuses(e), [401, 200]);
    assert.equal(e.tokenRequests(), 2);
    assert.notEqual(c.oauth.oAuthAccessToken, before);
  });

  test('only one retry: a second 401 is the error', async () => {
    const e = await env();
    const c = scan.client(makeClient(e));
    await c.oauth.authorize();
    e.server.faults.add({ path: '/me', expiredToken: true, times: 2 });
    const err = await rejection(c.me());
    scan.error(err);
    assert.equal(err.httpStatus, 401);
    assert.deepEqual(meStatuses(e), [401, 401]);
    assert.equal(e.tokenRequests(), 2);
  });

  test('a second 401 after adopting a token another client stored earns one more renewal', async () => {
    const e = await env();
    const store = new MemoryTokenStore();
    const c = scan.client(makeClient(e, { store }));
    await c.oauth.authorize();
    const mine = (await store.get())!;
    // Another client stored a token that the server has since revoked; ours is refused as expired.
    await store.set({ ...mine, accessToken: 'revoked-elsewhere' });
    e.server.faults.add({ path: '/me', expiredToken: true });
    assert.equal((await c.me()).id, 'user-42');
    assert.deepEqual(meStatuses(e), [401, 401, 200]);
    assert.equal(e.tokenRequests(), 2, 'one refresh, after the adopted token was refused too');
  });

  test("a 401 the provider's predicate does not call expired is not retried", async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { service: { isExpiredTokenResponse: () => false } }));
    await c.oauth.authorize();
    e.server.faults.add({ path: '/me', expiredToken: true });
    const err = await rejection(c.me());
    assert.equal(err.httpStatus, 401);
    assert.deepEqual(meStatuses(e), [401]);
    assert.equal(e.tokenRequests(), 1);
  });

  test('the default predicate: invalid_token in WWW-Authenticate, or "expired" in the body', async () => {
    const e = await env();
    const c = scan.client(makeClient(e, { oAuthGrantType: 3 }));
    await c.oauth.authorize();
    const ask = (headers: Record<string, string>, bodyText: string) =>
      c.oauth.handleUnauthorized({ status: 401, headers, bodyText });
    assert.equal(await ask({ 'www-authenticate': 'Bearer realm="x", error="invalid_token"' }, ''), true);
    assert.equal(await ask({}, '{"error":"expired_access_token"}'), true);
    assert.equal(
      await ask({ 'www-authenticate': 'Bearer realm="x"' }, '{"error":"insufficient_scope"}'),
      false,
    );
    assert.equal(await c.oauth.handleUnauthorized({ status: 403, headers: {}, bodyText: 'expired' }), false);
    assert.equal(e.tokenRequests(), 3);
  });

  test('a revoked refresh token: 603 outside authorize(); authorize() signs in again', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60 });
    let opened = 0;
    const c = scan.client(
      makeClient(e, {
        openBrowser: async (url) => {
          opened++;
          await (await fetch(url)).text();
        },
      }),
    );
    await c.oauth.authorize();
    assert.equal(opened, 1);
    const revoke = await fetch(`${e.baseUrl}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: c.oauth.oAuthRefreshToken,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      }),
    });
    assert.equal(revoke.status, 200);
    e.clock.advance(61);
    const err = await rejection(c.me());
    scan.error(err);
    assert.equal(err.code, 603);
    assert.equal(err.providerCode, 'invalid_grant');
    assert.match(err.message, /authorize\(\)/);
    assert.equal(opened, 1, 'no browser outside authorize()');
    await c.oauth.authorize();
    assert.equal(opened, 2);
    assert.equal((await c.me()).id, 'user-42');
  });
});

test('no secret appears in any log line or error', () => {
  assert.ok(scan.secrets.size > 10);
  const sample = [...scan.secrets].find((s) => s !== CLIENT_SECRET)!;
  assert.equal(scan.leaks([`leak: ${sample}`]).length, 1);
  assert.deepEqual(scan.leaks(), []);
});

describe('refresh through network faults', () => {
  const fast = (c: ReturnType<typeof makeClient>) => {
    c.http.settings.set('RetryBaseDelayMs', 1);
    c.http.settings.set('RetryMaxDelayMs', 5);
    return c;
  };

  test('a refresh met by a 503, a reset before the server ran it, or a lost answer (no rotation) is retried', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60 });
    const c = scan.client(fast(makeClient(e)));
    await c.oauth.authorize();
    for (const fault of [{ status: 503 }, { resetRequestAfterBytes: 0 }, { drop: 'after' as const }]) {
      e.clock.advance(61);
      e.server.faults.add({ path: TOKEN_PATH, ...fault });
      assert.equal((await c.me()).id, 'user-42', JSON.stringify(fault));
      assert.equal(e.server.faults.pending, 0);
    }
  });

  test('with rotation, a lost refresh answer (the token rotated in it) is error 603 that says to sign in again', async () => {
    const e = await env({ accessTokenLifetimeSeconds: 60, rotateRefreshTokens: true });
    const c = scan.client(fast(makeClient(e)));
    await c.oauth.authorize();
    e.clock.advance(61);
    e.server.faults.add({ path: TOKEN_PATH, drop: 'after' });
    const error = await rejection(c.me());
    assert.equal(error.code, 603);
    assert.equal(error.providerCode, 'invalid_grant');
    assert.match(error.message, /answer to a token refresh was lost.*sign in again \(authorize\(\)\)/);
    assert.equal(e.tokenRequests(), 3, 'the first sign-in, the lost refresh, the refused repeat');
  });
});
