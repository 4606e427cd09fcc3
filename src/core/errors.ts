import { defaultRedactor, type Redactor } from './redact.js';

/**
 * Error codes shared by the four reference classes. Provider-specific codes (700–7xx) are declared by
 * each provider next to its class.
 */
export const ErrorCode = {
  /** Server error, or a response the library could not process. */
  ServerError: 600,
  UnsupportedOperation: 601,
  /** RawRequest / RawResponse read without TransferredRequest=ON. */
  RawDataNotRecorded: 602,
  InvalidCredentials: 603,
  InvalidRemoteId: 604,
  InvalidIndex: 605,
  UploadAborted: 606,
  IsFolder: 607,
  LocalFileExists: 608,
  CannotResume: 609,
  EncryptedResumeNeedsTempFile: 610,
  LocalFileError: 611,
  StreamError: 612,
  /** Client-side encryption failed (bad key material reaching the cipher, an I/O error while encrypting). */
  EncryptionFailed: 283,
  /** Client-side decryption failed: wrong password or key, corrupted, truncated or tampered data. */
  DecryptionFailed: 284,
  /** Generic toolkit codes. */
  Interrupted: 301,
  HttpProtocol: 151,
  Timeout: 145,
  /**
   * @deprecated A connection failure has the TCP/IP code of its cause (ConnectionRefused, HostNotFound, …);
   * this name stays for code that only wants "the connection broke", and means the remote host dropped it.
   */
  ConnectionFailed: 1120,
  /** The remote host closed the connection in the middle of an exchange (no reset). */
  ConnectionDropped: 1120,
  // The reference's TCP/IP errors (the Winsock numbers), so code ported from it branches the same way.
  AccessDenied: 10013,
  TooManyOpenFiles: 10024,
  AddressInUse: 10048,
  AddressNotAvailable: 10049,
  NetworkDown: 10050,
  NetworkUnreachable: 10051,
  ConnectionAborted: 10053,
  ConnectionReset: 10054,
  ConnectionTimedOut: 10060,
  ConnectionRefused: 10061,
  HostDown: 10064,
  NoRouteToHost: 10065,
  HostNotFound: 11001,
  /** A temporary DNS failure: try again, or check the DNS setup. */
  HostNotFoundTryAgain: 11002,
  /** The name exists but has no address record. */
  HostHasNoAddress: 11004,
  // The reference's SSL errors.
  SslError: 270,
  /** The certificate store (sslCertStore) cannot be opened or read. */
  SslCertStoreUnreadable: 271,
  /** The store has no certificate that matches sslCertSubject. */
  SslCertNotFound: 272,
  /** The TLS handshake failed for another reason than the server certificate. */
  SslHandshake: 276,
  /** The server certificate was rejected (unknown CA, wrong host name, expired, a listener's veto, …). */
  SslCertificateRejected: 280,
  /** The server presented no certificate. */
  SslNoServerCertificate: 282,
  /** A setting or argument the caller gave is not valid (config name, value, key length, …). */
  InvalidArgument: 1000,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | number;

export interface CloudStorageErrorOptions {
  /** HTTP status of the response that caused the error, when there was one. */
  httpStatus?: number;
  /** The service's own error code or tag (`item_name_in_use`, `path/not_found`, …). */
  providerCode?: string;
  /** The service's request id, for support tickets. */
  requestId?: string;
  /** Seconds the service asked us to wait before trying again. */
  retryAfter?: number;
  cause?: unknown;
  /** Redactor with the secrets of the client that raises the error. */
  redactor?: Redactor;
}

/**
 * The one error type the library throws. `code` is the reference error number; the message says what
 * happened and what to do about it, with every secret masked.
 */
export class CloudStorageError extends Error {
  readonly code: ErrorCodeValue;
  readonly httpStatus: number | undefined;
  readonly providerCode: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCodeValue, message: string, options: CloudStorageErrorOptions = {}) {
    const redactor = options.redactor ?? defaultRedactor;
    super(redactor.redact(message), options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'CloudStorageError';
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.providerCode = options.providerCode;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    if (this.stack) this.stack = redactor.redact(this.stack);
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** A bad argument or setting, detected before any request is made. */
export function invalidArgument(message: string): CloudStorageError {
  return new CloudStorageError(ErrorCode.InvalidArgument, message);
}

/**
 * The reference's TCP/IP error code for a Node socket error code (`ECONNREFUSED` -> 10061, `ENOTFOUND` ->
 * 11001, …), or undefined when the reference has none.
 */
export function socketErrorCode(code: string | undefined): number | undefined {
  return code === undefined ? undefined : SOCKET_ERROR_CODES[code];
}

const SOCKET_ERROR_CODES: Record<string, number> = {
  EACCES: ErrorCode.AccessDenied,
  EPERM: ErrorCode.AccessDenied,
  EMFILE: ErrorCode.TooManyOpenFiles,
  ENFILE: ErrorCode.TooManyOpenFiles,
  EADDRINUSE: ErrorCode.AddressInUse,
  EADDRNOTAVAIL: ErrorCode.AddressNotAvailable,
  ENETDOWN: ErrorCode.NetworkDown,
  ENETUNREACH: ErrorCode.NetworkUnreachable,
  ECONNABORTED: ErrorCode.ConnectionAborted,
  ECONNRESET: ErrorCode.ConnectionReset,
  EPIPE: ErrorCode.ConnectionReset,
  ETIMEDOUT: ErrorCode.ConnectionTimedOut,
  UND_ERR_CONNECT_TIMEOUT: ErrorCode.ConnectionTimedOut,
  ECONNREFUSED: ErrorCode.ConnectionRefused,
  EHOSTDOWN: ErrorCode.HostDown,
  EHOSTUNREACH: ErrorCode.NoRouteToHost,
  ENOTFOUND: ErrorCode.HostNotFound,
  EAI_NONAME: ErrorCode.HostNotFound,
  EAI_AGAIN: ErrorCode.HostNotFoundTryAgain,
  EAI_FAIL: 11003,
  ENODATA: ErrorCode.HostHasNoAddress,
  EAI_NODATA: ErrorCode.HostHasNoAddress,
};

export function isCloudStorageError(e: unknown): e is CloudStorageError {
  return e instanceof CloudStorageError;
}

/** The codes of a connection that broke or timed out mid-exchange (not one refused by a setting or a name). */
const BROKEN_CONNECTION_CODES = new Set<number>([
  ErrorCode.ConnectionDropped,
  ErrorCode.ConnectionAborted,
  ErrorCode.ConnectionReset,
  ErrorCode.ConnectionTimedOut,
  ErrorCode.Timeout,
]);

/**
 * Whether an error is a connection that broke or stalled during an exchange (reset, dropped, timed out):
 * the outcome of the request is unknown, and a provider may retry it or reconcile before repeating it.
 */
export function isBrokenConnection(e: unknown): boolean {
  return (
    e instanceof CloudStorageError &&
    e.httpStatus === undefined &&
    BROKEN_CONNECTION_CODES.has(Number(e.code))
  );
}
