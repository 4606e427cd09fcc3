import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, request } from 'undici';
import { EmulatorServer, FaultInjector, HttpError, sendJson } from '../../../src/emulator/core/index.js';

/** Lets the event loop run once. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

/** What a plain Node client saw of one exchange: the status and body, or the error, and the socket. */
interface Seen {
  status?: number;
  body?: string;
  error?: string;
  reusedSocket: boolean;
}

/**
 * Sends `body` with node:http (which, unlike undici, keeps writing after an early answer); `slowly` writes
 * it in 64 KiB pieces a few milliseconds apart.
 */
function send(url: string, method: string, body: Buffer, agent: Agent, slowly = false): Promise<Seen> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method, agent, headers: { 'content-length': body.length } });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          reusedSocket: req.reusedSocket,
        }),
      );
      res.on('error', (e) => resolve({ error: e.message, reusedSocket: req.reusedSocket }));
    });
    req.on('error', (e) =>
      resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message, reusedSocket: false }),
    );
    if (!slowly) {
      req.end(body);
      return;
    }
    const writeFrom = (offset: number): void => {
      if (offset >= body.length || req.destroyed) {
        req.end();
        return;
      }
      req.write(body.subarray(offset, offset + 65536), () => setTimeout(() => writeFrom(offset + 65536), 2));
    };
    writeFrom(0);
  });
}

/** A server whose routes answer early: one refuses after the first chunk of the body, one stores it. */
async function startServer(drainLimit?: { bytes: number; ms: number }) {
  const server = new EmulatorServer(drainLimit ? { drainLimit } : {});
  const api = server.host('api');
  api.router.put('/store', async (req, res) => sendJson(res, 200, { size: (await req.bytes()).length }));
  // Answers after the first bytes of the body and reads no further, as a service does once an upload's
  // attributes show a name clash.
  api.router.put('/refuse', async (req, res) => {
    await once(req.body, 'data');
    req.body.pause();
    sendJson(res, 409, { code: 'item_name_in_use' });
  });
  api.router.put('/throw', async (req) => {
    await once(req.body, 'data');
    req.body.pause();
    throw new HttpError(409, 'name in use');
  });
  await server.start();
  const sockets: Socket[] = [];
  api.server?.on('connection', (s: Socket) => sockets.push(s));
  return { server, sockets };
}

describe('EmulatorServer early answers', () => {
  const big = randomBytes(8 * 1024 * 1024);

  it('reads the unread body away after an early answer (injected 429, a handler that stopped reading), keeping the connection', async () => {
    const { server, sockets } = await startServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      server.faults.add({ path: '/store', status: 429, retryAfter: 0 });
      assert.equal((await send(`${server.url('api')}/store`, 'PUT', big, agent)).status, 429);
      const refused = await send(`${server.url('api')}/refuse`, 'PUT', big, agent);
      assert.equal(refused.status, 409);
      assert.match(refused.body ?? '', /item_name_in_use/);
      assert.equal((await send(`${server.url('api')}/throw`, 'PUT', big, agent)).status, 409);
      const stored = await send(`${server.url('api')}/store`, 'PUT', big, agent);
      assert.equal(stored.status, 200);
      assert.deepEqual(JSON.parse(stored.body ?? '{}'), { size: big.length });
    } finally {
      agent.destroy();
      await server.stop();
    }
    // One connection for all four, nothing reset: every body was read to its end.
    assert.equal(sockets.length, 1);
    assert.ok(sockets[0]!.bytesRead > 4 * big.length, `read ${sockets[0]!.bytesRead}`);
  });

  it('closes the connection once the unread rest passes the drain limit; the answer still arrives', async () => {
    const { server, sockets } = await startServer({ bytes: 1024 * 1024, ms: 30_000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await send(`${server.url('api')}/refuse`, 'PUT', big, agent, true);
      assert.equal(refused.status, 409);
      const stored = await send(`${server.url('api')}/store`, 'PUT', Buffer.from('small'), agent);
      assert.equal(stored.status, 200);
    } finally {
      agent.destroy();
      await server.stop();
    }
    assert.equal(sockets.length, 2);
    assert.ok(sockets[0]!.bytesRead < big.length, `read ${sockets[0]!.bytesRead}`);
  });
});

describe('EmulatorServer faults, as services fail', () => {
  const server = new EmulatorServer();
  /** What the handlers did: the route and how many body bytes they read, in order. */
  const ran: string[] = [];
  const payload = randomBytes(300_000);
  const url = (path: string) => `${server.url('api')}${path}`;

  before(async () => {
    const api = server.host('api');
    api.router.post('/commit', async (req, res) => {
      const body = await req.bytes();
      ran.push(`commit ${body.length}`);
      sendJson(res, 201, { stored: body.length });
    });
    api.router.delete('/thing', (_req, res) => {
      ran.push('delete');
      res.writeHead(204).end();
    });
    api.router.get('/payload', (_req, res) => {
      ran.push('payload');
      res.writeHead(200, { 'content-length': payload.length }).end(payload);
    });
    await server.start();
  });
  after(() => server.stop());

  /** One request on a connection of its own (so no client-side retry on a reused one blurs a fault). */
  const call = (target: string, options: Parameters<typeof request>[1] = {}) =>
    request(target, { reset: true, ...options });
  function last() {
    return server.requestLog.at(-1)!;
  }
  async function readAllBytes(body: AsyncIterable<unknown>): Promise<{ received: number; failed: boolean }> {
    let received = 0;
    try {
      for await (const chunk of body) received += (chunk as Buffer).length;
      return { received, failed: false };
    } catch {
      return { received, failed: true };
    }
  }

  it('resets after 0 bytes of the answer: the status line and headers go, then the connection is cut', async () => {
    ran.length = 0;
    server.faults.add({ path: '/payload', resetAfterBytes: 0 });
    const r = await call(url('/payload'));
    assert.equal(r.statusCode, 200);
    assert.deepEqual(await readAllBytes(r.body), { received: 0, failed: true });
    assert.deepEqual([last().status, last().outcome], [200, 'reset']);
  });

  it('resets at any byte of the answer, and after the headers of an answer without a body', async () => {
    for (const at of [1, 65_537, payload.length - 1]) {
      server.faults.add({ path: '/payload', resetAfterBytes: at });
      const r = await call(url('/payload'));
      const seen = await readAllBytes(r.body);
      assert.equal(seen.failed, true, `cut at ${at}`);
      assert.ok(seen.received <= at, `received ${seen.received} of ${at}`);
      assert.equal(last().outcome, 'reset');
    }
    // A 204 has no body to cut: the connection is reset right after its headers, so the next request
    // needs a new one (a rule that used to do nothing here).
    server.faults.add({ path: '/thing', resetAfterBytes: 10 });
    const client = new Client(server.url('api'));
    let connects = 0;
    client.on('connect', () => connects++);
    try {
      const gone = await client.request({ path: '/thing', method: 'DELETE' }).then(
        async (r) => (await readAllBytes(r.body)).failed || r.statusCode,
        () => 'failed',
      );
      assert.ok(gone === 204 || gone === true || gone === 'failed');
      assert.equal(last().outcome, 'reset');
      await new Promise((r) => setImmediate(r));
      const again = await client.request({ path: '/thing', method: 'DELETE' });
      await again.body.dump();
      assert.equal(again.statusCode, 204);
      assert.equal(connects, 2);
    } finally {
      await client.close();
    }
  });

  it('resets at any byte of the request body: no handler runs, and the log says so', async () => {
    for (const at of [0, 1, 150_000]) {
      ran.length = 0;
      server.faults.add({ path: '/commit', resetRequestAfterBytes: at });
      await assert.rejects(call(url('/commit'), { method: 'POST', body: payload }));
      assert.deepEqual(ran, [], `reset at request byte ${at}`);
      assert.deepEqual([last().status, last().outcome], [0, 'reset']);
    }
  });

  it('drops before the handler (nothing happened) or after it committed (the work is done, the answer lost)', async () => {
    ran.length = 0;
    server.faults.add({ path: '/commit', drop: 'before' });
    await assert.rejects(call(url('/commit'), { method: 'POST', body: payload }));
    assert.deepEqual(ran, []);
    assert.deepEqual([last().status, last().outcome], [0, 'dropped']);

    server.faults.add({ path: '/commit', drop: 'after' });
    await assert.rejects(call(url('/commit'), { method: 'POST', body: payload }));
    assert.deepEqual(ran, [`commit ${payload.length}`]);
    assert.deepEqual([last().status, last().outcome], [0, 'dropped']);
  });

  it('stalls before or after the handler, or mid-answer, until the client leaves', async () => {
    for (const [spec, committed] of [
      [{ stall: 'before' as const }, false],
      [{ stall: 'after' as const }, true],
    ] as const) {
      ran.length = 0;
      server.faults.add({ path: '/commit', ...spec });
      const controller = new AbortController();
      const pending = call(url('/commit'), { method: 'POST', body: payload, signal: controller.signal });
      // The client gives up once the server has taken the fault (and, after the handler, once it ran).
      while (server.faults.pending > 0 || (committed && ran.length === 0)) await settle();
      controller.abort();
      await assert.rejects(pending);
      assert.deepEqual(ran, committed ? [`commit ${payload.length}`] : []);
      while (last().outcome === undefined) await settle();
      assert.deepEqual([last().status, last().outcome], [0, 'stalled']);
    }
    server.faults.add({ path: '/payload', stallAfterBytes: 1000 });
    const controller = new AbortController();
    const r = await call(url('/payload'), { signal: controller.signal });
    let received = 0;
    await assert.rejects(async () => {
      for await (const chunk of r.body) {
        received += (chunk as Buffer).length;
        if (received >= 1000) controller.abort();
      }
    });
    assert.equal(received, 1000);
    assert.deepEqual([last().status, last().outcome], [200, 'stalled']);
  });

  it('answers a status early and closes with the body unread when told to (a server that does not drain)', async () => {
    ran.length = 0;
    server.faults.add({ path: '/commit', status: 401, closeUnread: true });
    const outcome = await call(url('/commit'), { method: 'POST', body: payload }).then(
      (r) => r.statusCode,
      (e: Error) => e.message,
    );
    // The unread bytes make the close a reset, which may or may not beat the answer to the client.
    assert.ok(outcome === 401 || typeof outcome === 'string', String(outcome));
    assert.deepEqual(ran, []);
    assert.deepEqual([last().status, last().outcome], [401, 'answered']);
  });

  it('logs a request the client abandoned as abandoned, with no status, not as 200', async () => {
    server.faults.add({ path: '/payload', delayMs: 10_000 });
    const controller = new AbortController();
    const pending = call(url('/payload'), { signal: controller.signal });
    while (server.faults.pending > 0) await settle();
    controller.abort();
    await assert.rejects(pending);
    while (last().outcome === undefined) await settle();
    assert.deepEqual([last().status, last().outcome], [0, 'abandoned']);
  });
});

describe('FaultInjector.randomly', () => {
  it('faults about the rate of requests, the same ones for the same seed, sparing what it is told to', () => {
    const draw = (seed: number) => {
      const faults = new FaultInjector();
      faults.randomly({
        rate: 0.1,
        seed,
        pick: (r) => ({ status: r() < 0.5 ? 500 : 503 }),
        applies: (req) => !req.path.includes('token'),
      });
      const seen: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const f = faults.take('GET', i % 10 === 0 ? '/token' : `/item/${i}`, 'api');
        if (f) seen.push(`${i}:${f.status}`);
      }
      return { seen, drawn: faults.drawn };
    };
    const a = draw(7);
    assert.deepEqual(draw(7), a, 'repeatable');
    assert.notDeepEqual(draw(8).seen, a.seen);
    assert.ok(a.drawn > 120 && a.drawn < 240, `${a.drawn} of 1800`);
    assert.ok(
      a.seen.every((s) => Number(s.split(':')[0]) % 10 !== 0),
      'spared paths never fault',
    );
    // An armed fault still comes first.
    const faults = new FaultInjector();
    faults.randomly({ rate: 0, seed: 1, pick: () => ({ status: 500 }) });
    faults.add({ path: '/x', status: 429 });
    assert.equal(faults.take('GET', '/x', 'api')?.status, 429);
    assert.equal(faults.take('GET', '/x', 'api'), undefined);
  });
});
