/**
 * Drive API v3 JSON shapes (see api-specs/googledrive/drive-v3-discovery.json), the fields this class
 * reads or writes. int64 values arrive as strings. Only api.ts, mapping.ts and the areas import this.
 */

export interface User {
  kind?: 'drive#user';
  displayName?: string;
  emailAddress?: string;
  permissionId?: string;
  me?: boolean;
  photoLink?: string;
}

export interface File {
  kind?: 'drive#file';
  id?: string;
  name?: string;
  mimeType?: string;
  description?: string;
  parents?: string[];
  driveId?: string;
  size?: string;
  md5Checksum?: string;
  sha1Checksum?: string;
  sha256Checksum?: string;
  createdTime?: string;
  modifiedTime?: string;
  fileExtension?: string;
  fullFileExtension?: string;
  originalFilename?: string;
  owners?: User[];
  starred?: boolean;
  trashed?: boolean;
  explicitlyTrashed?: boolean;
  viewedByMe?: boolean;
  viewedByMeTime?: string;
  webViewLink?: string;
  iconLink?: string;
  resourceKey?: string;
  copyRequiresWriterPermission?: boolean;
  viewersCanCopyContent?: boolean;
  headRevisionId?: string;
  exportLinks?: Record<string, string>;
}

export interface FileList {
  kind?: 'drive#fileList';
  nextPageToken?: string;
  incompleteSearch?: boolean;
  files?: File[];
}

export interface Revision {
  kind?: 'drive#revision';
  id?: string;
  mimeType?: string;
  modifiedTime?: string;
  size?: string;
  md5Checksum?: string;
  originalFilename?: string;
  keepForever?: boolean;
  published?: boolean;
  lastModifyingUser?: User;
}

export interface RevisionList {
  kind?: 'drive#revisionList';
  nextPageToken?: string;
  revisions?: Revision[];
}

export interface About {
  kind?: 'drive#about';
  user?: User;
  storageQuota?: { limit?: string; usage?: string; usageInDrive?: string; usageInDriveTrash?: string };
  canCreateDrives?: boolean;
}

export type PermissionRole = 'reader' | 'commenter' | 'writer' | 'owner' | 'fileOrganizer' | 'organizer';
export type PermissionType = 'user' | 'group' | 'domain' | 'anyone';

export interface Permission {
  kind?: 'drive#permission';
  id?: string;
  role?: PermissionRole | string;
  type?: PermissionType | string;
  emailAddress?: string;
  domain?: string;
  allowFileDiscovery?: boolean;
  displayName?: string;
}

export interface PermissionList {
  kind?: 'drive#permissionList';
  nextPageToken?: string;
  permissions?: Permission[];
}

export interface DriveRestrictions {
  adminManagedRestrictions?: boolean;
  copyRequiresWriterPermission?: boolean;
  domainUsersOnly?: boolean;
  driveMembersOnly?: boolean;
}

export interface Drive {
  kind?: 'drive#drive';
  id?: string;
  name?: string;
  createdTime?: string;
  hidden?: boolean;
  capabilities?: Record<string, boolean>;
  restrictions?: DriveRestrictions;
}

export interface DriveList {
  kind?: 'drive#driveList';
  nextPageToken?: string;
  drives?: Drive[];
}

export interface Change {
  kind?: 'drive#change';
  changeType?: 'file' | 'drive' | string;
  time?: string;
  removed?: boolean;
  fileId?: string;
  file?: File;
  driveId?: string;
  drive?: Drive;
}

export interface ChangeList {
  kind?: 'drive#changeList';
  nextPageToken?: string;
  newStartPageToken?: string;
  changes?: Change[];
}

export interface StartPageToken {
  kind?: 'drive#startPageToken';
  startPageToken?: string;
}

/** Drive's error envelope. */
export interface ErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    errors?: Array<{
      domain?: string;
      reason?: string;
      message?: string;
      location?: string;
      locationType?: string;
    }>;
  };
}
