import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { B2Context } from './context.js';
import { iterateFileVersions, iterateMultipartUploads } from './listing.js';
import { checkFileName, infoObject, parseRange } from './names.js';
import type { B2File } from './types.js';
import type { DeleteFileVersionResponse, FileVersion } from './wire.js';

/** Changes to file versions: b2_hide_file, b2_delete_file_version, deleteFile (every version), b2_copy_file. */

/** hideFile: a hide marker becomes the newest version of the name; returns the marker's id. */
export async function hideFile(
  ctx: B2Context,
  bucketId: string,
  fileName: string,
  signal: AbortSignal,
): Promise<string> {
  checkFileName(fileName);
  const marker = await ctx.api.call<FileVersion>('b2_hide_file', { bucketId, fileName }, { signal });
  return marker.fileId ?? '';
}

/** deleteFileVersion: B2 wants the name too; it is looked up (b2_get_file_info) unless the caller gives it. */
export async function deleteFileVersion(
  ctx: B2Context,
  fileId: string,
  fileName: string | undefined,
  signal: AbortSignal,
): Promise<void> {
  const name =
    fileName ?? (await ctx.api.call<FileVersion>('b2_get_file_info', { fileId }, { signal })).fileName;
  await ctx.api.call<DeleteFileVersionResponse>(
    'b2_delete_file_version',
    { fileName: name, fileId },
    { signal },
  );
}

/** Removes one version: an unfinished multipart upload is cancelled, anything else deleted. */
async function removeVersion(ctx: B2Context, version: B2File, signal: AbortSignal): Promise<void> {
  if (version.kind === 'start') {
    await ctx.api.call('b2_cancel_large_file', { fileId: version.id }, { signal });
    return;
  }
  await ctx.api.call<DeleteFileVersionResponse>(
    'b2_delete_file_version',
    { fileName: version.name, fileId: version.id },
    { signal },
  );
}

/**
 * deleteFile: every version of a name (hide markers and an unfinished upload too), oldest first, stopping
 * at the first failure. Done on the client; the File collection, the markers and the list events are not
 * touched. Error 604 when the name has no version.
 */
export async function deleteFile(
  ctx: B2Context,
  bucketId: string,
  fileName: string,
  signal: AbortSignal,
): Promise<number> {
  checkFileName(fileName);
  const versions: B2File[] = [];
  for await (const v of iterateFileVersions(ctx, bucketId, signal, { prefix: fileName, delimiter: '' })) {
    // Names sort by bytes, so the name itself comes before every longer name it starts.
    if (v.name !== fileName) break;
    versions.push(v);
  }
  // Unfinished uploads of the name, in case the version listing does not show them.
  const listed = new Set(versions.map((v) => v.id));
  for await (const u of iterateMultipartUploads(ctx, bucketId, signal, fileName)) {
    if (u.name === fileName && !listed.has(u.id)) versions.unshift(u);
  }
  if (versions.length === 0) {
    throw new CloudStorageError(ErrorCode.InvalidRemoteId, `The bucket has no version of "${fileName}".`);
  }
  // B2 lists the versions of a name newest first; an unfinished upload is newer than them all.
  for (const v of versions.reverse()) await removeVersion(ctx, v, signal);
  return versions.length;
}

/**
 * copyFile: a server-side copy (the range property for part of it; at most 5 GB). With SendMetadataOnCopy
 * and any of contentType, the metadata collection or ClientModifiedTime set, those replace the source's;
 * otherwise B2 copies the source's. Returns the new file's id.
 */
export async function copyFile(
  ctx: B2Context,
  srcFileId: string,
  destBucketId: string,
  destFileName: string,
  signal: AbortSignal,
): Promise<string> {
  checkFileName(destFileName, 'destFileName');
  const client = ctx.client;
  const range = parseRange(client.range);
  const modified = ctx.settings.get('ClientModifiedTime');
  const replace =
    ctx.settings.get('SendMetadataOnCopy') &&
    (client.contentType !== '' || client.metadata.length > 0 || modified !== '');
  const copy = await ctx.api.call<FileVersion>(
    'b2_copy_file',
    {
      sourceFileId: srcFileId,
      fileName: destFileName,
      ...(destBucketId ? { destinationBucketId: destBucketId } : {}),
      ...(range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
      ...(replace
        ? {
            metadataDirective: 'REPLACE',
            contentType: client.contentType || 'b2/x-auto',
            fileInfo: infoObject(client.metadata, modified),
          }
        : { metadataDirective: 'COPY' }),
    },
    { signal },
  );
  return copy.fileId ?? '';
}
