/**
 * The Box class and its public types.
 */
export { CloudStorageError, ErrorCode, isCloudStorageError } from '../../core/errors.js';
export type { CustomRequestOptions, CustomResponse, DownloadResult } from '../../core/provider.js';
export { Box, type BoxOptions, type BoxProperties } from './box.js';
export { BoxErrorCode } from './errors.js';
export type { BoxJwtConfig, BoxJwtProperties } from './jwt.js';
export { type BoxSettingTable, boxSettings } from './settings.js';
export {
  type BoxAccount,
  BoxAccountRole,
  BoxAccountStatus,
  type BoxDownloadOptions,
  BoxDownloadType,
  type BoxDownloadTypeValue,
  type BoxEvents,
  type BoxMetadata,
  BoxMetadataModOp,
  type BoxMetadataModOpValue,
  BoxMetadataValueType,
  type BoxMetadataValueTypeValue,
  type BoxPage,
  type BoxResource,
  BoxResourceType,
  type BoxResourceTypeValue,
  BoxSharedLinkAccess,
  type BoxSharedLinkAccessValue,
  BoxSyncState,
  type BoxSyncStateValue,
  type BoxUploadedPart,
  type BoxUploadOptions,
  type BoxUploadSession,
  type CommitUploadSessionOptions,
  type CreateUploadSessionOptions,
  type MetadataListEvent,
  type ResourceListEvent,
} from './types.js';
