import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import type { AuthProvider } from '../../../src/core/http/types.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

describe('redirects', () => {
  /** The API server, and a second origin (another port = another origin) standing in for a download host. */
  let api: TestServer;
  let other: TestServer;

  const auth: AuthProvider = {
    authorizationHeader: async () => 'Bearer api-token-123456',
    handleUnauthorized: async () => false,
  };

  before(async () => {
    other = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`other:${req.method}:${req.url}`);
    });
    api = await startServer((req, res) => {
      const url = req.url ?? '';
      if (url === '/to-other') {
        res.writeHead(302, { location: `${other.url}/file?sig=abc` });
        res.end();
      } else if (url === '/same-origin') {
        res.writeHead(301, { location: '/final' });
        res.end();
      } else if (url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (url === '/to-https') {
        res.writeHead(302, { location: `https://127.0.0.1:${other.port}/x` });
        res.end();
      } else if (url === '/see-other') {
        res.writeHead(303, { location: '/final' });
        res.end();
      } else if (url === '/temp') {
        res.writeHead(307, { location: '/final' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`api:${req.method}:${url}`);
      }
    });
  });
  after(async () => {
    await api.close();
    await other.close();
  });

  it('FollowRedirects=0 (the default) returns the redirect to the caller', async () => {
    const { client } = makeClient({ auth });
    const res = await client.request({ method: 'GET', url: `${api.url}/to-other` });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, `${other.url}/file?sig=abc`);
    assert.equal(other.seen.length, 0);
  });

  it('FollowRedirects=1 follows to another origin without forwarding Authorization', async () => {
    const { client } = makeClient({ auth, settings: ['FollowRedirects=1'] });
    const before = other.seen.length;
    const res = await client.request({
      method: 'GET',
      url: `${api.url}/to-other`,
      headers: { 'X-Custom': 'kept' },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'other:GET:/file?sig=abc');
    assert.equal(res.url, `${other.url}/file?sig=abc`);
    const first = api.seen.at(-1)!;
    assert.equal(first.headers.authorization, 'Bearer api-token-123456');
    const hop = other.seen[before]!;
    assert.equal(hop.headers.authorization, undefined);
    assert.equal(hop.headers['x-custom'], 'kept');
  });

  it('keeps Authorization on a redirect within the same origin', async () => {
    const { client } = makeClient({ auth, settings: ['FollowRedirects=2'] });
    const res = await client.request({ method: 'GET', url: `${api.url}/same-origin` });
    assert.equal(await res.text(), 'api:GET:/final');
    assert.equal(api.seen.at(-1)!.headers.authorization, 'Bearer api-token-123456');
  });

  it('drops an Authorization header the caller set when leaving the origin', async () => {
    const { client } = makeClient();
    const before = other.seen.length;
    const res = await client.request({
      method: 'GET',
      url: `${api.url}/to-other`,
      headers: { Authorization: 'Bearer explicit-secret-999' },
      followRedirects: 1,
    });
    assert.equal(res.status, 200);
    assert.equal(other.seen[before]!.headers.authorization, undefined);
  });

  it('the per-request followRedirects overrides the setting', async () => {
    const { client } = makeClient({ settings: ['FollowRedirects=0'] });
    const res = await client.request({ method: 'GET', url: `${api.url}/to-other`, followRedirects: 1 });
    assert.equal(res.status, 200);
  });

  it('FollowRedirects=2 refuses a redirect to another scheme with a clear error', async () => {
    const { client } = makeClient({ settings: ['FollowRedirects=2'] });
    await assert.rejects(client.request({ method: 'GET', url: `${api.url}/to-https` }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 151);
      assert.match(err.message, /same scheme/);
      return true;
    });
  });

  it('FollowRedirects=2 does not follow a POST; 1 does, and a 303 becomes a GET', async () => {
    const two = makeClient({ settings: ['FollowRedirects=2'] });
    const res2 = await two.client.request({ method: 'POST', url: `${api.url}/see-other`, body: 'x' });
    assert.equal(res2.status, 303);
    const one = makeClient({ settings: ['FollowRedirects=1'] });
    const res1 = await one.client.request({ method: 'POST', url: `${api.url}/see-other`, body: 'x' });
    assert.equal(await res1.text(), 'api:GET:/final');
    const res307 = await one.client.request({ method: 'PUT', url: `${api.url}/temp`, body: 'payload' });
    assert.equal(await res307.text(), 'api:PUT:/final');
    assert.equal(api.seen.at(-1)!.body.toString(), 'payload');
  });

  it('stops after MaxRedirectAttempts', async () => {
    const { client } = makeClient({ settings: ['FollowRedirects=1', 'MaxRedirectAttempts=3'] });
    const before = api.seen.length;
    await assert.rejects(
      client.request({ method: 'GET', url: `${api.url}/loop` }),
      (err: unknown) =>
        err instanceof CloudStorageError && err.code === 151 && /more than 3/.test(err.message),
    );
    assert.equal(api.seen.length - before, 4);
  });
});
