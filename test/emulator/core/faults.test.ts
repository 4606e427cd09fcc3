import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { EmulatorServer, HttpError, sendJson } from '../../../src/emulator/core/index.js';

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
