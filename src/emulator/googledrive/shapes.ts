import type { EmulatorRequest } from '../core/index.js';
import { EXPORT_FORMATS } from './formats.js';
import {
  type DriveUser,
  type FileRecord,
  FOLDER_MIME,
  isGoogleNative,
  type PermissionRecord,
  type PermissionRole,
  type RevisionRecord,
  ROLE_RANK,
  SHORTCUT_MIME,
  type SharedDriveRecord,
} from './model.js';
import type { DriveState } from './state.js';

/**
 * The origin (scheme://host[:port]) a client used to reach the emulator, for the absolute URLs Drive
 * returns (resumable session Location, webContentLink, exportLinks). It is read from the request's Host
 * header, so that a client that reached the emulator under another name gets URLs under that name.
 */
export function publicOrigin(req: EmulatorRequest): string {
  return `${req.url.protocol}//${req.headers.host ?? req.url.host}`;
}

export const rfc3339 = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString();

export function userJson(state: DriveState, email: string | undefined, me: DriveUser) {
  if (!email) return undefined;
  const u = state.user(email);
  return {
    kind: 'drive#user',
    displayName: u.displayName,
    photoLink: `https://lh3.googleusercontent.com/a/default-user=s64`,
    me: u.emailAddress.toLowerCase() === me.emailAddress.toLowerCase(),
    permissionId: u.permissionId,
    emailAddress: u.emailAddress,
  };
}

function extensionOf(name: string): { ext?: string; full?: string } {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return {};
  return { ext: name.slice(name.lastIndexOf('.') + 1), full: name.slice(dot + 1) };
}

function capabilities(role: PermissionRole | undefined, f: FileRecord, inSharedDrive: boolean) {
  const rank = role ? ROLE_RANK[role] : 0;
  const write = rank >= ROLE_RANK.writer;
  const own = rank >= (inSharedDrive ? ROLE_RANK.organizer : ROLE_RANK.owner);
  const folder = f.mimeType === FOLDER_MIME;
  return {
    canAddChildren: folder && write,
    canComment: rank >= ROLE_RANK.commenter,
    canCopy: !folder && (write || !f.copyRequiresWriterPermission),
    canDelete: own,
    canDownload: write || !f.copyRequiresWriterPermission,
    canEdit: write,
    canListChildren: folder,
    canModifyContent: write,
    canMoveItemWithinDrive: write,
    canReadRevisions: write,
    canRemoveChildren: folder && write,
    canRename: write,
    canShare: write && (f.writersCanShare || own),
    canTrash: inSharedDrive ? rank >= ROLE_RANK.fileOrganizer : own,
    canUntrash: inSharedDrive ? rank >= ROLE_RANK.fileOrganizer : own,
    canChangeCopyRequiresWriterPermission: write,
    canReadDrive: inSharedDrive,
  };
}

/** The full File resource (every field Drive would send with fields=*). */
export function fileJson(
  state: DriveState,
  f: FileRecord,
  me: DriveUser,
  origin: string,
): Record<string, unknown> {
  const role = state.roleOf(f, me);
  const head = f.revisions.at(-1);
  const native = isGoogleNative(f.mimeType);
  const folder = f.mimeType === FOLDER_MIME;
  const binary = !native && !folder && f.mimeType !== SHORTCUT_MIME;
  const trashed = state.isTrashed(f);
  const { ext, full } = binary ? extensionOf(f.name) : {};
  const exports = native ? EXPORT_FORMATS[f.mimeType] : undefined;
  const ownedByMe = role === 'owner' && !f.driveId;
  const size = binary ? (head?.size ?? 0) : native ? Buffer.byteLength(f.native?.text ?? '') : undefined;
  const out: Record<string, unknown> = {
    kind: 'drive#file',
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    parents: f.parents.length ? [...f.parents] : undefined,
    driveId: f.driveId,
    teamDriveId: f.driveId,
    description: f.description,
    starred: f.starred,
    trashed,
    explicitlyTrashed: f.explicitlyTrashed,
    trashedTime: f.explicitlyTrashed ? rfc3339(f.trashedTime) : undefined,
    trashingUser: f.explicitlyTrashed ? userJson(state, f.trashingUser, me) : undefined,
    properties: f.properties,
    appProperties: f.appProperties,
    spaces: [state.spaceOf(f)],
    version: String(f.version),
    webContentLink: binary ? `${origin}/uc?id=${f.id}&export=download` : undefined,
    webViewLink: folder
      ? `https://drive.google.com/drive/folders/${f.id}`
      : native
        ? `https://docs.google.com/${f.mimeType.slice('application/vnd.google-apps.'.length)}/d/${f.id}/edit?usp=drivesdk`
        : `https://drive.google.com/file/d/${f.id}/view?usp=drivesdk`,
    iconLink: `https://drive-thirdparty.googleusercontent.com/16/type/${f.mimeType}`,
    hasThumbnail: false,
    thumbnailVersion: '0',
    viewedByMe: f.viewedByMeTime !== undefined,
    viewedByMeTime: rfc3339(f.viewedByMeTime),
    createdTime: rfc3339(f.createdTime),
    modifiedTime: rfc3339(f.modifiedTime),
    modifiedByMeTime: rfc3339(f.modifiedByMeTime),
    modifiedByMe: f.modifiedByMeTime !== undefined,
    sharedWithMeTime: ownedByMe ? undefined : rfc3339(f.sharedWithMeTime),
    sharingUser: ownedByMe ? undefined : userJson(state, f.sharingUser, me),
    owners: f.owner ? [userJson(state, f.owner, me)] : undefined,
    lastModifyingUser: userJson(state, f.lastModifyingUser || f.owner, me),
    shared: f.permissions.some((p) => p.role !== 'owner') || Boolean(f.driveId),
    ownedByMe,
    capabilities: capabilities(role, f, Boolean(f.driveId)),
    viewersCanCopyContent: !f.copyRequiresWriterPermission,
    copyRequiresWriterPermission: f.copyRequiresWriterPermission,
    writersCanShare: f.writersCanShare,
    permissions: f.driveId ? undefined : f.permissions.map(permissionJson),
    permissionIds: f.permissions.map((p) => p.id),
    folderColorRgb: folder ? (f.folderColorRgb ?? '#8f8f8f') : undefined,
    originalFilename: binary ? (f.originalFilename ?? f.name) : undefined,
    fullFileExtension: full,
    fileExtension: ext,
    md5Checksum: binary ? head?.md5 : undefined,
    sha1Checksum: binary ? head?.sha1 : undefined,
    sha256Checksum: binary ? head?.sha256 : undefined,
    size: size === undefined ? undefined : String(size),
    quotaBytesUsed: String(binary ? f.revisions.reduce((n, r) => n + r.size, 0) : 0),
    headRevisionId: binary ? head?.id : undefined,
    exportLinks: exports
      ? Object.fromEntries(
          exports.map((m) => [
            m,
            `${origin}/drive/v3/files/${f.id}/export?mimeType=${encodeURIComponent(m)}`,
          ]),
        )
      : undefined,
    shortcutDetails:
      f.mimeType === SHORTCUT_MIME && f.shortcutTargetId
        ? {
            targetId: f.shortcutTargetId,
            targetMimeType: state.files.get(f.shortcutTargetId)?.mimeType,
          }
        : undefined,
    contentHints: f.contentHints,
    isAppAuthorized: true,
    resourceKey: f.resourceKey,
    hasAugmentedPermissions: false,
    inheritedPermissionsDisabled: false,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function permissionJson(p: PermissionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: 'drive#permission',
    id: p.id,
    type: p.type,
    role: p.role,
    emailAddress: p.emailAddress,
    domain: p.domain ?? (p.emailAddress ? p.emailAddress.split('@')[1] : undefined),
    displayName: p.displayName,
    allowFileDiscovery:
      p.type === 'domain' || p.type === 'anyone' ? (p.allowFileDiscovery ?? false) : undefined,
    expirationTime: rfc3339(p.expirationTime),
    pendingOwner: p.type === 'user' ? (p.pendingOwner ?? false) : undefined,
    deleted: false,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function revisionJson(
  state: DriveState,
  f: FileRecord,
  r: RevisionRecord,
  me: DriveUser,
  origin: string,
): Record<string, unknown> {
  return {
    kind: 'drive#revision',
    id: r.id,
    mimeType: r.mimeType,
    modifiedTime: rfc3339(r.modifiedTime),
    keepForever: r.keepForever,
    published: r.published ?? false,
    lastModifyingUser: userJson(state, r.lastModifyingUser, me),
    originalFilename: r.originalFilename ?? f.name,
    md5Checksum: r.md5,
    size: String(r.size),
    exportLinks: undefined,
    ...(origin ? {} : {}),
  };
}

/** A shared drive's capabilities for `me`'s role. */
function driveCapabilities(role: PermissionRole | undefined) {
  const rank = role ? ROLE_RANK[role] : 0;
  const organizer = rank >= ROLE_RANK.organizer;
  const writer = rank >= ROLE_RANK.writer;
  return {
    canAddChildren: writer,
    canChangeCopyRequiresWriterPermissionRestriction: organizer,
    canChangeDomainUsersOnlyRestriction: organizer,
    canChangeDriveBackground: organizer,
    canChangeDriveMembersOnlyRestriction: organizer,
    canChangeSharingFoldersRequiresOrganizerPermissionRestriction: organizer,
    canComment: rank >= ROLE_RANK.commenter,
    canCopy: rank >= ROLE_RANK.reader,
    canDeleteChildren: organizer,
    canDeleteDrive: organizer,
    canDownload: rank >= ROLE_RANK.reader,
    canEdit: writer,
    canListChildren: rank >= ROLE_RANK.reader,
    canManageMembers: organizer,
    canReadRevisions: rank >= ROLE_RANK.commenter,
    canRename: writer,
    canRenameDrive: organizer,
    canResetDriveRestrictions: organizer,
    canShare: rank >= ROLE_RANK.fileOrganizer,
    canTrashChildren: rank >= ROLE_RANK.fileOrganizer,
  };
}

export function driveJson(state: DriveState, d: SharedDriveRecord, me: DriveUser): Record<string, unknown> {
  return {
    kind: 'drive#drive',
    id: d.id,
    name: d.name,
    colorRgb: d.colorRgb,
    themeId: d.themeId,
    backgroundImageLink: 'https://ssl.gstatic.com/team_drive_themes/bg_default.jpg',
    capabilities: driveCapabilities(state.memberRole(d, me)),
    createdTime: rfc3339(d.createdTime),
    hidden: d.hiddenBy.has(me.emailAddress.toLowerCase()),
    restrictions: { ...d.restrictions },
    orgUnitId: undefined,
  };
}
