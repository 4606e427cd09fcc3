import { type ErrorFormatter, HttpError } from '../core/index.js';

/**
 * B2 answers every error with `{"status": <http status>, "code": "<token>", "message": "<text>"}`. Handlers
 * throw {@link b2Error}; errors from the framework (no route, wrong method, injected faults) get the code B2
 * uses for their status.
 */
export function b2Error(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return new HttpError(status, message, { code }, headers);
}

export const badRequest = (message: string) => b2Error(400, 'bad_request', message);
export const unauthorized = (message: string) => b2Error(401, 'unauthorized', message);

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'cap_exceeded',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'bad_request',
  416: 'range_not_satisfiable',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

export const formatB2Error: ErrorFormatter = (error) => {
  const detail = error.detail as { code?: unknown; noRoute?: unknown; injected?: unknown };
  let code = typeof detail.code === 'string' ? detail.code : (CODE_BY_STATUS[error.status] ?? 'bad_request');
  let message = error.message;
  if (detail.noRoute) message = 'no such API call';
  if (detail.injected && error.status === 401) code = 'expired_auth_token';
  if (error.status === 413) message = 'request body too large';
  return {
    body: JSON.stringify({ status: error.status, code, message }),
    contentType: 'application/json;charset=utf-8',
  };
};
