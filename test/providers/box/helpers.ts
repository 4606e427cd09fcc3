import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoxEmulator, type BoxEmulatorOptions } from '../../../src/emulator/box/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { Box, type BoxOptions } from '../../../src/providers/box/index.js';

export interface BoxEnv {
  server: EmulatorServer;
  emulator: BoxEmulator;
  /** An access token of the account's user. */
  token: string;
  /** A Box instance pointed at the emulator (with the token as `authorization` unless options say otherwise). */
  box(options?: BoxOptions): Box;
  /** A temporary directory, removed by close(). */
  dir: string;
  close(): Promise<void>;
}

/** Starts a Box emulator on loopback ports and hands out Box instances pointed at it. */
export async function startBoxEnv(options: BoxEmulatorOptions = {}): Promise<BoxEnv> {
  const server = new EmulatorServer();
  const emulator = new BoxEmulator(options);
  emulator.install(server);
  await server.start();
  const token = emulator.issueToken();
  const dir = await mkdtemp(join(tmpdir(), 'box-class-test-'));
  const made: Box[] = [];
  return {
    server,
    emulator,
    token,
    dir,
    box(extra: BoxOptions = {}) {
      const b = new Box({
        apiUrl: `${emulator.urls.api}/2.0`,
        uploadUrl: `${emulator.urls.upload}/api/2.0`,
        authorization: `Bearer ${token}`,
        retryBaseDelayMs: 10,
        ...extra,
      });
      made.push(b);
      return b;
    },
    async close() {
      for (const b of made) await b.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

/** SHA-1 of a file, streamed. */
export async function sha1File(path: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `size` random bytes to `path` in 1 MiB chunks (never the whole file in memory); returns its SHA-1. */
export async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha1');
  const out = createWriteStream(path);
  for (let written = 0; written < size; ) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - written));
    hash.update(chunk);
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/** Awaits a promise that must fail with a CloudStorageError of this code; returns the error. */
export async function rejectsWithCode(
  promise: Promise<unknown>,
  code: number,
): Promise<Error & { code: number; providerCode?: string; retryAfter?: number; httpStatus?: number }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { code: number };
    if (err.code !== code) {
      throw new Error(`expected error code ${code}, got ${err.code}: ${err.message}`, { cause: err });
    }
    return err;
  }
  throw new Error(`expected error code ${code}, but the call succeeded`);
}
