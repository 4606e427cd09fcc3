import { checkServerName } from '../../core/safe-name.js';
import type {
  DropboxAccessTypeValue,
  DropboxAccount,
  DropboxAccountTypeValue,
  DropboxLinkVisibilityValue,
  DropboxResource,
  DropboxSharedLink,
  ResourceListEvent,
  SharedLinkListEvent,
} from './types.js';
import type { FullAccount, Metadata, SharedLinkMetadata, SpaceUsage } from './wire.js';

/** Wire (Dropbox JSON) -> the public types of the class. */

/**
 * Formats a Dropbox timestamp with the DateFormat setting: `yyyy`, `MM`, `dd`, `HH` or `hh` (both 24-hour:
 * the reference lists `hh` yet its default uses `HH`), `mm`, `ss`, `fff`; everything else is literal.
 * Times stay in UTC, as the reference says.
 */
export function formatDate(value: string | undefined, format: string): string {
  if (!value) return '';
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const parts: Record<string, string> = {
    yyyy: pad(d.getUTCFullYear(), 4),
    MM: pad(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    hh: pad(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    fff: pad(d.getUTCMilliseconds(), 3),
  };
  return format.replace(/yyyy|MM|dd|HH|hh|mm|ss|fff/g, (token) => parts[token]!);
}

/** Dropbox's timestamp form (`2024-01-02T03:04:05Z`, whole seconds, UTC) of an ISO 8601 value. */
export function dropboxTimestamp(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The file extension of an export format (`markdown` -> `md`). It is appended to localFile, so a format
 * that is not a plain name (a separator, `..`, a control character) is refused (600).
 */
export function exportExtension(format: string | undefined): string {
  if (!format) return '';
  return format === 'markdown' ? 'md' : checkServerName(format, 'the export extension (export_as)');
}

function accessTypeOf(m: Metadata): DropboxAccessTypeValue {
  const s = 'sharing_info' in m ? m.sharing_info : undefined;
  if (!s) return 0;
  if (s.no_access) return 3;
  if (s.traverse_only) return 2;
  if (s.read_only) return 1;
  return 0;
}

/** A blank resource (what growing `resourceCount` adds). */
export function emptyResource(): DropboxResource {
  return {
    id: '',
    name: '',
    path: '',
    pathLower: '',
    type: 0,
    size: -1,
    modifiedTime: '',
    clientModifiedTime: '',
    revision: '',
    hash: '',
    deleted: false,
    shareId: '',
    parentShareId: '',
    exportExtension: '',
    accessType: 0,
  };
}

/** A blank shared link (what growing `sharedLinkCount` adds). */
export function emptySharedLink(): DropboxSharedLink {
  return { url: '', id: '', name: '', path: '', type: 0, visibility: -1, expires: '', canRevoke: false };
}

/** A resource from any `files.Metadata` (`.tag` file/folder/deleted; no `.tag` means a file). */
export function resourceFromMetadata(m: Metadata, dateFormat: string): DropboxResource {
  const tag = m['.tag'] ?? ('rev' in m ? 'file' : 'folder');
  const base: DropboxResource = {
    id: 'id' in m ? m.id : '',
    name: m.name,
    path: m.path_display ?? m.path_lower ?? '',
    pathLower: m.path_lower ?? m.path_display?.toLowerCase() ?? '',
    type: tag === 'folder' ? 1 : 0,
    size: -1,
    modifiedTime: '',
    clientModifiedTime: '',
    revision: '',
    hash: '',
    deleted: tag === 'deleted',
    shareId: '',
    parentShareId: m.parent_shared_folder_id ?? '',
    exportExtension: '',
    accessType: accessTypeOf(m),
  };
  if (tag === 'file' && 'rev' in m) {
    base.size = m.size;
    base.modifiedTime = formatDate(m.server_modified, dateFormat);
    base.clientModifiedTime = formatDate(m.client_modified, dateFormat);
    base.revision = m.rev;
    base.hash = m.content_hash ?? '';
    base.parentShareId = m.sharing_info?.parent_shared_folder_id ?? base.parentShareId;
    if (m.is_downloadable === false || m.export_info)
      base.exportExtension = exportExtension(m.export_info?.export_as);
  } else if (tag === 'folder' && !('rev' in m)) {
    const info = 'sharing_info' in m ? m.sharing_info : undefined;
    base.shareId = info?.shared_folder_id ?? ('shared_folder_id' in m ? (m.shared_folder_id ?? '') : '');
    base.parentShareId = info?.parent_shared_folder_id ?? base.parentShareId;
  }
  return base;
}

export function resourceEvent(r: DropboxResource): ResourceListEvent {
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    resourceType: r.type,
    modifiedTime: r.modifiedTime,
    size: r.size,
    accessType: r.accessType,
    revision: r.revision,
    hash: r.hash,
    deleted: r.deleted,
  };
}

const VISIBILITY: Record<string, DropboxLinkVisibilityValue> = {
  public: 0,
  team_only: 1,
  password: 2,
  team_and_password: 3,
  shared_folder_only: 4,
  no_one: 5,
  only_you: 6,
};

export function sharedLinkFromMetadata(l: SharedLinkMetadata, dateFormat: string): DropboxSharedLink {
  const visibility =
    l.link_permissions?.resolved_visibility?.['.tag'] ?? l.link_permissions?.requested_visibility?.['.tag'];
  return {
    url: l.url,
    id: l.id ?? '',
    name: l.name,
    path: l.path_lower ?? '',
    type: l['.tag'] === 'folder' ? 1 : 0,
    visibility: visibility !== undefined ? (VISIBILITY[visibility] ?? -1) : -1,
    expires: formatDate(l.expires, dateFormat),
    canRevoke: l.link_permissions?.can_revoke ?? false,
  };
}

export function sharedLinkEvent(l: DropboxSharedLink): SharedLinkListEvent {
  return {
    url: l.url,
    name: l.name,
    id: l.id,
    path: l.path,
    resourceType: l.type,
    visibility: l.visibility,
    expires: l.expires,
  };
}

const ACCOUNT_TYPE: Record<string, DropboxAccountTypeValue> = { basic: 0, pro: 1, business: 2 };

/** The account properties from users/get_current_account and users/get_space_usage. */
export function accountFrom(a: FullAccount, space: SpaceUsage): DropboxAccount {
  const allocation = space.allocation as {
    '.tag': string;
    allocated?: number;
    used?: number;
    user_within_team_space_allocated?: number;
  };
  const team = allocation['.tag'] === 'team';
  // A member's own quota when the team set one (0 means none), else the team's total.
  const memberQuota = team ? (allocation.user_within_team_space_allocated ?? 0) : 0;
  return {
    id: a.account_id,
    displayName: a.name.display_name,
    firstName: a.name.given_name,
    lastName: a.name.surname,
    email: a.email,
    country: a.country ?? '',
    type: ACCOUNT_TYPE[a.account_type['.tag']] ?? 0,
    teamId: a.team?.id ?? '',
    teamMemberId: a.team_member_id ?? '',
    teamName: a.team?.name ?? '',
    totalSpace: team
      ? memberQuota > 0
        ? memberQuota
        : (allocation.allocated ?? -1)
      : (allocation.allocated ?? -1),
    usedSpace: space.used,
    teamTotalSpace: team ? (allocation.allocated ?? -1) : -1,
    teamUsedSpace: team ? (allocation.used ?? -1) : -1,
  };
}
