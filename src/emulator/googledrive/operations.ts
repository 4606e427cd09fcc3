import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DriveCall } from './context.js';
import { badRequest, driveError, forbidden } from './errors.js';
import { detectMimeType, IMPORT_FORMATS, importText, MAX_IMPORT_SIZES } from './formats.js';
import { type FileRecord, FOLDER_MIME, isGoogleNative, type RevisionRecord, SHORTCUT_MIME } from './model.js';
import { parseQueryTime } from './query.js';
import { type DriveState, newFileId } from './state.js';

/**
 * The file operations uploads and metadata calls share: create (with conversion to Google formats),
 * metadata updates with Drive's field rules, parent changes under the single-parent rule, new content.
 */

export interface ContentSource {
  source: Readable | Buffer;
  mimeType: string | undefined;
}

/** Content already stored as a blob (a finished resumable session). */
export interface StoredSource {
  blob: { id: string; size: number; hashes: Record<string, string | undefined> };
  mimeType: string | undefined;
}

const READ_ONLY = [
  'size',
  'md5Checksum',
  'sha1Checksum',
  'sha256Checksum',
  'headRevisionId',
  'version',
  'owners',
  'webViewLink',
  'webContentLink',
  'quotaBytesUsed',
  'capabilities',
  'exportLinks',
  'ownedByMe',
  'explicitlyTrashed',
];

function timeField(meta: Record<string, unknown>, name: string): number | undefined {
  const v = meta[name];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? parseQueryTime(v) : undefined;
  if (ms === undefined) throw badRequest(`Invalid value for ${name}: ${String(v)}`, name);
  return ms;
}

function stringMap(v: unknown, name: string): Record<string, string | null> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${name} must be an object`, name);
  const out: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (Buffer.byteLength(k) + Buffer.byteLength(String(val ?? '')) > 124)
      throw badRequest(`The property ${k} exceeds 124 bytes of key and value.`, name);
    out[k] = val === null ? null : String(val);
  }
  return out;
}

function mergeMap(into: Record<string, string>, changes: Record<string, string | null>): void {
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete into[k];
    else into[k] = v;
  }
}

function checkReadOnly(meta: Record<string, unknown>): void {
  for (const k of READ_ONLY) {
    if (meta[k] !== undefined)
      throw driveError(
        403,
        'fieldNotWritable',
        `The resource body includes fields which are not directly writable: ${k}.`,
      );
  }
}

/** Applies the fields both create and update may set. */
function applyCommon(state: DriveState, f: FileRecord, meta: Record<string, unknown>): void {
  if (meta.name !== undefined) {
    if (typeof meta.name !== 'string') throw badRequest('name must be a string', 'name');
    f.name = meta.name;
  }
  if (meta.description !== undefined)
    f.description = meta.description === null ? undefined : String(meta.description);
  if (meta.starred !== undefined) f.starred = meta.starred === true;
  if (meta.properties !== undefined) mergeMap(f.properties, stringMap(meta.properties, 'properties'));
  if (meta.appProperties !== undefined)
    mergeMap(f.appProperties, stringMap(meta.appProperties, 'appProperties'));
  const modified = timeField(meta, 'modifiedTime');
  if (modified !== undefined) f.modifiedTime = modified;
  const viewed = timeField(meta, 'viewedByMeTime');
  if (viewed !== undefined) f.viewedByMeTime = viewed;
  if (meta.copyRequiresWriterPermission !== undefined)
    f.copyRequiresWriterPermission = meta.copyRequiresWriterPermission === true;
  if (meta.writersCanShare !== undefined) f.writersCanShare = meta.writersCanShare === true;
  if (meta.folderColorRgb !== undefined) f.folderColorRgb = String(meta.folderColorRgb);
  if (meta.contentHints !== undefined) f.contentHints = meta.contentHints as Record<string, unknown>;
  if (meta.originalFilename !== undefined) f.originalFilename = String(meta.originalFilename);
  void state;
}

/** The one parent a new item gets (Drive allows one), checked. */
function parentFor(call: DriveCall, meta: Record<string, unknown>, supportsAllDrives: boolean): FileRecord {
  const { state } = call.ctx;
  const parents = meta.parents;
  if (parents !== undefined && !Array.isArray(parents)) throw badRequest('parents must be a list', 'parents');
  const ids = (parents as unknown[] | undefined)?.map(String) ?? [];
  if (ids.length > 1) {
    const first = state.files.get(state.resolveId(ids[0]!, call.me));
    throw first?.driveId
      ? forbidden('teamDrivesParentLimit', 'A shared drive item must have exactly one parent.')
      : forbidden('cannotAddParent', 'Increasing the number of parents is not allowed.');
  }
  return state.checkParent(ids[0] ?? 'root', call.me, supportsAllDrives);
}

/** Reads an upload that converts into a Google format (bounded by the format's import limit). */
async function readForImport(source: Readable | Buffer, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(source)) {
    if (source.length > limit) throw importTooLarge(limit);
    return source;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of source) {
    size += (c as Buffer).length;
    if (size > limit) {
      source.destroy();
      throw importTooLarge(limit);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const importTooLarge = (limit: number) =>
  driveError(
    403,
    'importSizeLimitExceeded',
    `The file is too large to convert: the limit is ${limit} bytes.`,
  );

function checkConversion(from: string, to: string): void {
  const base = from.split(';')[0]!.trim().toLowerCase();
  if (!IMPORT_FORMATS[base]?.includes(to))
    throw badRequest(
      `Conversion from ${base} to ${to} is not supported (see about.importFormats).`,
      'mimeType',
    );
}

async function storeContent(
  call: DriveCall,
  f: FileRecord,
  content: ContentSource | StoredSource,
  mimeType: string,
): Promise<void> {
  const { state } = call.ctx;
  if (isGoogleNative(f.mimeType)) {
    // An upload into a Google format converts (imports) the content.
    // Drive sniffs untyped content; the emulator reads it as text.
    const sniffed = detectMimeType(f.name, content.mimeType);
    const from = sniffed === 'application/octet-stream' ? 'text/plain' : sniffed;
    checkConversion(from, f.mimeType);
    const limit = Math.min(
      MAX_IMPORT_SIZES[f.mimeType] ?? state.settings.maxImportSize,
      state.settings.maxImportSize,
    );
    const bytes =
      'blob' in content
        ? await readForImport(Readable.from(state.blobs.read(content.blob.id)), limit)
        : await readForImport(content.source, limit);
    if ('blob' in content) await state.blobs.release(content.blob.id);
    f.native = { text: importText(bytes, from), revisionId: newRevisionId() };
    f.modifiedTime = state.now();
    f.modifiedByMeTime = f.modifiedTime;
    f.version++;
    return;
  }
  const original = f.originalFilename ?? f.name;
  const rev: RevisionRecord =
    'blob' in content
      ? state.revisionFromBlob(content.blob, { mimeType, originalFilename: original }, call.me)
      : await state.storeRevision({ source: content.source, mimeType, originalFilename: original }, call.me);
  state.pushRevision(f, rev);
}

export function newRevisionId(): string {
  return `0B${randomBytes(18).toString('base64url').slice(0, 24)}`;
}

/** files.create (metadata only, or with content). */
export async function createFile(
  call: DriveCall,
  meta: Record<string, unknown>,
  content: ContentSource | StoredSource | undefined,
  supportsAllDrives: boolean,
): Promise<FileRecord> {
  const { state } = call.ctx;
  checkReadOnly(meta);
  const parent = parentFor(call, meta, supportsAllDrives);
  let id = newFileId();
  if (meta.id !== undefined) {
    id = String(meta.id);
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(id)) throw badRequest(`Invalid id: ${id}.`, 'id');
    if (state.files.has(id))
      throw driveError(409, 'duplicate', 'A file already exists with the provided ID.');
  }
  const name = typeof meta.name === 'string' ? meta.name : 'Untitled';
  const mimeType =
    typeof meta.mimeType === 'string' && meta.mimeType !== ''
      ? meta.mimeType
      : detectMimeType(name, content?.mimeType);
  const now = state.now();
  const owner = parent.driveId ? undefined : call.me;
  const f = state.blankFile(id, name, mimeType, now, owner);
  f.parents = [parent.id];
  f.driveId = parent.driveId;
  f.lastModifyingUser = call.me.emailAddress;
  applyCommon(state, f, meta);
  const created = timeField(meta, 'createdTime');
  if (created !== undefined) f.createdTime = created;
  if (mimeType === SHORTCUT_MIME) {
    const target = (meta.shortcutDetails as { targetId?: string } | undefined)?.targetId;
    if (!target) throw badRequest('A shortcut needs shortcutDetails.targetId.', 'shortcutDetails.targetId');
    state.file(target, call.me, true);
    f.shortcutTargetId = target;
  }
  if (isGoogleNative(mimeType)) f.native = { text: '', revisionId: newRevisionId() };
  if (content && (mimeType === FOLDER_MIME || mimeType === SHORTCUT_MIME))
    throw badRequest(
      `A ${mimeType === FOLDER_MIME ? 'folder' : 'shortcut'} cannot have content.`,
      'uploadType',
    );
  if (content) {
    if (f.originalFilename === undefined && !isGoogleNative(mimeType)) f.originalFilename = f.name;
    await storeContent(call, f, content, mimeType);
    if (modifiedGiven(meta)) f.modifiedTime = timeField(meta, 'modifiedTime')!;
  } else if (!isGoogleNative(mimeType) && mimeType !== FOLDER_MIME && mimeType !== SHORTCUT_MIME) {
    // A metadata-only binary file: Drive gives it empty content.
    await storeContent(call, f, { source: Buffer.alloc(0), mimeType }, mimeType);
    if (modifiedGiven(meta)) f.modifiedTime = timeField(meta, 'modifiedTime')!;
  }
  if (meta.trashed === true) {
    f.explicitlyTrashed = true;
    f.trashedTime = now;
    f.trashingUser = call.me.emailAddress;
  }
  f.version = 1;
  state.insert(f);
  return f;
}

function modifiedGiven(meta: Record<string, unknown>): boolean {
  return meta.modifiedTime !== undefined && meta.modifiedTime !== null;
}

/**
 * files.update: metadata with Drive's rules (parents only through addParents/removeParents, `trashed`
 * trashes and restores), then new content if any.
 */
export async function updateFile(
  call: DriveCall,
  f: FileRecord,
  meta: Record<string, unknown>,
  content: ContentSource | StoredSource | undefined,
  options: { addParents: string[]; removeParents: string[]; supportsAllDrives: boolean },
): Promise<FileRecord> {
  const { state } = call.ctx;
  checkReadOnly(meta);
  if (meta.parents !== undefined)
    throw driveError(
      403,
      'fieldNotWritable',
      'The parents field is not directly writable in update requests. Use the addParents and removeParents parameters instead.',
    );
  if (meta.id !== undefined && meta.id !== f.id)
    throw driveError(403, 'fieldNotWritable', 'The id field is not writable.');
  if (f.isRoot) throw forbidden('cannotModifyRoot', 'The root folder cannot be modified.');
  const trashing = meta.trashed !== undefined && meta.trashed !== null;
  state.requireRole(f, call.me, 'writer');
  if (options.addParents.length || options.removeParents.length) moveParents(call, f, options);
  if (meta.mimeType !== undefined && typeof meta.mimeType === 'string' && meta.mimeType !== f.mimeType) {
    if (isGoogleNative(f.mimeType) !== isGoogleNative(meta.mimeType) && !content)
      throw badRequest(
        'The mimeType of a file cannot change between Google and other formats without content.',
        'mimeType',
      );
    if (isGoogleNative(meta.mimeType) && !isGoogleNative(f.mimeType))
      f.native = { text: '', revisionId: newRevisionId() };
    f.mimeType = meta.mimeType;
  }
  applyCommon(state, f, meta);
  if (trashing) {
    const trash = meta.trashed === true;
    const role = state.roleOf(f, call.me);
    if (f.driveId ? role !== 'organizer' && role !== 'fileOrganizer' : role !== 'owner')
      throw forbidden(
        'insufficientFilePermissions',
        'Only the owner (or a shared-drive file organizer) can trash an item.',
      );
    if (trash && !f.explicitlyTrashed) {
      f.explicitlyTrashed = true;
      f.trashedTime = state.now();
      f.trashingUser = call.me.emailAddress;
    } else if (!trash) {
      f.explicitlyTrashed = false;
      f.trashedTime = undefined;
      f.trashingUser = undefined;
    }
  }
  if (content) {
    const mimeType =
      typeof meta.mimeType === 'string'
        ? meta.mimeType
        : (content.mimeType?.split(';')[0]?.trim() ?? f.mimeType);
    await storeContent(call, f, content, isGoogleNative(f.mimeType) ? f.mimeType : mimeType);
    if (modifiedGiven(meta)) f.modifiedTime = timeField(meta, 'modifiedTime')!;
  }
  state.touch(f, call.me);
  return f;
}

/** addParents/removeParents under the single-parent rule; a move across drives re-homes the subtree. */
function moveParents(
  call: DriveCall,
  f: FileRecord,
  options: { addParents: string[]; removeParents: string[]; supportsAllDrives: boolean },
): void {
  const { state } = call.ctx;
  const remove = options.removeParents.map((id) => state.resolveId(id, call.me));
  for (const id of remove) {
    if (!f.parents.includes(id))
      throw badRequest(`The parent ${id} is not a parent of this file.`, 'removeParents');
  }
  const add = options.addParents.map((id) => state.checkParent(id, call.me, options.supportsAllDrives));
  const next = f.parents.filter((p) => !remove.includes(p));
  for (const p of add) if (!next.includes(p.id)) next.push(p.id);
  const target = add[0] ?? (next[0] ? state.files.get(next[0]) : undefined);
  if (next.length > 1) {
    throw target?.driveId || f.driveId
      ? forbidden('teamDrivesParentLimit', 'A shared drive item must have exactly one parent.')
      : forbidden('cannotAddParent', 'Increasing the number of parents is not allowed.');
  }
  if (next.length === 0 && f.driveId)
    throw forbidden('teamDrivesParentLimit', 'A shared drive item must have exactly one parent.');
  for (const p of add) {
    if (state.isWithin(p, f.id))
      throw badRequest('A folder cannot be moved into itself or its descendants.', 'addParents');
  }
  f.parents = next;
  const newDrive = target?.driveId;
  if (target && newDrive !== f.driveId) rehome(state, f, newDrive, call.me.emailAddress);
}

function rehome(state: DriveState, f: FileRecord, driveId: string | undefined, me: string): void {
  f.driveId = driveId;
  f.owner = driveId ? undefined : me;
  if (!driveId && !f.permissions.some((p) => p.role === 'owner')) {
    const u = state.user(me);
    f.permissions.unshift({
      id: u.permissionId,
      type: 'user',
      role: 'owner',
      emailAddress: u.emailAddress,
      displayName: u.displayName,
    });
  }
  if (driveId) f.permissions = f.permissions.filter((p) => p.role !== 'owner');
  for (const child of state.children(f.id)) {
    rehome(state, child, driveId, me);
    state.recordFileChange(child);
  }
}

/** files.copy: a new file with the head content (shared blob) and the metadata asked for. */
export async function copyFile(
  call: DriveCall,
  src: FileRecord,
  meta: Record<string, unknown>,
  supportsAllDrives: boolean,
): Promise<FileRecord> {
  const { state } = call.ctx;
  if (src.mimeType === FOLDER_MIME || src.isRoot)
    throw forbidden('cannotCopyFile', 'This file cannot be copied by the user.');
  const role = state.roleOf(src, call.me);
  if (src.copyRequiresWriterPermission && (role === 'reader' || role === 'commenter'))
    throw forbidden('cannotCopyFile', 'This file cannot be copied by the user.');
  const parentIds =
    Array.isArray(meta.parents) && meta.parents.length ? meta.parents : src.parents.slice(0, 1);
  const copyMeta = { ...meta, parents: parentIds.length ? parentIds : ['root'] };
  let parent: FileRecord;
  try {
    parent = parentFor(call, copyMeta, supportsAllDrives);
  } catch (e) {
    if (Array.isArray(meta.parents) && meta.parents.length) throw e;
    parent = state.checkParent('root', call.me, supportsAllDrives);
  }
  const now = state.now();
  const mimeType = typeof meta.mimeType === 'string' ? meta.mimeType : src.mimeType;
  const f = state.blankFile(
    newFileId(),
    typeof meta.name === 'string' ? meta.name : src.name,
    mimeType,
    now,
    parent.driveId ? undefined : call.me,
  );
  f.parents = [parent.id];
  f.driveId = parent.driveId;
  f.description = src.description;
  f.properties = { ...src.properties };
  f.appProperties = { ...src.appProperties };
  f.lastModifyingUser = call.me.emailAddress;
  f.originalFilename = src.originalFilename;
  f.shortcutTargetId = src.shortcutTargetId;
  applyCommon(state, f, { ...meta, parents: undefined });
  if (src.native) f.native = { text: src.native.text, revisionId: newRevisionId() };
  const head = src.revisions.at(-1);
  if (head) {
    state.blobs.retain(head.blobId);
    state.pushRevision(f, {
      ...head,
      id: newRevisionId(),
      modifiedTime: now,
      keepForever: false,
      lastModifyingUser: call.me.emailAddress,
    });
    f.mimeType = mimeType;
  }
  if (typeof meta.modifiedTime === 'string') f.modifiedTime = timeField(meta, 'modifiedTime')!;
  f.version = 1;
  state.insert(f);
  return f;
}

export function idList(v: string | null): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
