import { createHash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import type { EncryptionSettings } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { HttpBody, ProgressReporter } from '../../core/http/index.js';
import { backoffDelay } from '../../core/http/index.js';
import { sleep } from '../../core/http/retry.js';
import { isOutcomeUnknown } from '../../core/reconcile.js';
import type { UploadSource } from '../../core/transfer/index.js';
import type { B2Context } from './context.js';
import { needsNewUploadUrl } from './errors.js';
import { checkFileName, encodeFileName, encodeInfoValue, infoObject } from './names.js';
import type { FileVersion, UploadUrl } from './wire.js';

/**
 * What uploads send (target headers, SHA-1s) and how: bytes to B2's upload URLs (b2_upload_file, b2_upload_part). Each URL and its token serve one
 * request at a time; they come from the instance's pool and go back to it after a success. After a 401
 * token error, a 408, a 429, a 5xx or a broken connection the URL is thrown away and the request goes
 * again to a fresh one (up to MaxUploadAttempts URLs), as B2 requires of its clients.
 */

/** The SHA-1 as B2 wants it at the end of a body (`X-Bz-Content-Sha1: hex_digits_at_end`). */
export const SHA1_HEX_LENGTH = 40;

/**
 * A pass-through that hashes what flows through it and appends the 40 hex digits of the SHA-1 at the end:
 * one read of the data, whatever its size, and B2 checks the digest.
 */
export class TrailingSha1 extends Transform {
  private readonly hash = createHash('sha1');
  digest = '';

  constructor() {
    // Room for the 1 MiB chunks a file is read in, so that reading and sending overlap.
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (e?: Error | null, c?: Buffer) => void,
  ): void {
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: (e?: Error | null, c?: Buffer) => void): void {
    this.digest = this.hash.digest('hex');
    done(null, Buffer.from(this.digest, 'ascii'));
  }
}

/** The bytes of `open()` followed by their SHA-1 in hex; `sha1()` gives the digest once sent. */
export function withTrailingSha1(open: () => Readable): { body: () => Readable; sha1: () => string } {
  let last: TrailingSha1 | undefined;
  return {
    body: () => {
      const trailer = new TrailingSha1();
      last = trailer;
      pipeline(open(), trailer, () => {});
      return trailer;
    },
    sha1: () => last?.digest ?? '',
  };
}

export interface UploadRequest {
  /** Headers besides Authorization and Content-Length. */
  headers: Record<string, string>;
  /** A repeatable body (bytes, or a factory), or a one-shot stream (then no second attempt). */
  body: HttpBody;
  length: number;
  progress?: { tracker?: ProgressReporter; total?: number };
  /**
   * For a request not safe to repeat (b2_upload_file makes a new version each time): after an unknown
   * outcome, what B2 has now (core reconcile-before-repeat). The request's answer when it did happen,
   * undefined to send it again. Parts need none: a part sent again replaces itself.
   */
  reconcile?: () => Promise<unknown>;
}

/**
 * POSTs to an upload URL of `poolKey` (leased from the pool, or a new one from `fetchUrl`), trying fresh
 * URLs after the failures B2 names; returns the JSON answer.
 */
export async function postToUploadUrl<T>(
  ctx: B2Context,
  poolKey: string,
  fetchUrl: () => Promise<UploadUrl>,
  request: UploadRequest,
  signal: AbortSignal,
): Promise<T> {
  const attempts = ctx.settings.get('MaxUploadAttempts');
  const repeatable =
    typeof request.body === 'string' ||
    request.body instanceof Uint8Array ||
    typeof request.body === 'function';
  for (let attempt = 0; ; attempt++) {
    const lease = await ctx.uploadUrls.lease(poolKey, fetchUrl);
    ctx.redactor.add(lease.value.authorizationToken);
    try {
      const response = await ctx.api.send({
        method: 'POST',
        url: lease.value.uploadUrl,
        headers: { ...request.headers, Authorization: lease.value.authorizationToken },
        body: request.body,
        bodyLength: request.length,
        signal,
        // B2 wants a new URL for a second attempt, so the HttpClient must not repeat this one itself.
        idempotent: false,
        progress: { direction: 0, ...request.progress },
      });
      const text = await response.text();
      lease.release();
      return JSON.parse(text) as T;
    } catch (e) {
      const fresh = needsNewUploadUrl(e);
      // An upload stopped midway may still be arriving at B2 on that URL: never hand it to another upload.
      if (fresh || signal.aborted) lease.discard();
      else lease.release();
      const unknown = request.reconcile !== undefined && isOutcomeUnknown(e);
      if (!fresh || (!repeatable && !unknown) || attempt + 1 >= attempts || signal.aborted) throw e;
      const retryAfter = e instanceof CloudStorageError ? e.retryAfter : undefined;
      const wait =
        retryAfter !== undefined
          ? retryAfter * 1000
          : backoffDelay(attempt, {
              baseDelayMs: ctx.settings.get('RetryBaseDelayMs'),
              maxDelayMs: ctx.settings.get('RetryMaxDelayMs'),
            });
      if (ctx.settings.get('LogLevel') >= 2) {
        ctx.client.emit('log', {
          logLevel: 2,
          logType: 'Info',
          message: `B2 upload to ${poolKey} failed (${(e as Error).message}); trying a fresh upload URL (attempt ${attempt + 2} of ${attempts}) in ${wait} ms.`,
        });
      }
      await sleep(wait, signal);
      if (unknown) {
        const done = await request.reconcile!();
        if (done !== undefined) return done as T;
        if (!repeatable) throw e;
      }
    }
  }
}

/** The pool keys: simple uploads share a bucket's URLs, parts a large file's. */
export const bucketKey = (bucketId: string) => `bucket:${bucketId}`;
export const largeFileKey = (fileId: string) => `file:${fileId}`;

// ---- what an upload sends ------------------------------------------------------------------------

/** Where a file goes: bucket, name, content type and file info. */
export interface Target {
  bucketId: string;
  fileName: string;
  contentType: string;
  info: Record<string, string>;
}

export interface Plan {
  target: Target;
  source: UploadSource;
  encryption: EncryptionSettings | undefined;
  /** Bytes B2 will store; undefined for a stream of unknown size. */
  size: number | undefined;
}

/** The upload headers of a target (file name, content type, file info). */
export function targetHeaders(target: Target): Record<string, string> {
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
  clientModifiedTime = ctx.settings.get('ClientModifiedTime'),
  fileInfo: Readonly<Record<string, string>> = {},
): Target {
  checkFileName(fileName);
  const own = Object.entries(fileInfo).map(([name, value]) => ({ name, value }));
  return {
    bucketId,
    fileName,
    contentType: (contentType ?? ctx.client.contentType) || 'b2/x-auto',
    info: infoObject([...ctx.client.metadata, ...own], clientModifiedTime),
  };
}

/** How far back a version's upload time may be and still be this call's (clocks differ). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The reconcile step of a b2_upload_file whose outcome is unknown: the newest version of the name when it
 * holds the bytes sent (`sha1`: empty when the attempt did not send them all) and was uploaded during this
 * call, else undefined (send it again).
 */
export async function storedVersion(
  ctx: B2Context,
  target: Target,
  sha1: string,
  since: number,
  signal: AbortSignal,
): Promise<FileVersion | undefined> {
  if (!sha1) return undefined;
  const page = await ctx.api.call<{ files: FileVersion[] }>(
    'b2_list_file_versions',
    { bucketId: target.bucketId, startFileName: target.fileName, prefix: target.fileName, maxFileCount: 1 },
    { signal },
  );
  const newest = page.files[0];
  if (!newest || newest.fileName !== target.fileName || newest.action !== 'upload') return undefined;
  const stored = (newest.contentSha1 ?? '').replace(/^unverified:/, '');
  if (stored !== sha1 || (newest.uploadTimestamp ?? 0) < since - CLOCK_SKEW_MS) return undefined;
  return newest;
}

export function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** Error 612 (also fired as `error`) when B2 stored other bytes than the ones sent. */
export function checkSha1(
  ctx: B2Context,
  what: string,
  stored: string | null | undefined,
  sent: string,
): void {
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
