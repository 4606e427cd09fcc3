import type { Readable, Writable } from 'node:stream';
import type { CallOptions } from '../../core/client.js';
import type { CoreEvents, FragmentCompleteEvent } from '../../core/events.js';

/**
 * The public types of the GoogleDrive class: the items of its collections (resources, children,
 * permissions, shared drives, changes), the account, the reference enums, the events and per-call options.
 */

/** `resource_type`: gdrtFile, gdrtFolder, gdrtRevision. */
export const GoogleDriveResourceType = { File: 0, Folder: 1, Revision: 2 } as const;
export type GoogleDriveResourceTypeValue =
  (typeof GoogleDriveResourceType)[keyof typeof GoogleDriveResourceType];

/** `list_resources_scope`: lrsUser, lrsDomain, lrsSharedDrive, lrsAllDrives. */
export const GoogleDriveListScope = { User: 0, Domain: 1, SharedDrive: 2, AllDrives: 3 } as const;
export type GoogleDriveListScopeValue = (typeof GoogleDriveListScope)[keyof typeof GoogleDriveListScope];

/** `permission_role`: prReader … prOrganizer. */
export const GoogleDrivePermissionRole = {
  Reader: 0,
  Commenter: 1,
  Writer: 2,
  Owner: 3,
  FileOrganizer: 4,
  Organizer: 5,
} as const;
export type GoogleDrivePermissionRoleValue =
  (typeof GoogleDrivePermissionRole)[keyof typeof GoogleDrivePermissionRole];

/** `permission_type`: ptUser, ptGroup, ptDomain, ptAnyone. */
export const GoogleDrivePermissionType = { User: 0, Group: 1, Domain: 2, Anyone: 3 } as const;
export type GoogleDrivePermissionTypeValue =
  (typeof GoogleDrivePermissionType)[keyof typeof GoogleDrivePermissionType];

/** `permission_mod_op`: what updatePermissions does with a permission. */
export const GoogleDrivePermissionModOp = { None: 0, Create: 1, Update: 2, Delete: 3 } as const;
export type GoogleDrivePermissionModOpValue =
  (typeof GoogleDrivePermissionModOp)[keyof typeof GoogleDrivePermissionModOp];

/** `change_type`: ctFile, ctSharedDrive. */
export const GoogleDriveChangeType = { File: 0, SharedDrive: 1 } as const;
export type GoogleDriveChangeTypeValue = (typeof GoogleDriveChangeType)[keyof typeof GoogleDriveChangeType];

/** The shared-drive restriction bits of updateSharedDrive and `shared_drive_restrictions`. */
export const GoogleDriveRestriction = {
  AdminManagedRestrictions: 0x1,
  CopyRequiresWriterPermission: 0x2,
  DomainUsersOnly: 0x4,
  DriveMembersOnly: 0x8,
} as const;

/** One item of the Resource (and Child) collection (`resource_*[i]`). */
export interface GoogleDriveResource {
  /** The file or folder id; a revision id for items of listRevisions. */
  id: string;
  name: string;
  description: string;
  mimeType: string;
  /** RFC 3339. */
  createdTime: string;
  modifiedTime: string;
  /** Comma-separated parent ids. */
  parentIds: string;
  starred: boolean;
  trashed: boolean;
  /** False: readers and commenters may not copy, download or print (copyRequiresWriterPermission). */
  contentAccessible: boolean;
  extension: string;
  md5Checksum: string;
  /** SHA-1 and SHA-256 of the content (hex), which Drive also keeps for binary files; '' otherwise. */
  sha1Checksum: string;
  sha256Checksum: string;
  originalName: string;
  owner: string;
  ownerEmail: string;
  /** '' unless the item is in a shared drive. */
  sharedDriveId: string;
  /** Bytes; -1 for folders and items without binary content. */
  size: number;
  type: GoogleDriveResourceTypeValue;
  viewed: boolean;
  viewLink: string;
  /** Also `config('IconLink[i]')`. */
  iconLink: string;
  /** Also `config('ResourceKey[i]')`. */
  resourceKey: string;
}

/** One item of the Permission collection (`permission_*[i]`). */
export interface GoogleDrivePermission {
  id: string;
  /** For users and groups. */
  email: string;
  /** For domain permissions. */
  domain: string;
  /** For domain and anyone permissions. */
  allowFileDiscovery: boolean;
  modOp: GoogleDrivePermissionModOpValue;
  role: GoogleDrivePermissionRoleValue;
  type: GoogleDrivePermissionTypeValue;
}

/** One item of the SharedDrive collection (`shared_drive_*[i]`). */
export interface GoogleDriveSharedDrive {
  id: string;
  name: string;
  createdTime: string;
  /** Hidden from this user's default view. */
  hidden: boolean;
  /** Capability bits (0x00001 canAddChildren … 0x20000 canTrashChildren). */
  capabilities: number;
  /** Restriction bits (GoogleDriveRestriction). */
  restrictions: number;
}

/** One item of the Change collection (`change_*[i]`). */
export interface GoogleDriveChange {
  resourceId: string;
  sharedDriveId: string;
  /** The item left the user's view (deleted, or access lost; trashing is not removal). */
  removed: boolean;
  time: string;
  changeType: GoogleDriveChangeTypeValue;
}

/** The Account properties (`account_*`). */
export interface GoogleDriveAccount {
  canCreateSharedDrives: boolean;
  /** Bytes used by Drive (trash included); -1 unknown. */
  driveUsage: number;
  email: string;
  name: string;
  permissionId: string;
  /** The limit across Google services; -1 when unlimited. */
  storageQuota: number;
  storageUsage: number;
  trashUsage: number;
}

export const EMPTY_ACCOUNT: GoogleDriveAccount = {
  canCreateSharedDrives: false,
  driveUsage: -1,
  email: '',
  name: '',
  permissionId: '',
  storageQuota: -1,
  storageUsage: -1,
  trashUsage: -1,
};

export function blankResource(): GoogleDriveResource {
  return {
    id: '',
    name: '',
    description: '',
    mimeType: '',
    createdTime: '',
    modifiedTime: '',
    parentIds: '',
    starred: false,
    trashed: false,
    contentAccessible: true,
    extension: '',
    md5Checksum: '',
    sha1Checksum: '',
    sha256Checksum: '',
    originalName: '',
    owner: '',
    ownerEmail: '',
    sharedDriveId: '',
    size: -1,
    type: 0,
    viewed: false,
    viewLink: '',
    iconLink: '',
    resourceKey: '',
  };
}

export function blankPermission(): GoogleDrivePermission {
  return { id: '', email: '', domain: '', allowFileDiscovery: false, modOp: 0, role: 0, type: 0 };
}

/** `on_resource_list`. */
export interface ResourceListEvent {
  id: string;
  name: string;
  extension: string;
  description: string;
  resourceType: GoogleDriveResourceTypeValue;
  sharedDriveId: string;
  createdTime: string;
  modifiedTime: string;
  size: number;
  trashed: boolean;
}

/** `on_permission_list`. */
export interface PermissionListEvent {
  id: string;
  role: GoogleDrivePermissionRoleValue;
  permissionType: GoogleDrivePermissionTypeValue;
  email: string;
  domain: string;
  allowFileDiscovery: boolean;
}

/** `on_shared_drive_list`. */
export interface SharedDriveListEvent {
  id: string;
  name: string;
  createdTime: string;
  hidden: boolean;
  capabilities: number;
  restrictions: number;
}

/** `on_change_list`. */
export interface ChangeListEvent {
  resourceId: string;
  sharedDriveId: string;
  removed: boolean;
  time: string;
  changeType: GoogleDriveChangeTypeValue;
}

/**
 * `on_fragment_complete`, with what a resume needs: the session URL and the offset Drive has committed
 * (the instance's resumeUrl/startByte say the same, unless per-call options bypassed them).
 * `fragmentCount` is -1 for a stream of unknown size.
 */
export interface GoogleDriveFragmentCompleteEvent extends FragmentCompleteEvent {
  resumeUrl: string;
  startByte: number;
}

export interface GoogleDriveEvents extends CoreEvents {
  resourceList: ResourceListEvent;
  permissionList: PermissionListEvent;
  sharedDriveList: SharedDriveListEvent;
  changeList: ChangeListEvent;
  fragmentComplete: GoogleDriveFragmentCompleteEvent;
}

/** A page of resources (listResources, listChildren, listRevisions). */
export interface ResourcePage {
  resources: GoogleDriveResource[];
  /** The marker of the next page; '' on the last page. */
  marker: string;
  /** Drive's incompleteSearch (AllDrives scope). */
  incomplete: boolean;
}

export interface PermissionPage {
  permissions: GoogleDrivePermission[];
  marker: string;
}

export interface SharedDrivePage {
  sharedDrives: GoogleDriveSharedDrive[];
  marker: string;
}

export interface ChangePage {
  changes: GoogleDriveChange[];
  /** Set while more pages remain. */
  changeMarker: string;
  /** Set on the last page: where the next poll starts. */
  nextChangeMarker: string;
}

/** Per-call options of uploadFile and updateResource: each overrides the instance property for this call. */
export interface UploadOptions extends CallOptions {
  localFile?: string;
  /** The bytes to upload when no localFile: bytes, a Node stream or a web stream. */
  data?: Uint8Array | Readable | ReadableStream<Uint8Array>;
  /** Size of a `data` stream, when known. */
  size?: number;
  startByte?: number;
  useResumableUpload?: boolean;
  resumeUrl?: string;
  /**
   * This call's metadata, instead of resources[0] (uploadFile) or the item of `resources` (updateResource):
   * only the fields given are sent (parentIds only when a file is created).
   */
  metadata?: UploadMetadata;
  /** Hears this call's session URL and the bytes Drive confirmed (see core UploadOptions). */
  onSessionState?: (state: { session: string; startByte: number }) => void;
}

/** The metadata an upload may send per call (see UploadOptions.metadata). */
export interface UploadMetadata {
  name?: string;
  /** Comma-separated parent ids (new files only). */
  parentIds?: string;
  /** RFC 3339. */
  modifiedTime?: string;
  mimeType?: string;
  description?: string;
}

/** Per-call options of downloadFile. */
export interface DownloadOptions extends CallOptions {
  localFile?: string;
  /** Write the bytes to this stream instead of a file or resourceData. */
  stream?: Writable;
  startByte?: number;
  overwrite?: boolean;
  /** Download a file Drive flagged as malware anyway (acknowledgeAbuse=true). */
  acknowledgeAbuse?: boolean;
}

/** What downloadFile fetched. */
export interface DownloadResult {
  /** The file written (localFile, with the export extension added when an *ExportFormat applied). */
  localFile?: string;
  /** The bytes, when neither localFile nor a stream was given (also in resourceData). */
  data?: Uint8Array;
  /** Bytes received by this call (ciphertext for encrypted content). */
  bytesReceived: number;
  /** The MIME type of what was downloaded (the export format, for an export). */
  mimeType: string;
}

/** Per-call options of sendCustomRequest. */
export interface CustomRequestOptions extends CallOptions {
  localFile?: string;
  overwrite?: boolean;
}

/** What sendCustomRequest received. */
export interface CustomResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, unless it went to localFile. */
  body?: Uint8Array;
}
