import { rm, stat } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import {
  CiphertextTempFile,
  createDecryptStream,
  type EncryptionSettings,
  isEncryptionEnabled,
} from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type {
  DownloadResult as HttpDownloadResult,
  HttpErrorInfo,
  HttpRequest,
} from '../../core/http/index.js';
import { hashFilePrefix, hashTap } from '../../core/transfer/hash-tap.js';
import { type StreamingHash, streamingHash, withStreamingHash } from '../../core/transfer/hash-thread.js';
import { type DownloadTarget, openDownloadSink } from '../../core/transfer/index.js';
import { trimSlash } from './api.js';
import type { B2Context } from './context.js';
import { B2ApiError, B2ErrorCode, b2ErrorMapper } from './errors.js';
import { fileFromHeaders } from './mapping.js';
import { encodeFileName, parseRange } from './names.js';
import { API_VERSION } from './settings.js';
import type { B2DownloadOptions, B2DownloadResult } from './types.js';
import type { DownloadAuthorizationResponse } from './wire.js';

/**
 * Downloads: by bucket and file name (`{DownloadURL}/file/<bucket>/<name>`, the latest version; with
 * DownloadAuthToken for files the key may not read) and by file id (b2_download_file_by_id, one version).
 * The range property asks for part of the file; startByte resumes an interrupted download (also within a
 * range), and a connection that breaks midway is resumed on its own. Whole files are checked against the
 * SHA-1 B2 gives (x-bz-content-sha1; large files have none): a mismatch is error 612 and leaves no corrupt
 * file behind. Encrypted content is decrypted on the way (to bytes or a stream), or, for a localFile,
 * stored as ciphertext in a temporary file (TempPath; DownloadTempFile names it after an interruption)
 * and decrypted into localFile once complete.
 */

type Destination =
  | { kind: 'file'; path: string }
  | { kind: 'bytes' }
  | { kind: 'stream'; writable: Writable };

interface Call {
  ctx: B2Context;
  signal: AbortSignal;
  request: HttpRequest;
  destination: Destination;
  startByte: number;
  overwrite: boolean;
}

export async function downloadFile(
  ctx: B2Context,
  bucketName: string,
  fileName: string,
  options: B2DownloadOptions,
  signal: AbortSignal,
): Promise<B2DownloadResult> {
  if (!bucketName || !fileName) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      'downloadFile needs a bucket name and a file name.',
    );
  }
  const token = ctx.settings.get('DownloadAuthToken');
  let base: string;
  let auth: Partial<HttpRequest> = {};
  if (token) {
    base = trimSlash(ctx.settings.get('DownloadURL'));
    if (!base) {
      throw invalidArgument(
        'DownloadAuthToken is set but DownloadURL is empty: set the DownloadURL the token is for.',
      );
    }
    ctx.redactor.add(token);
    const mapper = b2ErrorMapper(ctx.redactor);
    auth = {
      headers: { Authorization: token },
      mapError: (info: HttpErrorInfo) =>
        info.status === 401
          ? new B2ApiError(
              B2ErrorCode.DownloadAuthTokenExpired,
              `B2 refused DownloadAuthToken for ${fileName} (HTTP 401): it expired, does not cover this name, or is for another DownloadURL. Get a new one with getDownloadAuthToken.`,
              { httpStatus: 401, redactor: ctx.redactor },
            )
          : mapper(info),
    };
  } else {
    base = await ctx.api.downloadBase(signal);
  }
  const request: HttpRequest = {
    method: 'GET',
    url: `${base}/file/${encodeFileName(bucketName)}/${encodeFileName(fileName)}`,
    signal,
    idempotent: true,
    ...auth,
  };
  return download(ctx, request, options, signal);
}

export async function downloadFileById(
  ctx: B2Context,
  fileId: string,
  options: B2DownloadOptions,
  signal: AbortSignal,
): Promise<B2DownloadResult> {
  if (!fileId) throw new CloudStorageError(ErrorCode.InvalidRemoteId, 'downloadFileById needs a file id.');
  const base = await ctx.api.downloadBase(signal);
  const request: HttpRequest = {
    method: 'GET',
    url: `${base}/b2api/${API_VERSION}/b2_download_file_by_id`,
    query: { fileId },
    signal,
    idempotent: true,
  };
  return download(ctx, request, options, signal);
}

/** getDownloadAuthToken: a token for names starting with `allowedPrefix` in a bucket, valid 1–604800 s. */
export async function getDownloadAuthToken(
  ctx: B2Context,
  allowedBucketId: string,
  allowedPrefix: string,
  validityDuration: number,
  signal: AbortSignal,
): Promise<string> {
  if (!Number.isInteger(validityDuration) || validityDuration < 1 || validityDuration > 604_800) {
    throw invalidArgument(`validityDuration must be 1 to 604800 seconds (a week); got ${validityDuration}.`);
  }
  const answer = await ctx.api.call<DownloadAuthorizationResponse>(
    'b2_get_download_authorization',
    { bucketId: allowedBucketId, fileNamePrefix: allowedPrefix, validDurationInSeconds: validityDuration },
    { signal },
  );
  return answer.authorizationToken;
}

async function download(
  ctx: B2Context,
  request: HttpRequest,
  options: B2DownloadOptions,
  signal: AbortSignal,
): Promise<B2DownloadResult> {
  const client = ctx.client;
  const localFile = options.localFile ?? client.localFile;
  const destination: Destination = options.stream
    ? { kind: 'stream', writable: options.stream }
    : localFile
      ? { kind: 'file', path: localFile }
      : { kind: 'bytes' };
  // While the instance shows an upload under way, its startByte is that upload's progress, not ours.
  const startByte = options.startByte ?? (ctx.largeUploads.showsUpload ? 0 : client.startByte);
  if (!Number.isSafeInteger(startByte) || startByte < 0) {
    throw invalidArgument(`startByte must be 0 or more; got ${startByte}.`);
  }
  const call: Call = {
    ctx,
    signal,
    request,
    destination,
    startByte,
    overwrite: options.overwrite ?? client.overwrite,
  };
  const range = parseRange(options.range ?? client.range);
  const settings = ctx.encryption();
  const encryption = isEncryptionEnabled(settings) ? settings : undefined;
  if (range && encryption) {
    throw new CloudStorageError(
      ErrorCode.UnsupportedOperation,
      'A range of encrypted content cannot be decrypted: clear range, or the encryption properties to get the ciphertext.',
    );
  }
  if (range) return rangedDownload(call, range);
  if (encryption) return encryptedDownload(call, encryption);
  return plainDownload(call);
}

// ---- pieces --------------------------------------------------------------------------------------

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function targetOf(call: Call): DownloadTarget {
  const d = call.destination;
  return d.kind === 'file'
    ? { kind: 'file', path: d.path, overwrite: call.overwrite }
    : d.kind === 'stream'
      ? { kind: 'stream', writable: d.writable }
      : { kind: 'bytes' };
}

/** The whole-file SHA-1 B2 gives for a download, or undefined (large files: "none"). */
function expectedSha1(headers: Record<string, string>): string | undefined {
  const value = headers['x-bz-content-sha1'];
  if (!value || value === 'none') return undefined;
  const hex = value.startsWith('unverified:') ? value.slice('unverified:'.length) : value;
  return /^[0-9a-f]{40}$/i.test(hex) ? hex.toLowerCase() : undefined;
}

/** Error 612 (also fired as `error`) for bytes that do not hash to B2's SHA-1. */
function sha1Mismatch(ctx: B2Context, name: string, expected: string, computed: string): CloudStorageError {
  const error = new CloudStorageError(
    ErrorCode.StreamError,
    `The bytes received for ${name} hash to SHA-1 ${computed}, but B2 says ${expected}: the download is corrupt and was discarded. Download it again.`,
  );
  ctx.client.emit('error', { errorCode: error.code, description: error.message });
  return error;
}

/**
 * Streams a download through the hash (and `transforms`) into `destination`, resuming after broken
 * connections; resolves once every byte is in the destination, which is ended only when `end`.
 */
async function receive(
  call: Call,
  offset: number,
  hash: StreamingHash | undefined | ((headers: Record<string, string>) => StreamingHash | undefined),
  transforms: Transform[],
  destination: Writable,
  end: boolean,
): Promise<HttpDownloadResult> {
  // A function chooses the hash from the answer's headers, which come before its first byte.
  let chosen = typeof hash === 'function' ? undefined : hash;
  const onResponse = (headers: Record<string, string>) => {
    if (typeof hash === 'function') chosen = hash(headers);
  };
  const tap = hashTap(() => chosen);
  // biome-ignore lint/suspicious/noExplicitAny: pipeline's typings cannot express a variable-length chain
  const chain = (pipeline as (...streams: any[]) => Promise<void>)(tap, ...transforms, destination, { end });
  chain.catch(() => {});
  try {
    const result = await call.ctx.http.download({ ...call.request, progress: { direction: 1 } }, tap, {
      offset,
      onResponse,
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

async function plainDownload(call: Call): Promise<B2DownloadResult> {
  const { ctx, destination, startByte } = call;
  const inPlace = destination.kind === 'file' && (startByte > 0 || !(await exists(destination.path)));
  const sink = await openDownloadSink(targetOf(call), destination.kind === 'file' ? startByte : 0);
  // The SHA-1 covers the whole file only when every byte passes through here (or is on disk already). A
  // resumed file's bytes on disk are hashed before the request; a download from the start hashes only
  // when the answer names a SHA-1 to check (a large file's is "none").
  const resumedFile = startByte > 0 && destination.kind === 'file';
  let hash = resumedFile ? streamingHash('sha1') : undefined;
  try {
    if (hash && destination.kind === 'file') await hashFilePrefix(destination.path, startByte, hash);
    const result = await receive(
      call,
      startByte,
      startByte === 0
        ? (headers) => (hash = expectedSha1(headers) ? streamingHash('sha1') : undefined)
        : hash,
      [],
      sink.writable,
      false,
    );
    const file = fileFromHeaders(result.headers);
    const expected = expectedSha1(result.headers);
    if (hash && expected) {
      const computed = await hash.digest();
      if (computed !== expected) {
        await sink.abort();
        if (inPlace && destination.kind === 'file') await rm(destination.path, { force: true });
        throw sha1Mismatch(ctx, file.name, expected, computed);
      }
    }
    if (destination.kind === 'stream') {
      destination.writable.end();
      await finished(destination.writable);
    }
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return {
      file,
      ...(destination.kind === 'file' ? { localFile: destination.path } : {}),
      ...(data ? { data } : {}),
      bytesReceived: result.bytesWritten,
    };
  } catch (e) {
    await sink.abort().catch(() => {});
    throw e;
  } finally {
    hash?.release();
  }
}

/** Part of a file (the range property, moved on by startByte): no SHA-1 to check it against. */
async function rangedDownload(
  call: Call,
  range: { start: number; end: number | undefined },
): Promise<B2DownloadResult> {
  const { ctx, destination, startByte } = call;
  const from = range.start + startByte;
  if (range.end !== undefined && from > range.end) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `startByte ${startByte} is past the end of the range ${range.start}-${range.end}.`,
    );
  }
  const sink = await openDownloadSink(targetOf(call), destination.kind === 'file' ? startByte : 0);
  try {
    const response = await ctx.http.request({
      ...call.request,
      headers: { ...call.request.headers, Range: `bytes=${from}-${range.end ?? ''}` },
      stream: true,
      progress: { direction: 1 },
    });
    if (response.status !== 206) {
      response.body.destroy();
      throw new CloudStorageError(
        ErrorCode.ServerError,
        `B2 answered ${response.status} instead of 206 to the range ${from}-${range.end ?? ''}: the file may have changed.`,
      );
    }
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(response.body, counter, sink.writable, { end: false });
    if (destination.kind === 'stream') {
      destination.writable.end();
      await finished(destination.writable);
    }
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return {
      file: fileFromHeaders(response.headers),
      ...(destination.kind === 'file' ? { localFile: destination.path } : {}),
      ...(data ? { data } : {}),
      bytesReceived: received,
    };
  } catch (e) {
    await sink.abort().catch(() => {});
    throw e;
  }
}

/**
 * Encrypted content. To a localFile: the ciphertext goes to a temporary file (resumable with
 * DownloadTempFile + startByte), is checked, then decrypted into localFile. To bytes or a stream: decrypted
 * on the fly (no resume: the reference resumes encrypted downloads only to a localFile).
 */
async function encryptedDownload(call: Call, settings: EncryptionSettings): Promise<B2DownloadResult> {
  return withStreamingHash('sha1', {}, (hash) => receiveEncrypted(call, settings, hash));
}

async function receiveEncrypted(
  call: Call,
  settings: EncryptionSettings,
  hash: StreamingHash,
): Promise<B2DownloadResult> {
  const { ctx, destination, startByte } = call;
  if (destination.kind === 'file') {
    if (startByte === 0 && !call.overwrite && (await exists(destination.path))) {
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
      await hashFilePrefix(temp.path, startByte, hash);
      result = await receive(call, startByte, hash, [], temp.writable(), false);
    } catch (e) {
      // Keep the ciphertext so far: DownloadTempFile + startByte resume from it.
      ctx.settings.set('DownloadTempFile', await temp.keep());
      throw e;
    }
    const file = fileFromHeaders(result.headers);
    const expected = expectedSha1(result.headers);
    const computed = await hash.digest();
    if (expected && expected !== computed) {
      await temp.discard();
      ctx.settings.set('DownloadTempFile', '');
      throw sha1Mismatch(ctx, file.name, expected, computed);
    }
    try {
      await temp.decryptTo(settings, { overwrite: call.overwrite });
    } finally {
      await temp.discard();
      ctx.settings.set('DownloadTempFile', '');
    }
    return { file, localFile: destination.path, bytesReceived: result.bytesWritten };
  }
  if (startByte > 0) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'An encrypted download resumes only to a localFile (through DownloadTempFile): set localFile, or startByte to 0.',
    );
  }
  const sink = await openDownloadSink(targetOf(call));
  try {
    const result = await receive(call, 0, hash, [createDecryptStream(settings)], sink.writable, true);
    const file = fileFromHeaders(result.headers);
    const expected = expectedSha1(result.headers);
    const computed = await hash.digest();
    if (expected && expected !== computed) throw sha1Mismatch(ctx, file.name, expected, computed);
    const data = await sink.commit();
    if (data) ctx.client.resourceData = data;
    return { file, ...(data ? { data } : {}), bytesReceived: result.bytesWritten };
  } catch (e) {
    await sink.abort().catch(() => {});
    throw e;
  }
}
