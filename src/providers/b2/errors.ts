import {
  CloudStorageError,
  type CloudStorageErrorOptions,
  ErrorCode,
  isBrokenConnection,
} from '../../core/errors.js';
import type { HttpErrorInfo } from '../../core/http/index.js';
import type { Redactor } from '../../core/redact.js';
import type { ErrorBody } from './wire.js';

/** The BackblazeB2 class's own error codes (the reference's 700–702). */
export const B2ErrorCode = {
  /** The account authorization token expired or is not valid, and authorizing again did not help. */
  AuthTokenExpired: 700,
  /** The DownloadAuthToken expired or is not valid. */
  DownloadAuthTokenExpired: 701,
  /** B2 is busy or had a temporary problem: try again later, backing off. */
  TemporaryError: 702,
} as const;

/** An error answer of B2: the reference code, and B2's own `code` (as `b2Code` and `providerCode`). */
export class B2ApiError extends CloudStorageError {
  /** B2's error code (`bad_request`, `expired_auth_token`, `service_unavailable`, …); '' when none came. */
  readonly b2Code: string;

  constructor(code: number, message: string, options: CloudStorageErrorOptions & { b2Code?: string }) {
    super(code, message, { ...options, ...(options.b2Code ? { providerCode: options.b2Code } : {}) });
    this.name = 'B2ApiError';
    this.b2Code = options.b2Code ?? '';
  }
}

/** B2's JSON error body, when the response has one. */
export function errorBodyOf(text: string): ErrorBody | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return body && typeof body === 'object' ? (body as ErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

/** The operation of a B2 URL (`b2_list_buckets`, `b2_upload_part`, `download`), for messages. */
function operationOf(url: string): string {
  const at = url.indexOf('/b2api/');
  if (at >= 0) {
    const rest = url.slice(at + '/b2api/'.length);
    const slash = rest.indexOf('/');
    const op = slash >= 0 ? rest.slice(slash + 1) : rest;
    const end = op.search(/[/?#]/);
    return end >= 0 ? op.slice(0, end) : op;
  }
  return url.includes('/file/') ? 'download by name' : url;
}

const NOT_FOUND_CODES = new Set([
  'bad_bucket_id',
  'invalid_bucket_id',
  'invalid_file_id',
  'file_not_present',
  'no_such_file',
  'not_found',
]);

/** Whether an error is B2 saying the account token expired or is not valid (re-authorize). */
export function isAuthTokenError(status: number, b2Code: string | undefined): boolean {
  return status === 401 && (b2Code === 'expired_auth_token' || b2Code === 'bad_auth_token' || !b2Code);
}

/** The HttpClient's `errorFromResponse` for every B2 host. */
export function b2ErrorMapper(redactor: Redactor) {
  return (info: HttpErrorInfo): CloudStorageError => {
    const body = errorBodyOf(info.bodyText);
    const b2Code = typeof body?.code === 'string' ? body.code : '';
    const said = typeof body?.message === 'string' && body.message ? `: ${body.message}` : '';
    const op = operationOf(info.url);
    const where = `B2 ${op} failed with HTTP ${info.status}${b2Code ? ` (${b2Code})` : ''}${said}`;
    const common = {
      httpStatus: info.status,
      requestId: info.requestId,
      retryAfter: info.retryAfter,
      redactor,
      b2Code,
    };
    const raw = !body && info.bodyText ? ` B2 said: ${info.bodyText.slice(0, 300)}` : '';
    const error = (code: number, advice: string) =>
      new B2ApiError(code, `${where}.${advice ? ` ${advice}` : ''}${raw}`, common);

    if (op === 'b2_authorize_account') {
      if (info.status === 401 || info.status === 400)
        return error(
          ErrorCode.InvalidCredentials,
          'Check applicationKeyId and applicationKey (a deleted or expired key is refused too).',
        );
    }
    switch (true) {
      case info.status === 401 && b2Code === 'unauthorized':
        return error(
          ErrorCode.UnsupportedOperation,
          'The application key may not do this: it lacks the capability, or is restricted to another bucket or name prefix (see accountCapabilities, accountAllowedBucketId, accountAllowedPrefix).',
        );
      case info.status === 401:
        return error(
          B2ErrorCode.AuthTokenExpired,
          'The authorization token expired or is not valid, and could not be renewed: call authorize again.',
        );
      case info.status === 404 || NOT_FOUND_CODES.has(b2Code):
        return error(ErrorCode.InvalidRemoteId, 'Check the bucket, file name or id: nothing is there.');
      case info.status === 409:
        return error(
          ErrorCode.ServerError,
          'The bucket changed meanwhile (IfRevision): read its revision again with getBucketInfo.',
        );
      case info.status === 408 || info.status === 429 || info.status >= 500:
        return error(
          B2ErrorCode.TemporaryError,
          `B2 is busy or had a temporary problem; try again later with exponential backoff.${info.retryAfter !== undefined ? ` B2 asked to wait ${info.retryAfter} s.` : ''}`,
        );
      case info.status === 403:
        return error(
          ErrorCode.ServerError,
          'An account cap is reached (storage, transactions or downloads).',
        );
      case info.status === 416:
        return error(ErrorCode.ServerError, 'The range is outside the file.');
      default:
        return error(ErrorCode.ServerError, '');
    }
  };
}

/** Whether an upload must be tried again with a fresh upload URL (B2's rule: 401 token, 408, 429, 5xx, a broken connection). */
export function needsNewUploadUrl(e: unknown): boolean {
  if (!(e instanceof CloudStorageError)) return false;
  if (e.code === ErrorCode.Interrupted) return false;
  if (e.httpStatus === undefined) return isBrokenConnection(e);
  const s = e.httpStatus;
  if (s === 401) {
    const code = e instanceof B2ApiError ? e.b2Code : '';
    return code === 'expired_auth_token' || code === 'bad_auth_token';
  }
  return s === 408 || s === 429 || s >= 500;
}
