import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import type { AuthProvider } from '../../../src/core/http/types.js';
import { buildUrl } from '../../../src/core/http/url.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

describe('HttpClient basics', () => {
  let server: TestServer;
  let validToken = 'token-v1-aaaa';

  before(async () => {
    server = await startServer((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/protected') {
        if (req.headers.authorization !== `Bearer ${validToken}`) {
          res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
          res.end('{"error":"invalid_token"}');
          return;
        }
      }
      if (url.pathname === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json', 'box-request-id': 'box-77' });
        res.end('{"code":"not_found","message":"Item not found"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          contentType: req.headers['content-type'] ?? null,
          contentLength: req.headers['content-length'] ?? null,
          body: body.toString(),
        }),
      );
    });
  });
  after(() => server.close());

  type Echo = {
    method: string;
    url: string;
    contentType: string | null;
    contentLength: string | null;
    body: string;
  };

  it('builds URLs with ordered, RFC 3986-encoded query parameters', async () => {
    assert.equal(
      buildUrl('https://api.example.com/2.0/search?limit=5', [
        ['query', 'a b&c'],
        ['fields', "name,size!'()*"],
      ]).href,
      'https://api.example.com/2.0/search?limit=5&query=a%20b%26c&fields=name%2Csize%21%27%28%29%2A',
    );
    assert.equal(buildUrl('https://h/x', { a: 1, b: true, c: undefined }).search, '?a=1&b=true');
    assert.throws(
      () => buildUrl('ftp://h/x'),
      (e: unknown) => e instanceof CloudStorageError && e.code === 1000,
    );
    const { client } = makeClient();
    const res = await client.request({
      method: 'GET',
      url: `${server.url}/q`,
      query: [
        ['z', '1'],
        ['a', 'é'],
      ],
    });
    assert.equal((await res.json<Echo>()).url, '/q?z=1&a=%C3%A9');
  });

  it('sends json, form, string, bytes, Readable, web ReadableStream and factory bodies', async () => {
    const { client } = makeClient();
    const send = async (extra: Record<string, unknown>) =>
      (await client.request({ method: 'POST', url: `${server.url}/echo`, ...extra })).json<Echo>();

    const json = await send({ json: { name: 'x', n: 1 } });
    assert.deepEqual([json.contentType, json.body], ['application/json', '{"name":"x","n":1}']);
    const form = await send({ form: { grant_type: 'refresh_token', scope: 'a b', skip: undefined } });
    assert.deepEqual(
      [form.contentType, form.body],
      ['application/x-www-form-urlencoded', 'grant_type=refresh_token&scope=a+b'],
    );
    assert.equal((await send({ body: 'héllo' })).body, 'héllo');
    assert.equal((await send({ body: new Uint8Array([104, 105]) })).contentLength, '2');
    const readable = await send({
      body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]),
      bodyLength: 4,
    });
    assert.deepEqual([readable.body, readable.contentLength], ['abcd', '4']);
    const web = await send({
      body: new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('web-'));
          c.enqueue(new TextEncoder().encode('stream'));
          c.close();
        },
      }),
    });
    assert.equal(web.body, 'web-stream');
    const factory = await send({ body: async () => Readable.from([Buffer.from('lazy')]) });
    assert.equal(factory.body, 'lazy');
    await assert.rejects(
      send({ json: {}, body: 'x' }),
      (e: unknown) => e instanceof CloudStorageError && e.code === 1000,
    );
  });

  it('appends OtherHeaders (connection property and setting) to every request', async () => {
    const { client, connection, settings } = makeClient();
    connection.otherHeaders = 'X-One: 1\r\nX-Two: two words';
    settings.config('OtherHeaders=X-Three: 3');
    await client.request({ method: 'GET', url: `${server.url}/h` });
    const h = server.seen.at(-1)!.headers;
    assert.deepEqual([h['x-one'], h['x-two'], h['x-three']], ['1', 'two words', '3']);
    connection.otherHeaders = 'not a header line';
    await assert.rejects(
      client.request({ method: 'GET', url: `${server.url}/h` }),
      (e: unknown) => e instanceof CloudStorageError && e.code === 1000 && /OtherHeaders/.test(e.message),
    );
  });

  it('adds the AuthProvider header; on 401 refreshes once and sends again', async () => {
    let current = 'token-old-bbbb';
    let refreshes = 0;
    const auth: AuthProvider = {
      authorizationHeader: async () => `Bearer ${current}`,
      handleUnauthorized: async (response) => {
        refreshes++;
        assert.equal(response.status, 401);
        assert.equal(response.bodyText, '{"error":"invalid_token"}');
        current = validToken;
        return true;
      },
    };
    const { client } = makeClient({ auth });
    const before = server.seen.length;
    const res = await client.request({ method: 'GET', url: `${server.url}/protected` });
    assert.equal(res.status, 200);
    assert.equal(refreshes, 1);
    assert.deepEqual(
      server.seen.slice(before).map((s) => s.headers.authorization),
      ['Bearer token-old-bbbb', `Bearer ${validToken}`],
    );
    // authenticate: false sends no Authorization.
    await client.request({ method: 'GET', url: `${server.url}/public`, authenticate: false });
    assert.equal(server.seen.at(-1)!.headers.authorization, undefined);
  });

  it('a 401 that the AuthProvider cannot fix is error 603 with httpStatus 401, after one refresh only', async () => {
    validToken = 'token-v2-cccc';
    let refreshes = 0;
    const auth: AuthProvider = {
      authorizationHeader: async () => 'Bearer wrong-token-dddd',
      handleUnauthorized: async () => {
        refreshes++;
        return true;
      },
    };
    const { client } = makeClient({ auth });
    await assert.rejects(
      client.request({ method: 'GET', url: `${server.url}/protected` }),
      (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.code, 603);
        assert.equal(err.httpStatus, 401);
        return true;
      },
    );
    assert.equal(refreshes, 1);
  });

  it('error responses go through the error mapper, with body, status and request id', async () => {
    const { client } = makeClient({
      errorFromResponse: (info) =>
        new CloudStorageError(604, `mapped: ${JSON.parse(info.bodyText).code}`, {
          httpStatus: info.status,
          requestId: info.requestId,
          providerCode: JSON.parse(info.bodyText).code,
        }),
    });
    await assert.rejects(client.request({ method: 'GET', url: `${server.url}/missing` }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.deepEqual(
        [err.code, err.message, err.httpStatus, err.requestId, err.providerCode],
        [604, 'mapped: not_found', 404, 'box-77', 'not_found'],
      );
      return true;
    });
    // A per-request mapper wins; returning undefined falls back to the generic error.
    await assert.rejects(
      client.request({ method: 'GET', url: `${server.url}/missing`, mapError: () => undefined }),
      (err: unknown) =>
        err instanceof CloudStorageError &&
        err.code === 600 &&
        err.requestId === 'box-77' &&
        /HTTP 404 Not Found/.test(err.message) &&
        /Item not found/.test(err.message),
    );
    // okStatus makes a status acceptable.
    const res = await client.request({
      method: 'GET',
      url: `${server.url}/missing`,
      okStatus: (s) => s === 404,
    });
    assert.equal(res.status, 404);
  });

  it('reports idle, and logs at Info level by default', async () => {
    const { client, logs } = makeClient();
    assert.ok(client.idle);
    const pending = client.request({ method: 'GET', url: `${server.url}/x` });
    assert.equal(client.idle, false);
    await pending;
    assert.ok(client.idle);
    assert.deepEqual(
      logs.map((l) => [l.logLevel, l.logType]),
      [
        [1, 'Info'],
        [1, 'Info'],
      ],
    );
    assert.match(logs[0]!.message, /^GET http:\/\/127\.0\.0\.1:\d+\/x$/);
    assert.equal(logs[1]!.message, 'HTTP/1.1 200 OK');
  });
});
