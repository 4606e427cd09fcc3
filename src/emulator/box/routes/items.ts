import type { Router } from '../../core/index.js';
import {
  asObject,
  type BoxCall,
  type BoxContext,
  header,
  readJsonObject,
  route,
  sendBox,
  sendEmpty,
} from '../context.js';
import { badRequest, boxError, notFound } from '../errors.js';
import type { FileRecord, FolderRecord, ItemRecord, SharedLinkRecord } from '../model.js';
import { ROOT_ID } from '../model.js';
import { listPage } from '../paging.js';
import { parseFields, parseTime } from '../shapes.js';
import { BoxStore } from '../state.js';

/** Box's description limit. */
const MAX_DESCRIPTION = 256;

/**
 * Files and folders: get, update (rename, move, description, tags, sync state, shared links, locks),
 * delete to the trash, copy, folder listings, and the trash (list, inspect, restore, purge).
 */
export function installItemRoutes(api: Router, ctx: BoxContext): void {
  // Folders
  route(api, ctx, 'GET', '/2.0/folders/trash/items', listTrash);
  route(api, ctx, 'POST', '/2.0/folders', createFolder);
  route(api, ctx, 'GET', '/2.0/folders/:id', (c) => getItem(c, 'folder'));
  route(api, ctx, 'PUT', '/2.0/folders/:id', (c) => updateItem(c, 'folder'));
  route(api, ctx, 'DELETE', '/2.0/folders/:id', (c) => deleteItem(c, 'folder'));
  route(api, ctx, 'POST', '/2.0/folders/:id', (c) => restoreItem(c, 'folder'));
  route(api, ctx, 'GET', '/2.0/folders/:id/items', listFolder);
  route(api, ctx, 'POST', '/2.0/folders/:id/copy', (c) => copyItem(c, 'folder'));
  route(api, ctx, 'GET', '/2.0/folders/:id/trash', (c) => getTrashed(c, 'folder'));
  route(api, ctx, 'DELETE', '/2.0/folders/:id/trash', (c) => purgeItem(c, 'folder'));
  // Files
  route(api, ctx, 'GET', '/2.0/files/:id', (c) => getItem(c, 'file'));
  route(api, ctx, 'PUT', '/2.0/files/:id', (c) => updateItem(c, 'file'));
  route(api, ctx, 'DELETE', '/2.0/files/:id', (c) => deleteItem(c, 'file'));
  route(api, ctx, 'POST', '/2.0/files/:id', (c) => restoreItem(c, 'file'));
  route(api, ctx, 'POST', '/2.0/files/:id/copy', (c) => copyItem(c, 'file'));
  route(api, ctx, 'GET', '/2.0/files/:id/trash', (c) => getTrashed(c, 'file'));
  route(api, ctx, 'DELETE', '/2.0/files/:id/trash', (c) => purgeItem(c, 'file'));
}

function render(c: BoxCall, item: ItemRecord): Record<string, unknown> {
  return c.ctx.shapes.item(item, parseFields(c.req.query));
}

/** `If-None-Match` equal to the current etag: Box answers 304 with no body. */
function notModified(c: BoxCall, item: ItemRecord): boolean {
  const inm = header(c.req, 'if-none-match');
  if (inm === undefined || inm.replace(/^W\//, '').replace(/^"|"$/g, '') !== String(item.sequence))
    return false;
  sendEmpty(c.res, 304, { etag: String(item.sequence) });
  return true;
}

function getItem(c: BoxCall, type: 'file' | 'folder'): void {
  const store = c.ctx.store;
  // A trashed file can still be read (item_status "trashed"); a trashed folder is a 404 `trashed`.
  const item =
    type === 'file' ? store.find('file', c.req.params.id!) : store.active('folder', c.req.params.id!);
  if (notModified(c, item)) return;
  sendBox(c.res, 200, render(c, item), item.id === ROOT_ID ? {} : { etag: String(item.sequence) });
}

async function createFolder(c: BoxCall): Promise<void> {
  const body = await readJsonObject(c.req);
  const parent = c.ctx.store.destination(asObject(body.parent)?.id);
  const folder = c.ctx.store.createFolder(parent, body.name);
  if (body.sync_state !== undefined) folder.syncState = readSyncState(body.sync_state);
  c.ctx.store.touch(parent);
  sendBox(c.res, 201, render(c, folder));
}

function listFolder(c: BoxCall): void {
  const store = c.ctx.store;
  const folder = store.active('folder', c.req.params.id!);
  const fields = parseFields(c.req.query);
  const page = listPage(store.children(folder), c.req.query, {
    defaultLimit: 100,
    maxLimit: 1000,
    sorts: ['id', 'name', 'date', 'size'],
    sizeOf: (i) => store.sizeOf(i),
    render: (i) => c.ctx.shapes.item(i, fields, 'mini'),
  });
  sendBox(c.res, 200, page);
}

function listTrash(c: BoxCall): void {
  const store = c.ctx.store;
  const fields = parseFields(c.req.query);
  const page = listPage(store.trashRoots(), c.req.query, {
    defaultLimit: 100,
    maxLimit: 1000,
    sorts: ['name', 'date', 'size'],
    maxOffset: 10_000,
    strictMarker: true,
    sizeOf: (i) => store.sizeOf(i),
    render: (i) => c.ctx.shapes.item(i, fields, 'mini'),
  });
  sendBox(c.res, 200, page);
}

async function updateItem(c: BoxCall, type: 'file' | 'folder'): Promise<void> {
  const store = c.ctx.store;
  const item = store.active(type, c.req.params.id!);
  store.checkIfMatch(item, header(c.req, 'if-match'));
  const body = await readJsonObject(c.req);

  // Validate everything first so that a bad field changes nothing.
  const parentId = asObject(body.parent)?.id;
  const destination = parentId !== undefined ? store.destination(parentId) : undefined;
  const name = body.name !== undefined ? store.validateName(body.name) : undefined;
  if (item.id === ROOT_ID && (name !== undefined || destination !== undefined)) {
    throw boxError(403, 'access_denied_insufficient_permissions', 'Access denied - insufficient permission');
  }
  if (body.description !== undefined) {
    if (typeof body.description !== 'string') throw badRequest('description must be a string');
    if (body.description.length > MAX_DESCRIPTION) throw badRequest('description is too long');
  }
  const tags = body.tags !== undefined ? readTags(body.tags) : undefined;
  const link = 'shared_link' in body ? readSharedLink(body.shared_link, item) : undefined;
  const syncState =
    type === 'folder' && body.sync_state !== undefined ? readSyncState(body.sync_state) : undefined;
  const lock = type === 'file' && 'lock' in body ? readLock(body.lock, c) : undefined;
  const fileChanges = item.type === 'file' ? readFileSettings(body, item) : {};
  const folderChanges = item.type === 'folder' ? readFolderSettings(body, item) : {};
  if (body.collections !== undefined && !Array.isArray(body.collections))
    throw badRequest('collections must be an array of collection references');

  if (destination && destination.id !== item.parentId) store.move(item, destination, name);
  else if (name !== undefined) store.rename(item, name);
  if (typeof body.description === 'string') item.description = body.description;
  if (tags) item.tags = tags;
  if (link !== undefined) item.sharedLink = link;
  if (syncState) (item as FolderRecord).syncState = syncState;
  if (lock !== undefined) (item as FileRecord).lock = lock;
  Object.assign(item, item.type === 'file' ? fileChanges : folderChanges);
  store.touch(item);
  sendBox(c.res, 200, render(c, item), { etag: String(item.sequence) });
}

/**
 * The file fields PUT /files/{id} sets besides name, parent, tags and links: `content_modified_at` (not in
 * the OpenAPI document, but Box honours it and sync tools such as rclone set modification times this way),
 * `disposition_at` (a retention expiry: later only) and `permissions.can_download` (checked; the emulator
 * has no second user a restriction could apply to).
 */
function readFileSettings(body: Record<string, unknown>, file: FileRecord): Partial<FileRecord> {
  const out: Partial<FileRecord> = {};
  if (body.content_modified_at !== undefined) {
    const t = parseTime(body.content_modified_at);
    if (t === undefined) throw badRequest('content_modified_at must be an RFC 3339 date-time');
    out.contentModifiedAt = t;
  }
  if (body.disposition_at !== undefined) {
    const t = parseTime(body.disposition_at);
    if (t === undefined) throw badRequest('disposition_at must be an RFC 3339 date-time');
    if (file.dispositionAt !== null && t < file.dispositionAt)
      throw badRequest('disposition_at cannot be shortened once set');
    out.dispositionAt = t;
  }
  const permissions = body.permissions === undefined ? undefined : asObject(body.permissions);
  if (body.permissions !== undefined && !permissions) throw badRequest('permissions must be an object');
  const canDownload = permissions?.can_download;
  if (canDownload !== undefined && canDownload !== 'open' && canDownload !== 'company')
    throw badRequest('permissions.can_download must be open or company');
  return out;
}

/** The folder settings PUT /folders/{id} sets: collaboration flags and uploads by email. */
function readFolderSettings(body: Record<string, unknown>, folder: FolderRecord): Partial<FolderRecord> {
  const out: Partial<FolderRecord> = {};
  const flag = (key: string): boolean | undefined => {
    const v = body[key];
    if (v !== undefined && typeof v !== 'boolean') throw badRequest(`${key} must be a boolean`);
    return v as boolean | undefined;
  };
  const invite = flag('can_non_owners_invite');
  const view = flag('can_non_owners_view_collaborators');
  const restricted = flag('is_collaboration_restricted_to_enterprise');
  if (invite !== undefined) out.canNonOwnersInvite = invite;
  if (view !== undefined) out.canNonOwnersViewCollaborators = view;
  if (restricted !== undefined) out.isCollaborationRestrictedToEnterprise = restricted;
  // Box: hiding the collaborators from non-owners needs non-owners' invitations off as well.
  if (view === false && (invite ?? folder.canNonOwnersInvite)) {
    throw badRequest('can_non_owners_invite must be false when can_non_owners_view_collaborators is false');
  }
  if ('folder_upload_email' in body) {
    const value = body.folder_upload_email;
    if (value === null) out.uploadEmail = null;
    else {
      const access = asObject(value)?.access;
      if (access !== 'open' && access !== 'collaborators')
        throw badRequest('folder_upload_email.access must be open or collaborators');
      out.uploadEmail = {
        access,
        email: folder.uploadEmail?.email ?? `upload.${folder.id}.${BoxStore.newToken(6)}@u.box.com`,
      };
    }
  }
  return out;
}

function readTags(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string'))
    throw badRequest('tags must be an array of strings');
  return [...new Set(value as string[])];
}

function readSyncState(value: unknown): FolderRecord['syncState'] {
  if (value !== 'synced' && value !== 'not_synced' && value !== 'partially_synced') {
    throw badRequest('sync_state must be synced, not_synced or partially_synced');
  }
  return value;
}

/**
 * A shared link from `{"shared_link":{access,password,unshared_at,vanity_name,permissions}}`; null
 * removes it. An existing link keeps its URL when its settings change.
 */
function readSharedLink(value: unknown, item: ItemRecord): SharedLinkRecord | null {
  if (value === null) return null;
  const body = asObject(value);
  if (!body) throw badRequest('shared_link must be an object or null');
  const current = item.sharedLink;
  const access = body.access ?? current?.access ?? 'open';
  if (access !== 'open' && access !== 'company' && access !== 'collaborators') {
    throw badRequest('shared_link.access must be open, company or collaborators');
  }
  let password = current?.password ?? null;
  if ('password' in body) {
    if (body.password !== null && typeof body.password !== 'string')
      throw badRequest('password must be a string');
    password = body.password as string | null;
    if (password !== null) {
      if (access !== 'open') throw badRequest('A password can only be set when access is open');
      if (password.length < 8 || !/[0-9A-Z]|[^0-9A-Za-z]/.test(password)) {
        throw badRequest(
          'Password must be at least eight characters and include a number, an upper case letter, or a special character',
          'bad_request',
        );
      }
    }
  }
  let unsharedAt = current?.unsharedAt ?? null;
  if ('unshared_at' in body) {
    if (body.unshared_at === null) unsharedAt = null;
    else {
      const t = parseTime(body.unshared_at);
      if (t === undefined) throw badRequest('unshared_at must be an RFC 3339 date-time');
      unsharedAt = t;
    }
  }
  const permissions = asObject(body.permissions) ?? {};
  let canDownload = current?.canDownload ?? true;
  if (permissions.can_download !== undefined) {
    if (typeof permissions.can_download !== 'boolean')
      throw badRequest('permissions.can_download must be a boolean');
    canDownload = permissions.can_download;
  }
  let canEdit = current?.canEdit ?? false;
  if (permissions.can_edit !== undefined) {
    if (typeof permissions.can_edit !== 'boolean') throw badRequest('permissions.can_edit must be a boolean');
    if (permissions.can_edit && item.type === 'folder')
      throw badRequest('can_edit is only available for files');
    canEdit = permissions.can_edit;
  }
  const vanityName =
    body.vanity_name === undefined
      ? (current?.vanityName ?? null)
      : typeof body.vanity_name === 'string'
        ? body.vanity_name
        : null;
  return {
    token: current?.token ?? BoxStore.newToken(16),
    access,
    password,
    vanityName,
    unsharedAt,
    canDownload,
    canEdit,
    downloadCount: current?.downloadCount ?? 0,
    previewCount: current?.previewCount ?? 0,
  };
}

/** A lock from `{"lock":{"access":"lock","expires_at"?,"is_download_prevented"?}}`; null unlocks. */
function readLock(value: unknown, c: BoxCall): FileRecord['lock'] {
  if (value === null) return null;
  const body = asObject(value);
  if (body?.access !== 'lock') throw badRequest('lock.access must be "lock"');
  let expiresAt: number | null = null;
  if (body.expires_at !== undefined && body.expires_at !== null) {
    const t = parseTime(body.expires_at);
    if (t === undefined) throw badRequest('lock.expires_at must be an RFC 3339 date-time');
    expiresAt = t;
  }
  if (body.is_download_prevented !== undefined && typeof body.is_download_prevented !== 'boolean') {
    throw badRequest('lock.is_download_prevented must be a boolean');
  }
  return {
    id: c.ctx.store.newLockId(),
    createdBy: c.userId || c.ctx.store.owner.id,
    createdAt: c.ctx.store.now(),
    expiresAt,
    isDownloadPrevented: body.is_download_prevented === true,
  };
}

function deleteItem(c: BoxCall, type: 'file' | 'folder'): void {
  const store = c.ctx.store;
  const item = store.active(type, c.req.params.id!);
  store.checkIfMatch(item, header(c.req, 'if-match'));
  if (item.type === 'folder' && c.req.query.get('recursive') !== 'true' && store.children(item).length > 0) {
    throw boxError(400, 'folder_not_empty', 'Cannot delete – folder not empty');
  }
  store.trash(item);
  sendEmpty(c.res, 204);
}

/** Copy keeps what it can of a name: Box strips characters it would refuse instead of failing. */
function copyName(raw: unknown, fallback: string, store: BoxStore): string {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string') throw badRequest('name must be a string');
  const cleaned = raw.replace(/[/\\\x00-\x1f\x7f]/g, '');
  let end = cleaned.length;
  while (end > 0 && cleaned[end - 1] === ' ') end--;
  return store.validateName(cleaned.slice(0, end));
}

async function copyItem(c: BoxCall, type: 'file' | 'folder'): Promise<void> {
  const store = c.ctx.store;
  const item = store.active(type, c.req.params.id!);
  if (item.id === ROOT_ID)
    throw boxError(403, 'access_denied_insufficient_permissions', 'Access denied - insufficient permission');
  const body = await readJsonObject(c.req);
  const parent = store.destination(asObject(body.parent)?.id);
  const name = copyName(body.name, item.name, store);
  if (body.version !== undefined && (type !== 'file' || typeof body.version !== 'string')) {
    throw badRequest('version must be a file version id');
  }
  const copy = store.copy(item, parent, name, body.version as string | undefined);
  sendBox(c.res, 201, render(c, copy));
}

/** `GET /files|folders/{id}/trash`: only the item the user deleted (not what went with a folder). */
function getTrashed(c: BoxCall, type: 'file' | 'folder'): void {
  const item = c.ctx.store.find(type, c.req.params.id!);
  if (item.status !== 'trashed' || item.trashRootId !== item.id) throw notFound();
  sendBox(c.res, 200, render(c, item));
}

async function purgeItem(c: BoxCall, type: 'file' | 'folder'): Promise<void> {
  const item = c.ctx.store.find(type, c.req.params.id!);
  if (item.status !== 'trashed' || item.trashRootId !== item.id) throw notFound();
  await c.ctx.store.purge(item);
  sendEmpty(c.res, 204);
}

async function restoreItem(c: BoxCall, type: 'file' | 'folder'): Promise<void> {
  const store = c.ctx.store;
  const item = store.find(type, c.req.params.id!);
  const body = await readJsonObject(c.req);
  const parentId = body.parent === undefined ? undefined : asObject(body.parent)?.id;
  if (body.parent !== undefined && parentId === undefined) throw badRequest('parent.id is required');
  store.restore(item, body.name, parentId);
  sendBox(c.res, 201, render(c, item));
}
