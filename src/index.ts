/**
 * cloudstorage: Box, Dropbox, Google Drive and Backblaze B2 from Node.js.
 */

export type {
  AccessTokenAnswer,
  AccessTokenCallback,
  TokenRecord,
  TokenSource,
  TokenSourceContext,
  TokenStore,
} from './core/auth/index.js';
export {
  CallbackTokenSource,
  CallbackTokenStore,
  FileTokenStore,
  JwtAssertionGrant,
  MemoryTokenStore,
  RedisTokenStore,
  type RedisTokenStoreOptions,
  storeTokensCallback,
} from './core/auth/index.js';
export {
  type CallOptions,
  CloudClient,
  type CloudClientOptions,
  type CoreProperties,
  coreSettings,
  type ParsedHeader,
  type QueryParam,
} from './core/client.js';
export { CloudStorageError, ErrorCode, isCloudStorageError } from './core/errors.js';
export type * from './core/events.js';
export { JsonXPath } from './core/json-xpath.js';
export { setHashThreads } from './core/transfer/hash-thread.js';
export * as b2 from './providers/b2/index.js';
export { B2ApiError, B2ErrorCode, BackblazeB2, type BackblazeB2Options } from './providers/b2/index.js';
export * as box from './providers/box/index.js';
export { Box, BoxErrorCode, type BoxJwtConfig, type BoxOptions } from './providers/box/index.js';
export * as dropbox from './providers/dropbox/index.js';
export { Dropbox, DropboxApiError, type DropboxOptions } from './providers/dropbox/index.js';
export * as googledrive from './providers/googledrive/index.js';
export { GoogleDrive, GoogleDriveApiError, type GoogleDriveOptions } from './providers/googledrive/index.js';
export * as remote from './remote/index.js';
