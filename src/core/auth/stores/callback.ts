import type { TokenRecord, TokenStore } from '../types.js';

export interface CallbackTokenStoreOptions {
  /** Called whenever the tokens change (a new access token, a rotated refresh token). */
  save: (record: TokenRecord) => void | Promise<void>;
  /** Supplies the tokens saved by an earlier run, if any. */
  load?: () => TokenRecord | undefined | Promise<TokenRecord | undefined>;
  /** Called when the tokens are cleared. */
  clear?: () => void | Promise<void>;
}

/**
 * Tokens handed to the application, which keeps them where it likes (a keychain, a database): the
 * counterpart of the `store_tokens` callback of Box's Python SDK. A copy is also kept in memory.
 */
export class CallbackTokenStore implements TokenStore {
  private record: TokenRecord | undefined;
  private loaded = false;

  constructor(private readonly options: CallbackTokenStoreOptions) {}

  async get(): Promise<TokenRecord | undefined> {
    if (!this.loaded && this.options.load) {
      const loaded = await this.options.load();
      this.record = loaded ? structuredClone(loaded) : undefined;
    }
    this.loaded = true;
    return this.record ? structuredClone(this.record) : undefined;
  }

  async set(record: TokenRecord): Promise<void> {
    this.record = structuredClone(record);
    this.loaded = true;
    await this.options.save(structuredClone(record));
  }

  async clear(): Promise<void> {
    this.record = undefined;
    this.loaded = true;
    await this.options.clear?.();
  }
}

/**
 * A store from a Box-SDK-style callback `storeTokens(accessToken, refreshToken)`, called whenever the tokens
 * change, and an optional loader returning the saved pair.
 */
export function storeTokensCallback(
  storeTokens: (accessToken: string, refreshToken: string | undefined) => void | Promise<void>,
  load?: () =>
    | { accessToken: string; refreshToken?: string }
    | undefined
    | Promise<{ accessToken: string; refreshToken?: string } | undefined>,
): CallbackTokenStore {
  return new CallbackTokenStore({
    save: (r) => storeTokens(r.accessToken, r.refreshToken),
    ...(load ? { load: async () => await load() } : {}),
  });
}
