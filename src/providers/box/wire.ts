/**
 * Box API 2.0 JSON shapes, as far as this client reads or writes them (see api-specs/box/openapi.json).
 * Everything the server may leave out is optional.
 */

export interface WireUserMini {
  type: 'user';
  id: string;
  name?: string;
  login?: string;
}

export interface WireFolderMini {
  type: 'folder';
  id: string;
  name?: string;
  etag?: string | null;
}

export interface WireSharedLink {
  url: string;
  download_url?: string | null;
  access?: 'open' | 'company' | 'collaborators';
  unshared_at?: string | null;
  is_password_enabled?: boolean;
  permissions?: { can_download?: boolean; can_preview?: boolean; can_edit?: boolean };
}

export interface WireItem {
  type: 'file' | 'folder' | 'web_link';
  id: string;
  etag?: string | null;
  sequence_id?: string | null;
  name?: string;
  description?: string;
  size?: number;
  sha1?: string;
  file_version?: { type: 'file_version'; id: string; sha1?: string };
  parent?: WireFolderMini | null;
  tags?: string[];
  sync_state?: 'synced' | 'not_synced' | 'partially_synced';
  created_at?: string | null;
  modified_at?: string | null;
  trashed_at?: string | null;
  purged_at?: string | null;
  expires_at?: string | null;
  content_created_at?: string | null;
  content_modified_at?: string | null;
  created_by?: WireUserMini | null;
  modified_by?: WireUserMini | null;
  owned_by?: WireUserMini | null;
  item_status?: 'active' | 'trashed' | 'deleted';
  shared_link?: WireSharedLink | null;
  expiring_embed_link?: { url: string; expires_in?: number } | null;
  lock?: WireLock | null;
}

export interface WireLock {
  type: 'lock';
  id: string;
  expired_at?: string | null;
  is_download_prevented?: boolean;
}

/** Marker-paged listing (`usemarker=true`). */
export interface WireMarkerPage<T> {
  entries: T[];
  limit?: number;
  next_marker?: string | null;
}

/** Offset-paged listing (versions, search). */
export interface WireOffsetPage<T> {
  entries: T[];
  total_count?: number;
  offset?: number;
  limit?: number;
}

export interface WireFileVersion {
  type: 'file_version';
  id: string;
  sha1?: string;
  name?: string;
  size?: number;
  created_at?: string | null;
  modified_at?: string | null;
  modified_by?: WireUserMini | null;
  trashed_at?: string | null;
}

export interface WireUser {
  type: 'user';
  id: string;
  name?: string;
  login?: string;
  created_at?: string;
  modified_at?: string;
  phone?: string;
  address?: string;
  role?: 'admin' | 'coadmin' | 'user';
  status?: 'active' | 'inactive' | 'cannot_delete_edit' | 'cannot_delete_edit_upload';
  space_amount?: number;
  space_used?: number;
  max_upload_size?: number;
  enterprise?: { id: string; name?: string } | null;
  my_tags?: string[];
}

/** `{"total_count":1,"entries":[file]}` of uploads and commits. */
export interface WireFiles {
  total_count?: number;
  entries: WireItem[];
}

export interface WireUploadSession {
  id: string;
  type: 'upload_session';
  session_expires_at?: string;
  part_size: number;
  total_parts: number;
  num_parts_processed?: number;
  session_endpoints?: {
    upload_part?: string;
    commit?: string;
    abort?: string;
    list_parts?: string;
    status?: string;
  };
}

export interface WireUploadPart {
  part_id: string;
  offset: number;
  size: number;
  sha1?: string;
}

/** A metadata instance: the template's values plus Box's `$`-prefixed system keys. */
export type WireMetadataInstance = Record<string, unknown> & {
  $scope?: string;
  $template?: string;
  $parent?: string;
};

/** RFC 6902 operation of a metadata update (`application/json-patch+json`). */
export interface WirePatchOperation {
  op: 'add' | 'replace' | 'copy' | 'move' | 'remove' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** Box's error body. */
export interface WireError {
  type?: 'error';
  status?: number;
  code?: string;
  message?: string;
  request_id?: string;
  context_info?: { conflicts?: WireItem | WireItem[] } & Record<string, unknown>;
}

/** The item fields the class asks for, so that every BoxResource property is filled. */
export const ITEM_FIELDS = [
  'type',
  'id',
  'etag',
  'sequence_id',
  'name',
  'description',
  'size',
  'sha1',
  'file_version',
  'parent',
  'tags',
  'sync_state',
  'created_at',
  'modified_at',
  'trashed_at',
  'purged_at',
  'expires_at',
  'content_created_at',
  'content_modified_at',
  'created_by',
  'modified_by',
  'owned_by',
  'item_status',
  'shared_link',
].join(',');

export const VERSION_FIELDS = 'sha1,name,size,created_at,modified_at,modified_by,trashed_at';

export const USER_FIELDS = [
  'id',
  'name',
  'login',
  'created_at',
  'modified_at',
  'phone',
  'address',
  'role',
  'status',
  'space_amount',
  'space_used',
  'max_upload_size',
  'enterprise',
  'my_tags',
].join(',');

/** `GET /users`: a page of the enterprise's users (offset paging). */
export interface WireUsers {
  total_count: number;
  limit?: number;
  offset?: number;
  entries: WireUser[];
}
