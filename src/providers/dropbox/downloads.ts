import { rm } from 'node:fs/promises';
import type { Transform, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { CiphertextTempFile, createDecryptStream, type EncryptionSettings } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { DownloadResult as HttpDownloadResult, HttpRequest } from '../../core/http/index.js';
import {
  downloadStartByte,
  downloadTarget,
  encryptionInForce,
  enumMember,
  localPathExists,
} from '../../core/provider.js';
import { hashFilePrefix, hashTap } from '../../core/transfer/hash-tap.js';
import { type StreamingHash, streamingHash, withStreamingHash } from '../../core/transfer/hash-thread.js';
import { type DownloadTarget, openDownloadSink } from '../../core/transfer/index.js';
import { ACCEPTS, address } from './addressing.js';
import { parseResultHeader } from './api.js';
import { type DropboxContext, dateFormat } from './context.js';
import { exportExtension, resourceFromMetadata } from './mapping.js';
import {
  type DownloadOptions,
  type DownloadResult,
  DropboxDownloadType,
  type DropboxResource,
} from './types.js';
import type { ExportResult, FileMetadata, Metadata } from './wire.js';

/**
 * downloadFile: file content (files/download, with Range from startByte and resumed after a broken
 * connection), thumbnails (files/get_thumbnail_v2), previews (files/get_preview), export-only files
 * (files/export, the export extension appended to localFile), and folders as a ZIP (files/download_zip,
 * with AllowFolderDownloads).
 *
 * File content is hashed as it arrives and checked against the content hash in Dropbox-API-Result; a
 * resumed download to a file hashes the part it already has first. A mismatch is error 612 and leaves no
 * complete-looking file behind. Encrypted content is decrypted on the way (to bytes or a stream), or, for a
 * localFile, stored as ciphertext in a temporary file (TempPath) that DownloadTempFile names when the
 * download is interrupted, and decrypted into localFile once complete.
 */

const THUMBNAIL_SIZES = [
  'w32h32',
  'w64h64',
  'w128h128',
  'w256h256',
  'w480h320',
  'w640h480',
  'w960h640',
  'w1024h768',
  'w2048h1536',
];
const THUMBNAIL_MODES = ['strict', 'bestfit', 'fitone_bestfit'];

interface Call {
  ctx: DropboxContext;
  signal: AbortSignal;
  destination: DownloadTarget;
  startByte: number;
}

export async function downloadFile(
  ctx: DropboxContext,
  resource: string,
  options: DownloadOptions,
  signal: AbortSignal,
): Promise<DownloadResult> {
  const client = ctx.client;
  const path = address(resource, ACCEPTS.readable, 'resource').value;
  const downloadType = enumMember(
    options.downloadType ?? client.downloadType,
    DropboxDownloadType,
    'downloadType',
  );
  const destination = downloadTarget(options, client);
  const call: Call = {
    ctx,
    signal,
    destination,
    startByte: downloadStartByte(options, client, ctx.uploadSessions.showsUpload),
  };

  // The metadata first: it says whether this is a folder, an export-only file, or plain content.
  const metadata = await ctx.api.rpc<Metadata>('files/get_metadata', { path }, { signal, idempotent: true });
  const resourceInfo = resourceFromMetadata(metadata, dateFormat(ctx));
  if (metadata['.tag'] === 'deleted') {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `${resource} is deleted: there is nothing to download.`,
    );
  }
  if (metadata['.tag'] === 'folder') {
    if (!ctx.settings.get('AllowFolderDownloads')) {
      throw new CloudStorageError(
        ErrorCode.IsFolder,
        `${resource} is a folder; set AllowFolderDownloads to download it as a ZIP file.`,
      );
    }
    return plainDownload(call, 'files/download_zip', { path }, resourceInfo, { ranges: false });
  }
  const file = metadata as FileMetadata;
  if (downloadType === 1) {
    const s = ctx.settings;
    const arg = {
      resource: { '.tag': 'path', path },
      format: s.get('ThumbnailFormat') === 1 ? 'png' : 'jpeg',
      size: THUMBNAIL_SIZES[s.get('ThumbnailSize')],
      mode: THUMBNAIL_MODES[s.get('ThumbnailMode')],
    };
    return plainDownload(call, 'files/get_thumbnail_v2', arg, resourceInfo, { ranges: false });
  }
  if (downloadType === 2) {
    return plainDownload(call, 'files/get_preview', { path }, resourceInfo, { ranges: false });
  }
  if (file.is_downloadable === false || file.export_info) {
    const extension = exportExtension(file.export_info?.export_as);
    if (destination.kind === 'file' && extension && !destination.path.endsWith(`.${extension}`)) {
      call.destination = { ...destination, path: `${destination.path}.${extension}` };
    }
    return plainDownload(call, 'files/export', { path }, resourceInfo, {
      ranges: true,
      expectedHash: (headers) =>
        parseResultHeader<ExportResult>(headers['dropbox-api-result'], 'files/export').export_metadata
          .export_hash,
    });
  }
  const settings = encryptionInForce(ctx);
  const hashOf = (headers: Record<string, string>) =>
    parseResultHeader<FileMetadata>(headers['dropbox-api-result'], 'files/download').content_hash;
  if (settings) return encryptedDownload(call, path, resourceInfo, settings, hashOf);
  return plainDownload(call, 'files/download', { path }, resourceInfo, {
    ranges: true,
    expectedHash: hashOf,
  });
}

interface PlainOptions {
  /** Whether the route honours Range (startByte > 0 needs it). */
  ranges: boolean;
  /** The content hash to check the bytes against, from the response headers; none: no check. */
  expectedHash?: (headers: Record<string, string>) => string | undefined;
}

function cannotResume(route: string): CloudStorageError {
  return new CloudStorageError(
    ErrorCode.CannotResume,
    `${route} cannot start at startByte (Dropbox does not serve ranges of it): set startByte to 0.`,
  );
}

/** A download whose bytes go to the destination as they are (no decryption). */
async function plainDownload(
  call: Call,
  route: string,
  arg: unknown,
  resource: DropboxResource,
  options: PlainOptions,
): Promise<DownloadResult> {
  const { ctx, signal, destination, startByte } = call;
  if (startByte > 0 && !options.ranges) throw cannotResume(route);
  const sink = await openDownloadSink(destination, destination.kind === 'file' ? startByte : 0);
  // A new file (or a resumed one) is written in place: on a hash mismatch it must be removed.
  const inPlace = destination.kind === 'file' && (startByte > 0 || sink.createdNew);
  // The hash covers the whole file only when every byte passes through here (or is on disk already).
  const checkable = options.expectedHash !== undefined && (startByte === 0 || destination.kind === 'file');
  const hasher = checkable
    ? streamingHash('dropbox', { expectedBytes: resource.size || undefined })
    : undefined;
  try {
    if (hasher && startByte > 0 && destination.kind === 'file') {
      await hashFilePrefix(destination.path, startByte, hasher);
    }
    const request = await ctx.api.downloadRequest(route, arg, signal);
    const result = await receive(ctx, request, startByte, hasher, [], sink.writable, false);
    if (hasher) {
      const expected = options.expectedHash!(result.headers);
      const computed = await hasher.digest();
      if (expected !== undefined && expected !== computed) {
        await sink.abort();
        if (inPlace && destination.kind === 'file') await rm(destination.path, { force: true });
        throw hashMismatch(ctx, resource, expected, computed);
      }
    }
    if (destination.kind === 'stream') {
      destination.writable.end();
      await finished(destination.writable);
    }
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return {
      resource,
      ...(destination.kind === 'file' ? { localFile: destination.path } : {}),
      ...(data ? { data } : {}),
      bytesReceived: result.bytesWritten,
    };
  } catch (e) {
    await sink.abort().catch(() => {});
    // Without ranges there is no resuming: a new file cut short must not stay behind looking complete.
    if (!options.ranges && inPlace && destination.kind === 'file') {
      await rm(destination.path, { force: true });
    }
    throw e;
  } finally {
    hasher?.release();
  }
}

/**
 * Streams a download through the hasher (and `transforms`) into `destination`, resuming after broken
 * connections (HttpClient.download). Resolves once every byte is in the destination; `end` says whether
 * the destination is ended then (a sink that commits itself is not).
 */
async function receive(
  ctx: DropboxContext,
  request: HttpRequest,
  offset: number,
  hasher: StreamingHash | undefined,
  transforms: Transform[],
  destination: Writable,
  end: boolean,
): Promise<HttpDownloadResult> {
  const tap = hashTap(hasher);
  // biome-ignore lint/suspicious/noExplicitAny: pipeline's typings cannot express a variable-length chain
  const chain = (pipeline as (...streams: any[]) => Promise<void>)(tap, ...transforms, destination, { end });
  chain.catch(() => {});
  try {
    const result = await ctx.http.download(request, tap, { offset });
    await chain;
    return result;
  } catch (e) {
    // What did arrive still goes to the destination: a partial file to resume from is as long as it can be.
    if (!tap.destroyed) tap.end();
    await chain.catch(() => {});
    throw e;
  }
}

/** Error 612 for a download whose bytes do not hash to Dropbox's content hash (also fired as `error`). */
function hashMismatch(
  ctx: DropboxContext,
  resource: DropboxResource,
  expected: string,
  computed: string,
): CloudStorageError {
  const error = new CloudStorageError(
    ErrorCode.StreamError,
    `The bytes received for ${resource.path || resource.name} hash to ${computed}, but Dropbox's content hash is ${expected}: the download is corrupt and was discarded. Download it again.`,
  );
  ctx.client.emit('error', { errorCode: error.code, description: error.message });
  return error;
}

/**
 * Encrypted content. To a localFile: the ciphertext goes to a temporary file (resumable with
 * DownloadTempFile + startByte), checked, then decrypted into localFile. To bytes or a stream: decrypted
 * on the fly (no resume: the reference supports encrypted resumes only with a localFile).
 */
async function encryptedDownload(
  call: Call,
  path: string,
  resource: DropboxResource,
  settings: EncryptionSettings,
  expectedHash: (headers: Record<string, string>) => string | undefined,
): Promise<DownloadResult> {
  const { ctx, signal } = call;
  const request = await ctx.api.downloadRequest('files/download', { path }, signal);
  return withStreamingHash('dropbox', { expectedBytes: resource.size || undefined }, (hasher) =>
    receiveEncrypted(call, request, resource, settings, expectedHash, hasher),
  );
}

async function receiveEncrypted(
  call: Call,
  request: HttpRequest,
  resource: DropboxResource,
  settings: EncryptionSettings,
  expectedHash: (headers: Record<string, string>) => string | undefined,
  hasher: StreamingHash,
): Promise<DownloadResult> {
  const { ctx, destination, startByte } = call;
  if (destination.kind === 'file') {
    if (startByte === 0 && !destination.overwrite && (await localPathExists(destination.path))) {
      throw new CloudStorageError(
        ErrorCode.LocalFileExists,
        `${destination.path} already exists; set overwrite to replace it.`,
      );
    }
    const temp = await CiphertextTempFile.open({
      localFile: destination.path,
      tempPath: ctx.settings.get('TempPath'),
      downloadTempFile: ctx.settings.get('DownloadTempFile'),
      startByte,
    });
    let result: HttpDownloadResult;
    try {
      await hashFilePrefix(temp.path, startByte, hasher);
      result = await receive(ctx, request, startByte, hasher, [], temp.writable(), false);
    } catch (e) {
      // Keep the ciphertext so far: DownloadTempFile + startByte resume from it.
      ctx.settings.set('DownloadTempFile', await temp.keep());
      throw e;
    }
    const expected = expectedHash(result.headers);
    const computed = await hasher.digest();
    if (expected !== undefined && expected !== computed) {
      await temp.discard();
      ctx.settings.set('DownloadTempFile', '');
      throw hashMismatch(ctx, resource, expected, computed);
    }
    try {
      await temp.decryptTo(settings, { overwrite: destination.overwrite });
    } finally {
      await temp.discard();
      ctx.settings.set('DownloadTempFile', '');
    }
    return { resource, localFile: destination.path, bytesReceived: result.bytesWritten };
  }

  if (startByte > 0) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'An encrypted download resumes only to a localFile (through DownloadTempFile): set localFile, or startByte to 0.',
    );
  }
  const sink = await openDownloadSink(destination);
  try {
    const result = await receive(
      ctx,
      request,
      0,
      hasher,
      [createDecryptStream(settings)],
      sink.writable,
      true,
    );
    const expected = expectedHash(result.headers);
    const computed = await hasher.digest();
    if (expected !== undefined && expected !== computed)
      throw hashMismatch(ctx, resource, expected, computed);
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return { resource, ...(data ? { data } : {}), bytesReceived: result.bytesWritten };
  } catch (e) {
    await sink.abort().catch(() => {});
    throw e;
  }
}
