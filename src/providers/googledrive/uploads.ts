import { createHash, randomBytes } from 'node:crypto';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { ciphertextSize, type EncryptionSettings, isEncryptionEnabled } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { HttpResponse, ProgressTracker } from '../../core/http/index.js';
import { backoffDelay, sleep } from '../../core/http/retry.js';
import { ByteReader, FileReader, type FragmentReader } from '../../core/transfer/byte-reader.js';
import {
  openUploadBytes,
  sessionRandomness,
  type UploadSessionState,
  type UploadSource,
  uploadInput,
  uploadSource,
} from '../../core/transfer/index.js';
import { seg } from './api.js';
import type { GoogleDriveContext } from './context.js';
import { GoogleDriveApiError, isRateLimited } from './errors.js';
import { isGoogleNative } from './mapping.js';
import { creationMetadata, resourceToUpdate, updateMetadata } from './operations.js';
import type { UploadOptions } from './types.js';
import type { File } from './wire.js';

/**
 * uploadFile and the content of updateResource, in Drive's three upload types:
 * - `media`: the bytes alone (an uploadFile with no name, or new content with no metadata);
 * - `multipart`: `multipart/related` with the JSON metadata first and the media second, streamed from the
 *   source (never buffered);
 * - `resumable` (useResumableUpload): a session URI (resumeUrl) that takes the bytes in FragmentSize
 *   chunks (multiples of 256 KiB) with `Content-Range`, answers `308` + `Range` with what it has, and can
 *   be asked with `bytes *\/total` how far it got, so an upload continues after an interruption, in this
 *   process or in another one that only knows resumeUrl (getUploadStatus sets startByte).
 *
 * Every byte sent goes through MD5 as it streams (after encryption: the hash is of what Drive stores) and
 * is checked against the `md5Checksum` Drive reports, else error 612. Conversions to Google formats have
 * no checksum to compare.
 */

const RESULT_FIELDS = 'id,name,mimeType,size,md5Checksum';

interface Plan {
  /** POST /files (new) or PATCH /files/{id} (new content). */
  method: 'POST' | 'PATCH';
  path: string;
  metadata: File;
  source: UploadSource;
  localFile: string | undefined;
  encryption: EncryptionSettings | undefined;
  /** Bytes Drive will store; undefined for a stream of unknown size. */
  size: number | undefined;
  /** Content-Type of the media. */
  mediaType: string;
  /** Whether Drive will report an md5Checksum to compare (not for conversions to Google formats). */
  checkable: boolean;
}

/** A few common types, so that an upload without a MIME type is stored (and converted) as what it is. */
const TYPES_BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.rtf': 'application/rtf',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
  '.odp': 'application/vnd.oasis.opendocument.presentation',
};

function guessType(name: string): string {
  return TYPES_BY_EXTENSION[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

async function plan(
  ctx: GoogleDriveContext,
  target: { method: 'POST' | 'PATCH'; path: string; metadata: File; name: string; mimeType: string },
  options: UploadOptions,
): Promise<Plan> {
  const { localFile, data } = uploadInput(options, ctx.client);
  const source = await uploadSource(localFile || undefined, data, options.size);
  const settings = ctx.encryption();
  const encryption = isEncryptionEnabled(settings) ? settings : undefined;
  const size =
    source.size === undefined
      ? undefined
      : encryption
        ? ciphertextSize(encryption, source.size)
        : source.size;
  const native = target.mimeType !== '' && isGoogleNative(target.mimeType);
  // Ciphertext is opaque bytes; a conversion is told what the source is; else the type given, or guessed.
  const mediaType = encryption
    ? 'application/octet-stream'
    : target.mimeType && !native
      ? target.mimeType
      : guessType(target.name || localFile || '');
  return {
    method: target.method,
    path: target.path,
    metadata: target.metadata,
    source,
    localFile: localFile || undefined,
    encryption,
    size,
    mediaType,
    checkable: !native,
  };
}

export async function uploadFile(
  ctx: GoogleDriveContext,
  fileName: string,
  mimeType: string,
  options: UploadOptions,
  signal: AbortSignal,
): Promise<string> {
  const client = ctx.client;
  const base = client.resources.length > 0 ? creationMetadata(client.resources[0]) : {};
  const metadata: File = { ...base };
  if (fileName) metadata.name = fileName;
  if (mimeType) metadata.mimeType = mimeType;
  else delete metadata.mimeType;
  const p = await plan(ctx, { method: 'POST', path: '/files', metadata, name: fileName, mimeType }, options);
  const file = await send(ctx, p, options, signal);
  return file.id ?? '';
}

/** updateResource with new content (localFile or resourceData): the item's metadata and the bytes. */
export async function updateContent(
  ctx: GoogleDriveContext,
  resourceId: string,
  options: UploadOptions,
  signal: AbortSignal,
): Promise<void> {
  const item = resourceToUpdate(ctx, resourceId);
  const metadata = updateMetadata(item, true);
  const p = await plan(
    ctx,
    {
      method: 'PATCH',
      path: `/files/${seg(resourceId)}`,
      metadata,
      name: item.name,
      mimeType: item.mimeType,
    },
    options,
  );
  await send(ctx, p, options, signal);
}

/** Whether updateResource has new content to send: a localFile or resourceData (or their per-call options). */
export function hasContent(ctx: GoogleDriveContext, options: UploadOptions): boolean {
  const { localFile, data } = uploadInput(options, ctx.client);
  return localFile !== '' || data !== undefined;
}

async function send(
  ctx: GoogleDriveContext,
  p: Plan,
  options: UploadOptions,
  signal: AbortSignal,
): Promise<File> {
  const client = ctx.client;
  // The instance's resumeUrl/startByte follow the upload, unless per-call options named the session.
  const perCall = options.resumeUrl !== undefined || options.startByte !== undefined;
  const state = ctx.uploadSessions.open(
    options.resumeUrl ?? client.resumeUrl,
    options.startByte ?? client.startByte,
    !perCall,
  );
  const resumable = options.useResumableUpload ?? client.useResumableUpload;
  try {
    if (resumable || state.session) return await resumableUpload(ctx, p, state, signal);
    if (state.startByte > 0) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `startByte is ${state.startByte} but resumeUrl is empty: only a resumable upload resumes. Set resumeUrl to the session of the interrupted upload, or startByte to 0.`,
      );
    }
    return await oneRequestUpload(ctx, p, signal);
  } finally {
    state.close();
  }
}

/** Error 612 (also fired as `error`) when Drive stored other bytes than the ones sent. */
function checkMd5(ctx: GoogleDriveContext, p: Plan, file: File, computed: string): void {
  if (!p.checkable || file.md5Checksum === undefined || file.md5Checksum === computed) return;
  const error = new CloudStorageError(
    ErrorCode.StreamError,
    `Drive stored ${file.name ?? file.id ?? 'the file'} with MD5 ${file.md5Checksum}, but the data sent hashes to ${computed}: the stored file is not what was sent. Upload it again.`,
  );
  ctx.client.emit('error', { errorCode: error.code, description: error.message });
  throw error;
}

/** The media bytes from the start, through encryption, hashed into `md5` as they go. */
function mediaStream(p: Plan, md5: { update(b: Uint8Array): unknown }): AsyncGenerator<Uint8Array> {
  const bytes = openUploadBytes(p.source, p.encryption);
  return (async function* () {
    for await (const chunk of bytes as AsyncIterable<Uint8Array>) {
      md5.update(chunk);
      yield chunk;
    }
  })();
}

/** uploadType=media or multipart: one request whose body streams from the source. */
async function oneRequestUpload(ctx: GoogleDriveContext, p: Plan, signal: AbortSignal): Promise<File> {
  const multipart = Object.keys(p.metadata).length > 0;
  let md5 = createHash('md5');
  let body: () => Readable;
  let length: number | undefined;
  let contentType: string;
  if (multipart) {
    const boundary = `cloudstorage_${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(p.metadata)}\r\n--${boundary}\r\nContent-Type: ${p.mediaType}\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    length = p.size === undefined ? undefined : head.length + p.size + tail.length;
    contentType = `multipart/related; boundary=${boundary}`;
    body = () => {
      md5 = createHash('md5');
      const media = mediaStream(p, md5);
      return Readable.from(
        (async function* () {
          yield head;
          yield* media;
          yield tail;
        })(),
        { objectMode: false, highWaterMark: 1024 * 1024 },
      );
    };
  } else {
    length = p.size;
    contentType = p.mediaType;
    body = () => {
      md5 = createHash('md5');
      return Readable.from(mediaStream(p, md5), { objectMode: false, highWaterMark: 1024 * 1024 });
    };
  }
  const response = await ctx.api.send({
    method: p.method,
    host: 'upload',
    path: p.path,
    query: {
      uploadType: multipart ? 'multipart' : 'media',
      supportsAllDrives: 'true',
      fields: RESULT_FIELDS,
    },
    headers: { 'Content-Type': contentType },
    body: p.source.repeatable ? body : body(),
    ...(length !== undefined ? { bodyLength: length } : {}),
    progress: { direction: 0, ...(length !== undefined ? { total: length } : {}) },
    signal,
  });
  const file = await ctx.api.parse<File>(response);
  checkMd5(ctx, p, file, md5.digest('hex'));
  return file;
}

// ---- resumable sessions -----------------------------------------------------------------------------

/** A session URI must be on the upload host: the access token goes with every request to it. */
function checkSessionUrl(ctx: GoogleDriveContext, url: string): void {
  let session: URL;
  try {
    session = new URL(url);
  } catch {
    throw invalidArgument(
      `resumeUrl "${url}" is not a URL: set it to the session URL of the interrupted upload.`,
    );
  }
  if (session.origin !== new URL(ctx.api.uploadUrl).origin) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `resumeUrl is on ${session.origin}, not on the upload host ${new URL(ctx.api.uploadUrl).origin}: the access token is not sent there. Clear resumeUrl and startByte to start a new upload.`,
    );
  }
}

/** What a session said about itself: the bytes it has, or the file once complete. */
type SessionStatus = { complete: false; committed: number } | { complete: true; file: File };

/** `Range: bytes=0-N` of a 308 -> N + 1; no Range -> 0. */
function committedOf(response: HttpResponse): number {
  const range = response.headers.range;
  if (!range) return 0;
  const m = /^bytes=0-(\d{1,16})$/.exec(range.trim());
  if (!m) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `Drive answered a resumable upload with Range "${range}", which is not bytes=0-N.`,
    );
  }
  return Number(m[1]) + 1;
}

async function sessionStatusOf(ctx: GoogleDriveContext, response: HttpResponse): Promise<SessionStatus> {
  // X-GUploader-No-308 style answers say 308 in a header of a 200.
  const override = response.headers['x-http-status-code-override'];
  if (response.status === 308 || override === '308') {
    await response.bytes().catch(() => undefined);
    return { complete: false, committed: committedOf(response) };
  }
  return { complete: true, file: (await ctx.api.parse<File>(response)) ?? {} };
}

function sessionExpired(e: unknown, sessionUrl: string): CloudStorageError | undefined {
  if (e instanceof CloudStorageError && (e.httpStatus === 404 || e.httpStatus === 410)) {
    return new CloudStorageError(
      ErrorCode.CannotResume,
      `The resumable upload session is gone (HTTP ${e.httpStatus}): it expired or was never there. Clear resumeUrl and startByte and upload again.`,
      {
        httpStatus: e.httpStatus,
        cause: e,
        ...(e instanceof GoogleDriveApiError && e.reason ? { providerCode: e.reason } : {}),
      },
    );
  }
  void sessionUrl;
  return undefined;
}

/** One PUT to the session: a chunk, or (empty body) a status query. */
async function putToSession(
  ctx: GoogleDriveContext,
  sessionUrl: string,
  contentRange: string,
  body: Buffer | undefined,
  signal: AbortSignal,
  tracker?: ProgressTracker,
): Promise<SessionStatus> {
  try {
    const response = await ctx.api.send({
      method: 'PUT',
      path: sessionUrl,
      headers: { 'Content-Range': contentRange },
      body: body ?? new Uint8Array(0),
      bodyLength: body?.length ?? 0,
      okStatus: (s) => s === 200 || s === 201 || s === 308,
      followRedirects: 0,
      // A chunk sent again after a lost answer is resolved by asking the session, not by the HttpClient.
      idempotent: body === undefined,
      ...(tracker && body ? { progress: { direction: 0 as const, tracker } } : {}),
      signal,
    });
    return await sessionStatusOf(ctx, response);
  } catch (e) {
    throw sessionExpired(e, sessionUrl) ?? e;
  }
}

/** Asks a session how far it got (`Content-Range: bytes *\/total`). */
export function querySession(
  ctx: GoogleDriveContext,
  sessionUrl: string,
  total: number | undefined,
  signal: AbortSignal,
): Promise<SessionStatus> {
  checkSessionUrl(ctx, sessionUrl);
  return putToSession(ctx, sessionUrl, `bytes */${total ?? '*'}`, undefined, signal);
}

/** getUploadStatus: the offset the session in resumeUrl has, into startByte. */
export async function getUploadStatus(
  ctx: GoogleDriveContext,
  signal: AbortSignal,
): Promise<{ complete: boolean; startByte: number; id: string }> {
  const client = ctx.client;
  if (!client.resumeUrl)
    throw invalidArgument('getUploadStatus needs resumeUrl: the session URL of a resumable upload.');
  const status = await querySession(ctx, client.resumeUrl, undefined, signal);
  if (status.complete) {
    const size = Number(status.file.size ?? 0);
    client.startByte = Number.isFinite(size) ? size : 0;
    return { complete: true, startByte: client.startByte, id: status.file.id ?? '' };
  }
  client.startByte = status.committed;
  return { complete: false, startByte: status.committed, id: '' };
}

/** Whether a failed chunk is worth asking the session about and going on (a broken connection, a 5xx). */
function transient(e: unknown): boolean {
  if (!(e instanceof CloudStorageError) || e.code === ErrorCode.Interrupted) return false;
  if (isRateLimited(e)) return true;
  return e.httpStatus === undefined || e.httpStatus >= 500;
}

async function startSession(ctx: GoogleDriveContext, p: Plan, signal: AbortSignal): Promise<string> {
  const response = await ctx.api.send({
    method: p.method,
    host: 'upload',
    path: p.path,
    query: { uploadType: 'resumable', supportsAllDrives: 'true', fields: RESULT_FIELDS },
    headers: {
      'X-Upload-Content-Type': p.mediaType,
      ...(p.size !== undefined ? { 'X-Upload-Content-Length': String(p.size) } : {}),
    },
    json: p.metadata,
    signal,
  });
  await response.bytes().catch(() => undefined);
  const location = response.headers.location;
  if (!location) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      'Drive started a resumable upload without a Location header (the session URL).',
    );
  }
  const url = new URL(location, ctx.api.uploadUrl).href;
  checkSessionUrl(ctx, url);
  return url;
}

/**
 * A resumable upload: a new session unless resuming one, then chunk after chunk from the offset the session
 * has. After each chunk, startByte (and the fragmentComplete event) say how far Drive has the data; the
 * event's `interrupt` stops the upload with error 606, resumable later.
 *
 * A resume re-reads the data from its beginning up to the offset to hash it (and, when encrypting, to
 * reproduce the ciphertext, whose random values are derived from the session), without sending it.
 */
async function resumableUpload(
  ctx: GoogleDriveContext,
  p: Plan,
  state: UploadSessionState,
  signal: AbortSignal,
): Promise<File> {
  const client = ctx.client;
  const fragmentSize = ctx.settings.get('FragmentSize');
  if (state.startByte > 0 && !state.session) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `startByte is ${state.startByte} but resumeUrl is empty: set resumeUrl to the session URL of the interrupted upload, or startByte to 0 to start over.`,
    );
  }
  if (p.size !== undefined && state.startByte > p.size) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `startByte ${state.startByte} is past the end of the data (${p.size} bytes to upload).`,
    );
  }
  const publish = (session: string, offset: number) => {
    state.session = session;
    state.startByte = offset;
  };

  let session = state.session;
  let offset = state.startByte;
  if (session) {
    // The session knows best how much it has (an answer may have been lost after startByte was saved).
    const status = await querySession(ctx, session, p.size, signal);
    if (status.complete) {
      publish('', 0);
      return status.file;
    }
    offset = status.committed;
    publish(session, offset);
  } else {
    session = await startSession(ctx, p, signal);
    publish(session, 0);
    offset = 0;
  }
  const uploadId = new URL(session).searchParams.get('upload_id') ?? session;
  const randomness = p.encryption
    ? await sessionRandomness(p.encryption, `cloudstorage googledrive upload session ${uploadId}`)
    : undefined;

  let reader: FragmentReader | undefined;
  let md5 = createHash('md5');
  const rewind = async (position: number) => {
    if (reader && !p.source.repeatable) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Drive has the upload only up to byte ${position}, before what this stream can give again; upload from the start with a new stream (clear resumeUrl and startByte).`,
      );
    }
    reader?.close();
    reader =
      p.localFile && !p.encryption
        ? await FileReader.open(p.localFile)
        : new ByteReader(openUploadBytes(p.source, p.encryption, randomness));
    md5 = createHash('md5');
    const skipped = await reader.skip(position, (b) => md5.update(b));
    if (skipped < position) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Cannot resume at byte ${position}: the data to upload has only ${skipped} bytes.`,
      );
    }
  };

  const tracker = ctx.http.createProgress({
    direction: 0,
    offset,
    ...(p.size !== undefined ? { total: p.size } : {}),
  });
  const fragmentCount = p.size === undefined ? -1 : Math.max(1, Math.ceil(p.size / fragmentSize));
  let failures = 0;
  let prefetch: Promise<{ part: Buffer; last: boolean }> | undefined;
  const dropPrefetch = async () => {
    if (prefetch) await prefetch.catch(() => undefined);
    prefetch = undefined;
  };
  tracker.start();
  try {
    await rewind(offset);
    let pending: Buffer | undefined;
    let pendingStart = offset;
    let ended = false;
    // Two buffers: the next chunk is read (and hashed) while the current one is on the wire, so the
    // disk and the network overlap. Memory: 2 × FragmentSize, whatever the file size.
    const bufferSize =
      p.size === undefined ? fragmentSize : Math.max(1, Math.min(fragmentSize, p.size - offset));
    const buffers = [Buffer.allocUnsafe(bufferSize), Buffer.allocUnsafe(bufferSize)];
    let turn = 0;
    const readChunk = async () => {
      const into = buffers[turn]!;
      turn ^= 1;
      const part = await reader!.take(fragmentSize, into);
      md5.update(part);
      const last = part.length < fragmentSize || (p.size !== undefined && reader!.position >= p.size);
      return { part, last };
    };
    for (;;) {
      if (!pending && !ended) {
        const { part, last } = await (prefetch ?? readChunk());
        prefetch = undefined;
        pendingStart = offset;
        if (part.length > 0) pending = part;
        ended = last;
      }
      if (pending && !ended && !prefetch) {
        prefetch = readChunk();
        prefetch.catch(() => undefined);
      }
      const isLast = ended;
      let contentRange: string;
      let body: Buffer | undefined;
      if (pending) {
        const end = pendingStart + pending.length - 1;
        const total = isLast ? String(end + 1) : p.size !== undefined ? String(p.size) : '*';
        contentRange = `bytes ${pendingStart}-${end}/${total}`;
        body = pending;
      } else {
        // Nothing left to send (an unknown-size stream ending on a chunk boundary, or empty data): finish.
        contentRange = `bytes */${offset}`;
        body = undefined;
      }
      let status: SessionStatus;
      try {
        status = await putToSession(ctx, session, contentRange, body, signal, tracker);
        failures = 0;
      } catch (e) {
        if (!transient(e) || ++failures > ctx.settings.get('MaxRetries')) throw e;
        await sleep(
          backoffDelay(failures - 1, {
            baseDelayMs: ctx.settings.get('RetryBaseDelayMs'),
            maxDelayMs: ctx.settings.get('RetryMaxDelayMs'),
          }),
          signal,
        );
        status = await querySession(
          ctx,
          session,
          isLast && pending ? pendingStart + pending.length : p.size,
          signal,
        );
      }
      if (status.complete) {
        tracker.finish();
        const sent = pending ? pendingStart + pending.length : offset;
        if (p.size !== undefined && sent !== p.size) {
          throw new CloudStorageError(
            ErrorCode.StreamError,
            `The data to upload ended after ${sent} bytes, but ${p.size} were expected.`,
          );
        }
        checkMd5(ctx, p, status.file, md5.digest('hex'));
        publish('', 0);
        return status.file;
      }
      const committed = status.committed;
      const readEnd = pending ? pendingStart + pending.length : offset;
      if (committed === readEnd) {
        pending = undefined;
      } else if (pending && committed >= pendingStart && committed < readEnd) {
        pending = pending.subarray(committed - pendingStart);
        pendingStart = committed;
      } else if (committed < pendingStart) {
        pending = undefined;
        ended = false;
        await dropPrefetch();
        await rewind(committed);
      } else {
        throw new CloudStorageError(
          ErrorCode.CannotResume,
          `Drive says the upload session has ${committed} bytes, more than the ${readEnd} sent: this session holds another upload. Clear resumeUrl and startByte and upload again.`,
        );
      }
      if (ended && !pending && committed === readEnd && body === undefined) {
        throw new CloudStorageError(
          ErrorCode.ServerError,
          `Drive did not complete the upload after all ${committed} bytes were sent.`,
        );
      }
      const advanced = committed !== offset;
      offset = committed;
      publish(session, offset);
      if (!advanced) continue;
      const event = client.emit('fragmentComplete', {
        fragmentNumber: Math.max(1, Math.ceil(offset / fragmentSize)),
        fragmentCount,
        interrupt: false,
        resumeUrl: session,
        startByte: offset,
      });
      if (event.interrupt) {
        throw new CloudStorageError(
          ErrorCode.UploadAborted,
          `The upload was stopped after ${offset} bytes (fragmentComplete interrupt). Resume it with resumeUrl and startByte ${offset}.`,
        );
      }
    }
  } finally {
    await dropPrefetch();
    reader?.close();
  }
}
