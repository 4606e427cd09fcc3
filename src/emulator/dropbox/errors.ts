import { type EmulatorRequest, type ErrorFormatter, HttpError } from '../core/index.js';

/**
 * Dropbox's error answers:
 * - 400, plain text: bad input (`Error in call to API function "files/x": ...`);
 * - 401, JSON `AuthError`; 403, JSON `AccessError`; 422, JSON `PathRootError`;
 * - 409, JSON route error: `{"error_summary":"path/not_found/..","error":{".tag":"path",...}}`;
 * - 429, JSON `RateLimitError` plus a `Retry-After` header.
 * Handlers throw the `HttpError`s built here; {@link formatDropboxError} turns them into bodies.
 */
type Kind = 'route' | 'auth' | 'access' | 'path_root' | 'rate_limit' | 'bad_input' | 'text';

interface DropboxDetail {
  dropbox: { kind: Kind; error?: Record<string, unknown>; summary?: string };
}

/** The chain of tags of an error union, the way `error_summary` spells it (`path/not_found/`). */
export function summaryOf(error: Record<string, unknown>): string {
  const tags: string[] = [];
  let node: unknown = error;
  while (node && typeof node === 'object' && typeof (node as Record<string, unknown>)['.tag'] === 'string') {
    const o = node as Record<string, unknown>;
    const tag = o['.tag'] as string;
    tags.push(tag);
    // The next union is nested under the tag, or (for a struct value inlined next to the tag, such as
    // UploadWriteFailed) in its `reason` field.
    node = tag in o ? o[tag] : o.reason;
  }
  return `${tags.join('/')}/`;
}

/** Dropbox pads summaries with a few dots so that clients match prefixes, not whole strings. */
function pad(summary: string): string {
  return summary + '.'.repeat(2 + (summary.length % 2));
}

function make(
  status: number,
  kind: Kind,
  message: string,
  extra: Omit<DropboxDetail['dropbox'], 'kind'> = {},
  headers = {},
) {
  return new HttpError(status, message, { dropbox: { kind, ...extra } } satisfies DropboxDetail, headers);
}

/** 409 with the route's error union (`summary` overrides the derived summary when a value is polymorphic). */
export function routeError(
  error: Record<string, unknown>,
  summary?: string,
  headers: Record<string, string> = {},
): HttpError {
  const s = summary ?? summaryOf(error);
  return make(409, 'route', s, { error, summary: s }, headers);
}

/** 400 plain text, prefixed with the route name as Dropbox does. */
export function badInput(
  route: string | undefined,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  const text = route ? `Error in call to API function "${route}": ${message}` : message;
  return make(400, 'bad_input', text, {}, headers);
}

/** 401 `AuthError`: `invalid_access_token`, `expired_access_token`, `missing_scope` (with the scope)… */
export function authError(tag: string, requiredScope?: string): HttpError {
  const error: Record<string, unknown> = { '.tag': tag };
  if (requiredScope) error.required_scope = requiredScope;
  return make(401, 'auth', tag, { error, summary: `${tag}/` });
}

/** 403 `AccessError`. */
export function accessError(error: Record<string, unknown>): HttpError {
  return make(403, 'access', summaryOf(error), { error });
}

/** 422 `PathRootError` (bad `Dropbox-API-Path-Root` header). */
export function pathRootError(error: Record<string, unknown>, summary: string): HttpError {
  return make(422, 'path_root', summary, { error, summary });
}

/** 429 `RateLimitError` with `Retry-After`. */
export function rateLimited(
  retryAfter = 1,
  reason: 'too_many_requests' | 'too_many_write_operations' = 'too_many_requests',
) {
  return make(
    429,
    'rate_limit',
    reason,
    { error: { reason: { '.tag': reason }, retry_after: retryAfter }, summary: `${reason}/` },
    {
      'retry-after': String(retryAfter),
    },
  );
}

/** A plain-text answer with any status (unknown routes, server errors). */
export function textError(status: number, message: string): HttpError {
  return make(status, 'text', message);
}

const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: 'application/json' });
const text = (value: string) => ({ body: value, contentType: 'text/plain; charset=utf-8' });

/** Formats every error of the three Dropbox hosts, including injected faults and framework errors. */
export const formatDropboxError: ErrorFormatter = (e: HttpError, req: EmulatorRequest) => {
  const d = (e.detail as Partial<DropboxDetail>).dropbox;
  if (d) {
    switch (d.kind) {
      case 'bad_input':
      case 'text':
        return text(e.message);
      case 'rate_limit':
        return json({ error_summary: pad(d.summary ?? ''), error: d.error });
      default:
        return json({ error_summary: pad(d.summary ?? e.message), error: d.error });
    }
  }
  const route = req.path.replace(/^\/2\//, '');
  // Injected faults and framework errors: give them the shape Dropbox uses for that status.
  switch (e.status) {
    case 400:
      return text(`Error in call to API function "${route}": ${e.message}`);
    case 401:
      return json({ error_summary: pad('invalid_access_token/'), error: { '.tag': 'invalid_access_token' } });
    case 404:
      return text(`Unknown API function: ${req.path}`);
    case 409:
      return json({ error_summary: pad('other/'), error: { '.tag': 'other' } });
    case 429: {
      const header = Number(e.headers['retry-after']);
      const retryAfter = Number.isFinite(header) && header >= 0 ? Math.ceil(header) : 1;
      if (e.headers['retry-after'] === undefined) e.headers['retry-after'] = String(retryAfter);
      return json({
        error_summary: pad('too_many_requests/'),
        error: { reason: { '.tag': 'too_many_requests' }, retry_after: retryAfter },
      });
    }
    default:
      return text(e.status >= 500 ? 'Internal Server Error' : e.message);
  }
};
