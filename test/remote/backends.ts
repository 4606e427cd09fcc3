/**
 * The remotes the contract test runs against: each adapter on its emulator (in-process, loopback), the
 * local disk in a temporary folder. Thresholds (session uploads, large files) are set small so that a few
 * hundred KiB cross them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoxRemote } from '../../src/remote/box.js';
import { LocalRemote } from '../../src/remote/local.js';
import type { Remote } from '../../src/remote/types.js';
import { startBoxEnv } from '../providers/box/helpers.js';

export interface Backend {
  remote: Remote;
  /** A write of at least this many bytes (known size) goes through the service's session / large-file upload. */
  sessionSize: number;
  stop(): Promise<void>;
}

export interface BackendFactory {
  name: string;
  start(): Promise<Backend>;
}

const KiB = 1024;

export const local: BackendFactory = {
  name: 'local',
  async start() {
    const dir = await mkdtemp(join(tmpdir(), 'remote-local-'));
    const remote = new LocalRemote(dir, { name: 'local' });
    return {
      remote,
      sessionSize: Number.POSITIVE_INFINITY,
      async stop() {
        await remote.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const box: BackendFactory = {
  name: 'box',
  async start() {
    const part = 64 * KiB;
    const env = await startBoxEnv({ config: { minChunkedUploadSize: 100 * KiB, partSizeFor: () => part } });
    const remote = new BoxRemote(env.box({ minResumableUploadSize: 100 * KiB, uploadConcurrency: 2 }));
    return {
      remote,
      sessionSize: 100 * KiB,
      async stop() {
        await env.close();
      },
    };
  },
};

export const BACKENDS: BackendFactory[] = [local, box];
