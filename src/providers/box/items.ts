import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import { enumMember } from '../../core/provider.js';
import { uploadInput } from '../../core/transfer/index.js';
import { type BoxContext, remember } from './context.js';
import { type BoxRef, checkName, existing, formatId, itemPath, parseId } from './ids.js';
import { type BoxResource, BoxSyncState, type BoxUploadOptions } from './types.js';
import { uploadTo } from './uploads.js';
import { ITEM_FIELDS, type WireItem } from './wire.js';

/**
 * Changes to files and folders: create, copy, move, rename and the other fields of updateResource,
 * trash / delete / restore, locks, and making an older version current.
 */

export function subject(ref: BoxRef): string {
  return formatId(ref.kind, ref.id);
}

/** Creates a folder ('' parent = the root); returns its id (`d:…`). */
export async function createFolder(
  ctx: BoxContext,
  folderName: string,
  parentId: string,
  signal: AbortSignal,
): Promise<string> {
  checkName(folderName, 'folder name');
  const parent = parseId(parentId, 'folder', 'parent id');
  const item = await ctx.api.json<WireItem>({
    method: 'POST',
    path: '/folders',
    query: { fields: ITEM_FIELDS },
    json: { name: folderName, parent: { id: parent.id } },
    signal,
    subject: subject(parent),
  });
  return formatId('folder', item.id);
}

/** Copies a file (a given version when VersionId is set) or a folder; Box copies big folders in the background. */
export async function copyResource(
  ctx: BoxContext,
  resourceId: string,
  parentId: string,
  newName: string,
  signal: AbortSignal,
): Promise<string> {
  const ref = existing(resourceId);
  if (newName) checkName(newName, 'new name');
  const parent = parseId(parentId, 'folder', 'parent id');
  const version = ref.kind === 'file' ? ctx.settings.get('VersionId') : '';
  const item = await ctx.api.json<WireItem>({
    method: 'POST',
    path: `/${itemPath(ref)}/copy`,
    query: { fields: ITEM_FIELDS },
    json: {
      parent: { id: parent.id },
      ...(newName ? { name: newName } : {}),
      ...(version ? { version } : {}),
    },
    signal,
    subject: subject(ref),
  });
  return formatId(item.type, item.id);
}

/** Moves (and optionally renames); Box moves synchronously, whatever the size. */
export async function moveResource(
  ctx: BoxContext,
  resourceId: string,
  parentId: string,
  newName: string,
  signal: AbortSignal,
): Promise<void> {
  const ref = existing(resourceId);
  if (newName) checkName(newName, 'new name');
  const parent = parseId(parentId, 'folder', 'parent id');
  await updateItem(ctx, ref, { parent: { id: parent.id }, ...(newName ? { name: newName } : {}) }, signal);
}

/** `PUT /files|folders/{id}` with a partial item; returns the updated item. */
export function updateItem(
  ctx: BoxContext,
  ref: BoxRef,
  changes: Record<string, unknown>,
  signal: AbortSignal,
  fields = ITEM_FIELDS,
): Promise<WireItem> {
  return ctx.api.json<WireItem>({
    method: 'PUT',
    path: `/${itemPath(ref)}`,
    query: { fields },
    json: changes,
    signal,
    subject: subject(ref),
  });
}

/**
 * `deleteResource`: to the trash, or for good when the item is already there. An item in the trash
 * answers 404 on its normal endpoint, so that answer leads to the permanent delete; when the item is not
 * in the trash either, the first error is reported.
 */
export async function deleteResource(
  ctx: BoxContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<'trashed' | 'deleted'> {
  const ref = existing(resourceId);
  const api = ctx.api;
  try {
    await api.request({
      method: 'DELETE',
      path: `/${itemPath(ref)}`,
      ...(ref.kind === 'folder' ? { query: { recursive: true } } : {}),
      signal,
      subject: subject(ref),
    });
    return 'trashed';
  } catch (first) {
    if (!(first instanceof CloudStorageError) || first.httpStatus !== 404) throw first;
    try {
      await api.request({ method: 'DELETE', path: `/${itemPath(ref)}/trash`, signal, subject: subject(ref) });
    } catch (second) {
      if (second instanceof CloudStorageError && second.httpStatus === 404) throw first;
      throw second;
    }
    return 'deleted';
  }
}

/**
 * `restoreResource`: Box restores to the original folder under the original name when it can. `parentId`
 * is used only when the original folder is gone (404), `newName` only when the name is taken there (409).
 */
export async function restoreResource(
  ctx: BoxContext,
  resourceId: string,
  parentId: string,
  newName: string,
  signal: AbortSignal,
): Promise<void> {
  const ref = existing(resourceId);
  if (newName) checkName(newName, 'new name');
  const parent = parentId ? parseId(parentId, 'folder', 'parent id') : undefined;
  const body: { parent?: { id: string }; name?: string } = {};
  for (;;) {
    try {
      await ctx.api.json<WireItem>({
        method: 'POST',
        path: `/${itemPath(ref)}`,
        query: { fields: ITEM_FIELDS },
        json: body,
        signal,
        subject: subject(ref),
      });
      return;
    } catch (e) {
      if (!(e instanceof CloudStorageError)) throw e;
      if (e.httpStatus === 404 && parent && !body.parent && e.providerCode !== 'trashed') {
        body.parent = { id: parent.id };
        continue;
      }
      if (e.providerCode === 'item_name_in_use' && newName && !body.name) {
        body.name = newName;
        continue;
      }
      throw e;
    }
  }
}

const SYNC_STATE_WIRE: Record<number, string> = { 1: 'synced', 2: 'not_synced' };

/**
 * `updateResource`: sends the changes made to the `resources` entry of this id; for a file, also uploads
 * new content when localFile or resourceData is set (or given in the options).
 */
export async function updateResource(
  ctx: BoxContext,
  resourceId: string,
  options: BoxUploadOptions,
  signal: AbortSignal,
): Promise<void> {
  const client = ctx.client;
  const ref = parseId(resourceId, 'any');
  const id = formatId(ref.kind, ref.id);
  const index = client.resources.findIndex((r) => r.id === id);
  if (index < 0) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `${id} is not in the resources collection: call getResourceInfo("${id}") first, change the entry, then call updateResource.`,
    );
  }
  const current = client.resources[index]!;
  if (current.name) checkName(current.name, 'name');
  const parent = current.parentId ? parseId(current.parentId, 'folder', 'parentId') : undefined;
  const changes = changedFields(ref, current, ctx.originals.get(current), parent);
  let item: WireItem | undefined;
  if (Object.keys(changes).length > 0) item = await updateItem(ctx, ref, changes, signal);
  const { localFile, data } = uploadInput(options, client);
  if (ref.kind === 'file' && (localFile || data !== undefined)) {
    item = await uploadTo(ctx, { kind: 'version', fileId: ref.id }, options, signal);
  }
  if (item) {
    // The collection may have been replaced meanwhile (another call); update the entry if it is still there.
    const at = client.resources.indexOf(current);
    if (at >= 0) client.resources[at] = remember(ctx, item);
  }
}

/**
 * The fields of `updateResource`: what differs from the resource as Box last described it (or, for a
 * resource the caller built, every field that is set). Names are checked by the caller.
 */
export function changedFields(
  ref: BoxRef,
  current: BoxResource,
  original: BoxResource | undefined,
  parent: BoxRef | undefined,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const differs = <K extends keyof BoxResource>(k: K) => !original || original[k] !== current[k];
  if (current.name && differs('name')) changes.name = current.name;
  if (differs('description') && (original || current.description)) changes.description = current.description;
  if (parent && differs('parentId')) changes.parent = { id: parent.id };
  if (differs('syncState') && (original || current.syncState !== 0)) {
    // Only Synced and NotSynced can be set, and only on folders (files are always Undefined).
    const state = enumMember(current.syncState, BoxSyncState, 'syncState');
    if (ref.kind !== 'folder' || !SYNC_STATE_WIRE[state]) {
      throw invalidArgument(
        `syncState can be set to 1 (Synced) or 2 (NotSynced), on folders only; got ${state} for a ${ref.kind}.`,
      );
    }
    changes.sync_state = SYNC_STATE_WIRE[state];
  }
  if (differs('tags') && (original || current.tags)) {
    changes.tags = current.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return changes;
}

/** Locks a file; `expiration` '' never expires (else RFC 3339). */
export async function lockFile(
  ctx: BoxContext,
  fileId: string,
  expiration: string,
  allowDownloading: boolean,
  signal: AbortSignal,
): Promise<void> {
  if (expiration && Number.isNaN(Date.parse(expiration))) {
    throw invalidArgument(`The lock expiration "${expiration}" is not an RFC 3339 timestamp.`);
  }
  const ref = parseId(fileId, 'file', 'file id');
  const lock = {
    access: 'lock',
    ...(expiration ? { expires_at: expiration } : {}),
    is_download_prevented: !allowDownloading,
  };
  await updateItem(ctx, ref, { lock }, signal, 'lock');
}

export async function unlockFile(ctx: BoxContext, fileId: string, signal: AbortSignal): Promise<void> {
  await updateItem(ctx, parseId(fileId, 'file', 'file id'), { lock: null }, signal, 'lock');
}

/** Makes an older version current (Box copies it as a new version). */
export async function promoteVersion(
  ctx: BoxContext,
  fileId: string,
  versionId: string,
  signal: AbortSignal,
): Promise<void> {
  const file = parseId(fileId, 'file', 'file id');
  if (!/^\d+$/.test(versionId.trim())) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `"${versionId}" is not a Box version id (digits).`,
    );
  }
  await ctx.api.json({
    method: 'POST',
    path: `/files/${file.id}/versions/current`,
    json: { type: 'file_version', id: versionId.trim() },
    signal,
    subject: fileId,
  });
}
