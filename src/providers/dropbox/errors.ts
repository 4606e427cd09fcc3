import { CloudStorageError, type CloudStorageErrorOptions, ErrorCode } from '../../core/errors.js';
import type { HttpErrorInfo } from '../../core/http/index.js';
import type { Redactor } from '../../core/redact.js';
import type { ErrorBody } from './wire.js';

/**
 * Dropbox's error answers turned into CloudStorageErrors with the reference codes and a message that says
 * what to do. 409 route errors keep their Stone error union (`error`) and `error_summary`, so callers and
 * the class itself can look at the tags (`incorrect_offset` and its `correct_offset`, say).
 */
export class DropboxApiError extends CloudStorageError {
  /** The Stone error union of a 409 (or the AuthError / RateLimitError of a 401 / 429), when JSON. */
  readonly error: Record<string, unknown> | undefined;
  /** `error_summary`: the tags joined by `/` (`path/not_found/…`); match by prefix, never equality. */
  readonly errorSummary: string;

  constructor(
    code: number,
    message: string,
    options: CloudStorageErrorOptions & { error?: Record<string, unknown>; errorSummary?: string },
  ) {
    super(code, message, options);
    this.name = 'DropboxApiError';
    this.error = options.error;
    this.errorSummary = options.errorSummary ?? '';
  }

  /** Whether the error summary starts with `prefix` (`'path/not_found'`). */
  is(prefix: string): boolean {
    return summaryTags(this.errorSummary).join('/').startsWith(prefix);
  }
}

/** `path/not_found/..` -> ['path', 'not_found']. */
function summaryTags(summary: string): string[] {
  return summary
    .split('/')
    .map((t) => t.trim())
    .filter((t) => t !== '' && !/^\.+$/.test(t));
}

/** The tags of an error union, outermost first: `{".tag":"path","path":{".tag":"not_found"}}` -> [path, not_found]. */
export function errorTags(error: unknown): string[] {
  const tags: string[] = [];
  let node = error;
  while (node && typeof node === 'object' && typeof (node as Record<string, unknown>)['.tag'] === 'string') {
    const o = node as Record<string, unknown>;
    const tag = o['.tag'] as string;
    tags.push(tag);
    node = tag in o ? o[tag] : o.reason;
  }
  return tags;
}

/** Finds `correct_offset` anywhere in an `incorrect_offset` error (append_v2, or finish's lookup_failed). */
export function correctOffsetOf(err: unknown): number | undefined {
  if (!(err instanceof DropboxApiError) || !err.error) return undefined;
  let node: unknown = err.error;
  while (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o['.tag'] === 'incorrect_offset' && typeof o.correct_offset === 'number') return o.correct_offset;
    const tag = o['.tag'];
    node = typeof tag === 'string' ? o[tag] : undefined;
  }
  return undefined;
}

/** Which reference code and advice a chain of 409 tags gets. */
function classify409(tags: string[]): { code: number; advice: string } {
  const has = (t: string) => tags.includes(t);
  if (has('incorrect_offset'))
    return {
      code: ErrorCode.CannotResume,
      advice: 'The upload session is at another offset; set startByte to the offset Dropbox reports.',
    };
  if (tags[0] === 'lookup_failed' || (tags.length === 1 && (has('not_found') || has('closed')))) {
    if (has('not_found'))
      return {
        code: ErrorCode.CannotResume,
        advice:
          'The upload session does not exist or expired (after 7 days); clear uploadSessionId and startByte and upload again.',
      };
    return { code: ErrorCode.CannotResume, advice: 'The upload session cannot take more data.' };
  }
  if (has('content_hash_mismatch'))
    return {
      code: ErrorCode.StreamError,
      advice: 'The data Dropbox received does not match its content hash; upload it again.',
    };
  if (has('conflict'))
    return {
      code: ErrorCode.ServerError,
      advice:
        'Something already exists at that path: set RenameIfExists, or overwrite (uploads), or pick another name.',
    };
  if (has('not_found') || has('malformed_path') || has('not_file') || has('not_folder'))
    return {
      code: ErrorCode.InvalidRemoteId,
      advice: has('not_found')
        ? 'Check the path, id or revision: nothing is there.'
        : has('malformed_path')
          ? 'The path is malformed: paths start with "/", have no empty or trailing components, and the root is "".'
          : has('not_file')
            ? 'That is a folder, not a file.'
            : 'That is a file, not a folder.',
    };
  if (has('disallowed_name'))
    return { code: ErrorCode.InvalidRemoteId, advice: 'Dropbox does not accept that file name.' };
  if (has('insufficient_space'))
    return { code: ErrorCode.ServerError, advice: 'The Dropbox account is full; free some space.' };
  if (has('unsupported_file'))
    return {
      code: ErrorCode.UnsupportedOperation,
      advice: 'This file can only be exported, not downloaded.',
    };
  if (has('reset'))
    return {
      code: ErrorCode.ServerError,
      advice: 'The marker (cursor) is no longer valid: clear it and list again from the start.',
    };
  if (has('shared_link_not_found') || has('shared_link_malformed'))
    return { code: ErrorCode.InvalidRemoteId, advice: 'No shared link of this user has that URL.' };
  if (has('settings_error'))
    return {
      code: ErrorCode.UnsupportedOperation,
      advice: 'Dropbox refused the link settings (visibility, password or expiry) for this account.',
    };
  if (tags.some((t) => PERMISSION_TAGS.has(t)))
    return { code: ErrorCode.ServerError, advice: PERMISSION_ADVICE };
  return { code: ErrorCode.ServerError, advice: '' };
}

/**
 * Dropbox's "not allowed" answers (the account, a team policy or the content's owner forbids it). The
 * reference has no code of its own for them: like Box's 403 they are 600 (the server refused), not 601,
 * which means the class does not support the operation. `providerCode` says which refusal it was.
 */
const PERMISSION_TAGS = new Set([
  'no_permission',
  'no_write_permission',
  'access_denied',
  'access_restricted',
  'team_folder',
  'insufficient_permissions',
  'permission_denied',
  'shared_link_access_denied',
  'user_not_allowed_by_owner',
  'restricted_content',
  'operation_suppressed',
  'not_allowed',
  'email_not_verified',
  'email_unverified',
]);
const PERMISSION_ADVICE =
  'Dropbox does not allow this account to do that there (permissions, a team policy or restricted content); ask the owner or an admin for access, or act elsewhere.';

function parseBody(text: string): ErrorBody | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return body && typeof body === 'object' ? (body as ErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

/** The route of a Dropbox URL (`files/list_folder`), for messages. */
function routeOf(url: string): string {
  const m = /\/2\/([^?#]+)/.exec(url);
  return m ? m[1]! : url;
}

/** The HttpClient's `errorFromResponse` for the three Dropbox hosts. */
export function dropboxErrorMapper(redactor: Redactor) {
  return (info: HttpErrorInfo): CloudStorageError => {
    const body = parseBody(info.bodyText);
    const summary = body?.error_summary ?? '';
    const error = body?.error as Record<string, unknown> | undefined;
    const route = routeOf(info.url);
    const common = {
      httpStatus: info.status,
      requestId: info.requestId,
      retryAfter: info.retryAfter,
      redactor,
      ...(error ? { error } : {}),
      errorSummary: summary,
      ...(summary ? { providerCode: summaryTags(summary).join('/') } : {}),
    };
    const said = summary ? ` (${summaryTags(summary).join('/')})` : '';
    const text = !body && info.bodyText ? ` Dropbox said: ${info.bodyText.slice(0, 500)}` : '';
    const where = `Dropbox ${route} failed with HTTP ${info.status}${said}`;
    switch (true) {
      case info.status === 400:
        return new DropboxApiError(
          /\bpath\b/.test(info.bodyText) ? ErrorCode.InvalidRemoteId : ErrorCode.ServerError,
          `${where}: the request was refused as malformed.${text}`,
          common,
        );
      case info.status === 401: {
        const tag = errorTags(error)[0] ?? '';
        const advice =
          tag === 'missing_scope'
            ? ` The token lacks the scope ${String(error?.required_scope ?? '')}: authorize again asking for it.`
            : tag === 'expired_access_token'
              ? ' The access token expired and could not be refreshed: authorize again (a refresh token needs token_access_type=offline).'
              : ' Check the access token, or authorize again.';
        return new DropboxApiError(ErrorCode.InvalidCredentials, `${where}.${advice}`, common);
      }
      case info.status === 403: {
        // invalid_account_type: this kind of account lacks the endpoint or feature (601, unsupported);
        // any other 403 (paper_access_denied, team_access_denied, …) is a refusal (600).
        const tags = errorTags(error);
        if (tags.includes('invalid_account_type')) {
          return new DropboxApiError(
            ErrorCode.UnsupportedOperation,
            `${where}. This needs another kind of Dropbox account (PermanentlyDelete needs Dropbox Business).`,
            common,
          );
        }
        return new DropboxApiError(ErrorCode.ServerError, `${where}. ${PERMISSION_ADVICE}`, common);
      }
      case info.status === 409: {
        const tags = errorTags(error).length ? errorTags(error) : summaryTags(summary);
        const { code, advice } = classify409(tags);
        return new DropboxApiError(code, `${where}.${advice ? ` ${advice}` : ''}`, common);
      }
      case info.status === 422:
        return new DropboxApiError(
          ErrorCode.InvalidRemoteId,
          `${where}: the Dropbox-API-Path-Root namespace is not valid for this account; check the PathRoot setting.`,
          common,
        );
      case info.status === 429:
        return new DropboxApiError(
          ErrorCode.ServerError,
          `${where}: too many requests.${info.retryAfter !== undefined ? ` Dropbox asked to wait ${info.retryAfter} s.` : ''} Try again later.`,
          common,
        );
      default:
        return new DropboxApiError(
          ErrorCode.ServerError,
          `${where}.${info.status >= 500 ? ' Dropbox had a problem; try again later.' : ''}${text}`,
          common,
        );
    }
  };
}
