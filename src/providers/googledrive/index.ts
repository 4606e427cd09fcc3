/**
 * The GoogleDrive class and its public types.
 */
export { CloudStorageError, ErrorCode, isCloudStorageError } from '../../core/errors.js';

export { GoogleDriveApiError } from './errors.js';
export {
  DRIVE_SCOPE,
  GoogleDrive,
  type GoogleDriveOptions,
  type GoogleDriveProperties,
} from './googledrive.js';
export type { GoogleServiceAccountKey, GoogleServiceAccountProperties } from './service-account.js';
export { type GoogleDriveSettingTable, googleDriveSettings } from './settings.js';
export * from './types.js';
