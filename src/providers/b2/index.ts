/**
 * The BackblazeB2 class and its public types.
 */
export { CloudStorageError, ErrorCode, isCloudStorageError } from '../../core/errors.js';
export { type B2Properties, BackblazeB2, type BackblazeB2Options } from './b2.js';
export { B2ApiError, B2ErrorCode } from './errors.js';
export { type B2SettingTable, b2Settings } from './settings.js';
export * from './types.js';
