/**
 * Test plumbing for the distributed queue: a real redis-server, the Box emulator (small parts, short-lived
 * rotating tokens) and the B2 emulator (small parts, one bucket), remotes described as JSON so spawned worker processes build the same ones, worker
 * processes, and a schedule of injected faults.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisTokenStore } from '../../src/core/auth/stores/redis.js';
import { B2Emulator } from '../../src/emulator/b2/index.js';
import { BoxEmulator, DEFAULT_BOX_CLIENT } from '../../src/emulator/box/index.js';
import { EmulatorServer, type FaultSpec } from '../../src/emulator/core/index.js';
import { BackblazeB2 } from '../../src/providers/b2/index.js';
import { Box } from '../../src/providers/box/index.js';
import { B2Remote } from '../../src/remote/b2.js';
import { BoxRemote } from '../../src/remote/box.js';
import { LocalRemote } from '../../src/remote/local.js';
import type { Remote } from '../../src/remote/types.js';
import { withServiceParts } from '../../src/remote/with-parts.js';
import { type RedisServer, startRedis } from './redis.js';

export type RemoteSpec =
  | { type: 'local'; root: string }
  | {
      type: 'box';
      apiUrl: string;
      uploadUrl: string;
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      redis: string;
      tokenKey: string;
      minResumableUploadSize: number;
    }
  | { type: 'b2'; authUrl: string; keyId: string; key: string };

export type RemoteSpecs = Record<string, RemoteSpec>;

/** The remotes of the specs, by name (Box with part uploads and its tokens in Redis). */
export async function buildRemotes(specs: RemoteSpecs): Promise<Record<string, Remote>> {
  const out: Record<string, Remote> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === 'local') {
      out[name] = new LocalRemote(spec.root, { name });
    } else if (spec.type === 'b2') {
      const b2 = new BackblazeB2({
        authURL: spec.authUrl,
        applicationKeyId: spec.keyId,
        applicationKey: spec.key,
        retryBaseDelayMs: 10,
        retryMaxDelayMs: 100,
      });
      const remote = new B2Remote(b2, { name });
      out[name] = withServiceParts(remote);
    } else {
      const tokenStore = new RedisTokenStore({ redis: spec.redis, key: spec.tokenKey });
      const box = new Box({
        apiUrl: spec.apiUrl,
        uploadUrl: spec.uploadUrl,
        oAuthClientId: spec.clientId,
        oAuthClientSecret: spec.clientSecret,
        oAuthServerTokenUrl: spec.tokenUrl,
        retryBaseDelayMs: 10,
        tokenStore,
      });
      box.config(`MinResumableUploadSize=${spec.minResumableUploadSize}`);
      const remote = new BoxRemote(box, { name });
      const close = remote.close.bind(remote);
      remote.close = async () => {
        await close();
        await tokenStore.close();
      };
      out[name] = withServiceParts(remote);
    }
  }
  return out;
}

export interface FleetOptions {
  /** Box's part size (the emulator chooses it) and smallest session. */
  boxPartSize?: number;
  boxMinSession?: number;
  /** Lifetime of Box access tokens (refreshed by the workers through the Redis token store). */
  tokenLifetimeSeconds?: number;
  requestLogLimit?: number;
  /** B2's smallest part (the client's part size is this too); default 64 KiB. */
  b2PartSize?: number;
}

export interface Worker {
  child: ChildProcess;
  /** Every line the worker printed. */
  lines: string[];
  /** Resolves on the first line (new or already printed) that passes `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

export interface Fleet {
  redis: RedisServer;
  boxServer: EmulatorServer;
  box: BoxEmulator;
  b2Server: EmulatorServer;
  b2: B2Emulator;
  /** The B2 bucket the tests copy to. */
  bucket: string;
  /** A temp folder (removed by close). */
  dir: string;
  specs: RemoteSpecs;
  tokenKey: string;
  /** Spawns a worker process with these remotes and extra worker-main flags. */
  spawnWorker(args?: string[]): Worker;
  close(): Promise<void>;
}

const WORKER_MAIN = fileURLToPath(new URL('../../src/queue/worker-main.ts', import.meta.url));
const REMOTES_MODULE = fileURLToPath(new URL('../queue/fixtures/remotes.ts', import.meta.url));

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const redis = await startRedis();
  const dir = await mkdtemp(join(tmpdir(), 'queue-test-'));
  const boxServer = new EmulatorServer({ requestLogLimit: options.requestLogLimit ?? 1_000_000 });
  const partSize = options.boxPartSize ?? 64 * 1024;
  const minSession = options.boxMinSession ?? 4 * partSize;
  const box = new BoxEmulator({
    accessTokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    config: { minChunkedUploadSize: minSession, partSizeFor: () => partSize },
  });
  box.install(boxServer);
  await boxServer.start();
  const b2Server = new EmulatorServer({ requestLogLimit: options.requestLogLimit ?? 1_000_000 });
  const b2PartSize = options.b2PartSize ?? 64 * 1024;
  const b2 = new B2Emulator({ absoluteMinimumPartSize: b2PartSize, recommendedPartSize: b2PartSize });
  b2.install(b2Server);
  await b2Server.start();
  const bucket = 'queue-test-bucket';
  b2.createBucket(bucket, { bucketType: 'allPrivate' });
  const tokenKey = 'cloudstorage:tokens:box:test';
  const issued = box.oauth.issueToken({ clientId: DEFAULT_BOX_CLIENT.clientId, userId: box.store.owner.id });
  const seed = new RedisTokenStore({ redis: redis.url, key: tokenKey });
  await seed.set({
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: issued.expiresAt,
  });
  await seed.close();
  const specs: RemoteSpecs = {
    src: { type: 'local', root: join(dir, 'src') },
    box: {
      type: 'box',
      apiUrl: `${box.urls.api}/2.0`,
      uploadUrl: `${box.urls.upload}/api/2.0`,
      tokenUrl: `${box.urls.api}/oauth2/token`,
      clientId: DEFAULT_BOX_CLIENT.clientId,
      clientSecret: DEFAULT_BOX_CLIENT.clientSecret ?? '',
      redis: redis.url,
      tokenKey,
      minResumableUploadSize: minSession,
    },
    b2: { type: 'b2', authUrl: b2.urls.api, keyId: b2.accountId, key: b2.masterKey },
  };
  const workers: Worker[] = [];
  return {
    redis,
    boxServer,
    box,
    b2Server,
    b2,
    bucket,
    dir,
    specs,
    tokenKey,
    spawnWorker(args: string[] = []) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', WORKER_MAIN, '--redis', redis.url, '--remotes', REMOTES_MODULE, ...args],
        { env: { ...process.env, QUEUE_REMOTES: JSON.stringify(specs) }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const lines: string[] = [];
      const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          lines.push(line);
          for (const w of waiters.filter((x) => x.test(line))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const worker: Worker = {
        child,
        lines,
        exited,
        waitFor(test) {
          const seen = lines.find(test);
          if (seen) return Promise.resolve(seen);
          return new Promise((resolve, reject) => {
            waiters.push({ test, resolve });
            exited.then((code) =>
              reject(new Error(`worker exited (${code}) before the line came: ${stderr}`)),
            );
          });
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
        },
      };
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const w of workers) {
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
        await w.exited;
      }
      await boxServer.stop();
      await b2Server.stop();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Arms one fault for every `1 / ratio`-th request the server sees (after the first `after`), cycling
 * through the `kinds` that fit the request (method, path): a test-level schedule over the emulator's FaultInjector. Returns how many were armed.
 */
export function injectFaults(
  server: EmulatorServer,
  ratio: number,
  kinds: FaultSpec[],
  options: { after?: number; skip?: (method: string, path: string) => boolean } = {},
): { armed(): number; stop(): void } {
  const faults = server.faults;
  const take = faults.take.bind(faults);
  const every = Math.round(1 / ratio);
  let seen = 0;
  let armed = 0;
  let on = true;
  faults.take = (method, path, host) => {
    const chosen = take(method, path, host);
    if (chosen || !on || options.skip?.(method, path)) return chosen;
    seen++;
    if (seen <= (options.after ?? 0) || seen % every !== 0) return undefined;
    // The kinds that fit this request (some are for one method or path only).
    const fitting = kinds.filter(
      (k) =>
        (!k.method || k.method === method) &&
        (!k.path || (typeof k.path === 'string' ? path.includes(k.path) : k.path.test(path))),
    );
    const kind = fitting[armed % fitting.length];
    if (!kind) return undefined;
    armed++;
    return { ...kind, id: -armed, remaining: 0 };
  };
  return {
    armed: () => armed,
    stop() {
      on = false;
      faults.take = take;
    },
  };
}

/** Waits for a child to end (after a SIGKILL, say). */
export async function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}
