import { BlobTooLargeError, type HttpError } from '../../core/index.js';
import { ContentHasher } from '../content-hash.js';
import { defineRoute, type RouteContext, type RouteDef } from '../dispatch.js';
import { routeError } from '../errors.js';
import { type StoredContent, WriteFailure } from '../model.js';
import { PATTERN } from '../paths.js';
import type { UploadSession } from '../sessions.js';
import {
  bool,
  list,
  optional,
  required,
  str,
  struct,
  type Tagged,
  timestamp,
  uint64,
  union,
  withDefault,
} from '../stone.js';
import { commitContent, pathType, revType } from './common.js';

/**
 * Uploads on the content host: `files/upload` (one request, at most 150 MiB) and upload sessions
 * (`start`, `append_v2`, `finish`, plus the batch forms), with Dropbox's checks: offsets
 * (`incorrect_offset` with `correct_offset`), closed and expired sessions, the 150 MiB request limit (from
 * Content-Length before reading, or while streaming), `content_hash` of each request's data, and the
 * concurrent-session 4 MiB rules. Bodies stream to the blob store; memory stays flat.
 */

const CONCURRENT_CHUNK = 4 * 1024 * 1024;
const MAX_FILE = 2 ** 41 - 2 ** 22;

const sha256Hex = () => str({ minLength: 64, maxLength: 64 });
const writeMode = union({ add: null, overwrite: null, update: revType() });
const propertyGroup = struct({
  template_id: required(str({ minLength: 1, pattern: '(/|ptid:).*' })),
  fields: required(list(struct({ name: required(str()), value: required(str()) }))),
});

const commitInfoFields = {
  path: required(pathType(PATTERN.WritePathOrId)),
  mode: withDefault(writeMode, { tag: 'add', value: undefined } as Tagged<string | undefined>),
  autorename: withDefault(bool(), false),
  client_modified: optional(timestamp()),
  mute: withDefault(bool(), false),
  property_groups: optional(list(propertyGroup)),
  strict_conflict: withDefault(bool(), false),
};
const commitInfo = struct(commitInfoFields);
type CommitInfo = ReturnType<typeof commitInfo.decode>;

const cursorType = struct({ session_id: required(str()), offset: required(uint64()) });
const sessionType = union({ sequential: null, concurrent: null });

/** Streams the request body into the blob store with Dropbox's per-request limit. */
async function receive(ctx: RouteContext<unknown>, tooLarge: () => HttpError): Promise<StoredContent> {
  const limit = ctx.state.settings.maxRequestBytes;
  const declared = Number(ctx.req.headers['content-length'] ?? Number.NaN);
  // Refuse by the header, before a byte of the body is read.
  if (declared > limit) throw tooLarge();
  const hasher = new ContentHasher();
  try {
    const info = await ctx.state.blobs.put(ctx.req.body, {
      maxBytes: limit,
      observers: [(c) => hasher.update(c)],
    });
    return { blobId: info.id, size: info.size, contentHash: hasher.digest() };
  } catch (e) {
    if (e instanceof BlobTooLargeError) throw tooLarge();
    throw e;
  }
}

/** Concatenates session parts into one blob, computing its hashes on the way. */
async function assemble(ctx: RouteContext<unknown>, session: UploadSession): Promise<StoredContent> {
  const hasher = new ContentHasher();
  const info = await ctx.state.blobs.concat(ctx.state.sessions.orderedBlobs(session), {
    observers: [(c) => hasher.update(c)],
  });
  return { blobId: info.id, size: info.size, contentHash: hasher.digest() };
}

/** Stores content at the commit path, or throws the WriteFailure (the content blob is released then). */
function commit(ctx: RouteContext<unknown>, content: StoredContent, info: CommitInfo) {
  return commitContent(ctx, info.path, content, {
    mode: info.mode,
    autorename: info.autorename,
    clientModified: info.client_modified,
    strictConflict: info.strict_conflict,
  });
}

const upload = defineRoute({
  name: 'files/upload',
  host: 'content',
  style: 'upload',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({ ...commitInfoFields, content_hash: optional(sha256Hex()) }),
  async handler(ctx) {
    const content = await receive(ctx, () => routeError({ '.tag': 'payload_too_large' }));
    if (ctx.arg.content_hash !== undefined && ctx.arg.content_hash !== content.contentHash) {
      await ctx.state.blobs.release(content.blobId);
      throw routeError({ '.tag': 'content_hash_mismatch' });
    }
    // A second reference, in case the commit fails and an upload session has to keep the bytes.
    ctx.state.blobs.retain(content.blobId);
    let metadata: Record<string, unknown>;
    try {
      metadata = commit(ctx, content, ctx.arg);
    } catch (e) {
      if (!(e instanceof WriteFailure)) {
        await ctx.state.blobs.release(content.blobId);
        throw e;
      }
      // The bytes stay in an upload session, so the client can commit them elsewhere with finish.
      const session = ctx.state.sessions.start(ctx.account.id, 'sequential');
      session.parts.push({ offset: 0, size: content.size, blobId: content.blobId });
      session.size = content.size;
      throw routeError({ '.tag': 'path', reason: e.error, upload_session_id: session.id });
    }
    await ctx.state.blobs.release(content.blobId);
    return metadata;
  },
});

const start = defineRoute({
  name: 'files/upload_session/start',
  host: 'content',
  style: 'upload',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({
    close: withDefault(bool(), false),
    session_type: optional(sessionType),
    content_hash: optional(sha256Hex()),
  }),
  async handler(ctx) {
    const concurrent = ctx.arg.session_type?.tag === 'concurrent';
    if (concurrent && ctx.arg.close) throw routeError({ '.tag': 'concurrent_session_close_not_allowed' });
    const content = await receive(ctx, () => routeError({ '.tag': 'payload_too_large' }));
    const discard = async (tag: string) => {
      await ctx.state.blobs.release(content.blobId);
      return routeError({ '.tag': tag });
    };
    if (concurrent && content.size > 0) throw await discard('concurrent_session_data_not_allowed');
    if (ctx.arg.content_hash !== undefined && ctx.arg.content_hash !== content.contentHash) {
      throw await discard('content_hash_mismatch');
    }
    const session = ctx.state.sessions.start(ctx.account.id, concurrent ? 'concurrent' : 'sequential');
    if (content.size > 0) session.parts.push({ offset: 0, size: content.size, blobId: content.blobId });
    else await ctx.state.blobs.release(content.blobId);
    session.size = content.size;
    session.closed = ctx.arg.close;
    return { session_id: session.id };
  },
});

/** append_v2 and the deprecated append: their errors are top-level tags of UploadSessionAppendError. */
async function appendTo(
  ctx: RouteContext<unknown>,
  cursor: { session_id: string; offset: number },
  close: boolean,
  contentHash: string | undefined,
): Promise<null> {
  const fail = (tag: string, extra: Record<string, unknown> = {}) => routeError({ '.tag': tag, ...extra });
  const session = ctx.state.sessions.get(cursor.session_id, ctx.account.id);
  if (!session) throw fail('not_found');
  if (session.finished) throw fail('closed');
  // A concurrent session's closing part only fixes its end: parts before it may still arrive.
  if (session.closed && (session.type === 'sequential' || close || cursor.offset >= session.size))
    throw fail('closed');
  if (session.type === 'sequential' && cursor.offset !== session.size) {
    throw fail('incorrect_offset', { correct_offset: session.size });
  }
  if (session.type === 'concurrent' && cursor.offset % CONCURRENT_CHUNK !== 0) {
    throw fail('concurrent_session_invalid_offset');
  }
  const content = await receive(ctx, () => fail('payload_too_large'));
  const discard = async (tag: string) => {
    await ctx.state.blobs.release(content.blobId);
    return fail(tag);
  };
  if (session.type === 'concurrent' && !close && content.size % CONCURRENT_CHUNK !== 0) {
    throw await discard('concurrent_session_invalid_data_size');
  }
  if (contentHash !== undefined && contentHash !== content.contentHash)
    throw await discard('content_hash_mismatch');
  const end = cursor.offset + content.size;
  if (end > MAX_FILE) throw await discard('too_large');
  // The session may have moved on while this body streamed in (a retried request racing the original).
  if (session.type === 'sequential' && cursor.offset !== session.size) {
    await ctx.state.blobs.release(content.blobId);
    throw fail('incorrect_offset', { correct_offset: session.size });
  }
  if (session.type === 'concurrent') {
    if (session.closed && end > session.size) throw await discard('concurrent_session_invalid_data_size');
    // A part sent again (a retry) replaces the first copy.
    const i = session.parts.findIndex((p) => p.offset === cursor.offset);
    if (i >= 0) await ctx.state.blobs.release(session.parts.splice(i, 1)[0]!.blobId);
  }
  if (content.size > 0)
    session.parts.push({ offset: cursor.offset, size: content.size, blobId: content.blobId });
  else await ctx.state.blobs.release(content.blobId);
  if (session.type === 'sequential') session.size = end;
  else if (close) session.size = end;
  if (close) session.closed = true;
  return null;
}

const appendV2 = defineRoute({
  name: 'files/upload_session/append_v2',
  host: 'content',
  style: 'upload',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({
    cursor: required(cursorType),
    close: withDefault(bool(), false),
    content_hash: optional(sha256Hex()),
  }),
  handler: (ctx) => appendTo(ctx, ctx.arg.cursor, ctx.arg.close, ctx.arg.content_hash),
});

const appendV1 = defineRoute({
  name: 'files/upload_session/append',
  host: 'content',
  style: 'upload',
  auth: 'user',
  scope: 'files.content.write',
  arg: cursorType,
  handler: (ctx) => appendTo(ctx, ctx.arg, false, undefined),
});

const finishArg = struct({
  cursor: required(cursorType),
  commit: required(commitInfo),
  content_hash: optional(sha256Hex()),
});
type FinishArg = ReturnType<typeof finishArg.decode>;

/** The shared part of finish and finish_batch: returns FileMetadata or throws the finish error. */
async function finishSession(ctx: RouteContext<unknown>, arg: FinishArg, withBody: boolean) {
  const lookupFailed = (tag: string, extra: Record<string, unknown> = {}) =>
    routeError({ '.tag': 'lookup_failed', lookup_failed: { '.tag': tag, ...extra } });
  const fail = (tag: string) => routeError({ '.tag': tag });
  const session = ctx.state.sessions.get(arg.cursor.session_id, ctx.account.id);
  if (!session || session.finished) throw lookupFailed(session ? 'closed' : 'not_found');
  if (session.type === 'sequential' && arg.cursor.offset !== session.size) {
    throw lookupFailed('incorrect_offset', { correct_offset: session.size });
  }
  if (withBody) {
    const content = await receive(ctx, () => fail('payload_too_large'));
    if (content.size > 0) {
      const discard = async (e: HttpError) => {
        await ctx.state.blobs.release(content.blobId);
        return e;
      };
      if (session.type === 'concurrent') throw await discard(fail('concurrent_session_data_not_allowed'));
      if (session.closed) throw await discard(lookupFailed('closed'));
      if (arg.content_hash !== undefined && arg.content_hash !== content.contentHash) {
        throw await discard(fail('content_hash_mismatch'));
      }
      if (session.size + content.size > MAX_FILE) throw await discard(lookupFailed('too_large'));
      session.parts.push({ offset: session.size, size: content.size, blobId: content.blobId });
      session.size += content.size;
    } else {
      await ctx.state.blobs.release(content.blobId);
    }
  }
  if (session.type === 'concurrent') {
    if (!session.closed) throw fail('concurrent_session_not_closed');
    if (!ctx.state.sessions.contiguous(session)) throw fail('concurrent_session_missing_data');
  }
  const content = await assemble(ctx, session);
  let metadata: Record<string, unknown>;
  try {
    metadata = commit(ctx, content, arg.commit);
  } catch (e) {
    // The data stays in the session: the client may retry the commit with an empty body.
    if (e instanceof WriteFailure) throw routeError({ '.tag': 'path', path: e.error });
    throw e;
  }
  await ctx.state.sessions.finish(session);
  return metadata;
}

const finish = defineRoute({
  name: 'files/upload_session/finish',
  host: 'content',
  style: 'upload',
  auth: 'user',
  scope: 'files.content.write',
  arg: finishArg,
  handler: (ctx) => finishSession(ctx, ctx.arg, true),
});

const startBatch = defineRoute({
  name: 'files/upload_session/start_batch',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({ session_type: optional(sessionType), num_sessions: required(uint64(1, 1000)) }),
  handler(ctx) {
    const type = ctx.arg.session_type?.tag === 'concurrent' ? 'concurrent' : 'sequential';
    const ids: string[] = [];
    for (let i = 0; i < ctx.arg.num_sessions; i++)
      ids.push(ctx.state.sessions.start(ctx.account.id, type).id);
    return { session_ids: ids };
  },
});

const finishBatchV2 = defineRoute({
  name: 'files/upload_session/finish_batch_v2',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({ entries: required(list(finishArg, { maxItems: 1000 })) }),
  async handler(ctx) {
    const entries: Record<string, unknown>[] = [];
    for (const entry of ctx.arg.entries) {
      const session = ctx.state.sessions.get(entry.cursor.session_id, ctx.account.id);
      if (session && !session.closed && !session.finished) {
        entries.push({
          '.tag': 'failure',
          failure: { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'not_closed' } },
        });
        continue;
      }
      try {
        entries.push({ '.tag': 'success', ...(await finishSession(ctx, entry, false)) });
      } catch (e) {
        const detail = (e as HttpError).detail as
          | { dropbox?: { error?: Record<string, unknown> } }
          | undefined;
        if (!detail?.dropbox?.error) throw e;
        entries.push({ '.tag': 'failure', failure: detail.dropbox.error });
      }
    }
    return { entries };
  },
});

export const uploadRoutes: RouteDef[] = [
  upload,
  start,
  appendV2,
  appendV1,
  finish,
  startBatch,
  finishBatchV2,
];
