import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis, RedisOptions } from 'ioredis';
import { CloudStorageError, ErrorCode, invalidArgument, socketErrorCode } from '../../errors.js';
import type { TokenRecord, TokenStore } from '../types.js';
import { Mutex } from './mutex.js';

export interface RedisTokenStoreOptions {
  /** A connected ioredis client, a `redis://` URL, or ioredis options. The store closes only what it opened. */
  redis: Redis | string | RedisOptions;
  /** The Redis key of the token set (one per account and app), e.g. `cloudstorage:tokens:box:backup`. */
  key: string;
  /**
   * Encrypts the tokens in Redis (AES-256-GCM): 32 bytes, 64 hex digits, or a passphrase (stretched with
   * scrypt). Without it the tokens are stored as plain JSON, readable by anyone who can read the key.
   */
  encryptionKey?: Uint8Array | string;
  /**
   * How long the refresh lock is held without a sign of life; default 15 s. The holder renews it every third
   * of this while it refreshes, so only a holder that died (or hangs) loses it.
   */
  lockLeaseMs?: number;
  /** How long `withRefreshLock` waits for another process's refresh before giving up; default 60 s. */
  lockTimeoutMs?: number;
}

/** Releases the lock only if we still hold it (the value is our owner token). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends the lease only if we still hold it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Writes the tokens only while we hold the lock: a holder whose lease ran out must not overwrite a newer set. */
const SET_IF_OWNER = `if redis.call('get', KEYS[2]) == ARGV[2] then redis.call('set', KEYS[1], ARGV[1]) return 1 else return 0 end`;

/** One in-process queue per Redis key, so instances of one process line up before they go to Redis. */
const localLocks = new Map<string, { mutex: Mutex; owner?: string }>();

const FORMAT = 'cs1';

/**
 * Tokens in Redis, shared by any number of processes on any number of machines.
 *
 * `withRefreshLock` takes a lock in Redis (`<key>:lock`, `SET NX PX` with a random owner token), renewed while
 * the refresh runs. The OAuth client re-reads the tokens inside the lock and refreshes only when nobody did it
 * meanwhile, so when a token expires exactly one process refreshes and the others adopt its result; with
 * rotating refresh tokens no process sends a refresh token that was already used. A process that dies holding
 * the lock stops renewing it, and the others carry on once its lease has run out.
 */
export class RedisTokenStore implements TokenStore {
  readonly key: string;
  private readonly lockKey: string;
  private readonly client: Promise<Redis>;
  private readonly ownsConnection: boolean;
  private readonly cipherKey: Buffer | undefined;
  private readonly leaseMs: number;
  private readonly lockTimeoutMs: number;
  private readonly local: { mutex: Mutex; owner?: string };

  constructor(options: RedisTokenStoreOptions) {
    if (!options.key) throw invalidArgument('RedisTokenStore needs a key (the Redis key of the token set).');
    this.key = options.key;
    this.lockKey = `${options.key}:lock`;
    if (isRedisClient(options.redis)) {
      this.client = Promise.resolve(options.redis);
      this.ownsConnection = false;
    } else {
      // ioredis is loaded only by a process that uses this store.
      const config = options.redis;
      this.client = import('ioredis').then(({ Redis: RedisClient }) =>
        typeof config === 'string'
          ? new RedisClient(config, { lazyConnect: true, maxRetriesPerRequest: 3 })
          : new RedisClient({ lazyConnect: true, maxRetriesPerRequest: 3, ...config }),
      );
      this.ownsConnection = true;
    }
    this.cipherKey =
      options.encryptionKey === undefined ? undefined : deriveKey(options.encryptionKey, this.key);
    this.leaseMs = options.lockLeaseMs ?? 15_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
    if (!(this.leaseMs >= 100)) throw invalidArgument('lockLeaseMs must be at least 100 ms.');
    let local = localLocks.get(this.key);
    if (!local) {
      local = { mutex: new Mutex() };
      localLocks.set(this.key, local);
    }
    this.local = local;
  }

  async get(): Promise<TokenRecord | undefined> {
    const text = await this.call((r) => r.get(this.key));
    return text === null ? undefined : this.decode(text);
  }

  async set(record: TokenRecord): Promise<void> {
    const value = this.encode(record);
    const owner = this.local.owner;
    if (owner === undefined) {
      await this.call((r) => r.set(this.key, value));
      return;
    }
    const written = await this.call((r) => r.eval(SET_IF_OWNER, 2, this.key, this.lockKey, value, owner));
    if (written !== 1) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        `The refresh lock on ${this.key} ran out before the new tokens were stored (this process stalled for longer than lockLeaseMs); another process may have refreshed meanwhile. If calls now fail with invalid_grant, sign in again.`,
      );
    }
  }

  async clear(): Promise<void> {
    await this.call((r) => r.del(this.key));
  }

  /**
   * Runs `fn` (the OAuth client's re-read-and-maybe-refresh) while holding the lock shared by every process
   * using this key. Waits for another holder, at most lockTimeoutMs.
   */
  withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.local.mutex.run(async () => {
      const owner = randomBytes(16).toString('hex');
      await this.acquire(owner);
      const redis = await this.client;
      this.local.owner = owner;
      const renew = setInterval(
        () => {
          redis.eval(RENEW, 1, this.lockKey, owner, String(this.leaseMs)).catch(() => undefined);
        },
        Math.max(50, Math.floor(this.leaseMs / 3)),
      );
      renew.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        this.local.owner = undefined;
        await redis.eval(RELEASE, 1, this.lockKey, owner).catch(() => undefined);
      }
    });
  }

  /** Closes the connection if the store opened it. */
  async close(): Promise<void> {
    if (!this.ownsConnection) return;
    const redis = await this.client;
    await redis.quit().catch(() => redis.disconnect());
  }

  private async acquire(owner: string): Promise<void> {
    const deadline = Date.now() + this.lockTimeoutMs;
    let wait = 25;
    for (;;) {
      const ok = await this.call((r) => r.set(this.lockKey, owner, 'PX', this.leaseMs, 'NX'));
      if (ok === 'OK') return;
      if (Date.now() >= deadline) {
        throw new CloudStorageError(
          ErrorCode.Timeout,
          `Another process has held the token refresh lock ${this.lockKey} for over ${this.lockTimeoutMs} ms; raise lockTimeoutMs, or check that process.`,
        );
      }
      await delay(wait + Math.floor(Math.random() * wait));
      wait = Math.min(wait * 2, 250);
    }
  }

  private encode(record: TokenRecord): string {
    const json = JSON.stringify(record);
    if (!this.cipherKey) return json;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.cipherKey, iv);
    // The key name is authenticated too: a token set copied under another key does not decrypt.
    cipher.setAAD(Buffer.from(this.key));
    const data = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  private decode(text: string): TokenRecord {
    let json = text;
    if (text.startsWith(`${FORMAT}:`)) {
      if (!this.cipherKey) {
        throw new CloudStorageError(
          ErrorCode.DecryptionFailed,
          `The tokens in ${this.key} are encrypted: give the store its encryptionKey.`,
        );
      }
      const raw = Buffer.from(text.slice(FORMAT.length + 1), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.cipherKey, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(this.key));
        decipher.setAuthTag(raw.subarray(12, 28));
        json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new CloudStorageError(
          ErrorCode.DecryptionFailed,
          `The tokens in ${this.key} do not decrypt with this encryptionKey (a wrong key, or the data was changed).`,
        );
      }
    } else if (this.cipherKey) {
      throw new CloudStorageError(
        ErrorCode.DecryptionFailed,
        `The tokens in ${this.key} are not encrypted although an encryptionKey was given; clear the key and sign in again to store them encrypted.`,
      );
    }
    try {
      const record = JSON.parse(json) as TokenRecord;
      if (typeof record?.accessToken !== 'string') throw new Error('no accessToken');
      return record;
    } catch (e) {
      throw new CloudStorageError(ErrorCode.ServerError, `The value of ${this.key} is not a token record.`, {
        cause: e,
      });
    }
  }

  private async call<T>(op: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      const redis = await this.client;
      if (redis.status === 'wait') await redis.connect();
      return await op(redis);
    } catch (e) {
      if (e instanceof CloudStorageError) throw e;
      throw new CloudStorageError(
        socketErrorCode((e as NodeJS.ErrnoException).code) ?? ErrorCode.ConnectionDropped,
        `The Redis token store could not reach Redis: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
}

function isRedisClient(value: unknown): value is Redis {
  return typeof value === 'object' && value !== null && typeof (value as Redis).eval === 'function';
}

function deriveKey(key: Uint8Array | string, salt: string): Buffer {
  if (typeof key !== 'string') {
    if (key.length !== 32) throw invalidArgument('encryptionKey as bytes must be 32 bytes long.');
    return Buffer.from(key);
  }
  if (/^[0-9a-f]{64}$/i.test(key)) return Buffer.from(key, 'hex');
  if (key.length < 8)
    throw invalidArgument('encryptionKey as a passphrase must be at least 8 characters long.');
  return scryptSync(key, `cloudstorage redis token store ${salt}`, 32, {
    N: 1 << 15,
    r: 8,
    p: 1,
    maxmem: 64 << 20,
  });
}
