import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisTokenStore } from '../../../src/core/auth/stores/redis.js';
import { BoxEmulator, DEFAULT_BOX_CLIENT } from '../../../src/emulator/box/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { type RedisServer, startRedis } from '../../helpers/redis.js';

const WORKER = fileURLToPath(new URL('./fixtures/redis-worker.ts', import.meta.url));
const record = (n: number) => ({ accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresAt: 1e13 });

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

describe('RedisTokenStore', () => {
  it('keeps a token set under its key and clears it', async () => {
    const store = new RedisTokenStore({ redis: redis.url, key: 'test:plain' });
    assert.equal(await store.get(), undefined);
    await store.set(record(1));
    assert.deepEqual(await store.get(), record(1));
    const other = new RedisTokenStore({ redis: redis.url, key: 'test:plain' });
    assert.deepEqual(await other.get(), record(1), 'a second connection sees the same tokens');
    await store.clear();
    assert.equal(await other.get(), undefined);
    await store.close();
    await other.close();
  });

  it('encrypts the tokens with the caller key, and refuses a wrong key or a missing one', async () => {
    const store = new RedisTokenStore({
      redis: redis.url,
      key: 'test:enc',
      encryptionKey: 'correct horse battery',
    });
    await store.set(record(2));
    const raw = new Redis(redis.url);
    const stored = (await raw.get('test:enc'))!;
    assert.ok(!stored.includes('access-2') && !stored.includes('refresh-2'), 'no token in clear in Redis');
    assert.deepEqual(await store.get(), record(2));
    const wrong = new RedisTokenStore({
      redis: redis.url,
      key: 'test:enc',
      encryptionKey: 'another passphrase',
    });
    await assert.rejects(
      wrong.get(),
      (e: Error & { code?: number }) => e.code === 284 && /encryptionKey/.test(e.message),
    );
    const none = new RedisTokenStore({ redis: redis.url, key: 'test:enc' });
    await assert.rejects(none.get(), (e: Error & { code?: number }) => e.code === 284);
    // The key name is authenticated: the same ciphertext under another key does not decrypt.
    await raw.set('test:enc-copy', stored);
    const moved = new RedisTokenStore({
      redis: redis.url,
      key: 'test:enc-copy',
      encryptionKey: 'correct horse battery',
    });
    await assert.rejects(moved.get(), (e: Error & { code?: number }) => e.code === 284);
    await raw.quit();
    for (const s of [store, wrong, none, moved]) await s.close();
  });

  it('lets one holder at a time run under the refresh lock, in one process and through Redis', async () => {
    const a = new RedisTokenStore({ redis: redis.url, key: 'test:lock' });
    const b = new RedisTokenStore({ redis: redis.url, key: 'test:lock' });
    let inside = 0;
    let most = 0;
    const work = (s: RedisTokenStore) =>
      s.withRefreshLock(async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      });
    await Promise.all([a, b, a, b, a, b].map(work));
    assert.equal(most, 1);
    const raw = new Redis(redis.url);
    assert.equal(await raw.exists('test:lock:lock'), 0, 'the lock is released');
    // A lock left by a holder that died (no renewal) is taken over once its lease runs out.
    await raw.set('test:lock:lock', 'dead-owner', 'PX', 300);
    const started = Date.now();
    await a.withRefreshLock(async () => undefined);
    assert.ok(Date.now() - started >= 250, 'waited for the dead holder lease');
    await raw.quit();
    await a.close();
    await b.close();
  });

  it('refuses to store tokens once its lease was lost to another holder', async () => {
    const store = new RedisTokenStore({ redis: redis.url, key: 'test:fence', lockLeaseMs: 200 });
    const raw = new Redis(redis.url);
    await assert.rejects(
      store.withRefreshLock(async () => {
        // Another process took the lock over (as after a stall past the lease).
        await raw.set('test:fence:lock', 'someone-else');
        await store.set(record(3));
      }),
      (e: Error & { code?: number }) => e.code === 603 && /lease|ran out/.test(e.message),
    );
    assert.equal(await raw.get('test:fence'), null, 'nothing was written');
    await raw.quit();
    await store.close();
  });
});

interface Fleet {
  server: EmulatorServer;
  emulator: BoxEmulator;
  clock: { offset: number };
  env: NodeJS.ProcessEnv;
  tokenRequests(): Array<{ status: number }>;
  accountRequests(): number;
}

async function startFleet(key: string): Promise<Fleet> {
  const clock = { offset: 0 };
  const server = new EmulatorServer();
  const emulator = new BoxEmulator({ now: () => Date.now() + clock.offset });
  emulator.install(server);
  await server.start();
  const issued = emulator.oauth.issueToken({
    clientId: DEFAULT_BOX_CLIENT.clientId,
    userId: emulator.store.owner.id,
  });
  const seed = new RedisTokenStore({ redis: redis.url, key, encryptionKey: 'fleet secret key' });
  await seed.set({
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: Date.now() + 3600_000,
  });
  await seed.close();
  return {
    server,
    emulator,
    clock,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      REDIS_KEY: key,
      REDIS_ENCRYPTION_KEY: 'fleet secret key',
      BOX_API_URL: `${emulator.urls.api}/2.0`,
      BOX_UPLOAD_URL: `${emulator.urls.upload}/api/2.0`,
      BOX_TOKEN_URL: `${emulator.urls.api}/oauth2/token`,
      BOX_CLIENT_ID: DEFAULT_BOX_CLIENT.clientId,
      BOX_CLIENT_SECRET: DEFAULT_BOX_CLIENT.clientSecret,
    },
    tokenRequests: () => server.requestLog.filter((e) => e.path === '/oauth2/token'),
    accountRequests: () =>
      server.requestLog.filter((e) => e.path === '/2.0/users/me' && e.status === 200).length,
  };
}

function spawnWorker(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = once(child, 'exit').then(([code]) => {
    if (code !== 0 && code !== null) process.stderr.write(stderr);
    return code as number | null;
  });
  return { child, lines, exited };
}

const tally = (lines: string[]) => JSON.parse(lines.at(-1)!) as { ok: number; failures: string[] };
const HOUR = 3600_000;

describe('RedisTokenStore shared by a fleet of processes (real redis-server, Box emulator with rotation)', () => {
  it('8 processes x 50 requests through 3 token expiries: exactly 3 refreshes, no rotated token reused, none fails', async () => {
    const fleet = await startFleet('fleet:rotation');
    try {
      const workers = Array.from({ length: 8 }, () => spawnWorker(fleet.env));
      // Expire every access token three times while the fleet works, each time once the previous refresh
      // is done and well used, so that each expiry is one event.
      let expiries = 0;
      let mark = 0;
      const monitor = setInterval(() => {
        const refreshes = fleet.tokenRequests().length;
        const calls = fleet.accountRequests();
        if (expiries < 3 && refreshes === expiries && calls - mark >= 60) {
          fleet.clock.offset += 2 * HOUR;
          expiries++;
          mark = calls;
        }
      }, 5);
      const codes = await Promise.all(workers.map((w) => w.exited));
      clearInterval(monitor);
      assert.deepEqual(codes, Array(8).fill(0));
      const results = workers.map((w) => tally(w.lines));
      assert.deepEqual(
        results.flatMap((r) => r.failures),
        [],
      );
      assert.equal(
        results.reduce((n, r) => n + r.ok, 0),
        400,
      );
      assert.equal(expiries, 3, 'the run lasted through three expiries');
      const refreshes = fleet.tokenRequests();
      assert.equal(refreshes.length, 3, 'exactly one refresh per expiry');
      assert.deepEqual(
        refreshes.map((r) => r.status),
        [200, 200, 200],
        'no refresh token was used twice',
      );
    } finally {
      await fleet.server.stop();
    }
  });

  it('a process killed with SIGKILL while holding the refresh lock blocks the others only for its lease', async () => {
    const fleet = await startFleet('fleet:killed');
    try {
      const env = { ...fleet.env, LOCK_LEASE_MS: '1500' };
      fleet.clock.offset += 2 * HOUR;
      const victim = spawnWorker({ ...env, WORKER_STALL_IN_LOCK: '1' });
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (victim.lines.includes('LOCKED')) {
            clearInterval(poll);
            resolve();
          }
        }, 5);
        victim.exited.then(() => {
          clearInterval(poll);
          reject(new Error('the victim exited before taking the lock'));
        });
      });
      victim.child.kill('SIGKILL');
      await victim.exited;
      const raw = new Redis(redis.url);
      assert.equal(await raw.exists('fleet:killed:lock'), 1, 'the dead process left its lock behind');
      await raw.quit();
      const workers = Array.from({ length: 7 }, () => spawnWorker(env));
      const codes = await Promise.all(workers.map((w) => w.exited));
      assert.deepEqual(codes, Array(7).fill(0));
      const results = workers.map((w) => tally(w.lines));
      assert.deepEqual(
        results.flatMap((r) => r.failures),
        [],
      );
      assert.equal(
        results.reduce((n, r) => n + r.ok, 0),
        350,
      );
      const refreshes = fleet.tokenRequests();
      assert.deepEqual(
        refreshes.map((r) => r.status),
        [200],
        'one refresh, by a survivor, after the lease',
      );
    } finally {
      await fleet.server.stop();
    }
  });
});
