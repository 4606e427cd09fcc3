import { ciphertextSize, type EncryptionSettings } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { ProgressTracker } from '../../core/http/index.js';
import { checkStartByte, encryptionInForce } from '../../core/provider.js';
import { sendReconciled } from '../../core/reconcile.js';
import { type Fragment, FragmentFeed } from '../../core/transfer/fragments.js';
import { hashEachAttempt } from '../../core/transfer/hash-tap.js';
import {
  DropboxContentHasher,
  openUploadBytes,
  sessionRandomness,
  type UploadSessionState,
  type UploadSource,
  uploadInput,
  uploadSource,
} from '../../core/transfer/index.js';
import { ACCEPTS, address, revisionId } from './addressing.js';
import { SessionHasher } from './content-hash.js';
import type { DropboxContext } from './context.js';
import { correctOffsetOf, DropboxApiError } from './errors.js';
import { dropboxTimestamp } from './mapping.js';
import { MAX_REQUEST_BYTES } from './settings.js';
import type { UploadOptions } from './types.js';
import type { CommitInfo, FileMetadata, UploadSessionStartResult, WriteMode } from './wire.js';

/**
 * uploadFile: files/upload in one request, or an upload session (start, append_v2 per fragment, finish)
 * that can be interrupted and resumed from `uploadSessionId` + `startByte`.
 *
 * Every byte sent goes through the Dropbox content hash as it streams (after encryption: the hash is of
 * what Dropbox stores), and the result must match the `content_hash` Dropbox reports, else error 612.
 * A session reads one fragment ahead of the one being sent (FragmentFeed): from a plain file, fragments are
 * sent from their ranges of the file and none is in memory; from a stream, at most two are.
 */

/** At most this many `incorrect_offset` corrections in one call before giving up (a server going in circles). */
const MAX_OFFSET_CORRECTIONS = 16;

/**
 * The write mode per the reference's conflict rules: IfRevision -> update(rev) (autorename on a mismatch
 * when RenameIfExists: a "conflicted copy"); else RenameIfExists -> add + autorename; else overwrite ->
 * overwrite; else add (a conflict fails). Identical content is always a no-op success on Dropbox's side.
 */
export function commitInfo(
  ctx: DropboxContext,
  path: string,
  overwrite: boolean,
  clientModified = ctx.settings.get('ClientModifiedTime'),
): CommitInfo {
  const s = ctx.settings;
  const ifRevision = s.get('IfRevision');
  const rename = s.get('RenameIfExists');
  let mode: WriteMode = 'add';
  if (ifRevision) mode = { '.tag': 'update', update: revisionId(ifRevision) };
  else if (!rename && overwrite) mode = 'overwrite';
  return {
    path,
    mode,
    autorename: rename,
    ...(clientModified ? { client_modified: dropboxTimestamp(clientModified) } : {}),
    mute: s.get('MuteFileUploads'),
    strict_conflict: false,
  };
}

interface Plan {
  target: CommitInfo;
  source: UploadSource;
  /** The local file the source reads, when it is one. */
  localFile: string | undefined;
  encryption: EncryptionSettings | undefined;
  /** Bytes Dropbox will store (ciphertext size when encrypting); undefined for a stream of unknown size. */
  size: number | undefined;
}

export async function uploadFile(
  ctx: DropboxContext,
  newFileResource: string,
  options: UploadOptions,
  signal: AbortSignal,
): Promise<string> {
  const client = ctx.client;
  const path = address(newFileResource, ACCEPTS.uploadTarget, 'newFileResource').value;
  const target = commitInfo(ctx, path, options.overwrite ?? client.overwrite, options.clientModifiedTime);
  const { localFile, data } = uploadInput(options, client);
  const source = await uploadSource(localFile || undefined, data, options.size);
  const encryption = encryptionInForce(ctx);
  const size =
    source.size === undefined
      ? undefined
      : encryption
        ? ciphertextSize(encryption, source.size)
        : source.size;
  const plan: Plan = { target, source, localFile: localFile || undefined, encryption, size };

  // The instance's uploadSessionId/startByte follow the upload, unless per-call options named the session.
  const perCall = options.uploadSessionId !== undefined || options.startByte !== undefined;
  const state = ctx.uploadSessions.open(
    options.uploadSessionId ?? client.uploadSessionId,
    checkStartByte(options.startByte ?? client.startByte),
    !perCall,
    options.onSessionState,
  );
  const resumable = options.useResumableUpload ?? client.useResumableUpload;
  // Dropbox takes at most 150 MiB in one request: bigger (or unknown) sizes need a session.
  const needsSession = size === undefined || size > MAX_REQUEST_BYTES;
  try {
    if (resumable || needsSession || state.session || state.startByte > 0) {
      return await uploadInSession(ctx, plan, state, signal);
    }
    return await simpleUpload(ctx, plan, signal);
  } finally {
    state.close();
  }
}

/** Error 612 (also fired as `error`) when Dropbox stored other bytes than the ones sent. */
function checkHash(ctx: DropboxContext, metadata: FileMetadata, computed: string): void {
  if (metadata.content_hash !== undefined && metadata.content_hash !== computed) {
    const error = new CloudStorageError(
      ErrorCode.StreamError,
      `Dropbox stored ${metadata.path_display ?? metadata.name} with content hash ${metadata.content_hash}, but the data sent hashes to ${computed}: the stored file is not what was sent. Upload it again.`,
    );
    ctx.client.emit('error', { errorCode: error.code, description: error.message });
    throw error;
  }
}

/** files/upload: one request; the body streams from the source (again on a 429, when it can be re-read). */
async function simpleUpload(ctx: DropboxContext, plan: Plan, signal: AbortSignal): Promise<string> {
  // Each attempt streams through a new content hash: the hash of what Dropbox should now hold.
  const attempts = hashEachAttempt(
    () => openUploadBytes(plan.source, plan.encryption),
    () => new DropboxContentHasher(),
  );
  const open = attempts.open;
  // Not safe to repeat blindly: after an unknown outcome, the file at the path says whether it made it.
  const metadata = await sendReconciled(
    ctx.http,
    {
      repeatable: plan.source.repeatable,
      send: () =>
        ctx.api.upload<FileMetadata>('files/upload', plan.target, {
          signal,
          body: plan.source.repeatable ? open : open(),
          length: plan.size,
          progress: plan.size !== undefined ? { total: plan.size } : {},
        }),
      reconcile: () => storedFile(ctx, plan.target.path, attempts.sent(), signal),
    },
    signal,
  );
  checkHash(ctx, metadata, attempts.sent() ?? '');
  return metadata.id;
}

/**
 * The reconcile step of an upload whose outcome is unknown: the file at `path` when its content hash is
 * the one of the bytes sent (`contentHash`: undefined when the attempt did not send them all), else
 * undefined (send it again).
 */
async function storedFile(
  ctx: DropboxContext,
  path: string,
  contentHash: string | undefined,
  signal: AbortSignal,
): Promise<FileMetadata | undefined> {
  if (contentHash === undefined) return undefined;
  try {
    const found = await ctx.api.rpc<FileMetadata & { '.tag'?: string }>(
      'files/get_metadata',
      { path },
      { signal, idempotent: true },
    );
    return found['.tag'] === 'file' && found.content_hash === contentHash ? found : undefined;
  } catch (e) {
    if (e instanceof DropboxApiError && e.is('path/not_found')) return undefined;
    throw e;
  }
}

/**
 * An upload session: start (empty) unless resuming, then append_v2 fragment after fragment from startByte,
 * then finish with the commit. After each fragment, startByte (and the fragmentComplete event) say how far
 * Dropbox has the data; the event's `interrupt` stops the upload with error 606, resumable later.
 *
 * A resume re-reads the data from its beginning up to startByte to hash it (and, when encrypting, to
 * reproduce the ciphertext), without sending it. When Dropbox answers `incorrect_offset`, the upload goes on
 * from the offset Dropbox reports: skipping ahead when Dropbox has more than we thought (an append that did
 * arrive although its answer was lost), or reading the data again from the start when it has less.
 */
async function uploadInSession(
  ctx: DropboxContext,
  plan: Plan,
  state: UploadSessionState,
  signal: AbortSignal,
): Promise<string> {
  const client = ctx.client;
  const fragmentSize = ctx.settings.get('FragmentSize');
  if (state.startByte > 0 && !state.session) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `startByte is ${state.startByte} but uploadSessionId is empty: set the upload session id the interrupted upload reported, or set startByte to 0 to start over.`,
    );
  }
  if (plan.size !== undefined && state.startByte > plan.size) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `startByte ${state.startByte} is past the end of the data (${plan.size} bytes to upload).`,
    );
  }
  /** Records how far the upload is (UploadSessions copies it to the instance when it shows this upload). */
  const publish = (sessionId: string, offset: number) => {
    state.session = sessionId;
    state.startByte = offset;
  };

  let sessionId = state.session;
  if (!sessionId) {
    // Dropbox lists no sessions: one whose answer was lost cannot be found, so a new one is started (the
    // lost one, empty, expires).
    const started = await sendReconciled(
      ctx.http,
      {
        send: () =>
          ctx.api.upload<UploadSessionStartResult>(
            'files/upload_session/start',
            { close: false },
            { signal, body: new Uint8Array(0), length: 0 },
          ),
        reconcile: async () => undefined,
      },
      signal,
    );
    sessionId = started.session_id;
    publish(sessionId, 0);
  }
  // Fixed per session, so that a resume reproduces the ciphertext already sent byte for byte.
  const randomness = plan.encryption
    ? await sessionRandomness(plan.encryption, `cloudstorage dropbox upload session ${sessionId}`)
    : undefined;

  let offset = state.startByte;
  let feed: FragmentFeed | undefined;
  let hasher = new SessionHasher();
  const tracker: ProgressTracker = ctx.http.createProgress({
    direction: 0,
    offset: state.startByte,
    ...(plan.size !== undefined ? { total: plan.size } : {}),
  });
  const fragmentCount = plan.size === undefined ? -1 : Math.max(1, Math.ceil(plan.size / fragmentSize));

  /** Opens the data again and reads up to `position` through the hash. */
  const rewind = async (position: number) => {
    if (feed && !plan.source.repeatable) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Dropbox has the upload only up to byte ${position}, before what this stream can give again; upload from the start with a new stream (clear uploadSessionId and startByte).`,
      );
    }
    feed?.close();
    feed = undefined;
    const h = new SessionHasher();
    hasher = h;
    // Read one fragment ahead of the one being sent; from a plain file each is sent from its range.
    const opened = await FragmentFeed.open({
      source: plan.source,
      localFile: plan.localFile,
      size: plan.size,
      fragmentSize,
      from: position,
      hashing: {
        skipped: (b) => h.update(b),
        begin: () => h.begin(),
        update: (b) => h.update(b),
        end: (length, last) => h.end(length, last),
      },
      encryption: plan.encryption,
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

  tracker.start();
  try {
    await rewind(offset);
    /** The fragment being sent, from `offset` (a part of it when Dropbox has its beginning already). */
    let pending: Fragment | undefined;
    let corrections = 0;
    for (;;) {
      if (!pending) {
        pending = await feed!.next();
        if (pending.length === 0) break;
      }
      const fragmentEnd = pending.start + pending.length;
      const length = fragmentEnd - offset;
      const hash = offset === pending.start ? pending.hash : undefined;
      try {
        await ctx.api.upload<null>(
          'files/upload_session/append_v2',
          {
            cursor: { session_id: sessionId, offset },
            close: false,
            ...(hash ? { content_hash: hash } : {}),
          },
          // The offset in the cursor makes a repeated append harmless: Dropbox answers incorrect_offset.
          { signal, body: pending.body(offset), length, idempotent: true, progress: { tracker } },
        );
      } catch (e) {
        const correct = correctOffsetOf(e);
        if (correct === undefined) throw e;
        if (++corrections > MAX_OFFSET_CORRECTIONS) throw e;
        if (correct === fragmentEnd && length > 0) {
          // This fragment did arrive (an earlier attempt whose answer was lost): carry on as after success.
        } else if (correct >= offset && correct < fragmentEnd) {
          offset = correct;
          publish(sessionId, offset);
          continue;
        } else if (correct > fragmentEnd) {
          pending = undefined;
          const reached = await feed!.skipTo(correct);
          if (reached < correct) {
            throw new CloudStorageError(
              ErrorCode.CannotResume,
              `Dropbox says the upload session has ${correct} bytes, more than the ${reached} bytes of this data: this session holds another upload. Clear uploadSessionId and startByte and upload again.`,
            );
          }
          offset = correct;
          publish(sessionId, offset);
          continue;
        } else {
          pending = undefined;
          await rewind(correct);
          offset = correct;
          publish(sessionId, offset);
          continue;
        }
      }
      offset = fragmentEnd;
      pending = undefined;
      publish(sessionId, offset);
      const event = client.emit('fragmentComplete', {
        fragmentNumber: Math.max(1, Math.ceil(offset / fragmentSize)),
        fragmentCount,
        interrupt: false,
        uploadSessionId: sessionId,
        startByte: offset,
      });
      if (event.interrupt) {
        throw new CloudStorageError(
          ErrorCode.UploadAborted,
          `The upload was stopped after ${offset} bytes (fragmentComplete interrupt). Resume it with uploadSessionId ${sessionId} and startByte ${offset}.`,
        );
      }
    }
    if (plan.size !== undefined && offset !== plan.size) {
      throw new CloudStorageError(
        ErrorCode.StreamError,
        `The data to upload ended after ${offset} bytes, but ${plan.size} were expected.`,
      );
    }
    const whole = hasher.digest();
    // A finish whose answer was lost: the file at the path, with the content sent, means it committed
    // (asking the session again would only say it is closed).
    const metadata = await sendReconciled(
      ctx.http,
      {
        send: () => finish(ctx, sessionId, offset, plan.target, signal),
        reconcile: () => storedFile(ctx, plan.target.path, whole, signal),
      },
      signal,
    );
    tracker.finish();
    checkHash(ctx, metadata, whole);
    publish('', 0);
    return metadata.id;
  } finally {
    feed?.close();
  }
}

async function finish(
  ctx: DropboxContext,
  sessionId: string,
  offset: number,
  commit: CommitInfo,
  signal: AbortSignal,
): Promise<FileMetadata> {
  try {
    return await ctx.api.upload<FileMetadata>(
      'files/upload_session/finish',
      { cursor: { session_id: sessionId, offset }, commit },
      { signal, body: new Uint8Array(0), length: 0 },
    );
  } catch (e) {
    const correct = correctOffsetOf(e);
    if (correct !== undefined && e instanceof DropboxApiError) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Dropbox has ${correct} bytes in upload session ${sessionId}, not the ${offset} this upload sent: set startByte to ${correct} and upload again.`,
        { httpStatus: e.httpStatus, providerCode: e.providerCode, cause: e },
      );
    }
    throw e;
  }
}
