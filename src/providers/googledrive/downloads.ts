import { rm, stat } from 'node:fs/promises';
import type { Transform, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import {
  CiphertextTempFile,
  createDecryptStream,
  type EncryptionSettings,
  isEncryptionEnabled,
} from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { DownloadResult as HttpDownloadResult, HttpRequest } from '../../core/http/index.js';
import { hashFilePrefix, hashTap } from '../../core/transfer/hash-tap.js';
import { type StreamingHash, streamingHash, withStreamingHash } from '../../core/transfer/hash-thread.js';
import { type DownloadTarget, openDownloadSink } from '../../core/transfer/index.js';
import { seg } from './api.js';
import type { GoogleDriveContext } from './context.js';
import { exportFormatFor, FOLDER_MIME, isGoogleNative } from './mapping.js';
import { safeExtension } from './names.js';
import type { DownloadOptions, DownloadResult } from './types.js';
import type { File, Revision } from './wire.js';

/**
 * downloadFile: file content (`alt=media`, of a revision with RevisionId, `acknowledgeAbuse` per call),
 * with Range from startByte and resumed after a broken connection; Google-native files exported
 * (`/export?mimeType=`) in the MIME type given or the one of their *ExportFormat setting, whose extension
 * is added to localFile when missing.
 *
 * Content is hashed as it arrives and checked against Drive's md5Checksum; a resumed download to a file
 * hashes the part it already has first. A mismatch is error 612 and leaves no complete-looking file behind.
 * Encrypted content is decrypted on the way (to bytes or a stream), or, for a localFile, stored as
 * ciphertext in a temporary file (TempPath) that DownloadTempFile names when the download is interrupted,
 * and decrypted into localFile once complete. Exports are Drive's own conversions: never decrypted.
 */

type Destination =
  | { kind: 'file'; path: string }
  | { kind: 'bytes' }
  | { kind: 'stream'; writable: Writable };

interface Call {
  ctx: GoogleDriveContext;
  signal: AbortSignal;
  destination: Destination;
  startByte: number;
  overwrite: boolean;
}

export async function downloadFile(
  ctx: GoogleDriveContext,
  resourceId: string,
  mimeType: string,
  options: DownloadOptions,
  signal: AbortSignal,
): Promise<DownloadResult> {
  const client = ctx.client;
  if (!resourceId) throw invalidArgument('downloadFile needs a resource id.');
  const localFile = options.localFile ?? client.localFile;
  const call: Call = {
    ctx,
    signal,
    destination: options.stream
      ? { kind: 'stream', writable: options.stream }
      : localFile
        ? { kind: 'file', path: localFile }
        : { kind: 'bytes' },
    // While the instance shows an upload under way, its startByte is that upload's progress, not ours.
    startByte: options.startByte ?? (ctx.uploadSessions.showsUpload ? 0 : client.startByte),
    overwrite: options.overwrite ?? client.overwrite,
  };
  if (!Number.isSafeInteger(call.startByte) || call.startByte < 0) {
    throw invalidArgument(`startByte must be 0 or more; got ${call.startByte}.`);
  }
  const revision = ctx.settings.get('RevisionId');
  const base = `/files/${seg(resourceId)}`;

  // The metadata first: it says whether this is a folder, a Google-native file, or content with an MD5.
  const file = await ctx.api.json<File>({
    method: 'GET',
    path: base,
    query: { fields: 'id,name,mimeType,size,md5Checksum', supportsAllDrives: 'true' },
    signal,
  });
  const fileMime = file.mimeType ?? '';
  if (fileMime === FOLDER_MIME) {
    throw new CloudStorageError(
      ErrorCode.IsFolder,
      `${resourceId} is a folder: folders cannot be downloaded; list its children instead.`,
    );
  }
  if (mimeType || isGoogleNative(fileMime)) {
    let exportMime = mimeType;
    if (!exportMime) {
      const format = exportFormatFor(fileMime, (name) => ctx.settings.get(name));
      if (!format) {
        throw new CloudStorageError(
          ErrorCode.UnsupportedOperation,
          `${file.name ?? resourceId} is a ${fileMime} file, which has no export format setting: pass the export MIME type to downloadFile.`,
        );
      }
      exportMime = format.mimeType;
      const extension = safeExtension(format.extension);
      if (
        call.destination.kind === 'file' &&
        !call.destination.path.toLowerCase().endsWith(`.${extension}`)
      ) {
        call.destination = { kind: 'file', path: `${call.destination.path}.${extension}` };
      }
    }
    if (call.startByte > 0) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        'An export cannot resume (Drive sends it whole): set startByte to 0.',
      );
    }
    const request: HttpRequest = {
      method: 'GET',
      url: ctx.api.url(`${base}/export`),
      query: { mimeType: exportMime },
      signal,
      idempotent: true,
    };
    const result = await plainDownload(call, request, undefined, false);
    return { ...result, mimeType: exportMime };
  }

  let md5 = file.md5Checksum;
  let contentPath = base;
  let contentMime = fileMime;
  if (revision) {
    const r = await ctx.api.json<Revision>({
      method: 'GET',
      path: `${base}/revisions/${seg(revision)}`,
      query: { fields: 'id,mimeType,size,md5Checksum' },
      signal,
    });
    md5 = r.md5Checksum;
    contentMime = r.mimeType ?? fileMime;
    contentPath = `${base}/revisions/${seg(revision)}`;
  }
  const request: HttpRequest = {
    method: 'GET',
    url: ctx.api.url(contentPath),
    query: {
      alt: 'media',
      ...(revision ? {} : { supportsAllDrives: 'true' }),
      ...(options.acknowledgeAbuse ? { acknowledgeAbuse: 'true' } : {}),
    },
    signal,
    idempotent: true,
  };
  const settings = ctx.encryption();
  if (isEncryptionEnabled(settings)) {
    return { ...(await encryptedDownload(call, request, md5, settings)), mimeType: contentMime };
  }
  return { ...(await plainDownload(call, request, md5, true)), mimeType: contentMime };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function hashMismatch(ctx: GoogleDriveContext, expected: string, computed: string): CloudStorageError {
  const error = new CloudStorageError(
    ErrorCode.StreamError,
    `The bytes received hash to MD5 ${computed}, but Drive's md5Checksum is ${expected}: the download is corrupt and was discarded. Download it again.`,
  );
  ctx.client.emit('error', { errorCode: error.code, description: error.message });
  return error;
}

/**
 * Streams a download through the MD5 (and `transforms`) into `destination`, resuming after broken
 * connections when `ranges` (HttpClient.download); without ranges, the body is taken as it comes.
 */
async function receive(
  call: Call,
  request: HttpRequest,
  offset: number,
  md5: StreamingHash | undefined,
  transforms: Transform[],
  destination: Writable,
  end: boolean,
  ranges: boolean,
): Promise<HttpDownloadResult> {
  const tap = hashTap(md5);
  // biome-ignore lint/suspicious/noExplicitAny: pipeline's typings cannot express a variable-length chain
  const chain = (pipeline as (...streams: any[]) => Promise<void>)(tap, ...transforms, destination, { end });
  chain.catch(() => {});
  try {
    const result = await call.ctx.http.download({ ...request, progress: { direction: 1 } }, tap, {
      offset,
      ...(ranges ? {} : { maxResumes: 0 }),
    });
    await chain;
    return result;
  } catch (e) {
    // What did arrive still goes to the destination: a partial file to resume from is as long as it can be.
    if (!tap.destroyed) tap.end();
    await chain.catch(() => {});
    throw e;
  }
}

/** A download whose bytes go to the destination as they are (content without encryption, exports). */
async function plainDownload(
  call: Call,
  request: HttpRequest,
  expectedMd5: string | undefined,
  ranges: boolean,
): Promise<Omit<DownloadResult, 'mimeType'>> {
  const { ctx, destination, startByte } = call;
  const target: DownloadTarget =
    destination.kind === 'file'
      ? { kind: 'file', path: destination.path, overwrite: call.overwrite }
      : destination.kind === 'stream'
        ? { kind: 'stream', writable: destination.writable }
        : { kind: 'bytes' };
  const inPlace = destination.kind === 'file' && (startByte > 0 || !(await exists(destination.path)));
  const sink = await openDownloadSink(target, destination.kind === 'file' ? startByte : 0);
  const checkable = expectedMd5 !== undefined && (startByte === 0 || destination.kind === 'file');
  const md5 = checkable ? streamingHash('md5') : undefined;
  try {
    if (md5 && startByte > 0 && destination.kind === 'file')
      await hashFilePrefix(destination.path, startByte, md5);
    const result = await receive(call, request, startByte, md5, [], sink.writable, false, ranges);
    if (md5) {
      const computed = await md5.digest();
      if (computed !== expectedMd5) {
        await sink.abort();
        if (inPlace && destination.kind === 'file') await rm(destination.path, { force: true });
        throw hashMismatch(ctx, expectedMd5!, computed);
      }
    }
    if (destination.kind === 'stream') {
      destination.writable.end();
      await finished(destination.writable);
    }
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return {
      ...(destination.kind === 'file' ? { localFile: destination.path } : {}),
      ...(data ? { data } : {}),
      bytesReceived: result.bytesWritten,
    };
  } catch (e) {
    await sink.abort().catch(() => {});
    // Without ranges there is no resuming: a new file cut short must not stay behind looking complete.
    if (!ranges && inPlace && destination.kind === 'file') await rm(destination.path, { force: true });
    throw e;
  } finally {
    md5?.release();
  }
}

/**
 * Encrypted content. To a localFile: the ciphertext goes to a temporary file (resumable with
 * DownloadTempFile + startByte), checked, then decrypted into localFile. To bytes or a stream: decrypted
 * on the fly (no resume: the reference resumes encrypted downloads only to a localFile).
 */
async function encryptedDownload(
  call: Call,
  request: HttpRequest,
  expectedMd5: string | undefined,
  settings: EncryptionSettings,
): Promise<Omit<DownloadResult, 'mimeType'>> {
  return withStreamingHash('md5', {}, (md5) => receiveEncrypted(call, request, expectedMd5, settings, md5));
}

async function receiveEncrypted(
  call: Call,
  request: HttpRequest,
  expectedMd5: string | undefined,
  settings: EncryptionSettings,
  md5: StreamingHash,
): Promise<Omit<DownloadResult, 'mimeType'>> {
  const { ctx, destination, startByte } = call;
  if (destination.kind === 'file') {
    if (startByte === 0 && !call.overwrite && (await exists(destination.path))) {
      throw new CloudStorageError(
        ErrorCode.LocalFileExists,
        `${destination.path} already exists; set overwrite to replace it.`,
      );
    }
    if (startByte > 0 && !ctx.settings.get('DownloadTempFile')) {
      throw new CloudStorageError(
        ErrorCode.EncryptedResumeNeedsTempFile,
        'An encrypted download resumes from its ciphertext in DownloadTempFile: set DownloadTempFile to the path the interrupted download reported, or startByte to 0.',
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
      await hashFilePrefix(temp.path, startByte, md5);
      result = await receive(call, request, startByte, md5, [], temp.writable(), false, true);
    } catch (e) {
      // Keep the ciphertext so far: DownloadTempFile + startByte resume from it.
      ctx.settings.set('DownloadTempFile', await temp.keep());
      throw e;
    }
    const computed = await md5.digest();
    if (expectedMd5 !== undefined && expectedMd5 !== computed) {
      await temp.discard();
      ctx.settings.set('DownloadTempFile', '');
      throw hashMismatch(ctx, expectedMd5, computed);
    }
    try {
      await temp.decryptTo(settings, { overwrite: call.overwrite });
    } finally {
      await temp.discard();
      ctx.settings.set('DownloadTempFile', '');
    }
    return { localFile: destination.path, bytesReceived: result.bytesWritten };
  }
  if (startByte > 0) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'An encrypted download resumes only to a localFile (through DownloadTempFile): set localFile, or startByte to 0.',
    );
  }
  const sink = await openDownloadSink(
    destination.kind === 'stream' ? { kind: 'stream', writable: destination.writable } : { kind: 'bytes' },
  );
  try {
    const result = await receive(
      call,
      request,
      0,
      md5,
      [createDecryptStream(settings)],
      sink.writable,
      true,
      true,
    );
    const computed = await md5.digest();
    if (expectedMd5 !== undefined && expectedMd5 !== computed) throw hashMismatch(ctx, expectedMd5, computed);
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return { ...(data ? { data } : {}), bytesReceived: result.bytesWritten };
  } catch (e) {
    await sink.abort().catch(() => {});
    throw e;
  }
}
