import { CloudStorageError, type CloudStorageErrorOptions, ErrorCode } from '../../core/errors.js';
import type { HttpErrorInfo } from '../../core/http/index.js';
import type { Redactor } from '../../core/redact.js';
import type { ErrorBody } from './wire.js';

/**
 * Drive's error answers (`{"error":{"code","message","errors":[{"domain","reason"}],"status"}}`) turned
 * into CloudStorageErrors with the reference codes and a message that says what to do. The first reason
 * is `providerCode` (and `reason`), which is what Drive clients dispatch on.
 */
export class GoogleDriveApiError extends CloudStorageError {
  /** `errors[0].reason` (`notFound`, `userRateLimitExceeded`, …); '' when the body had none. */
  readonly reason: string;
  /** `errors[0].domain` (`global`, `usageLimits`, …). */
  readonly domain: string;

  constructor(
    code: number,
    message: string,
    options: CloudStorageErrorOptions & { reason?: string; domain?: string },
  ) {
    super(code, message, options);
    this.name = 'GoogleDriveApiError';
    this.reason = options.reason ?? '';
    this.domain = options.domain ?? '';
  }
}

/** The 403 reasons that mean "slow down": Drive did not run the request; send it again after a pause. */
export const RATE_LIMIT_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded']);

/** Whether an error is one of Drive's rate-limit answers (429, or 403 with a rate-limit reason). */
export function isRateLimited(e: unknown): e is GoogleDriveApiError {
  if (!(e instanceof CloudStorageError)) return false;
  if (e.httpStatus === 429) return true;
  return e.httpStatus === 403 && e instanceof GoogleDriveApiError && RATE_LIMIT_REASONS.has(e.reason);
}

function parseBody(text: string): ErrorBody['error'] | undefined {
  try {
    const body = JSON.parse(text) as ErrorBody;
    return body && typeof body === 'object' && body.error && typeof body.error === 'object'
      ? body.error
      : undefined;
  } catch {
    return undefined;
  }
}

/** What a 403 reason means for the caller. */
function classify403(reason: string): { code: number; advice: string } {
  switch (reason) {
    case 'userRateLimitExceeded':
    case 'rateLimitExceeded':
      return {
        code: ErrorCode.ServerError,
        advice: 'Drive is throttling this user or app; try again later.',
      };
    case 'dailyLimitExceeded':
    case 'sharingRateLimitExceeded':
      return { code: ErrorCode.ServerError, advice: 'A daily Drive quota is used up; try again tomorrow.' };
    case 'fileNotDownloadable':
      return {
        code: ErrorCode.UnsupportedOperation,
        advice: 'This is a Google Docs editors file: pass an export MIME type to downloadFile.',
      };
    case 'cannotDownloadAbusiveFile':
      return {
        code: ErrorCode.UnsupportedOperation,
        advice:
          'Drive flagged this file as malware or spam; download with acknowledgeAbuse if you accept the risk.',
      };
    case 'exportSizeLimitExceeded':
      return {
        code: ErrorCode.UnsupportedOperation,
        advice:
          'Drive exports at most 10 MB of converted content: the document is too large to export in this format; try another format or split the document.',
      };
    case 'downloadQuotaExceeded':
      return { code: ErrorCode.ServerError, advice: 'This file was downloaded too often; try again later.' };
    case 'storageQuotaExceeded':
    case 'quotaExceeded':
    case 'teamDriveFileLimitExceeded':
      return { code: ErrorCode.ServerError, advice: 'The Drive storage quota is used up; free some space.' };
    case 'cannotAddParent':
      return {
        code: ErrorCode.UnsupportedOperation,
        advice: 'Drive allows a single parent: use moveResource, or removeParents first.',
      };
    case 'fieldNotWritable':
      return { code: ErrorCode.UnsupportedOperation, advice: 'A field sent cannot be changed this way.' };
    default:
      return {
        code: ErrorCode.UnsupportedOperation,
        advice: 'The user may not do this (check the sharing, the role, or TransferOwnership).',
      };
  }
}

/** The HttpClient's `errorFromResponse` for Drive's hosts. */
export function googleDriveErrorMapper(redactor: Redactor) {
  return (info: HttpErrorInfo): CloudStorageError => {
    const body = parseBody(info.bodyText);
    const first = body?.errors?.[0];
    const reason = first?.reason ?? '';
    const common = {
      httpStatus: info.status,
      requestId: info.requestId,
      retryAfter: info.retryAfter,
      redactor,
      reason,
      domain: first?.domain ?? '',
      ...(reason ? { providerCode: reason } : body?.status ? { providerCode: body.status } : {}),
    };
    const path = (() => {
      try {
        return new URL(info.url).pathname;
      } catch {
        return info.url;
      }
    })();
    const said = body?.message
      ? `: ${body.message}`
      : !body && info.bodyText
        ? `: ${info.bodyText.slice(0, 300)}`
        : '';
    const where = `Drive ${info.method} ${path} failed with HTTP ${info.status}${reason ? ` (${reason})` : ''}${said}`;
    switch (true) {
      case info.status === 400:
        return new GoogleDriveApiError(
          ErrorCode.ServerError,
          `${where}. Drive refused the request as malformed (check q, fields, page tokens and ids).`,
          common,
        );
      case info.status === 401:
        return new GoogleDriveApiError(
          ErrorCode.InvalidCredentials,
          `${where}. The access token is missing, expired or revoked: authorize again.`,
          common,
        );
      case info.status === 403: {
        const { code, advice } = classify403(reason);
        return new GoogleDriveApiError(code, `${where}. ${advice}`, common);
      }
      case info.status === 404:
        return new GoogleDriveApiError(
          ErrorCode.InvalidRemoteId,
          `${where}. Check the id: nothing is there, the user has no access, or it is in a shared drive the request did not include.`,
          common,
        );
      case info.status === 409:
        return new GoogleDriveApiError(
          ErrorCode.ServerError,
          reason === 'duplicate'
            ? `${where}. A shared drive was already created with this requestId (no second one was made): find it with listSharedDrives, or use a new requestId for another drive.`
            : `${where}. It conflicts with what is there.`,
          common,
        );
      case info.status === 416:
        return new GoogleDriveApiError(
          ErrorCode.CannotResume,
          `${where}. startByte is past the end of the file.`,
          common,
        );
      case info.status === 429:
        return new GoogleDriveApiError(
          ErrorCode.ServerError,
          `${where}. Too many requests; try again later.`,
          common,
        );
      default:
        return new GoogleDriveApiError(
          ErrorCode.ServerError,
          `${where}.${info.status >= 500 ? ' Drive had a problem; try again later.' : ''}`,
          common,
        );
    }
  };
}
