import type { CoreEvents, FragmentCompleteEvent } from '../../core/events.js';
import {
  type DownloadOptions as CoreDownloadOptions,
  type DownloadResult as CoreDownloadResult,
  type UploadOptions as CoreUploadOptions,
  type EnumValue,
  ResourceType,
  type ResourceTypeValue,
} from '../../core/provider.js';

/**
 * The public types of the Dropbox class: the items of its collections (resources, shared links), the
 * account, the reference enums, the events and the per-call options.
 */

/** `resource_type`: drtFile / drtFolder. */
export const DropboxResourceType = ResourceType;
export type DropboxResourceTypeValue = ResourceTypeValue;

/** `resource_access_type`. */
export const DropboxAccessType = { Unrestricted: 0, ReadOnly: 1, Limited: 2, NoAccess: 3 } as const;
export type DropboxAccessTypeValue = EnumValue<typeof DropboxAccessType>;

/** `download_type`: what downloadFile fetches for a file. */
export const DropboxDownloadType = { FileContent: 0, FileThumbnail: 1, FilePreview: 2 } as const;
export type DropboxDownloadTypeValue = EnumValue<typeof DropboxDownloadType>;

/** `search_kind`. */
export const DropboxSearchKind = { Active: 0, Deleted: 1 } as const;
export type DropboxSearchKindValue = EnumValue<typeof DropboxSearchKind>;

/** `account_type`. */
export const DropboxAccountType = { Basic: 0, Pro: 1, Business: 2 } as const;
export type DropboxAccountTypeValue = EnumValue<typeof DropboxAccountType>;

/**
 * `shared_link_visibility`: the reference's five values, and two Dropbox has since added (reported as 5 and
 * 6 rather than dropped); -1 for a visibility this library does not know.
 */
export const DropboxLinkVisibility = {
  Public: 0,
  TeamOnly: 1,
  Password: 2,
  TeamAndPassword: 3,
  SharedFolderOnly: 4,
  NoOne: 5,
  OnlyYou: 6,
  Unknown: -1,
} as const;
export type DropboxLinkVisibilityValue = EnumValue<typeof DropboxLinkVisibility>;

/** One item of the Resource collection (`resource_*[i]`). */
export interface DropboxResource {
  /** `id:…`; empty for deleted entries (Dropbox sends no id for them). */
  id: string;
  name: string;
  /** The display path (`path_display`): only its last component's casing is reliable. */
  path: string;
  /** The lower-cased path (`path_lower`): what to compare and key on, Dropbox paths being case-insensitive. */
  pathLower: string;
  type: DropboxResourceTypeValue;
  /** Bytes; -1 for folders and deleted entries. */
  size: number;
  /** Server modification time (files), formatted per DateFormat; '' for folders. */
  modifiedTime: string;
  /** Client-reported modification time (files), formatted per DateFormat; '' for folders. */
  clientModifiedTime: string;
  /** Revision id (files). */
  revision: string;
  /** Dropbox content hash, 64 hex digits (files). */
  hash: string;
  deleted: boolean;
  /** Id of the shared folder this folder is. */
  shareId: string;
  /** Id of the shared folder this resource is in. */
  parentShareId: string;
  /** The export format's extension for export-only files (`html`, `md`, …); '' otherwise. */
  exportExtension: string;
  accessType: DropboxAccessTypeValue;
}

/** One item of the SharedLink collection (`shared_link_*[i]`). */
export interface DropboxSharedLink {
  url: string;
  /** Id of the linked resource. */
  id: string;
  name: string;
  /** Lower-cased path of the linked resource (Dropbox gives only `path_lower` for links); '' when not visible. */
  path: string;
  type: DropboxResourceTypeValue;
  visibility: DropboxLinkVisibilityValue;
  /** Formatted per DateFormat; '' when the link never expires. */
  expires: string;
  canRevoke: boolean;
}

/** The Account properties (`account_*`). */
export interface DropboxAccount {
  id: string;
  displayName: string;
  firstName: string;
  lastName: string;
  email: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  type: DropboxAccountTypeValue;
  teamId: string;
  teamMemberId: string;
  teamName: string;
  /** Bytes allocated to the account: its own quota, or the team's total when it has none; -1 unknown. */
  totalSpace: number;
  usedSpace: number;
  /** -1 when the account is not on a team. */
  teamTotalSpace: number;
  teamUsedSpace: number;
}

export const EMPTY_ACCOUNT: DropboxAccount = {
  id: '',
  displayName: '',
  firstName: '',
  lastName: '',
  email: '',
  country: '',
  type: 0,
  teamId: '',
  teamMemberId: '',
  teamName: '',
  totalSpace: -1,
  usedSpace: -1,
  teamTotalSpace: -1,
  teamUsedSpace: -1,
};

/** `on_resource_list`. */
export interface ResourceListEvent {
  id: string;
  name: string;
  path: string;
  resourceType: DropboxResourceTypeValue;
  modifiedTime: string;
  size: number;
  accessType: DropboxAccessTypeValue;
  revision: string;
  hash: string;
  deleted: boolean;
}

/** `on_shared_link_list`. */
export interface SharedLinkListEvent {
  url: string;
  name: string;
  id: string;
  path: string;
  resourceType: DropboxResourceTypeValue;
  visibility: DropboxLinkVisibilityValue;
  expires: string;
}

/**
 * `on_fragment_complete`, with what a resume needs: the session id and the offset now committed (the
 * instance's uploadSessionId/startByte say the same, but per-call options may have bypassed them).
 * `fragmentCount` is -1 for a stream of unknown size.
 */
export interface DropboxFragmentCompleteEvent extends FragmentCompleteEvent {
  uploadSessionId: string;
  startByte: number;
}

export interface DropboxEvents extends CoreEvents {
  resourceList: ResourceListEvent;
  sharedLinkList: SharedLinkListEvent;
  fragmentComplete: DropboxFragmentCompleteEvent;
}

/** A page of a listing of resources (list_resources, search). */
export interface ResourcePage {
  resources: DropboxResource[];
  /** The marker of the next page; '' on the last page. */
  marker: string;
}

/** A page of changes (list_changes). */
export interface ChangePage {
  resources: DropboxResource[];
  /** Set while more pages of this change set remain. */
  changeMarker: string;
  /** Set on the last page: where the next change set starts. */
  nextChangeMarker: string;
}

export interface SharedLinkPage {
  links: DropboxSharedLink[];
  marker: string;
}

/** Per-call options of uploadFile (see core UploadOptions): each overrides the instance property of the same name. */
export interface UploadOptions extends CoreUploadOptions {
  startByte?: number;
  overwrite?: boolean;
  uploadSessionId?: string;
  /** client_modified of this upload (ISO 8601, UTC), instead of the ClientModifiedTime setting. */
  clientModifiedTime?: string;
}

/** Per-call options of downloadFile (see core DownloadOptions). */
export interface DownloadOptions extends CoreDownloadOptions {
  downloadType?: DropboxDownloadTypeValue;
}

/** What downloadFile fetched (see core DownloadResult), with the metadata Dropbox gave for it. */
export interface DownloadResult extends CoreDownloadResult {
  /** Metadata of the downloaded file (or folder, for a ZIP). */
  resource: DropboxResource;
  /** The file written (localFile, with the export extension appended for export-only files). */
  localFile?: string;
}

export type { CustomRequestOptions, CustomResponse } from '../../core/provider.js';
