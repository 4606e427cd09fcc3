import type { TokenRecord, TokenStore } from '../types.js';
import { Mutex } from './mutex.js';

/**
 * Tokens in memory only: they live as long as the process. Several clients may share one instance; its
 * refresh lock keeps them from refreshing the same token at once.
 */
export class MemoryTokenStore implements TokenStore {
  private record: TokenRecord | undefined;
  private readonly lock = new Mutex();

  constructor(initial?: TokenRecord) {
    this.record = initial ? structuredClone(initial) : undefined;
  }

  async get(): Promise<TokenRecord | undefined> {
    return this.record ? structuredClone(this.record) : undefined;
  }

  async set(record: TokenRecord): Promise<void> {
    this.record = structuredClone(record);
  }

  async clear(): Promise<void> {
    this.record = undefined;
  }

  withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(fn);
  }
}
