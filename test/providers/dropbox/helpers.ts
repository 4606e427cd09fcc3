import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { DropboxEmulator, type DropboxEmulatorOptions } from '../../../src/emulator/dropbox/index.js';

export { startTamperProxy, type TamperProxy } from '../../helpers/tamper-proxy.js';

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
