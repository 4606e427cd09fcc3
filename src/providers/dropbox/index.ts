/**
 * The Dropbox class and its public types.
 */
export { CloudStorageError, ErrorCode, isCloudStorageError } from '../../core/errors.js';
export { Dropbox, type DropboxOptions, type DropboxProperties } from './dropbox.js';
export { DropboxApiError } from './errors.js';
export { type DropboxSettingTable, dropboxSettings } from './settings.js';
export * from './types.js';
