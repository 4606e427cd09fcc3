/** The emulated Drive's records (what is stored, not what is sent: see shapes.ts for the JSON). */

export const FOLDER_MIME = 'application/vnd.google-apps.folder';
export const SHORTCUT_MIME = 'application/vnd.google-apps.shortcut';
export const GOOGLE_APPS_PREFIX = 'application/vnd.google-apps.';

export interface DriveUser {
  permissionId: string;
  emailAddress: string;
  displayName: string;
  /** The id of the user's My Drive root folder. */
  rootId: string;
  /** The id of the user's application data folder. */
  appDataId: string;
}

export type PermissionType = 'user' | 'group' | 'domain' | 'anyone';
export type PermissionRole = 'owner' | 'organizer' | 'fileOrganizer' | 'writer' | 'commenter' | 'reader';

export const ROLE_RANK: Record<PermissionRole, number> = {
  reader: 1,
  commenter: 2,
  writer: 3,
  fileOrganizer: 4,
  organizer: 5,
  owner: 6,
};

export interface PermissionRecord {
  id: string;
  type: PermissionType;
  role: PermissionRole;
  emailAddress?: string;
  domain?: string;
  displayName?: string;
  allowFileDiscovery?: boolean;
  expirationTime?: number;
  pendingOwner?: boolean;
}

export interface RevisionRecord {
  id: string;
  blobId: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  mimeType: string;
  modifiedTime: number;
  keepForever: boolean;
  originalFilename: string | undefined;
  lastModifyingUser: string;
  published?: boolean;
}

export interface FileRecord {
  id: string;
  name: string;
  mimeType: string;
  /** At most one parent (Drive's single-parent rule); empty for roots and orphans. */
  parents: string[];
  /** The shared drive holding the item; undefined in My Drive. */
  driveId: string | undefined;
  /** The owner's email (My Drive items only; shared-drive items have no owner). */
  owner: string | undefined;
  createdTime: number;
  modifiedTime: number;
  modifiedByMeTime: number | undefined;
  viewedByMeTime: number | undefined;
  description: string | undefined;
  starred: boolean;
  explicitlyTrashed: boolean;
  trashedTime: number | undefined;
  trashingUser: string | undefined;
  properties: Record<string, string>;
  appProperties: Record<string, string>;
  /** Content revisions of a binary file, oldest first (the last is the head). */
  revisions: RevisionRecord[];
  /** The document body of a Google-native file (Docs text, Sheets CSV, Slides text). */
  native: { text: string; revisionId: string } | undefined;
  permissions: PermissionRecord[];
  version: number;
  originalFilename: string | undefined;
  copyRequiresWriterPermission: boolean;
  writersCanShare: boolean;
  folderColorRgb: string | undefined;
  shortcutTargetId: string | undefined;
  contentHints: Record<string, unknown> | undefined;
  lastModifyingUser: string;
  /** Who shared it with whom and when (items owned by someone else). */
  sharedWithMeTime: number | undefined;
  sharingUser: string | undefined;
  /** Flagged as malware: alt=media needs acknowledgeAbuse=true. */
  abusive: boolean;
  resourceKey: string | undefined;
  /** The root folders (My Drive, app data, shared drives) are records too, never listed. */
  isRoot: boolean;
  space: 'drive' | 'appDataFolder';
}

export interface DriveRestrictions {
  adminManagedRestrictions: boolean;
  copyRequiresWriterPermission: boolean;
  domainUsersOnly: boolean;
  driveMembersOnly: boolean;
  sharingFoldersRequiresOrganizerPermission: boolean;
}

export interface SharedDriveRecord {
  id: string;
  name: string;
  createdTime: number;
  /** Users (emails) who hid the drive for themselves. */
  hiddenBy: Set<string>;
  restrictions: DriveRestrictions;
  colorRgb: string;
  themeId: string | undefined;
  requestId: string;
  /** The members: their permissions on the drive (user and group only). */
  members: PermissionRecord[];
}

export interface ChangeRecord {
  /** Position in the change log: page tokens are these numbers as strings. */
  seq: number;
  time: number;
  changeType: 'file' | 'drive';
  /** The file or drive id. */
  id: string;
  /** For files: the shared drive that holds it (at the time of the change). */
  driveId: string | undefined;
  removed: boolean;
}

export function isGoogleNative(mimeType: string): boolean {
  return mimeType.startsWith(GOOGLE_APPS_PREFIX) && mimeType !== FOLDER_MIME && mimeType !== SHORTCUT_MIME;
}
