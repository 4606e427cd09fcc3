import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CallOptions,
  CloudClient,
  type CloudClientOptions,
  coreSettings,
} from '../../src/core/client.js';
import { bool } from '../../src/core/config.js';
import { CloudStorageError, ErrorCode } from '../../src/core/errors.js';
import type { CoreEvents, LogEvent } from '../../src/core/events.js';
import { EmulatorServer, HttpError, sendJson } from '../../src/emulator/core/index.js';
import { OAuthAuthorizationServer } from '../../src/emulator/core/oauth/index.js';

/** A minimal provider: one authenticated call, to exercise the base class over real sockets. */
const probeSettings = { ...coreSettings, Verbose: bool(false, 'A provider setting of the probe.') };
class Probe extends CloudClient<CoreEvents, typeof probeSettings> {
  constructor(
    readonly base: string,
    options: CloudClientOptions<typeof probeSettings> = {},
  ) {
    super(probeSettings, options, { oauthService: {} });
  }
  whoAmI(options?: CallOptions) {
    return this.run(options, async (signal) => {
      const r = await this.http.request({ method: 'GET', url: `${this.base}/me`, signal });
      const text = await r.text();
      this.rememberJson(text);
      return JSON.parse(text) as { subject: string; items: string[] };
    });
  }
  /** Three pages of two items each, one request per page. */
  iterateItems(options?: CallOptions) {
    const base = this.base;
    const http = this.http;
    return this.iterate(options, async function* (signal) {
      for (let page = 1; page <= 3; page++) {
        const r = await http.request({ method: 'GET', url: `${base}/page/${page}`, signal });
        yield* (await r.json<{ items: string[] }>()).items;
      }
    });
  }
  encryptionInUse() {
    return this.encryption();
  }
}

describe('CloudClient (the base of the four classes)', () => {
  const server = new EmulatorServer();
  const oauth = new OAuthAuthorizationServer({
    authorizePath: '/authorize',
    tokenPath: '/token',
    clients: [{ clientId: 'probe', clientSecret: 'probe-secret-123', redirectUris: ['http://127.0.0.1'] }],
  });
  let base = '';

  before(async () => {
    oauth.install(server);
    server.host('api').router.get('/me', (req, res) => {
      const check = oauth.verifyAccessToken(req);
      if (!check.ok)
        throw new HttpError(
          401,
          check.description,
          {},
          { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
      sendJson(res, 200, { subject: check.subject, items: ['a', 'b', 'c'] });
    });
    server
      .host('api')
      .router.get('/page/:n', (req, res) =>
        sendJson(res, 200, { items: [`${req.params.n}a`, `${req.params.n}b`] }),
      );
    await server.start();
    base = server.url('api');
  });
  after(() => server.stop());

  it('sorts constructor options into settings and properties, and rejects unknown ones', () => {
    const p = new Probe(base, {
      maxRetries: 2,
      verbose: true,
      timeout: 5,
      localFile: '/tmp/x',
      oAuthClientId: 'probe',
    });
    assert.equal(p.config('MaxRetries'), '2');
    assert.equal(p.config('Verbose'), 'True');
    assert.equal(p.timeout, 5);
    assert.equal(p.localFile, '/tmp/x');
    assert.equal(p.oAuthClientId, 'probe');
    assert.throws(() => new Probe(base, { nonsense: 1 } as never), /Unknown option "nonsense"/);
    assert.throws(
      () => p.config('LogLevel=9'),
      (e: CloudStorageError) => e.code === ErrorCode.InvalidArgument,
    );
  });

  it('authorizes with client credentials, calls the API, and navigates the response with XPath', async () => {
    const p = new Probe(base, {
      oAuthClientId: 'probe',
      oAuthClientSecret: 'probe-secret-123',
      oAuthServerTokenUrl: `${base}/token`,
      oAuthGrantType: 3,
    });
    const header = await p.authorize();
    assert.match(header, /^Bearer /);
    const me = await p.whoAmI();
    assert.equal(me.subject, 'client:probe');
    p.config('XPath=/json/items/[last()]');
    assert.equal(p.config('XText'), 'c');
    assert.equal(p.config('StatusCode'), '200');
    assert.ok(p.parsedHeaders.some((h) => h.field.toLowerCase() === 'content-type'));
    assert.equal(p.idle, true);
    await p.close();
  });

  it('an external authorization string overrides OAuth', async () => {
    const { accessToken } = oauth.issueToken({ clientId: 'probe', userId: 'u-9' });
    const p = new Probe(base, { authorization: `Bearer ${accessToken}` });
    assert.equal((await p.whoAmI()).subject, 'u-9');
    await p.close();
  });

  it('interrupt() and a per-call signal stop a call with error 301', async () => {
    const { accessToken } = oauth.issueToken({ clientId: 'probe' });
    const p = new Probe(base, { authorization: `Bearer ${accessToken}`, maxRetries: 0 });
    server.faults.add({ path: '/me', delayMs: 2000 });
    const call = p.whoAmI();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.idle, false);
    p.interrupt();
    await assert.rejects(call, (e: CloudStorageError) => e.code === ErrorCode.Interrupted);

    server.faults.add({ path: '/me', delayMs: 2000 });
    const controller = new AbortController();
    const second = p.whoAmI({ signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(second, (e: CloudStorageError) => e.code === ErrorCode.Interrupted);
    // The instance still works after an interrupt.
    assert.equal((await p.whoAmI()).items.length, 3);
    await p.close();
  });

  it('iterators: busy only while fetching a page, stopped between pages by interrupt() or a signal', async () => {
    const { accessToken } = oauth.issueToken({ clientId: 'probe' });
    const p = new Probe(base, { authorization: `Bearer ${accessToken}` });
    const all: string[] = [];
    for await (const item of p.iterateItems()) {
      assert.equal(p.idle, true, 'not busy while the caller holds an item');
      all.push(item);
    }
    assert.deepEqual(all, ['1a', '1b', '2a', '2b', '3a', '3b']);

    // Abandoned after the first item: the instance is not left busy, and no further page is asked for.
    const before = server.requestLog.filter((e) => e.path.startsWith('/page/')).length;
    for await (const _ of p.iterateItems()) break;
    assert.equal(p.idle, true);
    assert.equal(server.requestLog.filter((e) => e.path.startsWith('/page/')).length, before + 1);

    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of p.iterateItems()) {
          seen.push(item);
          if (item === '1b') p.interrupt();
        }
      })(),
      (e: CloudStorageError) => e.code === ErrorCode.Interrupted,
    );
    assert.deepEqual(seen, ['1a', '1b']);

    const controller = new AbortController();
    const seen2: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of p.iterateItems({ signal: controller.signal })) {
          seen2.push(item);
          controller.abort();
        }
      })(),
      (e: CloudStorageError) => e.code === ErrorCode.Interrupted,
    );
    assert.deepEqual(seen2, ['1a'], 'stops at once, even inside a page');
    await p.close();
  });

  it('keeps every secret out of logs and errors', async () => {
    const lines: LogEvent[] = [];
    const p = new Probe(base, {
      oAuthClientId: 'probe',
      oAuthClientSecret: 'probe-secret-123',
      oAuthServerTokenUrl: `${base}/token`,
      oAuthGrantType: 3,
      logLevel: 3,
      encryptionPassword: 'hunter2-password',
    });
    p.on('log', (e) => lines.push(e));
    await p.whoAmI();
    const token = p.oAuthAccessToken;
    server.faults.add({
      path: '/me',
      status: 500,
      body: { echo: `token ${token} secret probe-secret-123 hunter2-password` },
      times: 10,
    });
    const error = await p.whoAmI({}).catch((e: unknown) => e as CloudStorageError);
    assert.ok(error instanceof CloudStorageError);
    const everything = [...lines.map((l) => l.message), error.message, error.stack ?? ''].join('\n');
    assert.ok(lines.length > 3);
    for (const secret of [token, 'probe-secret-123', 'hunter2-password'])
      assert.ok(!everything.includes(secret), `${secret} leaked`);
    server.faults.clear();
    await p.close();
  });

  it('validates encryption settings before any request', () => {
    const p = new Probe(base, { encryptionPassword: 'pw', encryptionAlgorithm: 99 });
    assert.throws(
      () => p.encryptionInUse(),
      (e: CloudStorageError) => e.code === ErrorCode.InvalidArgument,
    );
    p.encryptionAlgorithm = 0;
    assert.throws(() => p.config('EncryptionKey=zz'), /hexadecimal/);
    p.config('EncryptionKey=00ff');
    assert.throws(
      () => p.encryptionInUse(),
      (e: CloudStorageError) => e.code === ErrorCode.InvalidArgument,
    );
    p.config(`EncryptionKey=${'ab'.repeat(32)}`);
    p.config(`EncryptionIV=${'cd'.repeat(16)}`);
    assert.equal(p.encryptionInUse().keyHex, 'ab'.repeat(32));
  });
});
