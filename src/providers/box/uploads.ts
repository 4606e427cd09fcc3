import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ciphertextSize,
  type EncryptionRandomness,
  type EncryptionSettings,
} from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { sleep } from '../../core/http/retry.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import { encryptionInForce } from '../../core/provider.js';
import { keepsSessionForResume, sendReconciled } from '../../core/reconcile.js';
import { releaseChunk } from '../../core/recycled-chunks.js';
import { hashEachAttempt, hexHasher } from '../../core/transfer/hash-tap.js';
import {
  fileSource,
  type HashedPart,
  HashingStream,
  openUploadBytes,
  rangeParts,
  readAhead,
  runParallel,
  sessionRandomness,
  spooledParts,
  type UploadSessionState,
  type UploadSource,
  uploadInput,
  uploadSource,
} from '../../core/transfer/index.js';
import type { BoxContext } from './context.js';
import { checkName, formatId, parseId } from './ids.js';
import { multipartUpload } from './multipart.js';
import type { BoxUploadOptions } from './types.js';
import {
  ITEM_FIELDS,
  type WireFiles,
  type WireItem,
  type WireUploadPart,
  type WireUploadSession,
} from './wire.js';

/** Where an upload goes: a new file in a folder, or a new version of a file. */
export type UploadTarget =
  | { kind: 'new'; folderId: string; name: string }
  | { kind: 'version'; fileId: string; name?: string };

export interface UploadJob {
  ctx: BoxContext;
  signal: AbortSignal;
  /** The plaintext. */
  source: UploadSource;
  encryption: EncryptionSettings | undefined;
  target: UploadTarget;
  resumable: boolean;
  /** This call's upload session (its URL) and resume offset; see UploadSessions. */
  state: UploadSessionState;
  /** content_modified_at to send ('' none): the call's option, else the ClientModifiedTime setting. */
  modified: string;
}

/**
 * `uploadFile`: a new file from localFile (or resourceData, or `options.data`) into `parentId` ('' = the
 * root); returns its id (`f:…`).
 */
export async function uploadFile(
  ctx: BoxContext,
  fileName: string,
  parentId: string,
  options: BoxUploadOptions,
  signal: AbortSignal,
): Promise<string> {
  checkName(fileName, 'file name');
  const parent = parseId(parentId, 'folder', 'parent id');
  const item = await uploadTo(ctx, { kind: 'new', folderId: parent.id, name: fileName }, options, signal);
  return formatId('file', item.id);
}

/** An upload of this call's input (options first, then the instance properties) to a new file or a new version. */
export async function uploadTo(
  ctx: BoxContext,
  target: UploadTarget,
  options: BoxUploadOptions,
  signal: AbortSignal,
): Promise<WireItem> {
  const client = ctx.client;
  const { localFile, data } = uploadInput(options, client);
  const source = await uploadSource(localFile || undefined, data, options.size);
  const state = ctx.uploadSessions.open(
    options.resumeUrl ?? client.resumeUrl,
    0,
    true,
    options.onSessionState,
  );
  try {
    return await upload({
      ctx,
      signal,
      source,
      encryption: encryptionInForce(ctx),
      target,
      resumable: options.useResumableUpload ?? client.useResumableUpload,
      state,
      modified: options.clientModifiedTime ?? ctx.settings.get('ClientModifiedTime'),
    });
  } finally {
    state.close();
  }
}

/** Uploads per the reference: simple by default, resumable (upload sessions) when asked and big enough. */
async function upload(job: UploadJob): Promise<WireItem> {
  const { ctx, source, encryption } = job;
  const plainSize = source.size;
  const size =
    plainSize === undefined ? undefined : encryption ? ciphertextSize(encryption, plainSize) : plainSize;
  const minimum = ctx.settings.get('MinResumableUploadSize');
  // A session for a file under Box's minimum would be refused (file_size_too_small): such files go in one
  // request. An upload already under way (resumeUrl) is always resumed.
  if (job.resumable && (job.state.session || (size !== undefined && size >= minimum))) {
    if (size === undefined) {
      throw new CloudStorageError(
        ErrorCode.StreamError,
        'A resumable upload needs the size of the data: give localFile or bytes, or pass the size of the stream (options.size).',
      );
    }
    return resumableUpload(job, size);
  }
  return simpleUpload(job, size);
}

// ---- simple uploads --------------------------------------------------------------------------------------

function attributesOf(job: UploadJob): Record<string, unknown> {
  const created = job.ctx.settings.get('ClientCreatedTime');
  const modified = job.modified;
  const t = job.target;
  return {
    ...(t.kind === 'new' ? { name: t.name, parent: { id: t.folderId } } : t.name ? { name: t.name } : {}),
    ...(created && t.kind === 'new' ? { content_created_at: created } : {}),
    ...(modified ? { content_modified_at: modified } : {}),
  };
}

/**
 * One multipart request. With HashSimpleUploads the SHA-1 of the bytes sent goes in Content-MD5 (Box's
 * name for it), so the header must be known before the body: a plain re-readable source is hashed in a
 * first pass; encrypted data or a one-shot stream is first spooled to a temporary file while hashing, so
 * that the hash covers exactly the bytes that are then sent.
 */
async function simpleUpload(job: UploadJob, size: number | undefined): Promise<WireItem> {
  const { ctx, signal, source, encryption, target } = job;
  let content: () => Readable = () => openUploadBytes(source, encryption);
  let length = size;
  let sha1: string | undefined;
  let spoolDir: string | undefined;
  try {
    if (ctx.settings.get('HashSimpleUploads')) {
      if (!encryption && source.repeatable) {
        sha1 = await hashOf(source.open(), signal);
      } else {
        spoolDir = await mkdtemp(join(ctx.settings.get('TempPath') || tmpdir(), 'cloudstorage-box-'));
        const spoolPath = join(spoolDir, 'upload');
        const hasher = new HashingStream(['sha1']);
        await pipeline(content(), hasher, createWriteStream(spoolPath), { signal });
        sha1 = hasher.digests.sha1!;
        const spooled = await fileSource(spoolPath);
        content = () => spooled.open();
        length = spooled.size;
      }
    }
    const name = target.kind === 'new' ? target.name : (target.name ?? 'file');
    // With the SHA-1 in Content-MD5, Box keeps an upload only if the bytes it got hash to it, so the hash of
    // the first pass is that of what was sent; without it, each attempt hashes what it sends.
    const attempts = sha1 === undefined ? hashEachAttempt(content, () => hexHasher('sha1')) : undefined;
    const body = multipartUpload(attributesOf(job), name, attempts?.open ?? content, length);
    const path = target.kind === 'new' ? '/files/content' : `/files/${target.fileId}/content`;
    const repeatable = source.repeatable || spoolDir !== undefined;
    // Not safe to repeat blindly: after an unknown outcome, the file Box holds under this name says
    // whether this upload made it (core sendReconciled).
    const item = await sendReconciled(
      ctx.http,
      {
        repeatable,
        send: async () =>
          firstEntry(
            await ctx.api.json<WireFiles>({
              method: 'POST',
              path,
              host: 'upload',
              query: { fields: ITEM_FIELDS },
              headers: { 'Content-Type': body.contentType, ...(sha1 ? { 'Content-MD5': sha1 } : {}) },
              body: repeatable ? body.open : body.open(),
              ...(body.length !== undefined ? { bodyLength: body.length } : {}),
              progress: { direction: 0, ...(body.length !== undefined ? { total: body.length } : {}) },
              signal,
              subject:
                target.kind === 'version'
                  ? formatId('file', target.fileId)
                  : formatId('folder', target.folderId),
            }),
          ),
        reconcile: () => storedUpload(ctx, target, sha1 ?? attempts?.sent(), signal),
      },
      signal,
    );
    checkStoredSha1(item, sha1 ?? attempts?.sent());
    return item;
  } finally {
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}

/**
 * The end-to-end check of a simple upload, as the Dropbox and Google Drive uploads make theirs: the SHA-1
 * Box reports for the file it stored must be the one of the bytes sent (hashed on the way), else the bytes
 * changed between this process and Box's storage, and the upload is error 612.
 */
function checkStoredSha1(item: WireItem, sent: string | undefined): void {
  if (!item.sha1 || !sent || item.sha1.toLowerCase() === sent) return;
  throw new CloudStorageError(
    ErrorCode.StreamError,
    `Box stored ${item.name ?? `file ${item.id}`} with SHA-1 ${item.sha1}, but the data sent hashes to ${sent}: the stored file is not what was sent. Upload it again.`,
  );
}

/**
 * The reconcile step of an upload whose outcome is unknown: the file at the target when it holds exactly
 * the bytes sent (`sha1`, hex, of the last attempt that sent them all), else undefined (send it again).
 * A new file is looked up by name in its folder; a new version is the file's current content.
 */
async function storedUpload(
  ctx: BoxContext,
  target: UploadTarget,
  sha1: string | undefined,
  signal: AbortSignal,
): Promise<WireItem | undefined> {
  if (sha1 === undefined) return undefined;
  let fileId: string | undefined;
  if (target.kind === 'version') {
    fileId = target.fileId;
  } else {
    for (let offset = 0; fileId === undefined; ) {
      const page = await ctx.api.json<{ entries: WireItem[]; total_count?: number }>({
        method: 'GET',
        path: `/folders/${target.folderId}/items`,
        query: { fields: 'type,id,name,sha1', offset, limit: 1000 },
        signal,
      });
      fileId = page.entries.find((e) => e.type === 'file' && e.name === target.name && e.sha1 === sha1)?.id;
      offset += page.entries.length;
      if (page.entries.length === 0 || (page.total_count !== undefined && offset >= page.total_count)) break;
    }
    if (fileId === undefined) return undefined;
  }
  const item = await ctx.api.json<WireItem>({
    method: 'GET',
    path: `/files/${fileId}`,
    query: { fields: ITEM_FIELDS },
    signal,
  });
  return item.sha1 === sha1 ? item : undefined;
}

async function hashOf(stream: Readable, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of stream) {
    signal.throwIfAborted();
    hash.update(chunk as Buffer);
    releaseChunk(chunk as Buffer);
  }
  return hash.digest('hex');
}

function firstEntry(result: WireFiles): WireItem {
  const item = result?.entries?.[0];
  if (!item) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      'Box accepted the upload but described no file in its answer.',
    );
  }
  return item;
}

// ---- resumable uploads (upload sessions) -----------------------------------------------------------------

/** The upload session id at the end of a session URL (`…/files/upload_sessions/<id>`). */
export function sessionIdOf(resumeUrl: string): string {
  const path = trimTrailingSlashes(new URL(resumeUrl).pathname);
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/** The byte up to which every part is on the server: where an interrupted upload continues. */
function contiguousEnd(parts: Map<number, WireUploadPart>): number {
  let end = 0;
  for (;;) {
    const p = parts.get(end);
    if (!p || p.size <= 0) return end;
    end += p.size;
  }
}

function cannotResume(message: string, cause?: unknown): CloudStorageError {
  return new CloudStorageError(ErrorCode.CannotResume, message, cause ? { cause } : {});
}

/** Fetches the session at resumeUrl and the parts already uploaded to it. */
export async function sessionStatus(
  ctx: BoxContext,
  resumeUrl: string,
  signal: AbortSignal,
): Promise<{ session: WireUploadSession; parts: Map<number, WireUploadPart> }> {
  let session: WireUploadSession;
  try {
    session = await ctx.api.json<WireUploadSession>({ method: 'GET', path: resumeUrl, signal });
  } catch (e) {
    if (e instanceof CloudStorageError && e.httpStatus === 404) {
      throw cannotResume(
        `The upload session ${resumeUrl} no longer exists (it expired, was aborted or committed): clear resumeUrl and startByte and upload again.`,
        e,
      );
    }
    throw e;
  }
  const parts = new Map<number, WireUploadPart>();
  const listUrl = session.session_endpoints?.list_parts ?? `${resumeUrl}/parts`;
  for (let offset = 0; ; ) {
    const page = await ctx.api.json<{ entries: WireUploadPart[]; total_count?: number }>({
      method: 'GET',
      path: listUrl,
      query: { offset, limit: 1000 },
      signal,
    });
    for (const p of page.entries) parts.set(p.offset, p);
    offset += page.entries.length;
    if (page.entries.length === 0 || (page.total_count !== undefined && offset >= page.total_count)) break;
  }
  return { session, parts };
}

/** Records what a session says in the settings the reference names (UploadFragmentSize, UploadExpDate). */
export function rememberSession(ctx: BoxContext, session: WireUploadSession): void {
  ctx.settings.set('UploadFragmentSize', session.part_size, true);
  ctx.settings.set('UploadExpDate', session.session_expires_at ?? '', true);
}

/** What creating and committing a session need of an upload (upload-parts.ts has no source to give). */
export type SessionJob = Pick<UploadJob, 'ctx' | 'signal' | 'target' | 'modified'>;

export async function createSession(job: SessionJob, size: number): Promise<WireUploadSession> {
  const t = job.target;
  const send = () =>
    job.ctx.api.json<WireUploadSession>({
      method: 'POST',
      host: 'upload',
      path: t.kind === 'new' ? '/files/upload_sessions' : `/files/${t.fileId}/upload_sessions`,
      json:
        t.kind === 'new'
          ? { folder_id: t.folderId, file_size: size, file_name: t.name }
          : { file_size: size, ...(t.name ? { file_name: t.name } : {}) },
      signal: job.signal,
      subject: t.kind === 'new' ? formatId('folder', t.folderId) : formatId('file', t.fileId),
    });
  // Box lists no sessions: one whose answer was lost cannot be found, so a new one is made (the lost one,
  // empty, expires).
  return sendReconciled(job.ctx.http, { send, reconcile: async () => undefined }, job.signal);
}

interface Part {
  index: number;
  offset: number;
  data: HashedPart;
}

/**
 * A Box upload session: parts of the size Box chose, several in flight at once (UploadConcurrency), each
 * with its SHA-1 `Digest`, then a commit with the whole file's SHA-1.
 *
 * The data is read once, front to back, to hash the parts and the whole file; a part of a file (or of bytes)
 * is then sent from its own range, a part of a stream or of encrypted data from the temporary file it was
 * spooled to (TempPath), so memory holds no part, whatever the part size and UploadConcurrency. Resuming (resumeUrl set) lists the parts already on the server and sends only the missing ones;
 * the parts that are skipped are still read, to compute the whole-file digest, and checked against the
 * server's SHA-1, so a changed file (or another password) is error 609 instead of a corrupt upload.
 * After each part the fragmentComplete event fires; setting its `interrupt` stops the upload (error 606),
 * which can be resumed later with resumeUrl.
 */
async function resumableUpload(job: UploadJob, size: number): Promise<WireItem> {
  const { ctx, signal, source, encryption, state } = job;
  const api = ctx.api;
  let session: WireUploadSession;
  let uploaded: Map<number, WireUploadPart>;
  // A session this call made, and not one handed in to resume, is this call's to abort.
  const createdHere = !state.session;
  if (state.session) {
    ({ session, parts: uploaded } = await sessionStatus(ctx, state.session, signal));
    const expected = Math.max(1, Math.ceil(size / session.part_size));
    if (session.total_parts !== expected) {
      throw cannotResume(
        `Cannot resume: the upload session at resumeUrl is for ${session.total_parts} parts of ${session.part_size} bytes, but this data makes ${expected}. Upload the same file, or clear resumeUrl to start over.`,
      );
    }
  } else {
    session = await createSession(job, size);
    uploaded = new Map();
    state.session =
      session.session_endpoints?.upload_part ?? api.url(`/files/upload_sessions/${session.id}`, 'upload');
  }
  rememberSession(ctx, session);
  const resumeUrl = state.session;
  state.startByte = contiguousEnd(uploaded);

  let randomness: EncryptionRandomness | undefined;
  if (encryption) {
    // The label is part of the ciphertext's derivation: changing it breaks the resume of sessions under way.
    const sessionId = session.id || sessionIdOf(resumeUrl);
    randomness = await sessionRandomness(encryption, `cloudstorage box upload session ${sessionId}`);
  }
  // The whole data's SHA-1 for the commit, from the same read that hashes the parts.
  let wholeSha1 = '';
  const onWholeSha1 = (sha1Hex: string) => {
    wholeSha1 = sha1Hex;
  };
  const partSize = session.part_size;
  const data = source.repeatable && !encryption ? undefined : openUploadBytes(source, encryption, randomness);
  const concurrency = ctx.settings.get('UploadConcurrency');
  // The next parts are hashed (and spooled) while the current ones are sent.
  const hashed = readAhead(
    data
      ? spooledParts(data, partSize, ctx.settings.get('TempPath'), onWholeSha1)
      : rangeParts(source, partSize, onWholeSha1),
    concurrency,
    (part) => part.release(),
  );
  const onServer = new Map(uploaded);
  // Parts come in file order: a part already on the server is checked here, before any later part is
  // handed out, so other data is caught before it is uploaded.
  async function* parts(): AsyncGenerator<Part> {
    let offset = 0;
    let index = 0;
    for await (const part of hashed) {
      const known = onServer.get(offset);
      if (!known) yield { index, offset, data: part };
      else {
        await part.release();
        if (known.sha1 && known.sha1.toLowerCase() !== part.sha1) {
          throw cannotResume(
            `Cannot resume: part ${index + 1} on the server differs from the local data (another file, or another encryption password). Clear resumeUrl to upload from the start.`,
          );
        }
      }
      index++;
      offset += part.length;
    }
    if (offset !== size) {
      throw new CloudStorageError(
        ErrorCode.StreamError,
        `The upload data had ${offset} bytes where ${size} were announced: the source changed while it was read.`,
      );
    }
  }

  const already = [...uploaded.values()].reduce((n, p) => n + p.size, 0);
  const tracker = ctx.http.createProgress({ direction: 0, total: size, offset: already });
  tracker.start();
  const stop = new AbortController();
  const partSignal = AbortSignal.any([signal, stop.signal]);
  try {
    await runParallel(
      parts(),
      concurrency,
      async (part) => {
        const end = part.offset + part.data.length - 1;
        const answer = await api
          .json<{ part: WireUploadPart }>({
            method: 'PUT',
            path: resumeUrl,
            headers: {
              'Content-Type': 'application/octet-stream',
              'Content-Range': `bytes ${part.offset}-${end}/${size}`,
              Digest: `sha=${Buffer.from(part.data.sha1, 'hex').toString('base64')}`,
            },
            body: () => part.data.open(),
            bodyLength: part.data.length,
            progress: { direction: 0, tracker },
            signal: partSignal,
          })
          .finally(() => part.data.release());
        uploaded.set(part.offset, answer.part);
        state.startByte = contiguousEnd(uploaded);
        const event = ctx.client.emit('fragmentComplete', {
          fragmentNumber: part.index + 1,
          fragmentCount: session.total_parts,
          interrupt: false,
        });
        if (event.interrupt) {
          const error = new CloudStorageError(
            ErrorCode.UploadAborted,
            `The upload was stopped after part ${part.index + 1} of ${session.total_parts} (fragmentComplete interrupt). Resume it with the same data and resumeUrl, or call abortUpload().`,
          );
          stop.abort(error);
          throw error;
        }
      },
      partSignal,
    );
  } catch (e) {
    data?.destroy();
    const error = partSignal.aborted && stop.signal.aborted ? stop.signal.reason : e;
    if (createdHere) await abandon(job, resumeUrl, error);
    throw error;
  }
  tracker.finish();

  const digest = Buffer.from(wholeSha1, 'hex');
  const item = await sendReconciled(
    ctx.http,
    {
      send: () => commit(job, session, resumeUrl, [...uploaded.values()], digest.toString('base64')),
      // A commit whose answer was lost: a session still there was not committed (commit again); once it is
      // gone, the file says whether the commit made it.
      reconcile: async () => {
        const open = await api
          .request({ method: 'GET', path: resumeUrl, signal, okStatus: (s) => s === 200 || s === 404 })
          .then(async (r) => {
            await r.bytes();
            return r.status === 200;
          });
        if (open) return undefined;
        const done = await storedUpload(ctx, job.target, digest.toString('hex'), signal);
        if (done) return done;
        throw cannotResume(
          `The upload session ${resumeUrl} is gone after a commit whose answer was lost, and no file with the uploaded content is there: upload the file again.`,
        );
      },
    },
    signal,
  ).catch(async (e) => {
    if (createdHere) await abandon(job, resumeUrl, e);
    throw e;
  });
  state.session = '';
  state.startByte = 0;
  return item;
}

/**
 * After a session upload failed: a session no one will resume (core keepsSessionForResume says no) is
 * deleted on Box, best effort, and forgotten; one kept for a resume stays in resumeUrl.
 */
async function abandon(job: UploadJob, resumeUrl: string, e: unknown): Promise<void> {
  if (keepsSessionForResume(e, job.signal)) return;
  await job.ctx.api
    .request({ method: 'DELETE', path: resumeUrl, signal: AbortSignal.timeout(30_000) })
    .then((r) => r.bytes())
    .catch(() => undefined);
  job.state.session = '';
  job.state.startByte = 0;
}

/**
 * Commits the session. Box may answer 202 + Retry-After while it still assembles the parts, or 400
 * `parts_mismatch` right after the last part; both are waited out and the same commit is sent again.
 */
export async function commit(
  job: SessionJob,
  session: WireUploadSession,
  resumeUrl: string,
  parts: WireUploadPart[],
  digest: string,
): Promise<WireItem> {
  const { ctx, signal } = job;
  const api = ctx.api;
  const url = session.session_endpoints?.commit ?? `${resumeUrl}/commit`;
  const created = ctx.settings.get('ClientCreatedTime');
  const modified = job.modified;
  const attributes = {
    ...(created && job.target.kind === 'new' ? { content_created_at: created } : {}),
    ...(modified ? { content_modified_at: modified } : {}),
  };
  const body = {
    parts: [...parts].sort((a, b) => a.offset - b.offset).map((p) => ({ ...p })),
    attributes,
  };
  const maxWait = ctx.settings.get('MaxRetryAfter');
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await api.request({
        method: 'POST',
        path: url,
        query: { fields: ITEM_FIELDS },
        headers: { Digest: `sha=${digest}` },
        json: body,
        okStatus: (s) => s === 201 || s === 200 || s === 202,
        signal,
      });
      if (response.status !== 202) return firstEntry(await api.parse<WireFiles>(response));
      if (attempt >= 120) {
        throw new CloudStorageError(
          ErrorCode.ServerError,
          'Box kept answering 202 (processing) to the commit of the upload session; try pollUploadStatus and commit later.',
        );
      }
      const wait = Math.min(Number(response.headers['retry-after'] ?? 1) || 1, maxWait);
      await sleep(wait * 1000, signal);
    } catch (e) {
      if (e instanceof CloudStorageError && e.providerCode === 'parts_mismatch' && attempt < 5) {
        await sleep(1000, signal);
        continue;
      }
      throw e;
    }
  }
}

/** `pollUploadStatus`: what the session at resumeUrl holds; `startByte` is where the upload continues. */
export async function pollUploadStatus(ctx: BoxContext, signal: AbortSignal): Promise<void> {
  const state = ctx.client;
  if (!state.resumeUrl) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'resumeUrl is empty: there is no upload session to poll.',
    );
  }
  const { session, parts } = await sessionStatus(ctx, state.resumeUrl, signal);
  rememberSession(ctx, session);
  state.startByte = contiguousEnd(parts);
}

/** `abortUpload`: discards the session at resumeUrl and its parts. */
export async function abortUpload(ctx: BoxContext, signal: AbortSignal): Promise<void> {
  const state = ctx.client;
  if (!state.resumeUrl) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'resumeUrl is empty: there is no upload session to abort.',
    );
  }
  await ctx.api.request({ method: 'DELETE', path: state.resumeUrl, signal });
  state.resumeUrl = '';
  state.startByte = 0;
}
