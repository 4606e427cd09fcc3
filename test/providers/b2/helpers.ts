import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { B2Emulator, type B2EmulatorOptions } from '../../../src/emulator/b2/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { type B2ApiError, BackblazeB2, type BackblazeB2Options } from '../../../src/providers/b2/index.js';

/**
 * Test plumbing: a B2 emulator on loopback ports and BackblazeB2 instances pointed at it through the
 * AuthURL setting, authorized with the emulator account's master key unless told otherwise.
 */
export interface Env {
  server: EmulatorServer;
  emulator: B2Emulator;
  /** A temp directory removed by stop(). */
  dir: string;
  client(options?: BackblazeB2Options): BackblazeB2;
  /** A bucket created through the emulator (not the class), with a unique name. */
  bucket(kind?: 'allPrivate' | 'allPublic'): { id: string; name: string };
  /** Requests the emulator saw whose path contains `fragment`. */
  requests(fragment: string): Array<{ method: string; path: string; status: number }>;
  stop(): Promise<void>;
}

let bucketCounter = 0;

export async function startEnv(options: B2EmulatorOptions = {}): Promise<Env> {
  const server = new EmulatorServer();
  const emulator = new B2Emulator(options);
  emulator.install(server);
  await server.start();
  const dir = await mkdtemp(join(tmpdir(), 'b2-test-'));
  const clients: BackblazeB2[] = [];
  return {
    server,
    emulator,
    dir,
    client(o: BackblazeB2Options = {}) {
      const c = new BackblazeB2({
        authURL: emulator.urls.api,
        applicationKeyId: emulator.accountId,
        applicationKey: emulator.masterKey,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 50,
        ...o,
      });
      clients.push(c);
      return c;
    },
    bucket(kind = 'allPrivate') {
      const name = `test-bucket-${process.pid}-${++bucketCounter}`;
      const b = emulator.createBucket(name, { bucketType: kind });
      return { id: b.bucketId, name };
    },
    requests(fragment: string) {
      return server.requestLog
        .filter((e) => e.path.includes(fragment))
        .map((e) => ({ method: e.method, path: e.path, status: e.status }));
    },
    async stop() {
      for (const c of clients) await c.close().catch(() => {});
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function randomData(size: number): Buffer {
  return randomBytes(size);
}

/** Awaits a promise that must reject; returns the error. */
export async function rejection(p: Promise<unknown>): Promise<B2ApiError> {
  try {
    await p;
  } catch (e) {
    return e as B2ApiError;
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
