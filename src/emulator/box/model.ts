/**
 * The Box emulator's data model: plain in-memory records for users, files, folders, versions, locks,
 * shared links and metadata instances. File bytes are not here; a version points at a blob of the
 * emulator's BlobStore.
 */

export interface UserRecord {
  id: string;
  name: string;
  login: string;
  createdAt: number;
  modifiedAt: number;
  language: string;
  timezone: string;
  spaceAmount: number;
  maxUploadSize: number;
  status: 'active' | 'inactive' | 'cannot_delete_edit' | 'cannot_delete_edit_upload';
  jobTitle: string;
  phone: string;
  address: string;
  role: 'admin' | 'coadmin' | 'user';
  myTags: string[];
  hostname: string;
  notificationEmail: { email: string; is_confirmed: boolean } | null;
  /**
   * A person of the enterprise (default), or an app user (`is_platform_access_only`), which exists only
   * for the app that created it.
   */
  kind?: 'managed' | 'app_user';
  /** The app (client id) of an app user. */
  appClientId?: string;
  externalAppUserId?: string;
}

export interface EnterpriseRecord {
  id: string;
  name: string;
}

export type ItemStatus = 'active' | 'trashed' | 'deleted';

export interface SharedLinkRecord {
  token: string;
  access: 'open' | 'company' | 'collaborators';
  password: string | null;
  vanityName: string | null;
  unsharedAt: number | null;
  canDownload: boolean;
  canEdit: boolean;
  downloadCount: number;
  previewCount: number;
}

export interface LockRecord {
  id: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  isDownloadPrevented: boolean;
}

/** One metadata instance on an item: the template's values plus the bookkeeping behind the `$` keys. */
export interface MetadataInstance {
  id: string;
  scope: string;
  templateKey: string;
  /** `$type`: the template key followed by the template's id. */
  type: string;
  typeVersion: number;
  version: number;
  values: Record<string, unknown>;
}

export interface FileVersionRecord {
  id: string;
  blobId: string;
  sha1: string;
  size: number;
  /** The file's name when this version was current (promoting a version brings it back). */
  name: string;
  createdAt: number;
  modifiedAt: number;
  modifiedBy: string;
  trashedAt: number | null;
  trashedBy: string | null;
  restoredAt: number | null;
  restoredBy: string | null;
  purgedAt: number | null;
  uploaderDisplayName: string;
}

interface ItemBase {
  id: string;
  name: string;
  description: string;
  /** The folder the item lives in; null only for the root folder. */
  parentId: string | null;
  createdAt: number;
  modifiedAt: number;
  contentCreatedAt: number;
  contentModifiedAt: number;
  /** Incremented on every change; rendered as both `etag` and `sequence_id`. */
  sequence: number;
  createdBy: string;
  modifiedBy: string;
  ownedBy: string;
  status: ItemStatus;
  trashedAt: number | null;
  /** The item the user deleted that took this one to the trash (itself, or a trashed ancestor folder). */
  trashRootId: string | null;
  tags: string[];
  sharedLink: SharedLinkRecord | null;
  /** Keyed by `scope/templateKey` with the scope as the API path spells it (`global`, `enterprise`). */
  metadata: Map<string, MetadataInstance>;
}

export interface FileRecord extends ItemBase {
  type: 'file';
  /** Oldest first; the last one is the current version. */
  versions: FileVersionRecord[];
  lock: LockRecord | null;
  /** The retention expiry (`disposition_at`); it can be moved later, never earlier. */
  dispositionAt: number | null;
}

export interface FolderRecord extends ItemBase {
  type: 'folder';
  syncState: 'synced' | 'not_synced' | 'partially_synced';
  children: Set<string>;
  canNonOwnersInvite: boolean;
  canNonOwnersViewCollaborators: boolean;
  isCollaborationRestrictedToEnterprise: boolean;
  /** Uploads by email: who may send (`folder_upload_email.access`) and the address; null when off. */
  uploadEmail: { access: 'open' | 'collaborators'; email: string } | null;
}

export type ItemRecord = FileRecord | FolderRecord;

export const ROOT_ID = '0';
/** The pseudo folder Box shows as the parent of trashed items. */
export const TRASH_ID = '1';

export function currentVersion(file: FileRecord): FileVersionRecord {
  return file.versions[file.versions.length - 1]!;
}

/** The extension Box reports: the text after the last dot, or empty. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
