import { CloudStorageError, ErrorCode, socketErrorCode } from '../errors.js';
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
  SslHandshake: ErrorCode.SslHandshake,
  /** The server certificate was rejected (unknown CA, wrong host name, expired, …). */
  SslCertificateRejected: ErrorCode.SslCertificateRejected,
  /** The server presented no certificate. */
  SslNoServerCertificate: ErrorCode.SslNoServerCertificate,
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
  return codesOf(err)[0];
}

/** Every string `code` along an error's `cause` chain, outermost first. */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/** undici's codes for a connection that ended before the exchange did (the socket's own code, if any, wins). */
const UNDICI_DROPPED = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

/**
 * The reference's code for a low-level failure: the TCP/IP code of the socket error (10054 reset, 10061
 * refused, 11001 host not found, …), 1120 for a connection the server closed mid-exchange, or undefined.
 */
export function transportErrorCode(err: unknown): number | undefined {
  if (err instanceof CloudStorageError) return Number(err.code);
  const codes = codesOf(err);
  for (const code of codes) {
    const mapped = socketErrorCode(code);
    if (mapped !== undefined) return mapped;
  }
  if (codes.some((c) => UNDICI_DROPPED.has(c))) return ErrorCode.ConnectionDropped;
  return undefined;
}

/** Codes meaning the connection broke while a request was in flight: safe to retry an idempotent request. */
const DROPPED: ReadonlySet<number> = new Set([
  ErrorCode.ConnectionReset,
  ErrorCode.ConnectionAborted,
  ErrorCode.ConnectionTimedOut,
  ErrorCode.ConnectionDropped,
]);
/** Codes meaning nothing was sent: safe to retry whatever the method. */
const NOT_SENT: ReadonlySet<number> = new Set([
  ErrorCode.ConnectionRefused,
  ErrorCode.NoRouteToHost,
  ErrorCode.NetworkUnreachable,
  ErrorCode.NetworkDown,
  ErrorCode.HostDown,
]);

export type TransportFailure = 'dropped' | 'refused' | 'other';

/** Sorts a failure for the retry policy, by its reference code. */
export function classifyTransportError(err: unknown): TransportFailure {
  const code = transportErrorCode(err);
  if (code !== undefined && DROPPED.has(code)) return 'dropped';
  if (code !== undefined && NOT_SENT.has(code)) return 'refused';
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
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new CloudStorageError(ErrorCode.Timeout, `Timeout: ${where}: ${detail}.`, opts);
  }
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
    return new CloudStorageError(
      ErrorCode.StreamError,
      `The request body of ${where} did not have the declared length (${detail}). Check bodyLength.`,
      opts,
    );
  }
  const tcp = transportErrorCode(err);
  if (tcp !== undefined) return new CloudStorageError(tcp, socketMessage(tcp, where, code, detail), opts);
  const codes = codesOf(err);
  if (codes.some((c) => /CERT|^ERR_SSL|^ERR_TLS|SSL|TLS/.test(c))) {
    const certificate = codes.some((c) => /CERT/.test(c) && !/CERTIFICATE_REQUIRED/.test(c));
    return new CloudStorageError(
      certificate ? HttpErrorCode.SslCertificateRejected : HttpErrorCode.SslHandshake,
      `TLS error during ${where} (${code}): ${detail}.${codes.some((c) => /CERTIFICATE_REQUIRED/.test(c)) ? ' The server requires a client certificate: set sslCert or the ssl_cert_* properties.' : ''}`,
      opts,
    );
  }
  return new CloudStorageError(
    ErrorCode.HttpProtocol,
    `Request ${where} failed${code ? ` (${code})` : ''}: ${detail}.`,
    opts,
  );
}

/** What a TCP/IP failure means for the request, and what to do about it. */
function socketMessage(tcp: number, where: string, code: string | undefined, detail: string): string {
  switch (tcp) {
    case ErrorCode.ConnectionRefused:
      return `[10061] Connection refused for ${where}: nothing is listening there. Check the URL, the port and the proxy settings.`;
    case ErrorCode.HostNotFound:
    case ErrorCode.HostNotFoundTryAgain:
    case ErrorCode.HostHasNoAddress:
    case 11003:
      return `[${tcp}] Host not found for ${where} (${code}). Check the URL and the DNS settings.`;
    case ErrorCode.ConnectionTimedOut:
      return `[10060] Connection timed out for ${where} (${code}: ${detail}). Check the host, the proxy settings and ConnectionTimeout.`;
    case ErrorCode.ConnectionReset:
      return `[10054] Connection reset by the server during ${where} (${code}: ${detail}). Try again later.`;
    case ErrorCode.ConnectionDropped:
      return `[1120] The server closed the connection during ${where} (${code}: ${detail}). Try again later.`;
    case ErrorCode.NoRouteToHost:
    case ErrorCode.NetworkUnreachable:
    case ErrorCode.NetworkDown:
    case ErrorCode.HostDown:
      return `[${tcp}] The network cannot reach the host of ${where} (${code}). Check the network, the URL and the proxy settings.`;
    case ErrorCode.AddressInUse:
    case ErrorCode.AddressNotAvailable:
      return `[${tcp}] Cannot bind the local address for ${where} (${code}: ${detail}). Check LocalHost and LocalPort.`;
    default:
      return `[${tcp}] ${where} failed (${code}: ${detail}).`;
  }
}

function isAbort(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED' || e.code === 'ABORT_ERR';
}
