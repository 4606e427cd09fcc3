import type { CoreEvents } from '../../core/events.js';
import {
  type DownloadOptions,
  type EnumValue,
  ResourceType,
  type ResourceTypeValue,
  type UploadOptions,
} from '../../core/provider.js';

/** `resource_type`: what a resource is. */
export const BoxResourceType = ResourceType;
export type BoxResourceTypeValue = ResourceTypeValue;

/** `resource_sync_state` (folders only; files are always Undefined). Only Synced and NotSynced can be set. */
export const BoxSyncState = { Undefined: 0, Synced: 1, NotSynced: 2, PartiallySynced: 3 } as const;
export type BoxSyncStateValue = EnumValue<typeof BoxSyncState>;

/** `resource_shared_link_access` and the CreateLinkAccess setting. */
export const BoxSharedLinkAccess = { Open: 0, Company: 1, Collaborators: 2 } as const;
export type BoxSharedLinkAccessValue = EnumValue<typeof BoxSharedLinkAccess>;

/** `download_type`. */
export const BoxDownloadType = { FileContent: 0, FileThumbnail: 1 } as const;
export type BoxDownloadTypeValue = EnumValue<typeof BoxDownloadType>;

/** `account_role`. */
export const BoxAccountRole = { User: 0, Coadmin: 1, Admin: 2 } as const;
/** `account_status`. */
export const BoxAccountStatus = {
  Active: 0,
  Inactive: 1,
  NoDeleteOrEdit: 2,
  NoDeleteEditOrUpload: 3,
} as const;

/**
 * One entry of the Resources collection. Ids carry their type: `f:123` is a file, `d:123` a folder,
 * `d:0` the root. `name`, `description`, `parentId`, `tags` and `syncState` may be changed and sent back
 * with `updateResource`; the rest is what Box reported.
 */
export interface BoxResource {
  id: string;
  name: string;
  description: string;
  /** The parent folder (`d:…`); empty for the root. Set it and call updateResource to move. */
  parentId: string;
  /** Comma-separated. */
  tags: string;
  syncState: BoxSyncStateValue;
  type: BoxResourceTypeValue;
  /** Bytes; for a folder, the total of its contents. */
  size: number;
  createdTime: string;
  modifiedTime: string;
  trashedTime: string;
  /** E-mail (login) of the user who created the resource. */
  createdBy: string;
  modifiedBy: string;
  owner: string;
  eTag: string;
  /** SHA-1 of a file's content (hex); empty for folders. */
  hash: string;
  /** The current version of a file (or, in listVersions, the version listed). */
  versionId: string;
  trashed: boolean;
  /** The shared link URL; empty when there is none. */
  sharedLink: string;
  sharedLinkAccess: BoxSharedLinkAccessValue;
  sharedLinkProtected: boolean;
  /** The fields the reference exposes through `Resource…[i]` config settings. */
  clientCreatedTime: string;
  clientModifiedTime: string;
  expirationTime: string;
  purgeTime: string;
  sharedLinkCanDownload: boolean;
  sharedLinkDownloadUrl: string;
  sharedLinkExpiration: string;
}

/** `metadata_value_type`: how `value` is sent. Ignored for /global/properties (always strings). */
export const BoxMetadataValueType = { String: 0, Number: 1, MultiSelect: 2 } as const;
export type BoxMetadataValueTypeValue = EnumValue<typeof BoxMetadataValueType>;

/** `metadata_mod_op`: what createMetadata / updateMetadata do with an item. */
export const BoxMetadataModOp = {
  None: 0,
  Add: 1,
  Replace: 2,
  CopyFrom: 3,
  MoveFrom: 4,
  Remove: 5,
  Test: 6,
} as const;
export type BoxMetadataModOpValue = EnumValue<typeof BoxMetadataModOp>;

/** One entry of the Metadata collection: a name/value item of a container (`/scope/schema`). */
export interface BoxMetadata {
  /** Up to 256 characters, not starting with `$`. */
  name: string;
  /** The value as text; a comma-separated list for MultiSelect. */
  value: string;
  valueType: BoxMetadataValueTypeValue;
  modOp: BoxMetadataModOpValue;
  /** For CopyFrom and MoveFrom: the item the value comes from. */
  sourceName: string;
  /** Filters when creating/updating (empty matches any); filled when listing. */
  containerScope: string;
  containerSchema: string;
  resourceId: string;
}

/** The account properties, filled by getAccountInfo. */
export interface BoxAccount {
  address: string;
  createdTime: string;
  email: string;
  /** Empty when the user belongs to no enterprise. */
  enterpriseId: string;
  id: string;
  modifiedTime: string;
  name: string;
  phone: string;
  /** 0 user, 1 co-admin, 2 admin. */
  role: number;
  /** 0 active, 1 inactive, 2 cannot delete or edit, 3 cannot delete, edit or upload. */
  status: number;
  /** Comma-separated: every tag the user has applied. */
  tags: string;
  /** Bytes; -1 until known. */
  totalSpace: number;
  usedSpace: number;
}

/** `on_resource_list`. */
export interface ResourceListEvent {
  id: string;
  name: string;
  description: string;
  resourceType: BoxResourceTypeValue;
  createdTime: string;
  modifiedTime: string;
  size: number;
  versionId: string;
  eTag: string;
  hash: string;
  trashed: boolean;
  sharedLink: string;
}

/** `on_metadata_list`. */
export interface MetadataListEvent {
  name: string;
  value: string;
  valueType: BoxMetadataValueTypeValue;
  containerScope: string;
  containerSchema: string;
  resourceId: string;
}

/** The events of the Box class: the transfer events every class has, plus listing events. */
export interface BoxEvents extends CoreEvents {
  resourceList: ResourceListEvent;
  metadataList: MetadataListEvent;
}

/** A page of a listing: what the call added, and the marker of the next page ('' at the end). */
export interface BoxPage<T = BoxResource> {
  resources: T[];
  marker: string;
}

/** Per-call options of uploads (uploadFile, updateResource): override the instance properties for one call. */
export interface BoxUploadOptions extends UploadOptions {
  resumeUrl?: string;
  /** content_modified_at of this upload (RFC 3339), instead of the ClientModifiedTime setting. */
  clientModifiedTime?: string;
}

/** Per-call options of downloadFile (see core DownloadOptions). */
export interface BoxDownloadOptions extends DownloadOptions {
  downloadType?: BoxDownloadTypeValue;
}

// ---- upload sessions one part at a time (Box methods beyond the reference) ----

/** An upload session as Box describes it. `sessionUrl` is what every other call takes. */
export interface BoxUploadSession {
  /** The session's URL (`…/files/upload_sessions/<id>`): parts are PUT to it. */
  sessionUrl: string;
  id: string;
  /** Every part but the last is exactly this size (Box chooses it). */
  partSize: number;
  totalParts: number;
  /** ISO 8601; after it the session and its parts are gone. */
  expiresAt: string;
}

/** A part Box holds; `commitUploadSession` takes them all. */
export interface BoxUploadedPart {
  partId: string;
  offset: number;
  size: number;
  /** Lower-case hex. */
  sha1: string;
}

export interface CreateUploadSessionOptions {
  /** Upload a new version of this file (`f:…`) instead of a new file in the parent folder. */
  fileId?: string;
}

export interface CommitUploadSessionOptions {
  /** The file's modification time (content_modified_at); default ClientModifiedTime. */
  modifiedAt?: Date;
}
