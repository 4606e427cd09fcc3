import { createHash, randomBytes } from 'node:crypto';
import type { EncryptionRandomness } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import { keepsSessionForResume, sendReconciled } from '../../core/reconcile.js';
import { releaseChunk } from '../../core/recycled-chunks.js';
import {
  type HashedPart,
  openUploadBytes,
  readAhead,
  runParallel,
  sessionRandomness,
  spooledParts,
  type UploadSessionState,
  type UploadSource,
} from '../../core/transfer/index.js';
import type { B2Context } from './context.js';
import { B2ErrorCode } from './errors.js';
import { allParts } from './multipart.js';
import {
  checkSha1,
  largeFileKey,
  type Plan,
  postToUploadUrl,
  SHA1_HEX_LENGTH,
  sha1Hex,
  type Target,
  type UploadRequest,
  withTrailingSha1,
} from './upload-requests.js';
import type { FileVersion, Part } from './wire.js';

/**
 * The large-file path of uploadFile: b2_start_large_file (or the large file of ResumableUploadState), the
 * parts sent UploadConcurrency at a time, each skipped when B2 already has it with the same SHA-1, then
 * b2_finish_large_file with the SHA-1 list. See uploads.ts.
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

/** The randomness of an encrypted large upload, fixed by its nonce (a resume reproduces the ciphertext). */
export function randomnessOf(plan: Plan, nonce: string): Promise<EncryptionRandomness | undefined> {
  if (!plan.encryption) return Promise.resolve(undefined);
  return sessionRandomness(plan.encryption, `cloudstorage b2 large file ${nonce}`);
}

/** Whether a failed large upload is kept for a resume (core keepsSessionForResume, or B2's own busy codes). */
function keepForResume(e: unknown, signal: AbortSignal): boolean {
  if (keepsSessionForResume(e, signal)) return true;
  const keep: number[] = [B2ErrorCode.TemporaryError, B2ErrorCode.AuthTokenExpired];
  return e instanceof CloudStorageError && keep.includes(Number(e.code));
}

/**
 * The reconcile step of a b2_start_large_file whose outcome is unknown: the one unfinished large file of
 * the target started during this call with the same content type and file info, else undefined (start
 * another; B2 cannot say which of several is ours).
 */
async function startedLargeFile(
  ctx: B2Context,
  target: Target,
  since: number,
  signal: AbortSignal,
): Promise<FileVersion | undefined> {
  const page = await ctx.api.call<{ files: FileVersion[] }>(
    'b2_list_unfinished_large_files',
    { bucketId: target.bucketId, namePrefix: target.fileName, maxFileCount: 100 },
    { signal },
  );
  const ours = page.files.filter(
    (f) =>
      f.fileName === target.fileName &&
      (f.uploadTimestamp ?? 0) >= since - 5 * 60 * 1000 &&
      sameInfo(f.fileInfo ?? {}, target.info),
  );
  return ours.length === 1 ? ours[0] : undefined;
}

function sameInfo(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The reconcile step of a b2_finish_large_file whose outcome is unknown: the file, once B2 finished it. */
async function finishedLargeFile(
  ctx: B2Context,
  fileId: string,
  signal: AbortSignal,
): Promise<FileVersion | undefined> {
  try {
    const file = await ctx.api.call<FileVersion>('b2_get_file_info', { fileId }, { signal });
    return file.action === 'upload' ? file : undefined;
  } catch (e) {
    // 400: still an unfinished large file (finish it again).
    if (e instanceof CloudStorageError && e.httpStatus === 400) return undefined;
    throw e;
  }
}

/** The SHA-1 of bytes [start, end) of a source. */
async function sha1OfRange(source: UploadSource, start: number, end: number): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of source.open(start, end)) {
    hash.update(chunk as Buffer);
    releaseChunk(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * A large file: started (or resumed from the state), its parts sent UploadConcurrency at a time, each
 * skipped when B2 already has it with the same SHA-1, then finished with the SHA-1 list.
 */
export async function largeUpload(
  ctx: B2Context,
  plan: Plan,
  state: UploadSessionState,
  signal: AbortSignal,
  streamed?: { parts: AsyncIterable<HashedPart>; nonce: string },
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
    const since = Date.now();
    // A start whose answer was lost: the unfinished large file it made, when it can be told apart, is
    // continued (core reconcile-before-repeat); else a new one is started.
    const started = await sendReconciled(
      ctx.http,
      {
        send: () =>
          ctx.api.call<FileVersion>(
            'b2_start_large_file',
            {
              bucketId: target.bucketId,
              fileName: target.fileName,
              contentType: target.contentType,
              fileInfo: target.info,
            },
            { signal },
          ),
        reconcile: () => startedLargeFile(ctx, target, since, signal),
      },
      signal,
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
      // A stream, or encrypted data: read front to back into parts spooled to temporary files (TempPath),
      // UploadConcurrency in flight: memory stays flat whatever FragmentSize, and a part can be sent again.
      const spooled =
        streamed?.parts ??
        spooledParts(
          openUploadBytes(plan.source, plan.encryption, await randomnessOf(plan, large.nonce)),
          partSize,
          ctx.settings.get('TempPath'),
        );
      // The next parts are spooled while the current ones are sent.
      const parts = readAhead(spooled, concurrency, (part) => part.release());
      await runParallel(
        parts,
        concurrency,
        async (part, i) => {
          const n = i + 1;
          try {
            const have = existing.get(n);
            if (have && have.contentLength === part.length && have.contentSha1 === part.sha1) {
              return complete(n, part.length, part.sha1);
            }
            await sendPart(
              n,
              { headers: { 'X-Bz-Content-Sha1': part.sha1 }, body: () => part.open(), length: part.length },
              () => part.sha1,
            );
            complete(n, part.length, part.sha1);
          } finally {
            await part.release();
          }
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
    // A finish whose answer was lost: B2 says whether the file is now finished.
    const finished = await sendReconciled(
      ctx.http,
      {
        send: () =>
          ctx.api.call<FileVersion>('b2_finish_large_file', { fileId, partSha1Array: sha1s }, { signal }),
        reconcile: () => finishedLargeFile(ctx, fileId, signal),
      },
      signal,
    );
    tracker.finish();
    ctx.uploadUrls.clear(largeFileKey(fileId));
    state.session = '';
    state.startByte = 0;
    return finished.fileId ?? fileId;
  } catch (e) {
    if (!keepForResume(e, signal)) {
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
