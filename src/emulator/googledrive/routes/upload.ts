import { randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EmulatorRequest, Router } from '../../core/index.js';
import { BlobTooLargeError } from '../../core/index.js';
import {
  authed,
  authenticate,
  boolParam,
  type DriveCall,
  type DriveContext,
  jsonBody,
  requireWrite,
} from '../context.js';
import { badRequest, driveError, notFound } from '../errors.js';
import { type DriveUser, isGoogleNative } from '../model.js';
import { readRelated, relatedBoundary } from '../multipart.js';
import { createFile, idList, updateFile } from '../operations.js';
import { publicOrigin } from '../shapes.js';
import { sendFile } from './files.js';

/**
 * `/upload/drive/v3/files[/{fileId}]`: `uploadType=media` (content only), `multipart` (metadata then
 * content in one multipart/related body) and `resumable` (a session: the first request sends the
 * metadata and answers with the session URL in Location; chunks follow with Content-Range, every
 * non-final chunk a multiple of 256 KiB; `308` with `Range: bytes=0-N` until the last byte arrives).
 */

export const CHUNK_GRANULARITY = 256 * 1024;

export interface UploadSession {
  id: string;
  userEmail: string;
  /** files.update target, or undefined for files.create. */
  fileId: string | undefined;
  metadata: Record<string, unknown>;
  query: URLSearchParams;
  contentType: string | undefined;
  /** X-Upload-Content-Length, or the total a chunk declared. */
  total: number | undefined;
  /** Stored chunks (blob ids), in order, and the bytes they hold. */
  parts: string[];
  received: number;
  expiresAt: number;
  /** The finished file's id, once the last byte arrived. */
  doneFileId: string | undefined;
  /** The chunk being received, if any: a new chunk supersedes it (its client has given up on it). */
  inflight: { req: EmulatorRequest; done: Promise<unknown> } | undefined;
}

export class UploadSessions {
  readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly ctx: DriveContext) {}

  /** Drops expired sessions and their stored chunks. */
  async sweep(): Promise<void> {
    const now = this.ctx.state.now();
    for (const [id, s] of this.sessions) {
      if (s.expiresAt <= now) {
        this.sessions.delete(id);
        for (const p of s.parts) await this.ctx.state.blobs.release(p);
      }
    }
  }

  async clear(): Promise<void> {
    for (const s of this.sessions.values()) for (const p of s.parts) await this.ctx.state.blobs.release(p);
    this.sessions.clear();
  }
}

function uploadType(req: EmulatorRequest): string {
  const t = req.query.get('uploadType') ?? req.query.get('upload_protocol');
  if (t) return t;
  // Without uploadType, a multipart/related body is a multipart upload, anything else media.
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/related')
    ? 'multipart'
    : 'media';
}

export function installUploadRoutes(api: Router, ctx: DriveContext, sessions: UploadSessions): void {
  for (const prefix of ['/upload/drive/v3/files', '/resumable/upload/drive/v3/files']) {
    const create = (req: EmulatorRequest, res: Parameters<ReturnType<typeof authed>>[1]) =>
      req.query.get('upload_id')
        ? sessionRequest(ctx, sessions, req, res)
        : authed(ctx, (c) => start(c, sessions, undefined))(req, res);
    const update = (req: EmulatorRequest, res: Parameters<ReturnType<typeof authed>>[1]) =>
      req.query.get('upload_id')
        ? sessionRequest(ctx, sessions, req, res)
        : authed(ctx, (c) => start(c, sessions, req.params.fileId))(req, res);
    api.post(prefix, create);
    api.put(prefix, create);
    api.add('PATCH', `${prefix}/:fileId`, update);
    api.put(`${prefix}/:fileId`, update);
    api.post(`${prefix}/:fileId`, update);
  }
}

async function start(call: DriveCall, sessions: UploadSessions, fileId: string | undefined) {
  requireWrite(call);
  const { req, ctx, me } = call;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const target = fileId ? ctx.state.file(fileId, me, supportsAllDrives) : undefined;
  const type = uploadType(req);
  const options = {
    addParents: idList(req.query.get('addParents')),
    removeParents: idList(req.query.get('removeParents')),
    supportsAllDrives,
  };
  if (type === 'media') {
    const mimeType = req.headers['content-type'];
    const content = { source: req.body, mimeType };
    const f = target
      ? await updateFile(call, target, {}, content, options)
      : await createFile(call, {}, content, supportsAllDrives);
    return sendFile(call, f);
  }
  if (type === 'multipart') {
    const upload = await readRelated(req.body, relatedBoundary(req.headers['content-type']));
    const content = { source: upload.media, mimeType: upload.mediaType };
    try {
      const f = target
        ? await updateFile(call, target, upload.metadata, content, options)
        : await createFile(call, upload.metadata, content, supportsAllDrives);
      return sendFile(call, f);
    } finally {
      upload.media.destroy();
    }
  }
  if (type === 'resumable') return startSession(call, sessions, target?.id);
  throw badRequest(`Invalid uploadType: ${type}. Use media, multipart or resumable.`, 'uploadType');
}

async function startSession(call: DriveCall, sessions: UploadSessions, fileId: string | undefined) {
  const { req, res, ctx } = call;
  const metadata = await jsonBody(req);
  const declared = req.headers['x-upload-content-length'];
  let total: number | undefined;
  if (declared !== undefined) {
    total = Number(declared);
    if (!Number.isSafeInteger(total) || total < 0)
      throw badRequest('Invalid X-Upload-Content-Length.', 'X-Upload-Content-Length');
    if (total > ctx.state.settings.maxUploadSize)
      throw driveError(
        413,
        'uploadTooLarge',
        `The file exceeds the maximum upload size of ${ctx.state.settings.maxUploadSize} bytes.`,
      );
  }
  if (!fileId && Array.isArray(metadata.parents) && metadata.parents.length > 0) {
    // Check the parent now, as Drive does, so that a bad parent fails before any byte is sent.
    const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
    for (const p of metadata.parents as unknown[])
      ctx.state.checkParent(String(p), call.me, supportsAllDrives);
  }
  const id = `AD${randomBytes(30).toString('base64url')}`;
  const query = new URLSearchParams(req.query);
  const session: UploadSession = {
    id,
    userEmail: call.me.emailAddress,
    fileId,
    metadata,
    query,
    contentType: (req.headers['x-upload-content-type'] as string | undefined) ?? undefined,
    total,
    parts: [],
    received: 0,
    expiresAt: ctx.state.now() + ctx.state.settings.sessionLifetimeMs,
    doneFileId: undefined,
    inflight: undefined,
  };
  sessions.sessions.set(id, session);
  const location = new URL(`${call.origin}${req.path}`);
  for (const [k, v] of req.query) location.searchParams.append(k, v);
  location.searchParams.set('uploadType', 'resumable');
  location.searchParams.set('upload_id', id);
  res.writeHead(200, {
    location: location.href,
    'x-guploader-uploadid': id,
    'content-length': 0,
  });
  res.end();
}

interface ContentRange {
  /** Undefined for a status query (`bytes *\/total`). */
  first: number | undefined;
  last: number | undefined;
  total: number | undefined;
}

function parseContentRange(header: string | undefined, length: number): ContentRange {
  if (header === undefined || header.trim() === '') {
    // No Content-Range: the whole upload in one request.
    return length === 0
      ? { first: undefined, last: undefined, total: 0 }
      : { first: 0, last: length - 1, total: length };
  }
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!m) throw badRequest(`Invalid Content-Range header: ${header}`, 'Content-Range');
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (m[1] === undefined) return { first: undefined, last: undefined, total };
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first || (total !== undefined && last >= total))
    throw badRequest(`Invalid Content-Range header: ${header}`, 'Content-Range');
  return { first, last, total };
}

/** A request to a session URL: a chunk, or a status query. */
async function sessionRequest(
  ctx: DriveContext,
  sessions: UploadSessions,
  req: EmulatorRequest,
  res: Parameters<ReturnType<typeof authed>>[1],
) {
  const id = req.query.get('upload_id')!;
  const session = sessions.sessions.get(id);
  if (!session || session.expiresAt <= ctx.state.now()) {
    if (session) {
      sessions.sessions.delete(id);
      for (const p of session.parts) await ctx.state.blobs.release(p);
    }
    req.body.resume();
    throw driveError(
      404,
      'notFound',
      'The upload session does not exist or has expired; start a new upload.',
      {
        location: 'upload_id',
        locationType: 'parameter',
      },
    );
  }
  // The session URL is the credential (Google does not need the token again), but a token sent must be good.
  let me: DriveUser = ctx.state.user(session.userEmail);
  if (req.headers.authorization) me = authenticate(ctx, req).me;
  const call: DriveCall = { req, res, me, ctx, origin: publicOrigin(req), canWrite: true };
  // Answers use the `fields` of the initiating request unless this one names its own.
  const fieldsQuery = new URLSearchParams(session.query);
  if (req.query.get('fields')) fieldsQuery.set('fields', req.query.get('fields')!);
  const shaped: DriveCall = { ...call, req: { ...req, query: fieldsQuery } };

  if (session.doneFileId) {
    req.body.resume();
    const f = ctx.state.files.get(session.doneFileId);
    if (!f) throw notFound(session.doneFileId);
    return sendFile(shaped, f);
  }
  const length = Number(req.headers['content-length'] ?? (req.headers['transfer-encoding'] ? Number.NaN : 0));
  const range = parseContentRange(req.headers['content-range'], Number.isNaN(length) ? 0 : length);
  if (range.total !== undefined) {
    if (session.total !== undefined && range.total !== session.total)
      throw badRequest(
        `The total size ${range.total} differs from the ${session.total} bytes declared for this upload.`,
        'Content-Range',
      );
    if (range.total < session.received)
      throw badRequest(
        `The total size ${range.total} is less than the ${session.received} bytes already received.`,
        'Content-Range',
      );
    session.total = range.total;
  }
  if (range.first !== undefined) {
    const previous = session.inflight;
    if (previous) {
      previous.req.body.destroy();
      await previous.done.catch(() => undefined);
    }
    const done = receiveChunk(
      ctx,
      session,
      req,
      range as { first: number; last: number; total: number | undefined },
      length,
    );
    session.inflight = { req, done };
    try {
      await done;
    } finally {
      if (session.inflight?.req === req) session.inflight = undefined;
    }
  } else {
    req.body.resume();
  }
  if (session.total !== undefined && session.received === session.total) return finish(shaped, session);
  incomplete(req, res, session);
}

async function receiveChunk(
  ctx: DriveContext,
  session: UploadSession,
  req: EmulatorRequest,
  range: { first: number; last: number; total: number | undefined },
  length: number,
) {
  const size = range.last - range.first + 1;
  if (!Number.isNaN(length) && length !== size)
    throw badRequest(
      `The Content-Length ${length} does not match the Content-Range (${size} bytes).`,
      'Content-Length',
    );
  if (range.first > session.received)
    throw badRequest(
      `The chunk starts at byte ${range.first} but the upload holds ${session.received} bytes; query the status and resume from there.`,
      'Content-Range',
    );
  const final = range.total !== undefined && range.last + 1 === range.total;
  // Bytes before `received` were stored already (a client re-sending after a lost answer): skip them.
  const skip = session.received - range.first;
  let keep = size - skip;
  if (!final) {
    if (size < CHUNK_GRANULARITY)
      throw badRequest(
        `Invalid request. The number of bytes uploaded is required to be equal or greater than ${CHUNK_GRANULARITY}, except for the final request (it's recommended to be the exact multiple of ${CHUNK_GRANULARITY}). The received request contained ${size} bytes, which does not meet this requirement.`,
        'Content-Range',
      );
    // Only whole 256 KiB units of a non-final chunk are kept; Range tells the client where to go on.
    const end = Math.floor((range.last + 1) / CHUNK_GRANULARITY) * CHUNK_GRANULARITY;
    keep = Math.max(0, end - session.received);
  }
  if (session.received + keep > ctx.state.settings.maxUploadSize) {
    req.body.resume();
    throw driveError(413, 'uploadTooLarge', 'The file exceeds the maximum upload size.');
  }
  let seen = 0;
  const window = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const from = Math.max(0, skip - seen);
      const to = Math.min(chunk.length, skip + keep - seen);
      seen += chunk.length;
      done(null, to > from ? chunk.subarray(from, to) : undefined);
    },
  });
  let stored: { id: string; size: number };
  try {
    const sink = ctx.state.blobs.put(window);
    await Promise.all([pipeline(req.body, window).catch((e) => window.destroy(e)), sink]);
    stored = await sink;
  } catch (e) {
    if (e instanceof BlobTooLargeError)
      throw driveError(413, 'uploadTooLarge', 'The file exceeds the maximum upload size.');
    // An interrupted chunk stores nothing; the client asks for the status and sends it again.
    throw e;
  }
  if (seen !== size) {
    await ctx.state.blobs.release(stored.id);
    throw badRequest(`The chunk ended after ${seen} of ${size} bytes.`, 'Content-Range');
  }
  if (stored.size > 0) {
    session.parts.push(stored.id);
    session.received += stored.size;
  } else {
    await ctx.state.blobs.release(stored.id);
  }
}

function incomplete(
  req: EmulatorRequest,
  res: Parameters<ReturnType<typeof authed>>[1],
  session: UploadSession,
) {
  const headers: Record<string, string | number> = {
    'content-length': 0,
    'x-guploader-uploadid': session.id,
  };
  if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
  // Clients that cannot take a bare 308 (Go's) ask for a 200 that names the real status.
  if ((req.headers['x-guploader-no-308'] ?? '').toString().toLowerCase() === 'yes') {
    res.writeHead(200, { ...headers, 'x-http-status-code-override': '308' });
  } else {
    res.writeHead(308, headers);
  }
  res.end();
}

async function finish(call: DriveCall, session: UploadSession) {
  const { ctx } = call;
  const { state } = ctx;
  const blob = await state.blobs.concat(session.parts, { hashes: ['md5', 'sha1', 'sha256'] });
  for (const p of session.parts) await state.blobs.release(p);
  session.parts = [];
  const supportsAllDrives =
    session.query.get('supportsAllDrives') === 'true' || session.query.get('supportsTeamDrives') === 'true';
  const metaMime = typeof session.metadata.mimeType === 'string' ? session.metadata.mimeType : undefined;
  const content = {
    blob,
    mimeType: session.contentType ?? (metaMime && !isGoogleNative(metaMime) ? metaMime : undefined),
  };
  try {
    const target = session.fileId ? state.file(session.fileId, call.me, true) : undefined;
    const f = target
      ? await updateFile(call, target, session.metadata, content, {
          addParents: idList(session.query.get('addParents')),
          removeParents: idList(session.query.get('removeParents')),
          supportsAllDrives,
        })
      : await createFile(call, session.metadata, content, supportsAllDrives);
    session.doneFileId = f.id;
    return sendFile(call, f);
  } catch (e) {
    await state.blobs.release(blob.id).catch(() => undefined);
    throw e;
  }
}
