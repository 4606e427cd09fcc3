/**
 * Dropbox API v2 JSON shapes (Stone encoding) that the client reads and writes. Only the fields the class
 * uses are declared; Dropbox adds fields over time and decoders must ignore unknown ones.
 *
 * Stone conventions (see api-specs/PROTOCOLS.md B3): a union member is `{".tag": name, ...}`; a void member
 * may be sent as the bare string; optional fields are omitted, never `null`; timestamps are
 * `YYYY-MM-DDTHH:MM:SSZ` in UTC.
 */

/** A union value with its tag; the payload (if any) is inlined or nested under the tag's name. */
export interface Tagged<T extends string = string> {
  '.tag': T;
  [field: string]: unknown;
}

export interface SharingInfo {
  read_only?: boolean;
  parent_shared_folder_id?: string;
  shared_folder_id?: string;
  traverse_only?: boolean;
  no_access?: boolean;
}

export interface ExportInfo {
  export_as?: string;
  export_options?: string[];
}

export interface FileMetadata {
  '.tag'?: 'file';
  name: string;
  id: string;
  path_lower?: string;
  path_display?: string;
  client_modified: string;
  server_modified: string;
  rev: string;
  size: number;
  is_downloadable?: boolean;
  export_info?: ExportInfo;
  content_hash?: string;
  sharing_info?: SharingInfo;
  parent_shared_folder_id?: string;
}

export interface FolderMetadata {
  '.tag'?: 'folder';
  name: string;
  id: string;
  path_lower?: string;
  path_display?: string;
  sharing_info?: SharingInfo;
  shared_folder_id?: string;
  parent_shared_folder_id?: string;
}

export interface DeletedMetadata {
  '.tag': 'deleted';
  name: string;
  path_lower?: string;
  path_display?: string;
  parent_shared_folder_id?: string;
}

/** `files.Metadata`: polymorphic, always carries `.tag` where the declared type is Metadata. */
export type Metadata = FileMetadata | FolderMetadata | DeletedMetadata;

export interface ListFolderResult {
  entries: Metadata[];
  cursor: string;
  has_more: boolean;
}

export interface ListFolderLongpollResult {
  changes: boolean;
  backoff?: number;
}

export interface ListRevisionsResult {
  is_deleted: boolean;
  server_deleted?: string;
  entries: FileMetadata[];
  has_more: boolean;
}

export interface SearchV2Result {
  matches: Array<{ metadata: Tagged<'metadata' | string> & { metadata?: Metadata } }>;
  has_more: boolean;
  cursor?: string;
}

export interface SearchOptionsArg {
  path?: string;
  max_results?: number;
  file_status?: 'active' | 'deleted';
  filename_only?: boolean;
  file_extensions?: string[];
  file_categories?: Array<Tagged>;
}

/** `files.WriteMode`: `"add"`, `"overwrite"` or `{".tag":"update","update":rev}`. */
export type WriteMode = 'add' | 'overwrite' | { '.tag': 'update'; update: string };

export interface CommitInfo {
  path: string;
  mode: WriteMode;
  autorename: boolean;
  client_modified?: string;
  mute: boolean;
  strict_conflict?: boolean;
}

export interface UploadSessionCursor {
  session_id: string;
  offset: number;
}

export interface UploadSessionStartResult {
  session_id: string;
}

export interface ExportResult {
  export_metadata: { name: string; size: number; export_hash?: string };
  file_metadata: FileMetadata;
}

export interface LinkPermissions {
  resolved_visibility?: Tagged;
  requested_visibility?: Tagged;
  can_revoke: boolean;
}

export interface SharedLinkMetadata {
  '.tag': 'file' | 'folder';
  url: string;
  id?: string;
  name: string;
  expires?: string;
  path_lower?: string;
  link_permissions: LinkPermissions;
}

export interface ListSharedLinksResult {
  links: SharedLinkMetadata[];
  has_more: boolean;
  cursor?: string;
}

export interface SharedLinkSettings {
  requested_visibility?: 'public' | 'team_only' | 'password';
  link_password?: string;
  expires?: string;
}

export interface FullAccount {
  account_id: string;
  name: {
    given_name: string;
    surname: string;
    familiar_name?: string;
    display_name: string;
    abbreviated_name?: string;
  };
  email: string;
  email_verified?: boolean;
  disabled?: boolean;
  country?: string;
  locale?: string;
  account_type: Tagged<'basic' | 'pro' | 'business'>;
  root_info: Tagged<'user' | 'team'> & {
    root_namespace_id: string;
    home_namespace_id: string;
    home_path?: string;
  };
  team?: { id: string; name: string };
  team_member_id?: string;
}

export interface SpaceUsage {
  used: number;
  allocation:
    | { '.tag': 'individual'; allocated: number }
    | {
        '.tag': 'team';
        used: number;
        allocated: number;
        user_within_team_space_allocated?: number;
      }
    | { '.tag': string };
}

/** The body of a 401/403/409/422/429 answer (JSON); 400 and 5xx answers are plain text. */
export interface ErrorBody {
  error_summary?: string;
  error?: Tagged | Record<string, unknown>;
  user_message?: { text?: string };
}
