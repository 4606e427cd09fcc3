import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ciphertextSize, isEncryptionEnabled } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import {
  type HashedPart,
  openUploadBytes,
  spooledParts,
  type UploadSessionState,
  uploadInput,
  uploadSource,
} from '../../core/transfer/index.js';
import type { B2Context } from './context.js';
import { largeUpload, randomnessOf } from './large-upload.js';
import type { B2UploadOptions } from './types.js';
import {
  bucketKey,
  checkSha1,
  type Plan,
  postToUploadUrl,
  SHA1_HEX_LENGTH,
  sha1Hex,
  storedVersion,
  targetHeaders,
  type UploadRequest,
  uploadTarget,
  withTrailingSha1,
} from './upload-requests.js';
import type { FileVersion } from './wire.js';

/**
 * uploadFile: one request (b2_upload_file) up to SimpleUploadLimit, else a large file (b2_start_large_file,
 * b2_upload_part for each FragmentSize part, several at a time, b2_finish_large_file with the parts'
 * SHA-1s). Every body carries its SHA-1: in the header when the part was spooled (hashed on the way), else
 * as the 40 hex digits at its end (one read of the data).
 *
 * A large upload can be resumed, also by another process, from ResumableUploadState + startByte: the parts
 * B2 already has (b2_list_parts) are compared by SHA-1 with the local data and sent again only when they
 * differ. Memory: parts of a file or of bytes are read from their range as they are sent; parts of a stream
 * or of encrypted data are spooled to temporary files in TempPath (UploadConcurrency of them at a time, on
 * disk), so memory stays flat whatever FragmentSize. A large upload that fails
 * for good (B2 refused it, the data is wrong) is cancelled; one that was interrupted, timed out, lost its
 * connection or met a busy B2 is kept for a resume.
 */

export async function uploadFile(
  ctx: B2Context,
  bucketId: string,
  fileName: string,
  options: B2UploadOptions,
  signal: AbortSignal,
): Promise<string> {
  const client = ctx.client;
  const target = uploadTarget(
    ctx,
    bucketId,
    fileName,
    options.contentType,
    options.clientModifiedTime,
    options.fileInfo,
  );
  const { localFile, data } = uploadInput(options, client);
  const source = await uploadSource(localFile || undefined, data, options.size);
  const settings = ctx.encryption();
  const encryption = isEncryptionEnabled(settings) ? settings : undefined;
  const size =
    source.size === undefined
      ? undefined
      : encryption
        ? ciphertextSize(encryption, source.size)
        : source.size;
  const plan: Plan = { target, source, encryption, size };

  // The instance's ResumableUploadState/startByte follow the upload, unless per-call options named them.
  const perCall = options.resumableUploadState !== undefined || options.startByte !== undefined;
  const state = ctx.largeUploads.open(
    options.resumableUploadState ?? ctx.settings.get('ResumableUploadState'),
    options.startByte ?? client.startByte,
    !perCall,
    options.onSessionState,
  );
  try {
    if (state.session) return await largeUpload(ctx, plan, state, signal);
    if (state.startByte > 0) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `startByte is ${state.startByte} but ResumableUploadState is empty: set the state the interrupted upload left, or set startByte to 0 to start over.`,
      );
    }
    const limit = ctx.settings.get('SimpleUploadLimit');
    if (size === undefined) return await uploadStreamOfUnknownSize(ctx, plan, state, limit, signal);
    if (limit === -1 || (limit > 0 && size <= limit)) return await simpleUpload(ctx, plan, undefined, signal);
    return await largeUpload(ctx, plan, state, signal);
  } finally {
    state.close();
  }
}

/** b2_upload_file: from `part` (read from a stream already) or from the source. */
async function simpleUpload(
  ctx: B2Context,
  plan: Plan,
  part: HashedPart | undefined,
  signal: AbortSignal,
): Promise<string> {
  const { target, source, encryption } = plan;
  if (plan.size !== undefined && plan.size > 5 * 1024 * 1024 * 1024) {
    throw invalidArgument(
      `A single B2 upload takes at most 5 GiB; this one is ${plan.size} bytes. Set SimpleUploadLimit to 5368709120 or less (not -1) to upload it in parts.`,
    );
  }
  const headers = targetHeaders(target);
  let request: UploadRequest;
  let sent: () => string;
  if (part) {
    headers['X-Bz-Content-Sha1'] = part.sha1;
    request = { headers, body: () => part.open(), length: part.length };
    sent = () => part.sha1;
  } else {
    const body = withTrailingSha1(() => openUploadBytes(source, encryption));
    headers['X-Bz-Content-Sha1'] = 'hex_digits_at_end';
    request = {
      headers,
      body: source.repeatable ? body.body : body.body(),
      length: (plan.size ?? 0) + SHA1_HEX_LENGTH,
      progress: { total: (plan.size ?? 0) + SHA1_HEX_LENGTH },
    };
    sent = body.sha1;
  }
  const since = Date.now();
  request.reconcile = () => storedVersion(ctx, target, sent(), since, signal);
  const file = await postToUploadUrl<FileVersion>(
    ctx,
    bucketKey(target.bucketId),
    () => ctx.api.uploadUrl(target.bucketId, signal),
    request,
    signal,
  );
  checkSha1(ctx, target.fileName, file.contentSha1, sent());
  return file.fileId ?? '';
}

/**
 * A stream whose size is not known: its first two parts are read first. One part within SimpleUploadLimit
 * is a simple upload; anything more is a large file that goes on from those parts.
 */
async function uploadStreamOfUnknownSize(
  ctx: B2Context,
  plan: Plan,
  state: UploadSessionState,
  limit: number,
  signal: AbortSignal,
): Promise<string> {
  const partSize = ctx.settings.get('FragmentSize');
  const nonce = randomBytes(16).toString('hex');
  const parts = spooledParts(
    openUploadBytes(plan.source, plan.encryption, await randomnessOf(plan, nonce)),
    partSize,
    ctx.settings.get('TempPath'),
  );
  const first = await parts.next();
  const second = first.done ? first : await parts.next();
  try {
    if (second.done && (limit === -1 || (limit > 0 && (first.done ? 0 : first.value.length) <= limit))) {
      return await simpleUpload(ctx, plan, first.done ? EMPTY_PART : first.value, signal);
    }
    async function* all(): AsyncGenerator<HashedPart> {
      if (!first.done) yield first.value;
      if (!second.done) yield second.value;
      yield* parts;
    }
    return await largeUpload(ctx, plan, state, signal, { parts: all(), nonce });
  } finally {
    // What the large upload did not take (it failed before its parts went out) is removed here.
    await Promise.all([first, second].map((r) => (r.done ? undefined : r.value.release())));
    await parts.return(undefined);
  }
}

/** The part of an empty stream. */
const EMPTY_PART: HashedPart = {
  length: 0,
  sha1: sha1Hex(Buffer.alloc(0)),
  open: () => Readable.from([]),
  release: async () => {},
};
