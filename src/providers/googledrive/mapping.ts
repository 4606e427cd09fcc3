import { invalidArgument } from '../../core/errors.js';
import {
  blankResource,
  type ChangeListEvent,
  type GoogleDriveChange,
  type GoogleDrivePermission,
  type GoogleDrivePermissionRoleValue,
  type GoogleDrivePermissionTypeValue,
  type GoogleDriveResource,
  type GoogleDriveSharedDrive,
  type PermissionListEvent,
  type ResourceListEvent,
  type SharedDriveListEvent,
} from './types.js';
import type { Change, Drive, DriveRestrictions, File, Permission, Revision } from './wire.js';

/** Drive wire shapes -> the public types of the class, and the tables between them. */

export const FOLDER_MIME = 'application/vnd.google-apps.folder';
export const GOOGLE_APPS_PREFIX = 'application/vnd.google-apps.';

/** The fields the class asks for when RequestedFields is "default": everything a resource item shows. */
export const FILE_FIELDS =
  'id,name,mimeType,description,createdTime,modifiedTime,parents,driveId,size,md5Checksum,sha1Checksum,sha256Checksum,fileExtension,originalFilename,owners(displayName,emailAddress),starred,trashed,viewedByMe,webViewLink,iconLink,resourceKey,copyRequiresWriterPermission';
export const REVISION_FIELDS = 'id,mimeType,modifiedTime,size,md5Checksum,originalFilename';
export const PERMISSION_FIELDS = 'id,role,type,emailAddress,domain,allowFileDiscovery';
export const DRIVE_FIELDS = 'id,name,createdTime,hidden,capabilities,restrictions';
export const CHANGE_FIELDS = 'changeType,time,removed,fileId,driveId';

const num = (v: string | undefined) => (v === undefined || v === '' ? -1 : Number(v));

export function resourceFromFile(f: File): GoogleDriveResource {
  const owner = f.owners?.[0];
  return {
    ...blankResource(),
    id: f.id ?? '',
    name: f.name ?? '',
    description: f.description ?? '',
    mimeType: f.mimeType ?? '',
    createdTime: f.createdTime ?? '',
    modifiedTime: f.modifiedTime ?? '',
    parentIds: (f.parents ?? []).join(','),
    starred: f.starred ?? false,
    trashed: f.trashed ?? false,
    contentAccessible:
      f.copyRequiresWriterPermission !== undefined
        ? !f.copyRequiresWriterPermission
        : (f.viewersCanCopyContent ?? true),
    extension: f.fileExtension ?? '',
    md5Checksum: f.md5Checksum ?? '',
    sha1Checksum: f.sha1Checksum ?? '',
    sha256Checksum: f.sha256Checksum ?? '',
    originalName: f.originalFilename ?? '',
    owner: owner?.displayName ?? '',
    ownerEmail: owner?.emailAddress ?? '',
    sharedDriveId: f.driveId ?? '',
    size: f.mimeType === FOLDER_MIME ? -1 : num(f.size),
    type: f.mimeType === FOLDER_MIME ? 1 : 0,
    viewed: f.viewedByMe ?? false,
    viewLink: f.webViewLink ?? '',
    iconLink: f.iconLink ?? '',
    resourceKey: f.resourceKey ?? '',
  };
}

export function resourceFromRevision(r: Revision): GoogleDriveResource {
  return {
    ...blankResource(),
    id: r.id ?? '',
    name: r.originalFilename ?? '',
    originalName: r.originalFilename ?? '',
    mimeType: r.mimeType ?? '',
    modifiedTime: r.modifiedTime ?? '',
    size: num(r.size),
    md5Checksum: r.md5Checksum ?? '',
    type: 2,
  };
}

export function resourceEvent(r: GoogleDriveResource): ResourceListEvent {
  return {
    id: r.id,
    name: r.name,
    extension: r.extension,
    description: r.description,
    resourceType: r.type,
    sharedDriveId: r.sharedDriveId,
    createdTime: r.createdTime,
    modifiedTime: r.modifiedTime,
    size: r.size,
    trashed: r.trashed,
  };
}

// ---- permissions ----------------------------------------------------------------------------------------

const ROLES = ['reader', 'commenter', 'writer', 'owner', 'fileOrganizer', 'organizer'] as const;
const TYPES = ['user', 'group', 'domain', 'anyone'] as const;

export function roleName(role: number): string {
  const name = ROLES[role];
  if (name === undefined)
    throw invalidArgument(`A permission role must be 0-5 (prReader … prOrganizer); got ${role}.`);
  return name;
}

export function typeName(type: number): string {
  const name = TYPES[type];
  if (name === undefined)
    throw invalidArgument(`A permission type must be 0-3 (ptUser … ptAnyone); got ${type}.`);
  return name;
}

export function permissionFromWire(p: Permission): GoogleDrivePermission {
  const role = ROLES.indexOf((p.role ?? 'reader') as (typeof ROLES)[number]);
  const type = TYPES.indexOf((p.type ?? 'user') as (typeof TYPES)[number]);
  return {
    id: p.id ?? '',
    email: p.emailAddress ?? '',
    domain: p.domain ?? '',
    allowFileDiscovery: p.allowFileDiscovery ?? false,
    modOp: 0,
    role: Math.max(role, 0) as GoogleDrivePermissionRoleValue,
    type: Math.max(type, 0) as GoogleDrivePermissionTypeValue,
  };
}

/** The body of a permissions.create: the fields that make sense for the permission's type. */
export function permissionToWire(p: GoogleDrivePermission): Permission {
  const type = typeName(p.type);
  const body: Permission = { role: roleName(p.role), type };
  if (type === 'user' || type === 'group') body.emailAddress = p.email;
  if (type === 'domain') body.domain = p.domain;
  if (type === 'domain' || type === 'anyone') body.allowFileDiscovery = p.allowFileDiscovery;
  return body;
}

export function permissionEvent(p: GoogleDrivePermission): PermissionListEvent {
  return {
    id: p.id,
    role: p.role,
    permissionType: p.type,
    email: p.email,
    domain: p.domain,
    allowFileDiscovery: p.allowFileDiscovery,
  };
}

// ---- shared drives ------------------------------------------------------------------------------------

/** The capability bits of `shared_drive_capabilities`, with Drive's `capabilities.*` fields. */
export const CAPABILITY_BITS: ReadonlyArray<[number, string]> = [
  [0x00001, 'canAddChildren'],
  [0x00002, 'canChangeCopyRequiresWriterPermissionRestriction'],
  [0x00004, 'canChangeDomainUsersOnlyRestriction'],
  [0x00008, 'canChangeDriveBackground'],
  [0x00010, 'canChangeDriveMembersOnlyRestriction'],
  [0x00020, 'canComment'],
  [0x00040, 'canCopy'],
  [0x00080, 'canDeleteChildren'],
  [0x00100, 'canDeleteDrive'],
  [0x00200, 'canDownload'],
  [0x00400, 'canEdit'],
  [0x00800, 'canListChildren'],
  [0x01000, 'canManageMembers'],
  [0x02000, 'canReadRevisions'],
  [0x04000, 'canRename'],
  [0x08000, 'canRenameDrive'],
  [0x10000, 'canShare'],
  [0x20000, 'canTrashChildren'],
];

/** The restriction bits, with Drive's `restrictions.*` fields. */
export const RESTRICTION_BITS: ReadonlyArray<[number, keyof DriveRestrictions]> = [
  [0x1, 'adminManagedRestrictions'],
  [0x2, 'copyRequiresWriterPermission'],
  [0x4, 'domainUsersOnly'],
  [0x8, 'driveMembersOnly'],
];

export function sharedDriveFromWire(d: Drive): GoogleDriveSharedDrive {
  let capabilities = 0;
  for (const [bit, field] of CAPABILITY_BITS) if (d.capabilities?.[field]) capabilities |= bit;
  let restrictions = 0;
  for (const [bit, field] of RESTRICTION_BITS) if (d.restrictions?.[field]) restrictions |= bit;
  return {
    id: d.id ?? '',
    name: d.name ?? '',
    createdTime: d.createdTime ?? '',
    hidden: d.hidden ?? false,
    capabilities,
    restrictions,
  };
}

export function sharedDriveEvent(d: GoogleDriveSharedDrive): SharedDriveListEvent {
  return { ...d };
}

// ---- changes ------------------------------------------------------------------------------------------

export function changeFromWire(c: Change): GoogleDriveChange {
  const isDrive = c.changeType === 'drive';
  return {
    resourceId: isDrive ? (c.driveId ?? '') : (c.fileId ?? ''),
    sharedDriveId: c.driveId ?? c.file?.driveId ?? '',
    removed: c.removed ?? false,
    time: c.time ?? '',
    changeType: isDrive ? 1 : 0,
  };
}

export function changeEvent(c: GoogleDriveChange): ChangeListEvent {
  return { ...c };
}

// ---- export formats -----------------------------------------------------------------------------------

const DOCS = 'application/vnd.google-apps.document';
const SHEETS = 'application/vnd.google-apps.spreadsheet';
const SLIDES = 'application/vnd.google-apps.presentation';
const DRAWINGS = 'application/vnd.google-apps.drawing';
const PDF = 'application/pdf';
const ZIP = 'application/zip';

/** The named formats of the *ExportFormat settings, per Google-native type: extension -> MIME type. */
const EXPORT_FORMATS: Record<string, { setting: string; formats: Record<string, string> }> = {
  [DOCS]: {
    setting: 'DocsExportFormat',
    formats: {
      docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      epub: 'application/epub+zip',
      htm: 'text/html',
      html: 'text/html',
      odt: 'application/vnd.oasis.opendocument.text',
      pdf: PDF,
      rtf: 'application/rtf',
      txt: 'text/plain',
      zip: ZIP,
    },
  },
  [SHEETS]: {
    setting: 'SheetsExportFormat',
    formats: {
      csv: 'text/csv',
      ods: 'application/x-vnd.oasis.opendocument.spreadsheet',
      pdf: PDF,
      tsv: 'text/tab-separated-values',
      xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      zip: ZIP,
    },
  },
  [SLIDES]: {
    setting: 'SlidesExportFormat',
    formats: {
      odp: 'application/vnd.oasis.opendocument.presentation',
      pdf: PDF,
      pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      txt: 'text/plain',
    },
  },
  [DRAWINGS]: {
    setting: 'DrawingsExportFormat',
    formats: { jpg: 'image/jpeg', jpeg: 'image/jpeg', pdf: PDF, png: 'image/png', svg: 'image/svg+xml' },
  },
};

/**
 * The export format of a Google-native type per its *ExportFormat setting: a named format, or a custom
 * `ext,mime/type`. Undefined for a type without such a setting (forms, scripts, sites, …).
 */
export function exportFormatFor(
  mimeType: string,
  setting: (
    name: 'DocsExportFormat' | 'SheetsExportFormat' | 'SlidesExportFormat' | 'DrawingsExportFormat',
  ) => string,
): { extension: string; mimeType: string } | undefined {
  const entry = EXPORT_FORMATS[mimeType];
  if (!entry) return undefined;
  const value = setting(entry.setting as 'DocsExportFormat').trim();
  const comma = value.indexOf(',');
  if (comma > 0)
    return { extension: value.slice(0, comma).toLowerCase(), mimeType: value.slice(comma + 1).trim() };
  const extension = value.toLowerCase();
  const mime = entry.formats[extension];
  return mime ? { extension, mimeType: mime } : undefined;
}

/** Whether a MIME type is one of Drive's own (Docs, Sheets, folders, shortcuts, …). */
export function isGoogleNative(mimeType: string): boolean {
  return mimeType.startsWith(GOOGLE_APPS_PREFIX);
}
