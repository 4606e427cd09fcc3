import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

describe('timeouts and interrupts', () => {
  let server: TestServer;

  let stallOnce = 0;
  before(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/silent') return; // never answers
      // The first request of each pair stalls (no answer), the next one is answered.
      if (req.url === '/stall-once' && stallOnce++ % 2 === 0) return;
      if (req.url === '/trickle') {
        // Sends a byte every 300 ms for 1.5 s: never idle for long, but slow overall.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let n = 0;
        const timer = setInterval(() => {
          if (n++ < 5) res.write('x');
          else {
            clearInterval(timer);
            res.end();
          }
        }, 300);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/stall-mid-body') {
        res.writeHead(200, { 'content-length': 1000 });
        res.write(Buffer.alloc(100));
        return; // and never finishes
      }
      if (req.url === '/busy') {
        res.writeHead(503, { 'retry-after': '30' });
        res.end();
        return;
      }
      res.writeHead(200);
      res.end('ok');
    });
  });
  after(() => server.close());

  it('an inactivity timeout gives code 145', async () => {
    const { client, connection } = makeClient({ settings: ['MaxRetries=0'] });
    connection.timeout = 1;
    await assert.rejects(client.request({ method: 'GET', url: `${server.url}/silent` }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 145);
      assert.match(err.message, /no data was exchanged for 1 s/);
      return true;
    });
  });

  it('a stall is a fault like a reset: a request safe to repeat goes again, a POST does not', async () => {
    const { client } = makeClient();
    stallOnce = 0;
    const res = await client.request({ method: 'GET', url: `${server.url}/stall-once`, timeout: 1 });
    assert.equal(await res.text(), 'ok');
    assert.equal(stallOnce, 2, 'stalled once, then answered');
    stallOnce = 0;
    const post = client.request({ method: 'POST', url: `${server.url}/stall-once`, body: 'x', timeout: 1 });
    await assert.rejects(post, (err: unknown) => err instanceof CloudStorageError && err.code === 145);
    assert.equal(stallOnce, 1, 'a POST whose outcome is unknown is not repeated by the HTTP client');
  });

  it('the per-request timeout overrides the connection timeout, also mid-body', async () => {
    const { client } = makeClient();
    const res = await client.request({
      method: 'GET',
      url: `${server.url}/stall-mid-body`,
      stream: true,
      timeout: 1,
    });
    await assert.rejects(
      (async () => {
        for await (const _ of res.body) {
          // read until it fails
        }
      })(),
      (err: unknown) => err instanceof CloudStorageError && err.code === 145,
    );
  });

  it('inactivity is measured between bytes; AbsoluteTimeout bounds the whole request', async () => {
    const inactivity = makeClient();
    inactivity.connection.timeout = 1;
    const res = await inactivity.client.request({ method: 'GET', url: `${server.url}/trickle` });
    assert.equal(await res.text(), 'xxxxx');

    const absolute = makeClient({ settings: ['AbsoluteTimeout=true'] });
    absolute.connection.timeout = 1;
    await assert.rejects(
      absolute.client.request({ method: 'GET', url: `${server.url}/trickle` }),
      (err: unknown) =>
        err instanceof CloudStorageError &&
        err.code === 145 &&
        /did not complete within 1 s/.test(err.message),
    );
  });

  it('timeout 0 means no timeout', async () => {
    const { client } = makeClient();
    const controller = new AbortController();
    const pending = client.request({
      method: 'GET',
      url: `${server.url}/silent`,
      timeout: 0,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 1200);
    // It was still waiting after 1.2 s (longer than the 1 s timeouts above), then the abort ended it.
    await assert.rejects(pending, (err: unknown) => err instanceof CloudStorageError && err.code === 301);
  });

  it('interrupt() aborts everything in flight with code 301 and leaves the client usable', async () => {
    const { client } = makeClient();
    const errors: number[] = [];
    client.events.on('error', (e) => errors.push(e.errorCode));
    const a = client.request({ method: 'GET', url: `${server.url}/silent` });
    const b = client.request({ method: 'POST', url: `${server.url}/silent`, body: 'x' });
    setTimeout(() => client.interrupt(), 100);
    for (const p of [a, b]) {
      await assert.rejects(p, (err: unknown) => err instanceof CloudStorageError && err.code === 301);
    }
    assert.deepEqual(errors, [301, 301]);
    const res = await client.request({ method: 'GET', url: `${server.url}/fine` });
    assert.equal(await res.text(), 'ok');
    assert.ok(client.idle);
  });

  it('interrupt() also stops a streamed body and a retry wait', async () => {
    const { client } = makeClient();
    const res = await client.request({ method: 'GET', url: `${server.url}/stall-mid-body`, stream: true });
    setTimeout(() => client.interrupt(), 100);
    await assert.rejects(
      (async () => {
        for await (const _ of res.body) {
          // read until it fails
        }
      })(),
      (err: unknown) => err instanceof CloudStorageError && err.code === 301,
    );
    // A retry waiting out Retry-After: 30 ends at once.
    const waiting = client.request({ method: 'GET', url: `${server.url}/busy` });
    setTimeout(() => client.interrupt(), 200);
    await assert.rejects(waiting, (err: unknown) => err instanceof CloudStorageError && err.code === 301);
    assert.equal(server.seen.filter((s) => s.url === '/busy').length, 1);
  });

  it('a per-request AbortSignal aborts only that request', async () => {
    const { client } = makeClient();
    const controller = new AbortController();
    const aborted = client.request({ method: 'GET', url: `${server.url}/silent`, signal: controller.signal });
    const other = client.request({ method: 'GET', url: `${server.url}/fine` });
    controller.abort();
    await assert.rejects(aborted, (err: unknown) => err instanceof CloudStorageError && err.code === 301);
    assert.equal((await other).status, 200);
    // An already-aborted signal fails at once.
    await assert.rejects(
      client.request({ method: 'GET', url: `${server.url}/fine`, signal: AbortSignal.abort() }),
      (err: unknown) => err instanceof CloudStorageError && err.code === 301,
    );
  });

  it('ConnectionTimeout bounds connecting, including the TLS handshake (code 10060)', async () => {
    // Accepts TCP connections and never says a word: the TLS handshake cannot finish.
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const mute = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as import('node:net').AddressInfo).port;
    try {
      const { client } = makeClient({ settings: ['ConnectionTimeout=1', 'MaxRetries=0'] });
      await assert.rejects(
        client.request({ method: 'GET', url: `https://127.0.0.1:${port}/` }),
        (err: unknown) => {
          assert.ok(err instanceof CloudStorageError);
          assert.equal(err.code, 10060);
          assert.match(err.message, /connecting to 127\.0\.0\.1:\d+ took longer than 1 s/);
          return true;
        },
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('a refused connection to a new origin fails at once with a clear message', async () => {
    const { client } = makeClient();
    const closed = await startServer(() => undefined);
    const url = closed.url;
    await closed.close();
    await assert.rejects(client.request({ method: 'GET', url }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 10061);
      assert.match(err.message, /Connection refused/);
      return true;
    });
  });
});
