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
  ConnectionFailed: 100,
  SslError: 270,
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

export function isCloudStorageError(e: unknown): e is CloudStorageError {
  return e instanceof CloudStorageError;
}
