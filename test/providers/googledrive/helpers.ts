import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import {
  GoogleDriveEmulator,
  type GoogleDriveEmulatorOptions,
} from '../../../src/emulator/googledrive/index.js';
import {
  GoogleDrive,
  type GoogleDriveApiError,
  type GoogleDriveOptions,
} from '../../../src/providers/googledrive/index.js';

/**
 * Test plumbing: a Drive emulator on loopback ports, a token minted by its OAuth server, and GoogleDrive
 * instances pointed at it through the ApiUrl / UploadUrl settings.
 */
export interface Env {
  server: EmulatorServer;
  emulator: GoogleDriveEmulator;
  token: string;
  /** Origin of the Drive API host (www.googleapis.com). */
  origin: string;
  /** A temp directory removed by stop(). */
  dir: string;
  client(options?: GoogleDriveOptions): GoogleDrive;
  stop(): Promise<void>;
}

export async function startEnv(options: GoogleDriveEmulatorOptions = {}): Promise<Env> {
  const server = new EmulatorServer();
  const emulator = new GoogleDriveEmulator(options);
  emulator.install(server);
  await server.start();
  const origin = emulator.urls.api;
  const token = emulator.issueToken().accessToken;
  const dir = await mkdtemp(join(tmpdir(), 'gdrive-test-'));
  const clients: GoogleDrive[] = [];
  return {
    server,
    emulator,
    token,
    origin,
    dir,
    client(o: GoogleDriveOptions = {}) {
      const c = new GoogleDrive({
        apiUrl: `${origin}/drive/v3`,
        uploadUrl: `${origin}/upload/drive/v3`,
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

/** Awaits a promise that must reject; returns the error. */
export async function rejection(p: Promise<unknown>): Promise<GoogleDriveApiError> {
  try {
    await p;
  } catch (e) {
    return e as GoogleDriveApiError;
  }
  throw new Error('expected the promise to reject');
}

/** Downloads a file's bytes (to memory). */
export async function read(client: GoogleDrive, id: string, mimeType = ''): Promise<Buffer> {
  return Buffer.from((await client.downloadFile(id, mimeType, { localFile: '' })).data!);
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
