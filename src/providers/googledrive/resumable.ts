import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { HttpResponse, ProgressTracker } from '../../core/http/index.js';
import { backoffDelay, sleep } from '../../core/http/retry.js';
import { sendReconciled } from '../../core/reconcile.js';
import { type Fragment, FragmentFeed } from '../../core/transfer/fragments.js';
import { sessionRandomness, type UploadSessionState } from '../../core/transfer/index.js';
import type { GoogleDriveContext } from './context.js';
import { GoogleDriveApiError, isRateLimited } from './errors.js';
import { checkMd5, type Plan, RESULT_FIELDS } from './upload-plan.js';
import type { File } from './wire.js';

/**
 * Resumable uploads (uploadType=resumable): a session URI (resumeUrl) that takes the bytes in FragmentSize
 * chunks (multiples of 256 KiB) with `Content-Range`, answers `308` + `Range` with what it has, and tells
 * how far it got when asked with `bytes *\/total`, so an upload continues after an interruption, in this
 * process or in another one that only knows resumeUrl (getUploadStatus sets startByte).
 */

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

function sessionExpired(e: unknown): CloudStorageError | undefined {
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
  return undefined;
}

/** One PUT to the session: a chunk, or (empty body) a status query. */
async function putToSession(
  ctx: GoogleDriveContext,
  sessionUrl: string,
  contentRange: string,
  body: { bytes: Uint8Array | (() => Readable); length: number } | undefined,
  signal: AbortSignal,
  tracker?: ProgressTracker,
): Promise<SessionStatus> {
  try {
    const response = await ctx.api.send({
      method: 'PUT',
      path: sessionUrl,
      headers: { 'Content-Range': contentRange },
      body: body?.bytes ?? new Uint8Array(0),
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
    throw sessionExpired(e) ?? e;
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
  const start = () =>
    ctx.api.send({
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
  // Drive lists no upload sessions: one whose answer was lost cannot be found, so a new one is started (the
  // lost one makes no file without its bytes, and expires).
  const response = await sendReconciled(ctx.http, { send: start, reconcile: async () => undefined }, signal);
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
export async function resumableUpload(
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

  let feed: FragmentFeed | undefined;
  let md5 = createHash('md5');
  const rewind = async (position: number) => {
    if (feed && !p.source.repeatable) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Drive has the upload only up to byte ${position}, before what this stream can give again; upload from the start with a new stream (clear resumeUrl and startByte).`,
      );
    }
    feed?.close();
    feed = undefined;
    const hash = createHash('md5');
    md5 = hash;
    // Read one chunk ahead of the one being sent; from a plain file each is sent from its range.
    const opened = await FragmentFeed.open({
      source: p.source,
      localFile: p.localFile,
      size: p.size,
      fragmentSize,
      from: position,
      hashing: { skipped: (b) => hash.update(b), update: (b) => hash.update(b) },
      encryption: p.encryption,
      randomness,
    });
    feed = opened.feed;
    if (opened.skipped < position) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Cannot resume at byte ${position}: the data to upload has only ${opened.skipped} bytes.`,
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
  tracker.start();
  try {
    await rewind(offset);
    /** The chunk being sent, from `pendingStart` (a part of it when Drive has its beginning already). */
    let pending: Fragment | undefined;
    let pendingStart = offset;
    let ended = false;
    for (;;) {
      if (!pending && !ended) {
        const next = await feed!.next();
        pendingStart = offset;
        if (next.length > 0) pending = next;
        ended = next.last;
      }
      const isLast = ended;
      const pendingEnd = pending ? pending.start + pending.length : offset;
      let contentRange: string;
      let body: { bytes: Uint8Array | (() => Readable); length: number } | undefined;
      if (pending) {
        const end = pendingEnd - 1;
        const total = isLast ? String(end + 1) : p.size !== undefined ? String(p.size) : '*';
        contentRange = `bytes ${pendingStart}-${end}/${total}`;
        body = { bytes: pending.body(pendingStart), length: pendingEnd - pendingStart };
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
        status = await querySession(ctx, session, isLast && pending ? pendingEnd : p.size, signal);
      }
      if (status.complete) {
        tracker.finish();
        const sent = pendingEnd;
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
      const readEnd = pendingEnd;
      if (committed === readEnd) {
        pending = undefined;
      } else if (pending && committed >= pendingStart && committed < readEnd) {
        pendingStart = committed;
      } else if (committed < pendingStart) {
        pending = undefined;
        ended = false;
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
    feed?.close();
  }
}
