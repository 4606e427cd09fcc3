import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import type { AuthProvider } from '../../../src/core/http/types.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

const TOKEN = 'tok_SECRET_a1b2c3d4e5f6';
const CLIENT_SECRET = 'cs_SECRET_9f8e7d6c5b4a';
const PROXY_USER = 'proxyuser';
const PROXY_PASSWORD = 'pp_SECRET_Zx9Yw8';

/** Every form in which a secret could leak. */
const FORBIDDEN = [
  TOKEN,
  CLIENT_SECRET,
  PROXY_PASSWORD,
  Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'),
  encodeURIComponent(CLIENT_SECRET),
];

describe('secrets never appear in logs, errors or recorded exchanges', () => {
  let api: TestServer;
  let proxy: TestServer;

  before(async () => {
    // An API that echoes whatever it was sent into its (error) responses.
    api = await startServer((req, res, body) => {
      const echo = JSON.stringify({
        authorization: req.headers.authorization ?? null,
        body: body.toString(),
      });
      if (req.url?.startsWith('/fail')) {
        res.writeHead(400, {
          'content-type': 'application/json',
          'x-echo-auth': req.headers.authorization ?? '',
        });
        res.end(`{"error":"invalid_grant","detail":${echo},"access_token":"${TOKEN}"}`);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-echo-auth': req.headers.authorization ?? '',
      });
      res.end(`{"access_token":"${TOKEN}","echo":${echo}}`);
    });
    // A "proxy" that answers forwarded requests itself, echoing the decoded proxy credentials.
    proxy = await startServer((req, res) => {
      const basic = (req.headers['proxy-authorization'] ?? '').replace(/^Basic /, '');
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(
        `proxy says: upstream failed for ${req.url}; you are ${Buffer.from(basic, 'base64').toString()}`,
      );
    });
  });
  after(async () => {
    await api.close();
    await proxy.close();
  });

  it('at LogLevel 3, through successes and failures', async () => {
    const auth: AuthProvider = {
      authorizationHeader: async () => `Bearer ${TOKEN}`,
      handleUnauthorized: async () => false,
    };
    const { client, logs, settings, connection } = makeClient({
      auth,
      settings: ['LogLevel=3', 'MaxRetries=0'],
    });
    // What the auth code does as secrets become known.
    client.redactor.add(CLIENT_SECRET);
    settings.config('TransferredRequest=ON');
    const errors: Array<{ description: string }> = [];
    client.events.on('error', (e) => errors.push(e));
    const thrown: unknown[] = [];
    const recorded: string[] = [];
    const record = () => {
      for (const name of [
        'RawRequest',
        'RawResponse',
        'SentHeaders',
        'TransferredHeaders',
        'TransferredData',
      ]) {
        recorded.push(settings.config(name));
      }
    };

    // A token request with the client secret in a form body, and a response carrying the access token.
    const ok = await client.request({
      method: 'POST',
      url: `${api.url}/token`,
      form: { grant_type: 'client_credentials', client_id: 'app', client_secret: CLIENT_SECRET },
      authenticate: false,
    });
    assert.match(await ok.text(), /access_token/);
    record();

    // An authenticated request whose error body echoes the token and the secret.
    await client
      .request({
        method: 'POST',
        url: `${api.url}/fail?access_token=${TOKEN}`,
        json: { client_secret: CLIENT_SECRET },
      })
      .catch((e) => thrown.push(e));
    record();

    // A streamed download's error.
    await client
      .request({ method: 'GET', url: `${api.url}/fail`, stream: true })
      .catch((e) => thrown.push(e));

    // Through a proxy with a password, which echoes the credentials back.
    Object.assign(connection, {
      proxyServer: '127.0.0.1',
      proxyPort: proxy.port,
      proxyUser: PROXY_USER,
      proxyPassword: PROXY_PASSWORD,
    });
    await client
      .request({ method: 'GET', url: `${api.url}/via-proxy?token=${TOKEN}` })
      .catch((e) => thrown.push(e));
    record();

    assert.equal(thrown.length, 3);
    assert.ok(thrown.every((e) => e instanceof CloudStorageError));
    // The error bodies really did carry the secrets (so the masking below is what hid them).
    assert.match((thrown[0] as Error).message, /REDACTED/);
    assert.match((thrown[2] as Error).message, /you are proxyuser:\[REDACTED\]/);
    assert.ok(logs.some((l) => l.logType === 'RequestHeaders'));
    assert.ok(logs.some((l) => l.logType === 'RequestBody' && l.message.includes('client_secret=')));
    assert.ok(logs.some((l) => l.logType === 'ResponseBody' && l.message.includes('access_token')));
    assert.ok(logs.some((l) => l.message.includes('Proxy-Authorization')));

    const texts = [
      ...logs.map((l) => l.message),
      ...thrown.flatMap((e) => [String(e), (e as Error).message, (e as Error).stack ?? '']),
      ...errors.map((e) => e.description),
      ...recorded,
    ];
    for (const text of texts) {
      for (const secret of FORBIDDEN) assert.ok(!text.includes(secret), `secret leaked in: ${text}`);
    }
  });
});
