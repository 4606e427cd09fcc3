import {
  currentVersion,
  extensionOf,
  type FileRecord,
  type FileVersionRecord,
  type FolderRecord,
  type ItemRecord,
  type MetadataInstance,
  ROOT_ID,
  type SharedLinkRecord,
  TRASH_ID,
  type UserRecord,
} from './model.js';
import { sortItems } from './paging.js';
import type { BoxStore } from './state.js';

/**
 * Box timestamps: RFC 3339 with a numeric offset and whole seconds (`2012-12-12T10:53:43-08:00`).
 * Box never answers with `Z`; the offset is fixed per emulator (Pacific standard time by default).
 */
export function formatTime(ms: number, offsetMinutes: number): string {
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return shifted.toISOString().replace(/\.\d{3}Z$/, off);
}

/** Parses an RFC 3339 timestamp from a request; undefined when absent, NaN-safe (invalid → undefined). */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Base URLs of Box's hosts as the current request's client sees them (see core/public-url.ts). */
export interface EmulatorUrls {
  api: string;
  upload: string;
  download: string;
  /** app.box.com: shared links, avatars, previews (served by the api listener). */
  app: string;
}

type Json = Record<string, unknown>;
type Getter<T> = (item: T) => unknown;

/** Fields every `fields=` answer carries besides the ones asked for (see PROTOCOLS A4 and Box's docs example). */
const BASE_FIELDS = ['type', 'id', 'etag'];

const FILE_MINI = ['type', 'id', 'sequence_id', 'etag', 'sha1', 'name', 'file_version'];
const FOLDER_MINI = ['type', 'id', 'sequence_id', 'etag', 'name'];
const ITEM_STANDARD_COMMON = [
  'description',
  'size',
  'path_collection',
  'created_at',
  'modified_at',
  'trashed_at',
  'purged_at',
  'content_created_at',
  'content_modified_at',
  'created_by',
  'modified_by',
  'owned_by',
  'shared_link',
  'parent',
  'item_status',
];
const FILE_STANDARD = [...FILE_MINI, ...ITEM_STANDARD_COMMON];
const FOLDER_STANDARD = [...FOLDER_MINI, ...ITEM_STANDARD_COMMON, 'folder_upload_email', 'item_collection'];
const USER_MINI = ['type', 'id', 'name', 'login'];
const USER_STANDARD = [
  ...USER_MINI,
  'created_at',
  'modified_at',
  'language',
  'timezone',
  'space_amount',
  'space_used',
  'max_upload_size',
  'status',
  'job_title',
  'phone',
  'address',
  'avatar_url',
  'notification_email',
];
/** The standard fields of a file version (`type` and `id` first). */
export const VERSION_STANDARD = [
  'type',
  'id',
  'sha1',
  'name',
  'size',
  'created_at',
  'modified_at',
  'modified_by',
  'trashed_at',
  'trashed_by',
  'restored_at',
  'restored_by',
  'purged_at',
  'uploader_display_name',
];

/** Parses Box's comma-separated `fields` query parameter (undefined when absent). */
export function parseFields(query: URLSearchParams): string[] | undefined {
  const raw = query.get('fields');
  if (raw === null) return undefined;
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

/**
 * Renders the model as Box's JSON: the mini variant (nested items, listings), the standard variant
 * (default of `GET /files/{id}`), or exactly the requested `fields` plus `type`, `id` and `etag`.
 */
export class Shapes {
  constructor(
    private readonly store: BoxStore,
    private readonly urls: () => EmulatorUrls,
    private readonly offsetMinutes: number,
    private readonly embedLinkToken: (file: FileRecord) => string,
  ) {}

  time(ms: number | null | undefined): string | null {
    return ms === null || ms === undefined ? null : formatTime(ms, this.offsetMinutes);
  }

  // ---- users -----------------------------------------------------------------------------------------

  userMini(id: string): Json {
    const u = this.store.users.get(id);
    return { type: 'user', id, name: u?.name ?? '', login: u?.login ?? '' };
  }

  private userGetters(): Record<string, Getter<UserRecord>> {
    const s = this.store;
    return {
      type: () => 'user',
      id: (u) => u.id,
      name: (u) => u.name,
      login: (u) => u.login,
      created_at: (u) => this.time(u.createdAt),
      modified_at: (u) => this.time(u.modifiedAt),
      language: (u) => u.language,
      timezone: (u) => u.timezone,
      space_amount: (u) => u.spaceAmount,
      space_used: () => s.spaceUsed(),
      max_upload_size: (u) => u.maxUploadSize,
      status: (u) => u.status,
      job_title: (u) => u.jobTitle,
      phone: (u) => u.phone,
      address: (u) => u.address,
      avatar_url: (u) => `${this.urls().app}/api/avatar/large/${u.id}`,
      notification_email: (u) => u.notificationEmail,
      role: (u) => u.role,
      is_platform_access_only: (u) => u.kind === 'app_user',
      external_app_user_id: (u) => u.externalAppUserId ?? '',
      tracking_codes: () => [],
      can_see_managed_users: (u) => u.role !== 'user',
      is_sync_enabled: () => true,
      is_external_collab_restricted: () => false,
      is_exempt_from_device_limits: () => false,
      is_exempt_from_login_verification: () => false,
      enterprise: () => ({ id: s.enterprise.id, type: 'enterprise', name: s.enterprise.name }),
      // Box: the tags of every file and folder the user owns (plus any set on the user record).
      my_tags: (u) => {
        const tags = new Set(u.myTags);
        for (const item of s.items.values()) {
          if (item.ownedBy === u.id && item.status === 'active') for (const t of item.tags) tags.add(t);
        }
        return [...tags].sort();
      },
      hostname: (u) => u.hostname,
    };
  }

  user(u: UserRecord, fields?: string[]): Json {
    return pick(u, this.userGetters(), fields ? ['type', 'id', ...fields] : USER_STANDARD);
  }

  // ---- items -----------------------------------------------------------------------------------------

  folderMini(folder: FolderRecord): Json {
    const root = folder.id === ROOT_ID;
    return {
      type: 'folder',
      id: folder.id,
      sequence_id: root ? null : String(folder.sequence),
      etag: root ? null : String(folder.sequence),
      name: folder.name,
    };
  }

  private trashFolderMini(): Json {
    return { type: 'folder', id: TRASH_ID, sequence_id: null, etag: null, name: 'Trash' };
  }

  pathCollection(item: ItemRecord): Json {
    if (item.status === 'trashed') return { total_count: 1, entries: [this.trashFolderMini()] };
    const entries = this.store.ancestors(item).map((f) => this.folderMini(f));
    return { total_count: entries.length, entries };
  }

  sharedLink(item: ItemRecord): Json | null {
    const link: SharedLinkRecord | null = item.sharedLink;
    if (!link) return null;
    if (link.unsharedAt !== null && link.unsharedAt <= this.store.now()) return null;
    const app = this.urls().app;
    const isFile = item.type === 'file';
    const canDownload = link.canDownload && link.access !== 'collaborators';
    return {
      url: `${app}/s/${link.token}`,
      download_url: isFile ? `${app}/shared/static/${link.token}${extensionSuffix(item.name)}` : null,
      vanity_url: link.vanityName ? `${app}/v/${link.vanityName}` : null,
      vanity_name: link.vanityName,
      access: link.access,
      effective_access: link.access,
      effective_permission: link.canEdit ? 'can_edit' : canDownload ? 'can_download' : 'can_preview',
      unshared_at: this.time(link.unsharedAt),
      is_password_enabled: link.password !== null,
      permissions: { can_download: canDownload, can_preview: true, can_edit: link.canEdit },
      download_count: link.downloadCount,
      preview_count: link.previewCount,
    };
  }

  private lock(file: FileRecord): Json | null {
    const lock = file.lock;
    if (!lock) return null;
    if (lock.expiresAt !== null && lock.expiresAt <= this.store.now()) return null;
    return {
      type: 'lock',
      id: lock.id,
      created_by: this.userMini(lock.createdBy),
      created_at: this.time(lock.createdAt),
      // A lock without an expiry has no `expired_at` (the schema does not allow null there).
      ...(lock.expiresAt === null ? {} : { expired_at: this.time(lock.expiresAt) }),
      is_download_prevented: lock.isDownloadPrevented,
      app_type: null,
    };
  }

  private permissions(item: ItemRecord): Json {
    const common = {
      can_delete: true,
      can_download: true,
      can_invite_collaborator: true,
      can_rename: true,
      can_set_share_access: true,
      can_share: true,
      can_upload: true,
    };
    if (item.type === 'folder') return common;
    return {
      ...common,
      can_annotate: true,
      can_comment: true,
      can_preview: true,
      can_view_annotations_all: true,
      can_view_annotations_self: true,
    };
  }

  /** `metadata.<scope>.<template>` fields: instances keyed as Box nests them. */
  private metadataField(item: ItemRecord, fields: string[] | undefined): Json {
    const out: Record<string, Record<string, Json>> = {};
    for (const f of fields ?? []) {
      const m = /^metadata\.([^.]+)\.([^.]+)$/.exec(f);
      if (!m) continue;
      const [, scope, key] = m as unknown as [string, string, string];
      const pathScope = scope.startsWith('enterprise') ? 'enterprise' : scope;
      const instance = item.metadata.get(`${pathScope}/${key}`);
      if (!instance) continue;
      out[scope] ??= {};
      out[scope][key] = this.metadataInstance(item, instance);
    }
    return out;
  }

  private commonGetters(): Record<string, Getter<ItemRecord>> {
    return {
      type: (i) => i.type,
      id: (i) => i.id,
      sequence_id: (i) => (i.id === ROOT_ID ? null : String(i.sequence)),
      etag: (i) => (i.id === ROOT_ID ? null : String(i.sequence)),
      name: (i) => i.name,
      description: (i) => i.description,
      size: (i) => this.store.sizeOf(i),
      path_collection: (i) => this.pathCollection(i),
      created_at: (i) => (i.id === ROOT_ID ? null : this.time(i.createdAt)),
      modified_at: (i) => (i.id === ROOT_ID ? null : this.time(i.modifiedAt)),
      trashed_at: (i) => this.time(i.trashedAt),
      purged_at: (i) => (i.trashedAt === null ? null : this.time(i.trashedAt + 30 * 86_400_000)),
      content_created_at: (i) => (i.id === ROOT_ID ? null : this.time(i.contentCreatedAt)),
      content_modified_at: (i) => (i.id === ROOT_ID ? null : this.time(i.contentModifiedAt)),
      created_by: (i) =>
        i.id === ROOT_ID ? { type: 'user', id: '', name: '', login: '' } : this.userMini(i.createdBy),
      modified_by: (i) => this.userMini(i.modifiedBy),
      owned_by: (i) => this.userMini(i.ownedBy),
      shared_link: (i) => this.sharedLink(i),
      parent: (i) => {
        const parent =
          i.parentId === null ? undefined : (this.store.items.get(i.parentId) as FolderRecord | undefined);
        return parent ? this.folderMini(parent) : null;
      },
      item_status: (i) => i.status,
      permissions: (i) => this.permissions(i),
      tags: (i) => [...i.tags],
      is_externally_owned: () => false,
      has_collaborations: () => false,
      is_accessible_via_shared_link: (i) => i.sharedLink !== null,
      allowed_invitee_roles: () => [
        'editor',
        'viewer',
        'previewer',
        'uploader',
        'previewer uploader',
        'viewer uploader',
        'co-owner',
      ],
      watermark_info: () => ({ is_watermarked: false }),
      classification: () => null,
      is_associated_with_app_item: () => false,
    };
  }

  private fileGetters(fields: string[] | undefined): Record<string, Getter<FileRecord>> {
    const common = this.commonGetters() as Record<string, Getter<FileRecord>>;
    return {
      ...common,
      sha1: (f) => currentVersion(f).sha1,
      file_version: (f) => ({ type: 'file_version', id: currentVersion(f).id, sha1: currentVersion(f).sha1 }),
      version_number: (f) => String(f.versions.length),
      comment_count: () => 0,
      lock: (f) => this.lock(f),
      extension: (f) => extensionOf(f.name),
      is_package: () => false,
      expiring_embed_link: (f) => this.expiringEmbedLink(f),
      metadata: (f) => this.metadataField(f, fields),
      expires_at: () => null,
      representations: () => ({ entries: [] }),
      uploader_display_name: (f) => currentVersion(f).uploaderDisplayName,
      disposition_at: (f) => this.time(f.dispositionAt),
      shared_link_permission_options: () => ['can_preview', 'can_download', 'can_edit'],
    };
  }

  private folderGetters(fields: string[] | undefined): Record<string, Getter<FolderRecord>> {
    const common = this.commonGetters() as Record<string, Getter<FolderRecord>>;
    return {
      ...common,
      folder_upload_email: (f) => (f.uploadEmail ? { ...f.uploadEmail } : null),
      item_collection: (f) => this.itemCollection(f),
      sync_state: (f) => f.syncState,
      can_non_owners_invite: (f) => f.canNonOwnersInvite,
      can_non_owners_view_collaborators: (f) => f.canNonOwnersViewCollaborators,
      is_collaboration_restricted_to_enterprise: (f) => f.isCollaborationRestrictedToEnterprise,
      allowed_shared_link_access_levels: () => ['open', 'company', 'collaborators'],
      metadata: (f) => this.metadataField(f, fields),
    };
  }

  private expiringEmbedLink(file: FileRecord): Json {
    const token = this.embedLinkToken(file);
    return {
      access_token: token,
      expires_in: 60,
      token_type: 'bearer',
      restricted_to: [
        { scope: 'item_preview', object: { type: 'file', id: file.id, etag: String(file.sequence) } },
      ],
      url: `${this.urls().app}/preview/expiring_embed/${token}`,
    };
  }

  /** First 100 children of a folder (the standard folder's `item_collection`). */
  private itemCollection(folder: FolderRecord): Json {
    const children = sortItems(this.store.children(folder), 'name', 'ASC', (i) => this.store.sizeOf(i));
    return {
      total_count: children.length,
      entries: children.slice(0, 100).map((c) => this.item(c, undefined, 'mini')),
      offset: 0,
      limit: 100,
      order: [
        { by: 'type', direction: 'ASC' },
        { by: 'name', direction: 'ASC' },
      ],
    };
  }

  /** An item as Box renders it: `fields` when given, else the mini or standard variant. */
  item(item: ItemRecord, fields?: string[], variant: 'mini' | 'standard' | 'full' = 'standard'): Json {
    if (item.type === 'file') {
      const getters = this.fileGetters(fields);
      const names = fields
        ? [...BASE_FIELDS, ...fields]
        : variant === 'mini'
          ? FILE_MINI
          : variant === 'full'
            ? Object.keys(getters).filter((k) => k !== 'expiring_embed_link' && k !== 'metadata')
            : FILE_STANDARD;
      return pick(item, getters, names);
    }
    const getters = this.folderGetters(fields);
    const names = fields
      ? [...BASE_FIELDS, ...fields]
      : variant === 'mini'
        ? FOLDER_MINI
        : variant === 'full'
          ? Object.keys(getters).filter((k) => k !== 'metadata')
          : FOLDER_STANDARD;
    return pick(item, getters, names);
  }

  /** The `context_info.conflicts` entry: a mini item (files with `sha1` and `file_version`). */
  conflict(item: ItemRecord): Json {
    return this.item(item, undefined, 'mini');
  }

  // ---- versions --------------------------------------------------------------------------------------

  private versionGetters(file: FileRecord): Record<string, Getter<FileVersionRecord>> {
    return {
      type: () => 'file_version',
      id: (v) => v.id,
      sha1: (v) => v.sha1,
      name: (v) => v.name,
      size: (v) => v.size,
      created_at: (v) => this.time(v.createdAt),
      modified_at: (v) => this.time(v.modifiedAt),
      modified_by: (v) => this.userMini(v.modifiedBy),
      trashed_at: (v) => this.time(v.trashedAt),
      trashed_by: (v) => (v.trashedBy ? this.userMini(v.trashedBy) : null),
      restored_at: (v) => this.time(v.restoredAt),
      restored_by: (v) => (v.restoredBy ? this.userMini(v.restoredBy) : null),
      purged_at: (v) => this.time(v.purgedAt),
      uploader_display_name: (v) => v.uploaderDisplayName,
      version_number: (v) => String(file.versions.indexOf(v) + 1),
    };
  }

  version(file: FileRecord, v: FileVersionRecord, fields?: string[]): Json {
    return pick(v, this.versionGetters(file), fields ? ['type', 'id', ...fields] : VERSION_STANDARD);
  }

  // ---- metadata --------------------------------------------------------------------------------------

  /** A metadata instance: the values plus Box's `$`-prefixed system keys. */
  metadataInstance(item: ItemRecord, m: MetadataInstance): Json {
    return {
      ...m.values,
      $id: m.id,
      $parent: `${item.type}_${item.id}`,
      $scope: m.scope,
      $template: m.templateKey,
      $type: m.type,
      $typeVersion: m.typeVersion,
      $version: m.version,
      $canEdit: true,
    };
  }
}

function pick<T>(record: T, getters: Record<string, Getter<T>>, names: string[]): Json {
  const out: Json = {};
  for (const name of names) {
    if (name in out) continue;
    const get = getters[name];
    // Unknown field names are ignored, as Box does.
    if (get) out[name] = get(record);
  }
  return out;
}

function extensionSuffix(name: string): string {
  const ext = extensionOf(name);
  return ext ? `.${ext}` : '';
}
