import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import { backoffDelay, parseRetryAfter } from '../../../src/core/http/retry.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

describe('retries', () => {
  let server: TestServer;
  /** Per-path script: which status each successive request gets. */
  const scripts = new Map<
    string,
    Array<{ status: number; headers?: Record<string, string>; reset?: boolean }>
  >();
  const counts = new Map<string, number>();

  before(async () => {
    server = await startServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      const script = scripts.get(path) ?? [];
      const step = script[Math.min(n, script.length - 1)] ?? { status: 200 };
      if (step.reset) {
        req.socket.destroy();
        return;
      }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(JSON.stringify({ path, attempt: n + 1 }));
    });
  });
  after(() => server.close());

  const arrivals = (path: string) => server.seen.filter((s) => s.url.split('?')[0] === path).map((s) => s.at);

  it('waits for Retry-After after a 429, then succeeds', async () => {
    scripts.set('/r429', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const { client } = makeClient();
    const res = await client.request({ method: 'GET', url: `${server.url}/r429` });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { path: '/r429', attempt: 2 });
    const at = arrivals('/r429');
    assert.equal(at.length, 2);
    // The server saw the second request at least ~1 s after the first (Retry-After honoured, not backoff).
    assert.ok(at[1]! - at[0]! >= 950, `gap was ${at[1]! - at[0]!} ms`);
  });

  it('retries a 503 with backoff', async () => {
    scripts.set('/r503', [{ status: 503 }, { status: 503 }, { status: 200 }]);
    const { client } = makeClient();
    const res = await client.request({ method: 'GET', url: `${server.url}/r503` });
    assert.equal(res.status, 200);
    assert.equal(arrivals('/r503').length, 3);
  });

  it('does not retry a POST that is not marked idempotent', async () => {
    scripts.set('/post', [{ status: 503 }, { status: 200 }]);
    const { client } = makeClient();
    await assert.rejects(
      client.request({ method: 'POST', url: `${server.url}/post`, json: { a: 1 } }),
      (err: unknown) => err instanceof CloudStorageError && err.httpStatus === 503,
    );
    assert.equal(arrivals('/post').length, 1);
  });

  it('retries a POST the provider marked idempotent', async () => {
    scripts.set('/post-idem', [{ status: 500 }, { status: 200 }]);
    const { client } = makeClient();
    const res = await client.request({
      method: 'POST',
      url: `${server.url}/post-idem`,
      json: { a: 1 },
      idempotent: true,
    });
    assert.equal(res.status, 200);
    const seen = server.seen.filter((s) => s.url === '/post-idem');
    assert.equal(seen.length, 2);
    // The body was sent whole both times.
    assert.deepEqual(
      seen.map((s) => s.body.toString()),
      ['{"a":1}', '{"a":1}'],
    );
  });

  it('gives up after MaxRetries with the status, Retry-After and request id in the error', async () => {
    scripts.set('/always503', [{ status: 503, headers: { 'retry-after': '0', 'x-request-id': 'req-42' } }]);
    const { client } = makeClient({ settings: ['MaxRetries=2'] });
    const errors: number[] = [];
    client.events.on('error', (e) => errors.push(e.errorCode));
    await assert.rejects(
      client.request({ method: 'GET', url: `${server.url}/always503` }),
      (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.httpStatus, 503);
        assert.equal(err.retryAfter, 0);
        assert.equal(err.requestId, 'req-42');
        assert.match(err.message, /503/);
        assert.match(err.message, /after 2 retries/);
        return true;
      },
    );
    assert.equal(arrivals('/always503').length, 3);
    assert.deepEqual(errors, [600]);
  });

  it('fails at once when Retry-After is longer than MaxRetryAfter', async () => {
    scripts.set('/long-wait', [{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    const { client } = makeClient();
    await assert.rejects(
      client.request({ method: 'GET', url: `${server.url}/long-wait` }),
      (err: unknown) => err instanceof CloudStorageError && err.httpStatus === 429 && err.retryAfter === 3600,
    );
    assert.equal(arrivals('/long-wait').length, 1);
  });

  it('retries a GET whose connection was reset', async () => {
    scripts.set('/reset', [{ status: 0, reset: true }, { status: 200 }]);
    const { client } = makeClient();
    const res = await client.request({ method: 'GET', url: `${server.url}/reset` });
    assert.equal(res.status, 200);
    assert.equal(arrivals('/reset').length, 2);
  });

  it('does not retry a POST whose connection was reset (it may have been processed)', async () => {
    scripts.set('/reset-post', [{ status: 0, reset: true }, { status: 200 }]);
    const { client } = makeClient();
    await assert.rejects(
      client.request({ method: 'POST', url: `${server.url}/reset-post`, body: 'x' }),
      (err: unknown) =>
        err instanceof CloudStorageError &&
        [10054, 1120].includes(Number(err.code)) &&
        err.httpStatus === undefined,
    );
    assert.equal(arrivals('/reset-post').length, 1);
  });

  it('does not retry a stream body, which cannot be sent twice', async () => {
    scripts.set('/stream-body', [{ status: 503 }, { status: 200 }]);
    const { client } = makeClient();
    const { Readable } = await import('node:stream');
    await assert.rejects(
      client.request({
        method: 'PUT',
        url: `${server.url}/stream-body`,
        body: Readable.from([Buffer.from('abc')]),
      }),
      (err: unknown) => err instanceof CloudStorageError && err.httpStatus === 503,
    );
    assert.equal(arrivals('/stream-body').length, 1);
  });

  it('retries a body given as a factory, opening it again', async () => {
    scripts.set('/factory', [{ status: 502 }, { status: 200 }]);
    const { client } = makeClient();
    const { Readable } = await import('node:stream');
    let opened = 0;
    const res = await client.request({
      method: 'PUT',
      url: `${server.url}/factory`,
      body: () => {
        opened++;
        return Readable.from([Buffer.from('hello '), Buffer.from('world')]);
      },
      bodyLength: 11,
    });
    assert.equal(res.status, 200);
    assert.equal(opened, 2);
    assert.deepEqual(
      server.seen.filter((s) => s.url === '/factory').map((s) => s.body.toString()),
      ['hello world', 'hello world'],
    );
  });
});

describe('retry policy helpers', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7);
    assert.equal(parseRetryAfter(' 0 '), 0);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:50:07 GMT', now), 30);
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now), 0);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelay(0, policy, () => 0.999999),
      99,
    );
    assert.equal(
      backoffDelay(3, policy, () => 0.5),
      400,
    );
    assert.equal(
      backoffDelay(10, policy, () => 0.5),
      500,
    );
    assert.equal(
      backoffDelay(4, policy, () => 0),
      0,
    );
  });
});
