import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { ACCEPTS, type Address, address, revisionId } from './addressing.js';
import type { DropboxContext } from './context.js';
import type { FileMetadata, FolderMetadata, Metadata } from './wire.js';

/**
 * Changes to the tree: files/create_folder_v2, copy_v2, move_v2, delete_v2 / permanently_delete and
 * restore. None of these is repeated after a dropped connection (a second copy or a second autorenamed
 * folder would be a different result); a 429 is, since Dropbox did not run the request.
 */

/**
 * The path form of a write target. Routes whose argument is a Stone `WritePath` (create_folder_v2,
 * restore) take no `id:`, so an id-relative path (`id:<folder>/name`) becomes the folder's path + name.
 */
export async function writePath(ctx: DropboxContext, a: Address, signal: AbortSignal): Promise<string> {
  if (a.kind !== 'idPath') return a.value;
  const slash = a.value.indexOf('/');
  const folder = await ctx.api.rpc<Metadata>(
    'files/get_metadata',
    { path: a.value.slice(0, slash) },
    { signal, idempotent: true },
  );
  if (folder['.tag'] !== 'folder' || folder.path_display === undefined) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `${a.value.slice(0, slash)} is not a folder: an id-relative path starts with a folder id.`,
    );
  }
  return `${folder.path_display}${a.value.slice(slash)}`;
}

export async function createFolder(ctx: DropboxContext, newFolderPath: string, signal: AbortSignal) {
  const path = await writePath(ctx, address(newFolderPath, ACCEPTS.writePath, 'newFolderPath'), signal);
  const { metadata } = await ctx.api.rpc<{ metadata: FolderMetadata }>(
    'files/create_folder_v2',
    { path, autorename: ctx.settings.get('RenameIfExists') },
    { signal },
  );
  return metadata.id;
}

function relocationArg(ctx: DropboxContext, from: string, to: string) {
  return {
    from_path: address(from, ACCEPTS.resource, 'fromResource').value,
    to_path: address(to, ACCEPTS.writePath, 'toResourcePath').value,
    autorename: ctx.settings.get('RenameIfExists'),
  };
}

export async function copyResource(
  ctx: DropboxContext,
  fromResource: string,
  toResourcePath: string,
  signal: AbortSignal,
): Promise<string> {
  const { metadata } = await ctx.api.rpc<{ metadata: Metadata }>(
    'files/copy_v2',
    {
      ...relocationArg(ctx, fromResource, toResourcePath),
      allow_shared_folder: ctx.settings.get('AllowCopySharedFolders'),
    },
    { signal },
  );
  return 'id' in metadata ? metadata.id : '';
}

export async function moveResource(
  ctx: DropboxContext,
  fromResource: string,
  toResourcePath: string,
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.rpc<{ metadata: Metadata }>(
    'files/move_v2',
    {
      ...relocationArg(ctx, fromResource, toResourcePath),
      // Deprecated for moves (always allowed) but still accepted; sent for servers that look at it.
      allow_shared_folder: true,
      allow_ownership_transfer: ctx.settings.get('AllowOwnershipTransfers'),
    },
    { signal },
  );
}

/** delete_v2 (or permanently_delete with PermanentlyDelete), conditional on IfRevision when set. */
export async function deleteResource(ctx: DropboxContext, resource: string, signal: AbortSignal) {
  const path = address(resource, ACCEPTS.resource, 'resource').value;
  const ifRevision = ctx.settings.get('IfRevision');
  const arg = { path, ...(ifRevision ? { parent_rev: revisionId(ifRevision) } : {}) };
  const route = ctx.settings.get('PermanentlyDelete') ? 'files/permanently_delete' : 'files/delete_v2';
  await ctx.api.rpc<unknown>(route, arg, { signal });
}

/** files/restore: the revision written at a file path (which must end with the file name). */
export async function restoreResource(
  ctx: DropboxContext,
  revision: string,
  toResourcePath: string,
  signal: AbortSignal,
): Promise<string> {
  const rev = revisionId(revision);
  const path = await writePath(ctx, address(toResourcePath, ACCEPTS.writePath, 'toResourcePath'), signal);
  const metadata = await ctx.api.rpc<FileMetadata>('files/restore', { path, rev }, { signal });
  return metadata.id;
}
