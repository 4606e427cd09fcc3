import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { BoxApi } from './api.js';
import { type BoxRef, formatId, itemPath } from './ids.js';
import type { BoxResource } from './types.js';
import { ITEM_FIELDS, type WireItem } from './wire.js';

/**
 * Changes to files and folders: create, copy, move, rename and the other fields of updateResource,
 * trash / delete / restore, shared links, locks and preview links.
 */

function subject(ref: BoxRef): string {
  return formatId(ref.kind, ref.id);
}

/** `PUT /files|folders/{id}` with a partial item; returns the updated item. */
export function updateItem(
  api: BoxApi,
  ref: BoxRef,
  changes: Record<string, unknown>,
  signal: AbortSignal,
  fields = ITEM_FIELDS,
): Promise<WireItem> {
  return api.json<WireItem>({
    method: 'PUT',
    path: `/${itemPath(ref)}`,
    query: { fields },
    json: changes,
    signal,
    subject: subject(ref),
  });
}

export function createFolder(
  api: BoxApi,
  name: string,
  parent: BoxRef,
  signal: AbortSignal,
): Promise<WireItem> {
  return api.json<WireItem>({
    method: 'POST',
    path: '/folders',
    query: { fields: ITEM_FIELDS },
    json: { name, parent: { id: parent.id } },
    signal,
    subject: subject(parent),
  });
}

/** Copies a file (a given version when VersionId is set) or a folder; Box copies big folders in the background. */
export function copyItem(
  api: BoxApi,
  ref: BoxRef,
  parent: BoxRef,
  newName: string,
  signal: AbortSignal,
): Promise<WireItem> {
  const version = ref.kind === 'file' ? api.settings.get('VersionId') : '';
  return api.json<WireItem>({
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
}

/**
 * `deleteResource`: to the trash, or for good when the item is already there. An item in the trash
 * answers 404 on its normal endpoint, so that answer leads to the permanent delete; when the item is not
 * in the trash either, the first error is reported.
 */
export async function deleteItem(
  api: BoxApi,
  ref: BoxRef,
  signal: AbortSignal,
): Promise<'trashed' | 'deleted'> {
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
export async function restoreItem(
  api: BoxApi,
  ref: BoxRef,
  parent: BoxRef | undefined,
  newName: string,
  signal: AbortSignal,
): Promise<WireItem> {
  const body: { parent?: { id: string }; name?: string } = {};
  for (;;) {
    try {
      return await api.json<WireItem>({
        method: 'POST',
        path: `/${itemPath(ref)}`,
        query: { fields: ITEM_FIELDS },
        json: body,
        signal,
        subject: subject(ref),
      });
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
  if (ref.kind === 'folder' && SYNC_STATE_WIRE[current.syncState] && differs('syncState')) {
    changes.sync_state = SYNC_STATE_WIRE[current.syncState];
  }
  if (differs('tags') && (original || current.tags)) {
    changes.tags = current.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return changes;
}

/** Access levels of CreateLinkAccess. */
const ACCESS = ['open', 'company', 'collaborators'] as const;

/** `createLink`: creates the shared link, or changes the settings of the existing one (same URL). */
export async function createLink(api: BoxApi, ref: BoxRef, signal: AbortSignal): Promise<string> {
  const access = ACCESS[api.settings.get('CreateLinkAccess')]!;
  const password = api.settings.get('CreateLinkPassword');
  const expiration = api.settings.get('CreateLinkExpiration');
  if (password) api.redactor.add(password);
  const link = {
    access,
    ...(password ? { password } : {}),
    ...(expiration ? { unshared_at: expiration } : {}),
    ...(access !== 'collaborators'
      ? { permissions: { can_download: api.settings.get('CreateLinkAllowDownloads') } }
      : {}),
  };
  const item = await updateItem(api, ref, { shared_link: link }, signal, 'shared_link');
  if (!item.shared_link?.url) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `Box did not return a shared link for ${subject(ref)}.`,
    );
  }
  return item.shared_link.url;
}

export async function revokeLink(api: BoxApi, ref: BoxRef, signal: AbortSignal): Promise<void> {
  await updateItem(api, ref, { shared_link: null }, signal, 'shared_link');
}

/** `createPreviewLink`: Box's expiring embed link (valid 60 s; the preview session lasts 60 min). */
export async function createPreviewLink(api: BoxApi, ref: BoxRef, signal: AbortSignal): Promise<string> {
  const item = await api.json<WireItem>({
    method: 'GET',
    path: `/${itemPath(ref)}`,
    query: { fields: 'expiring_embed_link' },
    signal,
    subject: subject(ref),
  });
  const url = item.expiring_embed_link?.url;
  if (!url) {
    throw new CloudStorageError(
      ErrorCode.UnsupportedOperation,
      `Box offers no preview for ${subject(ref)} (its file type cannot be previewed).`,
    );
  }
  return url;
}

export async function lockFile(
  api: BoxApi,
  ref: BoxRef,
  expiration: string,
  allowDownloading: boolean,
  signal: AbortSignal,
): Promise<void> {
  const lock = {
    access: 'lock',
    ...(expiration ? { expires_at: expiration } : {}),
    is_download_prevented: !allowDownloading,
  };
  await updateItem(api, ref, { lock }, signal, 'lock');
}

export async function unlockFile(api: BoxApi, ref: BoxRef, signal: AbortSignal): Promise<void> {
  await updateItem(api, ref, { lock: null }, signal, 'lock');
}
