import type { Redis } from 'ioredis';
import { sleep } from '../core/http/retry.js';
import { type PartUploads, partUploadsOf } from '../remote/parts.js';
import type { Remote } from '../remote/types.js';

/**
 * Requests per second per service account, shared by every worker on every machine: a token bucket in
 * Redis (one key per account), timed by the Redis server's clock so that machines' clocks do not matter.
 * A call takes one token; when none is left it waits as long as the bucket needs to refill one.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('hmget', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
-- A caller that must wait takes nothing now: it asks again after the wait.
redis.call('hset', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('pexpire', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait`;

export class RateLimit {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** Tokens per second. */
    readonly perSecond: number,
    /** Tokens that may be taken at once after a quiet spell (default: one second's worth). */
    readonly burst = Math.max(1, Math.ceil(perSecond)),
  ) {}

  /** Takes a token if one is there: 0, else the milliseconds until one will be (nothing is taken then). */
  async tryTake(): Promise<number> {
    return Number(await this.redis.eval(TAKE, 1, this.key, String(this.perSecond), String(this.burst)));
  }

  /** Waits for a token. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = await this.tryTake();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }
}

/**
 * The remote with every call taking a token first (each call is one request, or a few: a path resolved
 * through a listing). The limit counts calls because the queue sees the remote interface, not the wire;
 * a 429 from the service is still waited out by the class's own retry (Retry-After).
 */
export function limitedRemote(remote: Remote, limit: RateLimit): Remote {
  const gate =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await limit.take();
      return fn(...args);
    };
  const parts = partUploadsOf(remote);
  const limited: Remote & { parts?: PartUploads } = {
    name: remote.name,
    type: remote.type,
    features: remote.features,
    list: (path, options) => {
      async function* listed() {
        await limit.take(options?.signal);
        yield* remote.list(path, options);
      }
      return listed();
    },
    stat: gate(remote.stat.bind(remote)),
    read: gate(remote.read.bind(remote)),
    write: gate(remote.write.bind(remote)),
    mkdir: gate(remote.mkdir.bind(remote)),
    rmdir: gate(remote.rmdir.bind(remote)),
    delete: gate(remote.delete.bind(remote)),
    purge: gate(remote.purge.bind(remote)),
    copy: gate(remote.copy.bind(remote)),
    move: gate(remote.move.bind(remote)),
    about: gate(remote.about.bind(remote)),
    link: gate(remote.link.bind(remote)),
    hash: gate(remote.hash.bind(remote)),
    close: () => remote.close(),
  };
  if (parts) {
    limited.parts = {
      minFileSize: () => parts.minFileSize(),
      start: gate(parts.start.bind(parts)),
      uploadPart: gate(parts.uploadPart.bind(parts)),
      listParts: gate(parts.listParts.bind(parts)),
      commit: gate(parts.commit.bind(parts)),
      abort: gate(parts.abort.bind(parts)),
    };
  }
  return limited;
}
