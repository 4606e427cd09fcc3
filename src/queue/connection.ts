import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { invalidArgument } from '../core/errors.js';

/** Where the queue lives: a Redis URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS). */
export interface QueueConnection {
  /** The Redis server. */
  redis: string;
  /** The queue's name (default `cloudstorage`): workers and enqueuers of one migration use the same. */
  queue?: string;
  /** Prefix of every Redis key (BullMQ's and ours; default `bull`). */
  prefix?: string;
}

export const DEFAULT_QUEUE = 'cloudstorage';
export const DEFAULT_PREFIX = 'bull';

/** The ioredis options of a `redis://` or `rediss://` URL, as BullMQ needs them (no per-command retry cap). */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalidArgument(`"${url}" is not a Redis URL: write redis://host:6379 (or rediss:// for TLS).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw invalidArgument(
      `"${u.protocol}" is not a Redis URL scheme: write redis://host:6379 (or rediss:// for TLS).`,
    );
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db))
    throw invalidArgument(`The Redis database in "${url}" must be a number.`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking commands must wait as long as they need.
    maxRetriesPerRequest: null,
  };
}

/** A new ioredis connection to the queue's Redis. */
export function connect(connection: QueueConnection): Redis {
  const { host, port, username, password, db, tls } = redisOptions(connection.redis);
  return new Redis({ host, port, username, password, db, tls, maxRetriesPerRequest: null });
}

export function queueName(connection: QueueConnection): string {
  return connection.queue ?? DEFAULT_QUEUE;
}

export function keyPrefix(connection: QueueConnection): string {
  return connection.prefix ?? DEFAULT_PREFIX;
}
