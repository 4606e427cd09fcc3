import { randomBytes } from 'node:crypto';
import { type EmulatorRequest, type ErrorFormatter, HttpError } from '../core/index.js';

/** Box's documented help link; every error body carries one. */
export const HELP_URL = 'http://developers.box.com/docs/#errors';

/** The header Box puts on every response so that support can trace a call. */
export const REQUEST_ID_HEADER = 'box-request-id';

const requestIds = new WeakMap<EmulatorRequest, string>();

/** The request id of a request, minted on first use (the header and the error body share it). */
export function requestIdOf(req: EmulatorRequest): string {
  let id = requestIds.get(req);
  if (!id) {
    id = randomBytes(7).toString('hex');
    requestIds.set(req, id);
  }
  return id;
}

/**
 * Throws-able Box error: `code` is Box's error code (`item_name_in_use`, `not_found`, …) and
 * `contextInfo` the endpoint-specific `context_info` object.
 */
export function boxError(
  status: number,
  code: string,
  message: string,
  contextInfo?: Record<string, unknown>,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, message, { code, ...(contextInfo ? { contextInfo } : {}) }, headers);
}

export const notFound = (message = 'Not Found') => boxError(404, 'not_found', message);
export const badRequest = (message: string, code = 'bad_request', contextInfo?: Record<string, unknown>) =>
  boxError(400, code, message, contextInfo);
export const trashedError = () => boxError(404, 'trashed', 'Item is trashed');

/** The marker the auth check puts on its error so the formatter answers with Box's bare 401. */
export const UNAUTHORIZED = 'unauthorized_token';

/** A 401 as Box sends it for a missing, invalid or expired access token: a header and no body. */
export function unauthorized(): HttpError {
  return new HttpError(401, 'invalid token', { code: UNAUTHORIZED });
}

const WWW_AUTHENTICATE =
  'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."';

/** Default code and message for statuses that reach the formatter without a Box code (framework errors, faults). */
const DEFAULTS: Record<number, [string, string]> = {
  400: ['bad_request', 'Bad Request'],
  403: ['forbidden', 'Forbidden'],
  404: ['not_found', 'Not Found'],
  405: ['method_not_allowed', 'Method Not Allowed'],
  409: ['conflict', 'Conflict'],
  412: [
    'precondition_failed',
    'The resource has been modified. Please retrieve the resource again and retry',
  ],
  413: ['request_entity_too_large', 'Request Entity Too Large'],
  416: ['requested_range_not_satisfiable', 'Requested Range Not Satisfiable'],
  429: ['rate_limit_exceeded', 'Request rate limit exceeded, please try again later'],
  500: ['internal_server_error', 'Internal Server Error'],
  502: ['bad_gateway', 'Bad Gateway'],
  503: ['unavailable', 'Unavailable'],
  504: ['gateway_timeout', 'Gateway Timeout'],
};

/**
 * Formats every error of the api and upload hosts as Box does:
 * `{"type":"error","status","code","help_url","message","request_id"[,"context_info"]}`, and a 401 as an
 * empty body with a `WWW-Authenticate` header. It also stamps the `box-request-id` header.
 */
export const boxErrorFormatter: ErrorFormatter = (error, req) => {
  const requestId = requestIdOf(req);
  const headers = error.headers as Record<string, string>;
  headers[REQUEST_ID_HEADER] = requestId;
  if (error.status === 401) {
    headers['www-authenticate'] = WWW_AUTHENTICATE;
    return { body: '', contentType: 'text/plain' };
  }
  const detail = error.detail as { code?: string; contextInfo?: Record<string, unknown>; noRoute?: boolean };
  const [defaultCode, defaultMessage] = DEFAULTS[error.status] ?? ['error', 'Error'];
  const known = typeof detail.code === 'string';
  const body: Record<string, unknown> = {
    type: 'error',
    status: error.status,
    code: known ? detail.code : defaultCode,
    help_url: HELP_URL,
    message: known ? error.message : frameworkMessage(error, defaultMessage),
    request_id: requestId,
  };
  if (detail.contextInfo) body.context_info = detail.contextInfo;
  return { body: JSON.stringify(body), contentType: 'application/json' };
};

/** Framework errors (no route, bad JSON, injected faults) get Box's generic wording, not the framework's. */
function frameworkMessage(error: HttpError, fallback: string): string {
  const detail = error.detail as { badJson?: boolean };
  if (detail.badJson) return 'Invalid input: the request body is not valid JSON';
  return fallback;
}
