import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import { seg } from './api.js';
import { type GoogleDriveContext, idList } from './context.js';
import { FOLDER_MIME } from './mapping.js';
import type { GoogleDriveResource } from './types.js';
import type { File } from './wire.js';

/**
 * Changes to the tree: createFolder, copyResource, moveResource, addParents, removeParents, trash,
 * restore, permanent delete (of a file, or of a revision with RevisionId), emptyTrash; and the metadata
 * rules of uploadFile / updateResource (which fields of a resource item go to Drive, and when).
 */

/** The metadata of resources[0] an upload (or createFolder with IncludeFolderProperties) sends. */
export function creationMetadata(r: GoogleDriveResource | undefined): File {
  if (!r) return {};
  const body: File = {};
  if (r.name) body.name = r.name;
  if (r.mimeType) body.mimeType = r.mimeType;
  if (r.description) body.description = r.description;
  const parents = idList(r.parentIds);
  if (parents.length) body.parents = parents;
  if (r.createdTime) body.createdTime = r.createdTime;
  if (r.modifiedTime) body.modifiedTime = r.modifiedTime;
  if (r.starred) body.starred = true;
  if (!r.contentAccessible) body.copyRequiresWriterPermission = true;
  return body;
}

/**
 * The metadata updateResource sends from the item: name, description, starred, trashed, modifiedTime and
 * contentAccessible; mimeType only with new content; createdTime and parentIds never (use the parent
 * methods to move).
 */
export function updateMetadata(r: GoogleDriveResource, withContent: boolean): File {
  const body: File = { description: r.description, starred: r.starred, trashed: r.trashed };
  // An item read with a narrow RequestedFields mask has no name: never rename a file to nothing.
  if (r.name) body.name = r.name;
  // Drive applies the copy restriction to files only.
  if (r.type === 0) body.copyRequiresWriterPermission = !r.contentAccessible;
  if (r.modifiedTime) body.modifiedTime = r.modifiedTime;
  if (withContent && r.mimeType) body.mimeType = r.mimeType;
  return body;
}

/** The item of the Resource collection updateResource works from. */
export function resourceToUpdate(ctx: GoogleDriveContext, resourceId: string): GoogleDriveResource {
  if (!resourceId) throw invalidArgument('updateResource needs a resource id.');
  const item = ctx.client.resources.find((r) => r.id === resourceId && r.type !== 2);
  if (!item) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `No item of resources has id ${resourceId}: call getResourceInfo("${resourceId}") first, edit resources[0], then call updateResource.`,
    );
  }
  return item;
}

/** updateResource without new content: files.update with the item's metadata (or the call's own). */
export async function updateMetadataOnly(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
  metadata?: File,
): Promise<void> {
  const json = metadata ?? updateMetadata(resourceToUpdate(ctx, resourceId), false);
  await ctx.api.json<File>({
    method: 'PATCH',
    path: `/files/${seg(resourceId)}`,
    query: { supportsAllDrives: 'true', fields: 'id' },
    json,
    // Setting the same fields twice gives the same result.
    idempotent: true,
    signal,
  });
}

export async function createFolder(
  ctx: GoogleDriveContext,
  name: string,
  parentIds: string,
  signal: AbortSignal,
): Promise<string> {
  if (!name) throw invalidArgument('createFolder needs a name.');
  const base = ctx.settings.get('IncludeFolderProperties') ? creationMetadata(ctx.client.resources[0]) : {};
  const parents = idList(parentIds);
  const body: File = { ...base, name, mimeType: FOLDER_MIME, ...(parents.length ? { parents } : {}) };
  const created = await ctx.api.json<File>({
    method: 'POST',
    path: '/files',
    query: { supportsAllDrives: 'true', fields: 'id' },
    json: body,
    signal,
  });
  return created.id ?? '';
}

export async function copyResource(
  ctx: GoogleDriveContext,
  resourceId: string,
  newName: string,
  parentIds: string,
  signal: AbortSignal,
): Promise<string> {
  const parents = idList(parentIds);
  const copy = await ctx.api.json<File>({
    method: 'POST',
    path: `/files/${seg(resourceId)}/copy`,
    query: { supportsAllDrives: 'true', fields: 'id' },
    json: { ...(newName ? { name: newName } : {}), ...(parents.length ? { parents } : {}) },
    signal,
  });
  return copy.id ?? '';
}

async function patchParents(
  ctx: GoogleDriveContext,
  resourceId: string,
  add: string[],
  remove: string[],
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.json<File>({
    method: 'PATCH',
    path: `/files/${seg(resourceId)}`,
    query: {
      supportsAllDrives: 'true',
      fields: 'id,parents',
      ...(add.length ? { addParents: add.join(',') } : {}),
      ...(remove.length ? { removeParents: remove.join(',') } : {}),
    },
    json: {},
    signal,
  });
}

export async function addParents(
  ctx: GoogleDriveContext,
  resourceId: string,
  parentIds: string,
  signal: AbortSignal,
): Promise<void> {
  const add = idList(parentIds);
  if (add.length === 0) throw invalidArgument('addParents needs one or more parent ids.');
  await patchParents(ctx, resourceId, add, [], signal);
}

export async function removeParents(
  ctx: GoogleDriveContext,
  resourceId: string,
  parentIds: string,
  signal: AbortSignal,
): Promise<void> {
  const remove = idList(parentIds);
  if (remove.length === 0) throw invalidArgument('removeParents needs one or more parent ids.');
  await patchParents(ctx, resourceId, [], remove, signal);
}

/** Afterwards the given folders are the only parents: the current ones not among them are removed. */
export async function moveResource(
  ctx: GoogleDriveContext,
  resourceId: string,
  newParentIds: string,
  signal: AbortSignal,
): Promise<void> {
  const wanted = idList(newParentIds);
  if (wanted.length === 0) throw invalidArgument('moveResource needs one or more new parent ids.');
  const current = await ctx.api.json<File>({
    method: 'GET',
    path: `/files/${seg(resourceId)}`,
    query: { supportsAllDrives: 'true', fields: 'id,parents' },
    signal,
  });
  const have = current.parents ?? [];
  const add = wanted.filter((p) => !have.includes(p));
  const remove = have.filter((p) => !wanted.includes(p));
  if (add.length === 0 && remove.length === 0) return;
  await patchParents(ctx, resourceId, add, remove, signal);
}

async function setTrashed(
  ctx: GoogleDriveContext,
  resourceId: string,
  trashed: boolean,
  signal: AbortSignal,
) {
  await ctx.api.json<File>({
    method: 'PATCH',
    path: `/files/${seg(resourceId)}`,
    query: { supportsAllDrives: 'true', fields: 'id' },
    json: { trashed },
    idempotent: true,
    signal,
  });
}

export function trashResource(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<void> {
  return setTrashed(ctx, resourceId, true, signal);
}

export function restoreResource(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<void> {
  return setTrashed(ctx, resourceId, false, signal);
}

/** Deletes for good, bypassing the trash; with RevisionId, that revision of the file. */
export async function deleteResource(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<void> {
  if (!resourceId) throw invalidArgument('deleteResource needs a resource id.');
  const revision = ctx.settings.get('RevisionId');
  await ctx.api.send({
    method: 'DELETE',
    path: revision ? `/files/${seg(resourceId)}/revisions/${seg(revision)}` : `/files/${seg(resourceId)}`,
    query: revision ? {} : { supportsAllDrives: 'true' },
    signal,
  });
}

export async function emptyTrash(ctx: GoogleDriveContext, signal: AbortSignal): Promise<void> {
  await ctx.api.send({ method: 'DELETE', path: '/files/trash', signal });
}
