import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { sendReconciled } from '../../core/reconcile.js';
import { framedStream } from '../../core/stream-buffer.js';
import { hashEachAttempt, hexHasher } from '../../core/transfer/hash-tap.js';
import { openUploadBytes, uploadInput } from '../../core/transfer/index.js';
import { seg } from './api.js';
import type { GoogleDriveContext } from './context.js';
import { quoteQ } from './listing.js';
import { creationMetadata, resourceToUpdate, updateMetadata } from './operations.js';
import { resumableUpload } from './resumable.js';
import type { GoogleDriveResource, UploadMetadata, UploadOptions } from './types.js';
import { checkMd5, type Plan, plan, RESULT_FIELDS } from './upload-plan.js';
import type { File } from './wire.js';

/**
 * uploadFile and the content of updateResource, in Drive's three upload types:
 * - `media`: the bytes alone (an uploadFile with no name, or new content with no metadata);
 * - `multipart`: `multipart/related` with the JSON metadata first and the media second, streamed from the
 *   source (never buffered);
 * - `resumable` (useResumableUpload): a session, in resumable.ts.
 *
 * Every byte sent goes through MD5 as it streams (after encryption: the hash is of what Drive stores) and
 * is checked against the `md5Checksum` Drive reports, else error 612. Conversions to Google formats have
 * no checksum to compare.
 */

export async function uploadFile(
  ctx: GoogleDriveContext,
  fileName: string,
  mimeType: string,
  options: UploadOptions,
  signal: AbortSignal,
): Promise<string> {
  const client = ctx.client;
  const base = options.metadata
    ? metadataOfCall(options.metadata, true)
    : client.resources.length > 0
      ? creationMetadata(client.resources[0])
      : {};
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
  const item = options.metadata
    ? { name: options.metadata.name ?? '', mimeType: options.metadata.mimeType ?? '' }
    : resourceToUpdate(ctx, resourceId);
  const metadata = options.metadata
    ? metadataOfCall(options.metadata, false)
    : updateMetadata(item as GoogleDriveResource, true);
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

/** The per-call metadata as Drive's File fields (parents only for a new file). */
export function metadataOfCall(m: UploadMetadata, creating: boolean): File {
  const body: File = {};
  if (m.name) body.name = m.name;
  if (m.mimeType) body.mimeType = m.mimeType;
  if (m.description) body.description = m.description;
  if (m.modifiedTime) body.modifiedTime = m.modifiedTime;
  const parents = (m.parentIds ?? '').split(',').filter((id) => id !== '');
  if (creating && parents.length) body.parents = parents;
  return body;
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
    options.onSessionState,
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

/** uploadType=media or multipart: one request whose body streams from the source. */
async function oneRequestUpload(ctx: GoogleDriveContext, p: Plan, signal: AbortSignal): Promise<File> {
  const multipart = Object.keys(p.metadata).length > 0;
  // The media bytes from the start, through encryption, through a new MD5 for each attempt.
  const media = hashEachAttempt(
    () => openUploadBytes(p.source, p.encryption),
    () => hexHasher('md5'),
  );
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
    body = () => framedStream(head, media.open(), tail);
  } else {
    length = p.size;
    contentType = p.mediaType;
    body = media.open;
  }
  const sendOnce = async () =>
    ctx.api.parse<File>(
      await ctx.api.send({
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
      }),
    );
  // A new file (POST) is not safe to repeat blindly: Drive takes many files of one name, so a repeat after
  // a lost answer would make a second one. New content (PATCH) is safe, and the HTTP client repeats it.
  const file =
    p.method === 'POST'
      ? await sendReconciled(
          ctx.http,
          {
            repeatable: p.source.repeatable,
            send: sendOnce,
            reconcile: () => storedFile(ctx, p, media.sent(), signal),
          },
          signal,
        )
      : await sendOnce();
  checkMd5(ctx, p, file, media.sent() ?? '');
  return file;
}

/**
 * The reconcile step of a new file whose upload has an unknown outcome: the file of that name in its
 * folder whose MD5 is the one of the bytes sent, else undefined (send it again). Without a name or a
 * checksum to compare (a conversion to a Google format), nothing can be told apart: send it again.
 */
async function storedFile(
  ctx: GoogleDriveContext,
  p: Plan,
  md5: string | undefined,
  signal: AbortSignal,
): Promise<File | undefined> {
  const name = p.metadata.name;
  if (md5 === undefined || !name || !p.checkable) return undefined;
  const parent = p.metadata.parents?.[0] ?? 'root';
  const found = await ctx.api.json<{ files?: File[] }>({
    method: 'GET',
    path: '/files',
    query: {
      q: `name = ${quoteQ(name)} and ${quoteQ(parent)} in parents and trashed = false`,
      fields: `files(${RESULT_FIELDS})`,
      supportsAllDrives: 'true',
      includeItemsFromAllDrives: 'true',
      pageSize: '100',
    },
    signal,
  });
  return found.files?.find((f) => f.md5Checksum === md5);
}
