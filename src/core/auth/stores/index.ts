export { CallbackTokenStore, type CallbackTokenStoreOptions, storeTokensCallback } from './callback.js';
export { FileTokenStore, type FileTokenStoreOptions } from './file.js';
export { MemoryTokenStore } from './memory.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './redis.js';
