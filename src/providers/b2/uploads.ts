import { createHash, randomBytes } from 'node:crypto';
import {
  ciphertextSize,
  type EncryptionRandomness,
  type EncryptionSettings,
  isEncryptionEnabled,
} from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import {
  fixedSizeParts,
  openUploadBytes,
  runParallel,
  sessionRandomness,
  type UploadSessionState,
  type UploadSource,
  uploadInput,
  uploadSource,
} from '../../core/transfer/index.js';
import type { B2Context } from './context.js';
import { B2ErrorCode } from './errors.js';
import { allParts } from './multipart.js';
import { checkFileName, encodeFileName, encodeInfoValue, infoObject } from './names.js';
import type { B2UploadOptions } from './types.js';
import {
  bucketKey,
  largeFileKey,
  postToUploadUrl,
  SHA1_HEX_LENGTH,
  type UploadRequest,
  withTrailingSha1,
} from './upload-requests.js';
import type { FileVersion, Part } from './wire.js';

/**
 * uploadFile: one request (b2_upload_file) up to SimpleUploadLimit, else a large file (b2_start_large_file,
 * b2_upload_part for each FragmentSize part, several at a time, b2_finish_large_file with the parts'
 * SHA-1s). Every body carries its SHA-1: in the header when the bytes are in memory, else as the 40 hex
 * digits at its end (one read of the data).
 *
 * A large upload can be resumed, also by another process, from ResumableUploadState + startByte: the parts
 * B2 already has (b2_list_parts) are compared by SHA-1 with the local data and sent again only when they
 * differ. Memory: parts of a file or of bytes are read from their range as they are sent; parts of a stream
 * or of encrypted data are held in memory, UploadConcurrency of them at a time. A large upload that fails
 * for good (B2 refused it, the data is wrong) is cancelled; one that was interrupted, timed out, lost its
 * connection or met a busy B2 is kept for a resume.
 */

/** B2's most parts in one large file. */
const MAX_PARTS = 10_000;

/** What ResumableUploadState holds (base64url JSON): the large file and how it is cut. */
interface LargeState {
  v: 1;
  fileId: string;
  bucketId: string;
  fileName: string;
  /** Bytes B2 stores (ciphertext when encrypting); -1 when unknown. */
  size: number;
  partSize: number;
  /** Names the encryption randomness, so a resume reproduces the same ciphertext. */
  nonce: string;
}

function encodeState(s: LargeState): string {
  return Buffer.from(JSON.stringify(s), 'utf8').toString('base64url');
}

function decodeState(text: string): LargeState {
  let s: Partial<LargeState> | undefined;
  try {
    s = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<LargeState>;
  } catch {
    s = undefined;
  }
  if (
    s?.v !== 1 ||
    typeof s.fileId !== 'string' ||
    typeof s.bucketId !== 'string' ||
    typeof s.fileName !== 'string' ||
    typeof s.size !== 'number' ||
    typeof s.partSize !== 'number' ||
    s.partSize <= 0 ||
    typeof s.nonce !== 'string'
  ) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      'ResumableUploadState is not the state of a BackblazeB2 multipart upload: clear it (and startByte) to upload from the start.',
    );
  }
  return s as LargeState;
}

interface Target {
  bucketId: string;
  fileName: string;
  contentType: string;
  info: Record<string, string>;
}

interface Plan {
  target: Target;
  source: UploadSource;
  encryption: EncryptionSettings | undefined;
  /** Bytes B2 will store; undefined for a stream of unknown size. */
  size: number | undefined;
}

/** The upload headers of a target (file name, content type, file info). */
function targetHeaders(target: Target): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Bz-File-Name': encodeFileName(target.fileName),
    'Content-Type': target.contentType,
  };
  for (const [name, value] of Object.entries(target.info))
    headers[`X-Bz-Info-${name}`] = encodeInfoValue(value);
  return headers;
}

/** Where uploadFile and startMultipartUpload send their file: name, contentType and the info of the metadata collection. */
export function uploadTarget(
  ctx: B2Context,
  bucketId: string,
  fileName: string,
  contentType: string | undefined,
): Target {
  checkFileName(fileName);
  return {
    bucketId,
    fileName,
    contentType: (contentType ?? ctx.client.contentType) || 'b2/x-auto',
    info: infoObject(ctx.client.metadata, ctx.settings.get('ClientModifiedTime')),
  };
}

function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

export async function uploadFile(
  ctx: B2Context,
  bucketId: string,
  fileName: string,
  options: B2UploadOptions,
  signal: AbortSignal,
): Promise<string> {
  const client = ctx.client;
  const target = uploadTarget(ctx, bucketId, fileName, options.contentType);
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

/** Error 612 (also fired as `error`) when B2 stored other bytes than the ones sent. */
function checkSha1(ctx: B2Context, what: string, stored: string | null | undefined, sent: string): void {
  if (!stored || stored === 'none' || !sent) return;
  const hex = stored.startsWith('unverified:') ? stored.slice('unverified:'.length) : stored;
  if (hex === sent) return;
  const error = new CloudStorageError(
    ErrorCode.StreamError,
    `B2 stored ${what} with SHA-1 ${hex}, but the data sent hashes to ${sent}: upload it again.`,
  );
  ctx.client.emit('error', { errorCode: error.code, description: error.message });
  throw error;
}

/** b2_upload_file: from `bytes` (a part read already) or from the source. */
async function simpleUpload(
  ctx: B2Context,
  plan: Plan,
  bytes: Buffer | undefined,
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
  if (bytes) {
    const digest = sha1Hex(bytes);
    headers['X-Bz-Content-Sha1'] = digest;
    request = { headers, body: bytes, length: bytes.length };
    sent = () => digest;
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

/** The randomness of an encrypted large upload, fixed by its nonce (a resume reproduces the ciphertext). */
function randomnessOf(plan: Plan, nonce: string): Promise<EncryptionRandomness | undefined> {
  if (!plan.encryption) return Promise.resolve(undefined);
  return sessionRandomness(plan.encryption, `cloudstorage b2 large file ${nonce}`);
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
  const parts = fixedSizeParts(
    openUploadBytes(plan.source, plan.encryption, await randomnessOf(plan, nonce)),
    partSize,
  );
  const first = await parts.next();
  const second = first.done ? first : await parts.next();
  const firstBytes = first.done ? Buffer.alloc(0) : first.value;
  if (second.done && (limit === -1 || (limit > 0 && firstBytes.length <= limit))) {
    return simpleUpload(ctx, plan, firstBytes, signal);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (!first.done) yield first.value;
    if (!second.done) yield second.value;
    yield* parts;
  }
  return largeUpload(ctx, plan, state, signal, { parts: all(), nonce });
}

/** Whether a failed large upload is kept for a resume (interrupted, timed out, connection lost, B2 busy). */
function keepForResume(e: unknown): boolean {
  if (!(e instanceof CloudStorageError)) return false;
  const keep: number[] = [
    ErrorCode.Interrupted,
    ErrorCode.UploadAborted,
    ErrorCode.Timeout,
    ErrorCode.ConnectionFailed,
    B2ErrorCode.TemporaryError,
    B2ErrorCode.AuthTokenExpired,
  ];
  return keep.includes(Number(e.code));
}

/** The SHA-1 of bytes [start, end) of a source. */
async function sha1OfRange(source: UploadSource, start: number, end: number): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of source.open(start, end)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A large file: started (or resumed from the state), its parts sent UploadConcurrency at a time, each
 * skipped when B2 already has it with the same SHA-1, then finished with the SHA-1 list.
 */
async function largeUpload(
  ctx: B2Context,
  plan: Plan,
  state: UploadSessionState,
  signal: AbortSignal,
  streamed?: { parts: AsyncIterable<Buffer>; nonce: string },
): Promise<string> {
  const client = ctx.client;
  const { target, size } = plan;
  let large: LargeState;
  let existing = new Map<number, Part>();
  if (state.session) {
    large = decodeState(state.session);
    if (large.bucketId !== target.bucketId || large.fileName !== target.fileName) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `ResumableUploadState is the upload of "${large.fileName}" to bucket ${large.bucketId}, not of "${target.fileName}" to ${target.bucketId}: call uploadFile with those, or clear ResumableUploadState and startByte.`,
      );
    }
    if (size !== undefined && large.size >= 0 && large.size !== size) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `The interrupted upload was of ${large.size} bytes, this data has ${size}: resume with the same data, or clear ResumableUploadState and startByte.`,
      );
    }
    try {
      for (const part of await allParts(ctx, large.fileId, signal)) existing.set(part.partNumber, part);
    } catch (e) {
      if (e instanceof CloudStorageError && e.httpStatus === 400) {
        throw new CloudStorageError(
          ErrorCode.CannotResume,
          `The multipart upload ${large.fileId} of ResumableUploadState no longer exists on B2 (finished or cancelled): clear ResumableUploadState and startByte and upload again.`,
          { cause: e, httpStatus: e.httpStatus },
        );
      }
      throw e;
    }
  } else {
    const partSize = ctx.settings.get('FragmentSize');
    if (size !== undefined && Math.ceil(size / partSize) > MAX_PARTS) {
      throw invalidArgument(
        `${size} bytes in parts of ${partSize} would be more than B2's ${MAX_PARTS} parts: raise FragmentSize to at least ${Math.ceil(size / MAX_PARTS)}.`,
      );
    }
    const started = await ctx.api.call<FileVersion>(
      'b2_start_large_file',
      {
        bucketId: target.bucketId,
        fileName: target.fileName,
        contentType: target.contentType,
        fileInfo: target.info,
      },
      { signal },
    );
    large = {
      v: 1,
      fileId: started.fileId ?? '',
      bucketId: target.bucketId,
      fileName: target.fileName,
      size: size ?? -1,
      partSize,
      nonce: streamed?.nonce ?? randomBytes(16).toString('hex'),
    };
    existing = new Map();
    state.session = encodeState(large);
    state.startByte = 0;
  }
  if (streamed && streamed.nonce !== large.nonce) {
    throw new CloudStorageError(ErrorCode.CannotResume, 'The resumed upload does not match its state.');
  }

  const { fileId, partSize } = large;
  const fragmentCount = size === undefined ? -1 : Math.max(1, Math.ceil(size / partSize));
  const concurrency = ctx.settings.get('UploadConcurrency');
  const sha1s: string[] = [];
  const lengths = new Map<number, number>();
  let contiguous = 0;
  let contiguousBytes = 0;
  const tracker = ctx.http.createProgress({
    direction: 0,
    offset: state.startByte,
    ...(size !== undefined ? { total: size } : {}),
  });

  /** Records a part B2 has; moves startByte over the parts done from the start; fires fragmentComplete. */
  const complete = (n: number, length: number, sha1: string) => {
    sha1s[n - 1] = sha1;
    lengths.set(n, length);
    while (lengths.has(contiguous + 1)) {
      contiguous++;
      contiguousBytes += lengths.get(contiguous)!;
    }
    state.startByte = contiguousBytes;
    const event = client.emit('fragmentComplete', { fragmentNumber: n, fragmentCount, interrupt: false });
    if (event.interrupt) {
      throw new CloudStorageError(
        ErrorCode.UploadAborted,
        `The upload was stopped after part ${n} (fragmentComplete interrupt). Call uploadFile again with the same bucket, name and data while ResumableUploadState and startByte (${contiguousBytes}) are kept, to resume it.`,
      );
    }
  };

  const sendPart = async (n: number, request: UploadRequest, sent: () => string): Promise<string> => {
    if (n > MAX_PARTS) {
      throw invalidArgument(`The data needs more than B2's ${MAX_PARTS} parts: raise FragmentSize.`);
    }
    const part = await postToUploadUrl<Part>(
      ctx,
      largeFileKey(fileId),
      () => ctx.api.uploadPartUrl(fileId, signal),
      {
        ...request,
        headers: { ...request.headers, 'X-Bz-Part-Number': String(n) },
        progress: { tracker },
      },
      signal,
    );
    checkSha1(ctx, `part ${n} of ${target.fileName}`, part.contentSha1, sent());
    return sent() || part.contentSha1;
  };

  tracker.start();
  try {
    if (!streamed && plan.source.repeatable && !plan.encryption && size !== undefined) {
      // A file or bytes: each part read from its own range, so parts go out in parallel without buffers.
      const source = plan.source;
      const numbers = Array.from({ length: fragmentCount }, (_, i) => i + 1);
      await runParallel(
        numbers,
        concurrency,
        async (n) => {
          const start = (n - 1) * partSize;
          const end = Math.min(start + partSize, size);
          const have = existing.get(n);
          if (have && have.contentLength === end - start) {
            const local = await sha1OfRange(source, start, end);
            if (local === have.contentSha1) return complete(n, end - start, local);
          }
          const body = withTrailingSha1(() => source.open(start, end));
          const sha1 = await sendPart(
            n,
            {
              headers: { 'X-Bz-Content-Sha1': 'hex_digits_at_end' },
              body: body.body,
              length: end - start + SHA1_HEX_LENGTH,
            },
            body.sha1,
          );
          complete(n, end - start, sha1);
        },
        signal,
      );
    } else {
      // A stream, or encrypted data: read front to back into part buffers, UploadConcurrency in flight.
      const parts =
        streamed?.parts ??
        fixedSizeParts(
          openUploadBytes(plan.source, plan.encryption, await randomnessOf(plan, large.nonce)),
          partSize,
        );
      await runParallel(
        parts,
        concurrency,
        async (bytes, i) => {
          const n = i + 1;
          const digest = sha1Hex(bytes);
          const have = existing.get(n);
          if (have && have.contentLength === bytes.length && have.contentSha1 === digest) {
            return complete(n, bytes.length, digest);
          }
          await sendPart(
            n,
            { headers: { 'X-Bz-Content-Sha1': digest }, body: bytes, length: bytes.length },
            () => digest,
          );
          complete(n, bytes.length, digest);
        },
        signal,
      );
    }
    const total = [...lengths.values()].reduce((a, b) => a + b, 0);
    if (size !== undefined && total !== size) {
      throw new CloudStorageError(
        ErrorCode.StreamError,
        `The data to upload ended after ${total} bytes, but ${size} were expected.`,
      );
    }
    if (sha1s.length === 0) {
      // An empty stream: B2 needs at least one part.
      await sendPart(
        1,
        { headers: { 'X-Bz-Content-Sha1': sha1Hex(Buffer.alloc(0)) }, body: Buffer.alloc(0), length: 0 },
        () => sha1Hex(Buffer.alloc(0)),
      );
      sha1s.push(sha1Hex(Buffer.alloc(0)));
    }
    const finished = await ctx.api.call<FileVersion>(
      'b2_finish_large_file',
      { fileId, partSha1Array: sha1s },
      { signal },
    );
    tracker.finish();
    ctx.uploadUrls.clear(largeFileKey(fileId));
    state.session = '';
    state.startByte = 0;
    return finished.fileId ?? fileId;
  } catch (e) {
    if (!keepForResume(e)) {
      await ctx.api
        .call('b2_cancel_large_file', { fileId }, { signal: AbortSignal.timeout(30_000) })
        .catch(() => undefined);
      ctx.uploadUrls.clear(largeFileKey(fileId));
      state.session = '';
      state.startByte = 0;
    }
    throw e;
  }
}
