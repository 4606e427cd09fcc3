import { stat, unlink } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CiphertextTempFile, createDecryptStream, type EncryptionSettings } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { HttpRequest } from '../../core/http/index.js';
import { sleep } from '../../core/http/retry.js';
import {
  type DownloadResult,
  downloadStartByte,
  downloadTarget,
  encryptionInForce,
  enumMember,
  localPathExists,
} from '../../core/provider.js';
import { type DownloadTarget, deliverBody, openDownloadSink } from '../../core/transfer/index.js';
import type { BoxContext } from './context.js';
import { BoxErrorCode, boxErrorMapper } from './errors.js';
import { type BoxRef, formatId, parseId } from './ids.js';
import { type BoxDownloadOptions, BoxDownloadType } from './types.js';

export interface DownloadJob {
  ctx: BoxContext;
  signal: AbortSignal;
  file: BoxRef;
  destination: DownloadTarget;
  startByte: number;
  encryption: EncryptionSettings | undefined;
}

/**
 * `downloadFile`: a file's content (or, with downloadType 1, a thumbnail) to `options.stream`, localFile
 * or resourceData (see core DownloadOptions). Resumes from startByte; decrypts when encryption is on;
 * VersionId picks a version. A folder id is error 607.
 */
export async function downloadFile(
  ctx: BoxContext,
  fileId: string,
  options: BoxDownloadOptions,
  signal: AbortSignal,
): Promise<DownloadResult> {
  const client = ctx.client;
  const file = parseId(fileId, 'download', 'file id');
  const downloadType = enumMember(
    options.downloadType ?? client.downloadType,
    BoxDownloadType,
    'downloadType',
  );
  const destination = downloadTarget(options, client);
  const job: DownloadJob = {
    ctx,
    signal,
    file,
    destination,
    startByte: downloadStartByte(options, client, ctx.uploadSessions.showsUpload),
    encryption: downloadType === 1 ? undefined : encryptionInForce(ctx),
  };
  const { data, bytesReceived } =
    downloadType === 1 ? await downloadThumbnail(job) : await downloadContent(job);
  if (data) client.resourceData = data;
  return {
    ...(destination.kind === 'file' ? { localFile: destination.path } : {}),
    ...(data ? { data } : {}),
    bytesReceived,
  };
}

/** What one download delivered: the bytes (to bytes), and how many bytes came from the server. */
interface Delivered {
  data?: Uint8Array;
  bytesReceived: number;
}

/**
 * Where the content is: Box answers `GET /files/{id}/content` with a 302 to a short-lived URL on its
 * download host (which takes no Authorization), or 202 + Retry-After while a fresh upload is not ready.
 * The redirect is resolved first so that the bytes, and any Range request of a resume, go straight to the
 * download host.
 */
async function contentUrl(job: DownloadJob): Promise<Pick<HttpRequest, 'url' | 'authenticate'>> {
  const { ctx } = job;
  const api = ctx.api;
  const version = ctx.settings.get('VersionId');
  const path = `/files/${job.file.id}/content`;
  const query = version ? { version } : undefined;
  const maxWait = ctx.settings.get('MaxRetryAfter');
  for (let attempt = 0; ; attempt++) {
    const response = await api.request({
      method: 'GET',
      path,
      ...(query ? { query } : {}),
      followRedirects: 0,
      stream: true,
      okStatus: (s) => s < 400,
      signal: job.signal,
      subject: formatId('file', job.file.id),
    });
    response.body.destroy();
    const location = response.headers.location;
    if (response.status >= 300 && location)
      return { url: new URL(location, response.url).href, authenticate: false };
    if (response.status === 202 && attempt < 60) {
      const wait = Math.min(Number(response.headers['retry-after'] ?? 1) || 1, maxWait);
      await sleep(wait * 1000, job.signal);
      continue;
    }
    if (response.status === 202) {
      throw new CloudStorageError(
        ErrorCode.ServerError,
        'Box kept answering 202 (not ready) for the download; try later.',
      );
    }
    // The server sent the bytes itself: ask again the same way, following redirects if any.
    const url = new URL(api.url(path));
    if (version) url.searchParams.set('version', version);
    return { url: url.href, authenticate: true };
  }
}

/** Collects what is written into one buffer (downloads to resourceData). */
function collector(): { writable: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  return {
    writable: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
    bytes: () => Buffer.concat(chunks),
  };
}

/**
 * A decryption failure reaches the download as an error of its destination stream (612); the cause, a
 * 284 with the reason (wrong password, tampered data), is what the caller needs to see.
 */
function unwrapSinkError(e: unknown): unknown {
  if (
    e instanceof CloudStorageError &&
    e.code === ErrorCode.StreamError &&
    e.cause instanceof CloudStorageError
  ) {
    return e.cause;
  }
  return e;
}

/**
 * `downloadFile` for content: to a file (appending from startByte to the partial file of an interrupted
 * download), to bytes, or to a stream; decrypted when encryption is on. An encrypted download to a file
 * keeps the ciphertext in a temporary file (TempPath) until it is complete, then decrypts it into place;
 * when interrupted, DownloadTempFile names that file and the download resumes from it with startByte.
 * Returns the bytes for a download to bytes.
 */
async function downloadContent(job: DownloadJob): Promise<Delivered> {
  const { ctx, signal, destination: dest, startByte, encryption } = job;
  if (encryption && startByte > 0 && dest.kind !== 'file') {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'An encrypted download can be resumed only into localFile (through DownloadTempFile); download it again from the start.',
    );
  }
  if (dest.kind === 'file' && startByte === 0 && !dest.overwrite && (await localPathExists(dest.path))) {
    throw new CloudStorageError(
      ErrorCode.LocalFileExists,
      `${dest.path} already exists; set overwrite to replace it, or choose another localFile.`,
    );
  }
  const where = await contentUrl(job);
  const request: HttpRequest = {
    method: 'GET',
    ...where,
    progress: { direction: 1 },
    signal,
    mapError: boxErrorMapper(ctx.redactor, formatId('file', job.file.id)),
  };

  if (encryption && dest.kind === 'file') return encryptedToFile(job, request, dest, encryption);
  if (encryption) {
    const decrypt = createDecryptStream(encryption);
    const out = dest.kind === 'bytes' ? collector() : undefined;
    const delivered = pipeline(decrypt, out ? out.writable : (dest as { writable: Writable }).writable);
    let bytesReceived: number;
    try {
      bytesReceived = (await ctx.http.download(request, decrypt, { offset: 0 })).bytesWritten;
      await delivered;
    } catch (e) {
      decrypt.destroy();
      await delivered.catch(() => undefined);
      throw unwrapSinkError(e);
    }
    return { ...(out ? { data: out.bytes() } : {}), bytesReceived };
  }
  if (dest.kind === 'file') {
    const existed = await localPathExists(dest.path);
    const sink = await openDownloadSink(
      { kind: 'file', path: dest.path, overwrite: dest.overwrite },
      startByte,
    );
    let bytesReceived: number;
    try {
      bytesReceived = (await ctx.http.download(request, sink.writable, { offset: startByte })).bytesWritten;
      await sink.commit();
    } catch (e) {
      await sink.abort();
      // Nothing arrived: do not leave an empty file that a retry would take for the user's own.
      if (!existed && startByte === 0) {
        const size = await stat(dest.path).then(
          (s) => s.size,
          () => -1,
        );
        if (size === 0) await unlink(dest.path).catch(() => undefined);
      }
      throw e;
    }
    return { bytesReceived };
  }
  if (dest.kind === 'stream') {
    return {
      bytesReceived: (await ctx.http.download(request, dest.writable, { offset: startByte })).bytesWritten,
    };
  }
  const out = collector();
  const { bytesWritten } = await ctx.http.download(request, out.writable, { offset: startByte });
  return { data: out.bytes(), bytesReceived: bytesWritten };
}

async function encryptedToFile(
  job: DownloadJob,
  request: HttpRequest,
  dest: { path: string; overwrite: boolean },
  encryption: EncryptionSettings,
): Promise<Delivered> {
  const { ctx } = job;
  const temp = await CiphertextTempFile.open({
    localFile: dest.path,
    tempPath: ctx.settings.get('TempPath'),
    downloadTempFile: ctx.settings.get('DownloadTempFile'),
    startByte: job.startByte,
  });
  let bytesReceived: number;
  try {
    bytesReceived = (await ctx.http.download(request, temp.writable(), { offset: temp.offset })).bytesWritten;
  } catch (e) {
    ctx.settings.set('DownloadTempFile', await temp.keep());
    throw e;
  }
  try {
    await temp.decryptTo(encryption, { overwrite: dest.overwrite });
  } catch (e) {
    // The ciphertext is complete: keep it, so that another password can be tried without downloading again.
    ctx.settings.set('DownloadTempFile', await temp.keep());
    throw unwrapSinkError(e);
  }
  ctx.settings.set('DownloadTempFile', '');
  return { bytesReceived };
}

/** ThumbnailSize → pixels, and the formats each size exists in (ThumbnailFormat 0 JPG, 1 PNG). */
const THUMBNAIL_SIZES: Array<{ px: number; formats: Array<0 | 1> }> = [
  { px: 32, formats: [0, 1] },
  { px: 64, formats: [1] },
  { px: 94, formats: [0] },
  { px: 128, formats: [1] },
  { px: 160, formats: [0] },
  { px: 256, formats: [1] },
  { px: 320, formats: [0] },
];

/**
 * `downloadFile` with downloadType 1: `GET /files/{id}/thumbnail.{jpg|png}` asking for at least the size
 * of ThumbnailSize (Box returns the smallest size it has that is as large; the 94×94 JPG of the reference
 * is served as 160×160 by today's Box). A 302 to a placeholder image (file types Box cannot render) is
 * followed. While Box still renders the thumbnail it answers 202: RetryAfter is set and error 700 thrown.
 * Thumbnails are never decrypted or resumed.
 */
async function downloadThumbnail(job: DownloadJob): Promise<Delivered> {
  const { ctx, signal, destination: dest } = job;
  const format = ctx.settings.get('ThumbnailFormat') as 0 | 1;
  const size = THUMBNAIL_SIZES[ctx.settings.get('ThumbnailSize')]!;
  if (!size.formats.includes(format)) {
    throw invalidArgument(
      `ThumbnailSize ${ctx.settings.get('ThumbnailSize')} (${size.px}x${size.px}) exists only as ${size.formats[0] === 0 ? 'JPG (ThumbnailFormat=0)' : 'PNG (ThumbnailFormat=1)'}.`,
    );
  }
  const response = await ctx.api.request({
    method: 'GET',
    path: `/files/${job.file.id}/thumbnail.${format === 1 ? 'png' : 'jpg'}`,
    query: { min_width: size.px, min_height: size.px },
    followRedirects: 1,
    stream: true,
    okStatus: (s) => s === 200 || s === 202,
    progress: { direction: 1 },
    signal,
    subject: formatId('file', job.file.id),
  });
  if (response.status === 202) {
    response.body.destroy();
    const retryAfter = Math.max(1, Number(response.headers['retry-after'] ?? 1) || 1);
    ctx.settings.set('RetryAfter', retryAfter, true);
    throw new CloudStorageError(
      BoxErrorCode.ThumbnailNotReady,
      `Box is still generating the thumbnail of ${formatId('file', job.file.id)}: try again in ${retryAfter} s (RetryAfter).`,
      { httpStatus: 202, retryAfter },
    );
  }
  ctx.settings.set('RetryAfter', 0, true);
  let bytesReceived = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytesReceived += chunk.length;
      done(null, chunk);
    },
  });
  const data = await deliverBody(response.body, dest, [count]);
  return { ...(data ? { data } : {}), bytesReceived };
}
