import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { DropboxEmulator, type DropboxEmulatorOptions } from '../../../src/emulator/dropbox/index.js';
import { Dropbox, type DropboxApiError, type DropboxOptions } from '../../../src/providers/dropbox/index.js';

/**
 * Test plumbing: a Dropbox emulator on loopback ports, a token minted by its OAuth server, and Dropbox
 * instances pointed at it through the base-URL settings.
 */
export interface Env {
  server: EmulatorServer;
  emulator: DropboxEmulator;
  token: string;
  urls: { api: string; content: string; notify: string };
  /** A temp directory removed by stop(). */
  dir: string;
  client(options?: DropboxOptions): Dropbox;
  stop(): Promise<void>;
}

export async function startEnv(options: DropboxEmulatorOptions = {}): Promise<Env> {
  const server = new EmulatorServer();
  const emulator = new DropboxEmulator(options);
  emulator.install(server);
  await server.start();
  const urls = emulator.urls;
  const token = emulator.issueToken().accessToken;
  const dir = await mkdtemp(join(tmpdir(), 'dropbox-test-'));
  const clients: Dropbox[] = [];
  return {
    server,
    emulator,
    token,
    urls,
    dir,
    client(o: DropboxOptions = {}) {
      const c = new Dropbox({
        apiBaseUrl: urls.api,
        contentBaseUrl: urls.content,
        notifyBaseUrl: urls.notify,
        oAuthServerAuthUrl: `${urls.api}/oauth2/authorize`,
        oAuthServerTokenUrl: `${urls.api}/oauth2/token`,
        retryBaseDelayMs: 10,
        ...(o.oAuthRefreshToken || o.oAuthAccessToken || o.authorization !== undefined
          ? {}
          : { authorization: `Bearer ${token}` }),
        ...o,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) await c.close().catch(() => {});
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Random bytes (not compressible, not repetitive). */
export function randomData(size: number): Buffer {
  return randomBytes(size);
}

/** Awaits a promise that must reject; returns the error. */
export async function rejection(p: Promise<unknown>): Promise<DropboxApiError> {
  try {
    await p;
  } catch (e) {
    return e as DropboxApiError;
  }
  throw new Error('expected the promise to reject');
}

/**
 * A reverse proxy on loopback in front of one emulator host that flips one byte of the request or
 * response body of matching requests: how a corrupted transfer looks to the client (the emulator itself
 * never corrupts anything). Everything else passes through untouched.
 */
export interface TamperProxy {
  url: string;
  /** Corrupts the next matching exchange. */
  arm(rule: { path: RegExp; body: 'request' | 'response'; at: number }): void;
  /** How many exchanges were corrupted. */
  readonly corrupted: number;
  close(): Promise<void>;
}

export async function startTamperProxy(target: string): Promise<TamperProxy> {
  let rule: { path: RegExp; body: 'request' | 'response'; at: number } | undefined;
  let corrupted = 0;
  const flipper = (at: number) => {
    let seen = 0;
    return new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (at >= seen && at < seen + chunk.length) {
          const copy = Buffer.from(chunk);
          copy[at - seen] = copy[at - seen]! ^ 0xff;
          chunk = copy;
        }
        seen += chunk.length;
        done(null, chunk);
      },
    });
  };
  const server = createServer((req, res) => {
    const active = rule?.path.test(req.url ?? '') ? rule : undefined;
    if (active) {
      rule = undefined;
      corrupted++;
    }
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const body = active?.body === 'response' ? up.pipe(flipper(active.at)) : up;
        body.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    const body = active?.body === 'request' ? req.pipe(flipper(active.at)) : req;
    body.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm(r) {
      rule = r;
    },
    get corrupted() {
      return corrupted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether two files have the same bytes (compared chunk by chunk, in constant memory). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a), open(b)]);
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()]);
    if (sa.size !== sb.size) return false;
    const ba = Buffer.alloc(1024 * 1024);
    const bb = Buffer.alloc(1024 * 1024);
    for (let at = 0; at < sa.size; at += ba.length) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length, at), fb.read(bb, 0, bb.length, at)]);
      if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead)))
        return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}
