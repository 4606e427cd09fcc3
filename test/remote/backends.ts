/**
 * The remotes the contract test runs against: each adapter on its emulator (in-process, loopback), the
 * local disk in a temporary folder. Thresholds (session uploads, large files) are set small so that a few
 * hundred KiB cross them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { B2Remote } from '../../src/remote/b2.js';
import { BoxRemote } from '../../src/remote/box.js';
import { CryptRemote } from '../../src/remote/crypt.js';
import { DropboxRemote } from '../../src/remote/dropbox.js';
import { GoogleDriveRemote } from '../../src/remote/googledrive.js';
import { LocalRemote } from '../../src/remote/local.js';
import { RootedRemote } from '../../src/remote/rooted.js';
import type { Remote } from '../../src/remote/types.js';
import { startEnv as startB2Env } from '../providers/b2/helpers.js';
import { startBoxEnv } from '../providers/box/helpers.js';
import { startEnv as startDropboxEnv } from '../providers/dropbox/helpers.js';
import { startEnv as startDriveEnv } from '../providers/googledrive/helpers.js';

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

export const dropbox: BackendFactory = {
  name: 'dropbox',
  async start() {
    const env = await startDropboxEnv();
    const remote = new DropboxRemote(env.client({ fragmentSize: 64 * KiB }));
    return {
      remote,
      sessionSize: 64 * KiB + 1,
      async stop() {
        await env.stop();
      },
    };
  },
};

export const googledrive: BackendFactory = {
  name: 'googledrive',
  async start() {
    const env = await startDriveEnv();
    // Drive's chunks are multiples of 256 KiB.
    const remote = new GoogleDriveRemote(env.client({ fragmentSize: 256 * KiB }));
    return {
      remote,
      sessionSize: 256 * KiB + 1,
      async stop() {
        await env.stop();
      },
    };
  },
};

export const b2: BackendFactory = {
  name: 'b2',
  async start() {
    const env = await startB2Env();
    // B2's parts are at least 5 MiB (and a large file has two or more).
    const part = 5 * 1024 * KiB;
    const client = env.client({ uploadConcurrency: 2 });
    // The first authorize sets the part sizes from the account's: set them after it.
    await client.authorize();
    client.config(`FragmentSize=${part}`);
    client.config(`SimpleUploadLimit=${part}`);
    // Buckets are the first path element: the contract runs inside one.
    const remote = new RootedRemote(new B2Remote(client), 'remote-contract-bucket');
    return {
      remote,
      sessionSize: part + 1,
      async stop() {
        await env.stop();
      },
    };
  },
};

/** The encrypting remote over another backend (content in rclone's crypt format, names + `.bin`). */
export function crypt(under: BackendFactory, password2?: string): BackendFactory {
  return {
    name: `crypt over ${under.name}`,
    async start() {
      const inner = await under.start();
      const remote = new CryptRemote(inner.remote, {
        password: 'contract password',
        ...(password2 ? { password2 } : {}),
      });
      // The ciphertext is larger than the plaintext: the plaintext threshold is a little lower.
      return { remote, sessionSize: inner.sessionSize, stop: () => inner.stop() };
    },
  };
}

export const BACKENDS: BackendFactory[] = [local, box, dropbox, googledrive, b2];

/** The backends the contract runs on: the five, and encryption over two of them. */
export const CONTRACT_BACKENDS: BackendFactory[] = [...BACKENDS, crypt(local), crypt(dropbox, 'salt two')];
