import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { OAuthAuthorizationServer } from '../../../src/emulator/core/oauth/index.js';

const CLIENT = { clientId: 'app', clientSecret: 'app-secret-1', redirectUris: ['http://127.0.0.1/cb'] };

describe('OAuthAuthorizationServer options', () => {
  const server = new EmulatorServer();
  const oauth = new OAuthAuthorizationServer({
    authorizePath: '/authorize',
    tokenPath: '/token',
    tokenPathAliases: ['/api/token'],
    redirectUriRequiredAtExchange: false,
    autoApprove: true,
    clients: [CLIENT],
  });
  let base = '';
  before(async () => {
    oauth.install(server);
    await server.start();
    base = server.url('api');
  });
  after(() => server.stop());

  async function code(): Promise<string> {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: 'app',
      redirect_uri: 'http://127.0.0.1:9/cb',
    });
    const r = await fetch(`${base}/authorize?${q}`, { redirect: 'manual' });
    return new URL(r.headers.get('location')!).searchParams.get('code')!;
  }
  async function exchange(path: string, extra: Record<string, string>) {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'app',
      client_secret: 'app-secret-1',
      ...extra,
    });
    const r = await fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    return { status: r.status, body: (await r.json()) as { access_token?: string; error?: string } };
  }

  it('lets the exchange leave redirect_uri out, but still rejects a wrong one', async () => {
    const ok = await exchange('/token', { code: await code() });
    assert.equal(ok.status, 200);
    assert.ok(ok.body.access_token);
    const wrong = await exchange('/token', { code: await code(), redirect_uri: 'http://127.0.0.1:10/other' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
  });

  it('serves the token endpoint on its aliases', async () => {
    const ok = await exchange('/api/token', { code: await code() });
    assert.equal(ok.status, 200);
  });
});
