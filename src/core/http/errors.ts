import { CloudStorageError, ErrorCode } from '../errors.js';
import type { Redactor } from '../redact.js';

/**
 * Error codes of the transport layer that the shared {@link ErrorCode} table does not name. The numbers are
 * the reference toolkit's (HTTP, firewall and SSL errors).
 */
export const HttpErrorCode = {
  /** The HTTP proxy or SOCKS server refused the connection or the credentials ("firewall error"). */
  ProxyError: 118,
  /** The server ignored a Range request, so a download cannot be resumed. */
  RangeNotSupported: 155,
  /** The TLS handshake failed for another reason than the certificate (protocol, client certificate, …). */
  SslHandshake: 276,
  /** The server certificate was rejected (unknown CA, wrong host name, expired, …). */
  SslCertificateRejected: 280,
} as const;

/** The reason given to the request's AbortController when the timeout fires. */
export class TimeoutReason extends Error {
  constructor(
    readonly seconds: number,
    readonly absolute: boolean,
  ) {
    super(absolute ? `did not complete within ${seconds} s` : `no data was exchanged for ${seconds} s`);
    this.name = 'TimeoutReason';
  }
}

/** The reason given when `interrupt()` is called on the client. */
export class InterruptReason extends Error {
  constructor() {
    super('interrupted by interrupt()');
    this.name = 'InterruptReason';
  }
}

/** The first string `code` along an error's `cause` chain (`ECONNRESET`, `UND_ERR_SOCKET`, …). */
export function errorCodeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Errors meaning the connection broke while a request was in flight: safe to retry an idempotent request. */
const DROPPED = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
/** Errors meaning nothing was sent: safe to retry whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export type TransportFailure = 'dropped' | 'refused' | 'other';

/** Sorts a low-level error for the retry policy. */
export function classifyTransportError(err: unknown): TransportFailure {
  const code = errorCodeOf(err);
  if (code && DROPPED.has(code)) return 'dropped';
  if (code && NOT_SENT.has(code)) return 'refused';
  return 'other';
}

export interface TransportErrorContext {
  method: string;
  /** Already redacted. */
  url: string;
  redactor: Redactor;
}

/**
 * Turns whatever undici, node:net/tls or an abort produced into a CloudStorageError with a message that
 * says what went wrong and what to do about it.
 */
export function toCloudStorageError(err: unknown, ctx: TransportErrorContext): CloudStorageError {
  if (err instanceof CloudStorageError) return err;
  const where = `${ctx.method} ${ctx.url}`;
  const opts = { cause: err, redactor: ctx.redactor };
  if (err instanceof TimeoutReason) {
    return new CloudStorageError(
      ErrorCode.Timeout,
      `Timeout: ${where} ${err.message}. Raise the timeout (0 disables it) or check the network.`,
      opts,
    );
  }
  if (err instanceof InterruptReason || isAbort(err)) {
    return new CloudStorageError(
      ErrorCode.Interrupted,
      `Interrupted: ${where} was aborted by the caller.`,
      opts,
    );
  }
  const code = errorCodeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new CloudStorageError(
        ErrorCode.Timeout,
        `Timeout while connecting for ${where}: ${detail}. Check the host, the proxy settings and ConnectionTimeout.`,
        opts,
      );
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new CloudStorageError(ErrorCode.Timeout, `Timeout: ${where}: ${detail}.`, opts);
    case 'ECONNREFUSED':
      return new CloudStorageError(
        ErrorCode.ConnectionFailed,
        `Connection refused for ${where}: nothing is listening there. Check the URL, the port and the proxy settings.`,
        opts,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CloudStorageError(
        ErrorCode.ConnectionFailed,
        `Could not resolve the host name for ${where} (${code}). Check the URL and the DNS settings.`,
        opts,
      );
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return new CloudStorageError(
        ErrorCode.StreamError,
        `The request body of ${where} did not have the declared length (${detail}). Check bodyLength.`,
        opts,
      );
  }
  if (code && (DROPPED.has(code) || code.startsWith('UND_ERR'))) {
    return new CloudStorageError(
      ErrorCode.ConnectionFailed,
      `The connection broke during ${where} (${code}: ${detail}). Try again later.`,
      opts,
    );
  }
  if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT|SSL|TLS/.test(code))) {
    return new CloudStorageError(
      HttpErrorCode.SslHandshake,
      `TLS error during ${where} (${code}): ${detail}.`,
      opts,
    );
  }
  return new CloudStorageError(
    ErrorCode.ConnectionFailed,
    `Request ${where} failed${code ? ` (${code})` : ''}: ${detail}.`,
    opts,
  );
}

function isAbort(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED' || e.code === 'ABORT_ERR';
}
