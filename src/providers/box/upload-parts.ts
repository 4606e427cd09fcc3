import { createHash } from 'node:crypto';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { BoxContext } from './context.js';
import { checkName, formatId, parseId } from './ids.js';
import type {
  BoxUploadedPart,
  BoxUploadSession,
  CommitUploadSessionOptions,
  CreateUploadSessionOptions,
} from './types.js';
import { commit, createSession, type SessionJob, sessionStatus, type UploadTarget } from './uploads.js';
import type { WireUploadPart, WireUploadSession } from './wire.js';

/**
 * Box upload sessions one call at a time, beyond the reference class: create a session, send any part
 * (by offset, from any process), list the parts Box has, commit, abort. The reference's resumable
 * `uploadFile` drives a whole session from one process; these let many workers share one session, each
 * sending the parts it was given, and one of them commit once all are in.
 */

function targetOf(fileName: string, parentId: string, options: CreateUploadSessionOptions): UploadTarget {
  if (options.fileId) {
    const file = parseId(options.fileId, 'file', 'file id');
    return {
      kind: 'version',
      fileId: file.id,
      ...(fileName ? { name: checkName(fileName, 'file name') } : {}),
    };
  }
  checkName(fileName, 'file name');
  return { kind: 'new', folderId: parseId(parentId, 'folder', 'parent id').id, name: fileName };
}

function sessionFrom(api: BoxContext['api'], wire: WireUploadSession): BoxUploadSession {
  return {
    sessionUrl: wire.session_endpoints?.upload_part ?? api.url(`/files/upload_sessions/${wire.id}`, 'upload'),
    id: wire.id,
    partSize: wire.part_size,
    totalParts: wire.total_parts,
    expiresAt: wire.session_expires_at ?? '',
  };
}

const partFrom = (p: WireUploadPart): BoxUploadedPart => ({
  partId: p.part_id,
  offset: p.offset,
  size: p.size,
  sha1: (p.sha1 ?? '').toLowerCase(),
});

/** createUploadSession: a session for `fileSize` bytes (at least Box's MinResumableUploadSize). */
export async function createUploadSession(
  ctx: BoxContext,
  fileName: string,
  parentId: string,
  fileSize: number,
  options: CreateUploadSessionOptions,
  signal: AbortSignal,
): Promise<BoxUploadSession> {
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0) {
    throw invalidArgument(`fileSize must be a whole number of bytes above 0; got ${fileSize}.`);
  }
  const target = targetOf(fileName, parentId, options);
  const wire = await createSession({ ctx, signal, target, modified: '' }, fileSize);
  return sessionFrom(ctx.api, wire);
}

/** getUploadSession: the session at sessionUrl (404 → 609: it expired, was aborted or committed). */
export async function getUploadSession(
  ctx: BoxContext,
  sessionUrl: string,
  signal: AbortSignal,
): Promise<{ session: BoxUploadSession; parts: BoxUploadedPart[] }> {
  const { session, parts } = await sessionStatus(ctx, sessionUrl, signal);
  return {
    session: { ...sessionFrom(ctx.api, session), sessionUrl },
    parts: [...parts.values()].map(partFrom).sort((a, b) => a.offset - b.offset),
  };
}

/**
 * uploadSessionPart: `data` as the part at `offset` of a `fileSize`-byte file, with its SHA-1 as Box's
 * `Digest`. A part is `partSize` bytes (the last one what is left). The same part sent again is
 * accepted as one; other bytes for a range Box already holds are refused (409). Not repeated after a
 * failure (only after a 429, which Box did not run): ask listUploadSessionParts first.
 */
export async function uploadSessionPart(
  ctx: BoxContext,
  sessionUrl: string,
  offset: number,
  fileSize: number,
  data: Uint8Array,
  signal: AbortSignal,
): Promise<BoxUploadedPart> {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > fileSize || data.length === 0) {
    throw invalidArgument(
      `A part of ${data.length} bytes at offset ${offset} does not fit a ${fileSize}-byte file.`,
    );
  }
  const answer = await ctx.api.json<{ part: WireUploadPart }>({
    method: 'PUT',
    path: sessionUrl,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Range': `bytes ${offset}-${offset + data.length - 1}/${fileSize}`,
      Digest: `sha=${createHash('sha1').update(data).digest('base64')}`,
    },
    body: data,
    // Sent once: after a lost answer the caller asks Box which parts it has (listUploadSessionParts)
    // instead of sending the bytes again.
    idempotent: false,
    progress: { direction: 0, total: data.length },
    signal,
  });
  return partFrom(answer.part);
}

/** listUploadSessionParts: every part Box holds for the session, by offset. */
export async function listUploadSessionParts(
  ctx: BoxContext,
  sessionUrl: string,
  signal: AbortSignal,
): Promise<BoxUploadedPart[]> {
  return (await getUploadSession(ctx, sessionUrl, signal)).parts;
}

/**
 * commitUploadSession: makes the file from `parts` (all of them, any order) given the whole file's SHA-1
 * (hex). Box's 202 (still assembling) is waited out. Returns the file's id (`f:…`).
 */
export async function commitUploadSession(
  ctx: BoxContext,
  sessionUrl: string,
  parts: readonly BoxUploadedPart[],
  fileSha1: string,
  options: CommitUploadSessionOptions,
  signal: AbortSignal,
): Promise<string> {
  if (!/^[0-9a-f]{40}$/i.test(fileSha1)) {
    throw invalidArgument(`fileSha1 must be the file's SHA-1 as 40 hex digits; got "${fileSha1}".`);
  }
  if (parts.length === 0) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      'An upload session with no parts cannot be committed.',
    );
  }
  // The commit names no target: Box knows it from the session. `version` keeps content_created_at out.
  const modified = options.modifiedAt?.toISOString() ?? ctx.settings.get('ClientModifiedTime');
  const job: SessionJob = { ctx, signal, target: { kind: 'version', fileId: '' }, modified };
  const wireParts = parts.map((p) => ({ part_id: p.partId, offset: p.offset, size: p.size, sha1: p.sha1 }));
  const digest = Buffer.from(fileSha1, 'hex').toString('base64');
  const session = { id: '', type: 'upload_session', part_size: 0, total_parts: parts.length } as const;
  const item = await commit(job, session, sessionUrl, wireParts, digest);
  return formatId('file', item.id);
}

/** abortUploadSession: discards the session and its parts (nothing when it is already gone). */
export async function abortUploadSession(
  ctx: BoxContext,
  sessionUrl: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    await ctx.api.request({ method: 'DELETE', path: sessionUrl, signal });
  } catch (e) {
    if (!(e instanceof CloudStorageError && e.httpStatus === 404)) throw e;
  }
}
