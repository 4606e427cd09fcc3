/**
 * A pool of "one connection at a time" server resources, such as B2's upload URLs with their tokens: each
 * may be used by one request at a time, may be used again afterwards, and must be thrown away after
 * certain failures. A caller leases one (taking an idle one or creating a new one), then either gives it
 * back (`release`) or drops it (`discard`). Idle items expire after `maxAgeMs` from their creation.
 */
export interface Lease<T> {
  readonly value: T;
  /** Back to the pool for the next request. */
  release(): void;
  /** Never used again (the server refused it, or the connection broke while using it). */
  discard(): void;
}

interface Entry<T> {
  value: T;
  created: number;
}

export interface TokenPoolOptions {
  /** An item older than this is not leased again (B2: 24 h). Default 23 h. */
  maxAgeMs?: number;
  /** Idle items kept per key; more are dropped on release. Default 16. */
  maxIdlePerKey?: number;
  now?: () => number;
}

export class TokenPool<T> {
  private readonly idle = new Map<string, Entry<T>[]>();
  private readonly maxAgeMs: number;
  private readonly maxIdle: number;
  private readonly now: () => number;
  /** How many items were created (for tests and logs). */
  created = 0;

  constructor(options: TokenPoolOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 23 * 3600 * 1000;
    this.maxIdle = options.maxIdlePerKey ?? 16;
    this.now = options.now ?? Date.now;
  }

  /** An idle item of `key`, or a new one from `create`. */
  async lease(key: string, create: () => Promise<T>): Promise<Lease<T>> {
    const list = this.idle.get(key);
    let entry: Entry<T> | undefined;
    while (list?.length) {
      const candidate = list.pop()!;
      if (this.now() - candidate.created < this.maxAgeMs) {
        entry = candidate;
        break;
      }
    }
    if (list && list.length === 0) this.idle.delete(key);
    if (!entry) {
      entry = { value: await create(), created: this.now() };
      this.created++;
    }
    const leased = entry;
    let done = false;
    return {
      value: leased.value,
      release: () => {
        if (done) return;
        done = true;
        const idle = this.idle.get(key) ?? [];
        if (idle.length < this.maxIdle) idle.push(leased);
        this.idle.set(key, idle);
      },
      discard: () => {
        done = true;
      },
    };
  }

  /** Drops the idle items of one key (a finished large file's part URLs), or of every key. */
  clear(key?: string): void {
    if (key === undefined) this.idle.clear();
    else this.idle.delete(key);
  }

  /** Idle items of a key. */
  idleCount(key: string): number {
    return this.idle.get(key)?.length ?? 0;
  }
}
