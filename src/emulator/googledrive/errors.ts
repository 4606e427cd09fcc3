import { type ErrorFormatter, HttpError } from '../core/index.js';

/**
 * Drive's error envelope: `{"error":{"code","message","errors":[{"domain","reason","message",
 * "location","locationType"}],"status"}}`. Clients dispatch on the HTTP status and `errors[0].reason`.
 */
export interface DriveErrorDetail {
  reason: string;
  domain?: string;
  location?: string;
  locationType?: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  413: 'FAILED_PRECONDITION',
  416: 'OUT_OF_RANGE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A Drive error a route throws; the formatter renders the envelope. */
export function driveError(
  status: number,
  reason: string,
  message: string,
  detail: Omit<DriveErrorDetail, 'reason'> = {},
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, message, { drive: { reason, domain: 'global', ...detail } }, headers);
}

export const notFound = (fileId: string, what = 'File') =>
  driveError(404, 'notFound', `${what} not found: ${fileId}.`, {
    location: what === 'File' ? 'fileId' : `${what.charAt(0).toLowerCase()}${what.slice(1)}Id`,
    locationType: 'parameter',
  });

export const badRequest = (message: string, location?: string) =>
  driveError(400, 'badRequest', message, location ? { location, locationType: 'parameter' } : {});

export const invalidParameter = (message: string, location: string) =>
  driveError(400, 'invalid', message, { location, locationType: 'parameter' });

export const forbidden = (reason: string, message: string) => driveError(403, reason, message);

/** What an injected fault status (or a stray framework error) means in Drive's vocabulary. */
function defaultReason(error: HttpError): DriveErrorDetail {
  const injected = error.detail.injected === true;
  switch (error.status) {
    case 400:
      return { reason: 'badRequest', domain: 'global' };
    case 401:
      return { reason: 'authError', domain: 'global', location: 'Authorization', locationType: 'header' };
    case 403:
      // An injected 403 is Drive's throttling answer, the one clients must retry.
      return injected
        ? { reason: 'userRateLimitExceeded', domain: 'usageLimits' }
        : { reason: 'forbidden', domain: 'global' };
    case 404:
      return { reason: 'notFound', domain: 'global' };
    case 405:
      return { reason: 'httpMethodNotAllowed', domain: 'global' };
    case 413:
      return { reason: 'uploadTooLarge', domain: 'global' };
    case 429:
      return { reason: 'rateLimitExceeded', domain: 'usageLimits' };
    case 503:
      return { reason: 'backendError', domain: 'global' };
    default:
      return { reason: error.status >= 500 ? 'backendError' : 'badRequest', domain: 'global' };
  }
}

const INJECTED_MESSAGES: Record<number, string> = {
  403: 'User Rate Limit Exceeded',
  429: 'Rate Limit Exceeded',
  500: 'Internal Error',
  503: 'Backend Error',
};

export const formatDriveError: ErrorFormatter = (error) => {
  const detail = (error.detail.drive as DriveErrorDetail | undefined) ?? defaultReason(error);
  const message =
    error.detail.injected === true
      ? (INJECTED_MESSAGES[error.status] ?? error.message)
      : error.detail.noRoute === true
        ? 'Not Found'
        : error.message;
  const body = {
    error: {
      code: error.status,
      message,
      errors: [
        {
          message,
          domain: detail.domain ?? 'global',
          reason: detail.reason,
          ...(detail.location ? { location: detail.location } : {}),
          ...(detail.locationType ? { locationType: detail.locationType } : {}),
        },
      ],
      status: STATUS_NAMES[error.status] ?? (error.status >= 500 ? 'INTERNAL' : 'UNKNOWN'),
    },
  };
  return { body: JSON.stringify(body), contentType: 'application/json; charset=UTF-8' };
};
