import { publishPage } from '../../core/provider.js';
import type { B2Context } from './context.js';
import { fileEvent, fileFrom } from './mapping.js';
import type { B2File, B2FilePage } from './types.js';
import type {
  FileVersion,
  ListFileNamesResponse,
  ListFileVersionsResponse,
  ListUnfinishedResponse,
} from './wire.js';

/**
 * Listings of a bucket: b2_list_file_names (listFiles, latest visible versions), b2_list_file_versions
 * (listFileVersions, every version), b2_list_unfinished_large_files (listMultipartUploads), with prefix,
 * delimiter (folders) and MaxResults; and b2_get_file_info (getFileInfo).
 *
 * A version listing continues from two values (nextFileName, nextFileId); versionMarker holds both, joined
 * by a newline, which no B2 file name contains.
 */

/** The prefix a listing uses: the prefix property, else the key's name-prefix restriction (written into it). */
async function listingPrefix(ctx: B2Context, signal: AbortSignal, write: boolean): Promise<string> {
  await ctx.session.ensure(signal);
  const client = ctx.client;
  if (client.prefix) return client.prefix;
  const allowed = client.account.allowedPrefix;
  if (allowed && write) client.prefix = allowed;
  return allowed;
}

/** Fires fileList for a file, and metadataList for its info items when `withInfo`. */
function announce(ctx: B2Context, file: B2File, withInfo: boolean): void {
  ctx.client.emit('fileList', fileEvent(file));
  if (!withInfo) return;
  for (const item of file.info) {
    ctx.client.emit('metadataList', {
      bucketId: file.bucketId,
      fileId: file.id,
      name: item.name,
      value: item.value,
    });
  }
}

function publishFiles(ctx: B2Context, files: B2File[], continuing: boolean): void {
  const client = ctx.client;
  const withInfo = ctx.settings.get('ListWithMetadata');
  publishPage({ get: () => client.files, set: (items) => (client.files = items) }, files, {
    continuing,
    accumulate: ctx.settings.get('AccumulatePages'),
    emit: (f) => announce(ctx, f, withInfo),
  });
}

function pageSize(ctx: B2Context): number | undefined {
  const max = ctx.settings.get('MaxResults');
  return max > 0 ? max : undefined;
}

function toFiles(files: FileVersion[], bucketId: string): B2File[] {
  return files.map((f) => fileFrom(f, bucketId));
}

// ---- names -----------------------------------------------------------------------------------------

async function namePage(
  ctx: B2Context,
  bucketId: string,
  prefix: string,
  delimiter: string,
  marker: string,
  signal: AbortSignal,
): Promise<{ files: B2File[]; next: string }> {
  const answer = await ctx.api.call<ListFileNamesResponse>(
    'b2_list_file_names',
    {
      bucketId,
      maxFileCount: pageSize(ctx),
      ...(prefix ? { prefix } : {}),
      ...(delimiter ? { delimiter } : {}),
      ...(marker ? { startFileName: marker } : {}),
    },
    { signal },
  );
  return { files: toFiles(answer.files, bucketId), next: answer.nextFileName ?? '' };
}

/** listFiles: one page of the latest visible versions; call again while fileMarker is set. */
export async function listFiles(ctx: B2Context, bucketId: string, signal: AbortSignal): Promise<B2FilePage> {
  const client = ctx.client;
  const prefix = await listingPrefix(ctx, signal, true);
  const marker = client.fileMarker;
  const { files, next } = await namePage(ctx, bucketId, prefix, client.delimiter, marker, signal);
  publishFiles(ctx, files, marker !== '');
  client.fileMarker = next;
  return { files, marker: next };
}

export async function* iterateFiles(
  ctx: B2Context,
  bucketId: string,
  signal: AbortSignal,
  only?: { prefix?: string | undefined; delimiter?: string | undefined },
): AsyncGenerator<B2File> {
  const delimiter = only?.delimiter ?? ctx.client.delimiter;
  const prefix = only?.prefix ?? (await listingPrefix(ctx, signal, false));
  let marker = '';
  do {
    const page = await namePage(ctx, bucketId, prefix, delimiter, marker, signal);
    yield* page.files;
    marker = page.next;
  } while (marker);
}

// ---- versions --------------------------------------------------------------------------------------

/** versionMarker <-> (startFileName, startFileId). */
export function versionMarker(name: string | null | undefined, id: string | null | undefined): string {
  if (!name) return '';
  return id ? `${name}\n${id}` : name;
}
function splitVersionMarker(marker: string): { startFileName?: string; startFileId?: string } {
  if (!marker) return {};
  const at = marker.lastIndexOf('\n');
  return at < 0
    ? { startFileName: marker }
    : { startFileName: marker.slice(0, at), startFileId: marker.slice(at + 1) };
}

async function versionPage(
  ctx: B2Context,
  bucketId: string,
  prefix: string,
  delimiter: string,
  marker: string,
  signal: AbortSignal,
  maxFileCount = pageSize(ctx),
): Promise<{ files: B2File[]; next: string }> {
  const answer = await ctx.api.call<ListFileVersionsResponse>(
    'b2_list_file_versions',
    {
      bucketId,
      maxFileCount,
      ...(prefix ? { prefix } : {}),
      ...(delimiter ? { delimiter } : {}),
      ...splitVersionMarker(marker),
    },
    { signal },
  );
  return {
    files: toFiles(answer.files, bucketId),
    next: versionMarker(answer.nextFileName, answer.nextFileId),
  };
}

/** listFileVersions: one page of every version (hide markers and unfinished uploads too); call again while versionMarker is set. */
export async function listFileVersions(
  ctx: B2Context,
  bucketId: string,
  signal: AbortSignal,
): Promise<B2FilePage> {
  const client = ctx.client;
  const prefix = await listingPrefix(ctx, signal, true);
  const marker = client.versionMarker;
  const { files, next } = await versionPage(ctx, bucketId, prefix, client.delimiter, marker, signal);
  publishFiles(ctx, files, marker !== '');
  client.versionMarker = next;
  return { files, marker: next };
}

export async function* iterateFileVersions(
  ctx: B2Context,
  bucketId: string,
  signal: AbortSignal,
  only?: { prefix: string; delimiter: string },
): AsyncGenerator<B2File> {
  const prefix = only ? only.prefix : await listingPrefix(ctx, signal, false);
  const delimiter = only ? only.delimiter : ctx.client.delimiter;
  let marker = '';
  do {
    const page = await versionPage(ctx, bucketId, prefix, delimiter, marker, signal, only ? 1000 : undefined);
    yield* page.files;
    marker = page.next;
  } while (marker);
}

// ---- unfinished large files ------------------------------------------------------------------------

async function unfinishedPage(
  ctx: B2Context,
  bucketId: string,
  prefix: string,
  marker: string,
  signal: AbortSignal,
): Promise<{ files: B2File[]; next: string }> {
  const answer = await ctx.api.call<ListUnfinishedResponse>(
    'b2_list_unfinished_large_files',
    { bucketId, ...(prefix ? { namePrefix: prefix } : {}), ...(marker ? { startFileId: marker } : {}) },
    { signal },
  );
  return { files: toFiles(answer.files, bucketId), next: answer.nextFileId ?? '' };
}

/** listMultipartUploads: one page of unfinished multipart uploads (kind "start"); pages with fileMarker. */
export async function listMultipartUploads(
  ctx: B2Context,
  bucketId: string,
  signal: AbortSignal,
): Promise<B2FilePage> {
  const client = ctx.client;
  const prefix = await listingPrefix(ctx, signal, true);
  const marker = client.fileMarker;
  const { files, next } = await unfinishedPage(ctx, bucketId, prefix, marker, signal);
  publishFiles(ctx, files, marker !== '');
  client.fileMarker = next;
  return { files, marker: next };
}

export async function* iterateMultipartUploads(
  ctx: B2Context,
  bucketId: string,
  signal: AbortSignal,
  onlyPrefix?: string,
): AsyncGenerator<B2File> {
  const prefix = onlyPrefix ?? (await listingPrefix(ctx, signal, false));
  let marker = '';
  do {
    const page = await unfinishedPage(ctx, bucketId, prefix, marker, signal);
    yield* page.files;
    marker = page.next;
  } while (marker);
}

// ---- one file --------------------------------------------------------------------------------------

/** getFileInfo: one version (or hide marker) as the only item of the File collection; its info replaces the metadata collection. */
export async function getFileInfo(ctx: B2Context, fileId: string, signal: AbortSignal): Promise<B2File> {
  const wire = await ctx.api.call<FileVersion>('b2_get_file_info', { fileId }, { signal });
  const file = fileFrom(wire);
  ctx.client.files = [file];
  ctx.client.metadata = file.info.map((m) => ({ ...m }));
  announce(ctx, file, true);
  return file;
}
