import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { ErrorMapper, HttpErrorInfo } from '../../core/http/index.js';
import type { Redactor } from '../../core/redact.js';
import { formatId } from './ids.js';
import type { WireError, WireItem } from './wire.js';

/** The Box class's own error codes (besides the shared 600–612). */
export const BoxErrorCode = {
  /** The thumbnail is still being generated: retry after the RetryAfter setting's seconds. */
  ThumbnailNotReady: 700,
  /** updateMetadata found no item to send. */
  NoMetadataToUpdate: 701,
  /** The resource is in the trash. */
  Trashed: 702,
} as const;

function parseError(text: string): WireError | undefined {
  try {
    const body = JSON.parse(text) as WireError;
    return body && typeof body === 'object' && body.type === 'error' ? body : undefined;
  } catch {
    return undefined;
  }
}

function conflictIds(body: WireError): string {
  const c = body.context_info?.conflicts;
  const list: WireItem[] = Array.isArray(c) ? c : c ? [c] : [];
  return list
    .filter((i) => i && typeof i.id === 'string')
    .map((i) => formatId(i.type, i.id))
    .join(', ');
}

/** What to do about a Box error code, appended to the message. */
function advice(status: number, code: string, body: WireError): string {
  switch (code) {
    case 'item_name_in_use': {
      const ids = conflictIds(body);
      return ` Choose another name, or delete or rename the existing item${ids ? ` (${ids})` : ''}.`;
    }
    case 'item_name_invalid':
    case 'item_name_too_long':
      return ' Box names have 1 to 255 characters, no / or \\, no trailing spaces, and are not . or ..';
    case 'trashed':
      return ' Restore it with restoreResource first, or delete it for good with deleteResource.';
    case 'storage_limit_exceeded':
      return ' Free space in the account, or upgrade it.';
    case 'file_size_limit_exceeded':
      return ' The account cannot store files this large (see AccountMaxFileSize).';
    case 'precondition_failed':
      return ' The item changed meanwhile: read it again (getResourceInfo) and retry.';
    case 'digest_mismatch':
    case 'bad_digest':
      return ' The bytes Box received differ from those sent: upload again.';
    case 'rate_limit_exceeded':
      return ' Slow down and try again later.';
  }
  if (status === 401) return ' Check the credentials or call authorize() again.';
  if (status === 403) return ' The account or app lacks the permission or scope for this.';
  if (status === 404) return ' Check the id: the item does not exist or this account cannot see it.';
  if (status >= 500) return ' Try again later.';
  return '';
}

/** Which shared code an HTTP error maps to. */
function codeFor(status: number, boxCode: string): number {
  if (status === 401) return ErrorCode.InvalidCredentials;
  if (status === 404 && boxCode === 'trashed') return BoxErrorCode.Trashed;
  if (status === 404 || status === 405) return ErrorCode.InvalidRemoteId;
  return ErrorCode.ServerError;
}

/**
 * Turns a Box error response into a CloudStorageError: 401 → 603, 404 `trashed` → 702, other 404s (and
 * Box's 405 for malformed ids) → 604, the rest → 600. `subject` names what the call was about
 * (`f:123`), for the message.
 */
export function boxErrorMapper(redactor: Redactor, subject?: string): ErrorMapper {
  return (info: HttpErrorInfo) => {
    const body = parseError(info.bodyText);
    const boxCode = body?.code ?? '';
    const requestId = body?.request_id ?? info.requestId;
    const about = subject ? ` (${subject})` : '';
    const what = body?.message
      ? `: ${body.message}`
      : info.bodyText
        ? `: ${info.bodyText.slice(0, 300)}`
        : '';
    const message =
      `Box answered ${info.status}${boxCode ? ` ${boxCode}` : ''} to ${info.method} ${info.url}${about}${what}.` +
      `${requestId ? ` (request id ${requestId})` : ''}${advice(info.status, boxCode, body ?? {})}`;
    return new CloudStorageError(codeFor(info.status, boxCode), message, {
      httpStatus: info.status,
      ...(boxCode ? { providerCode: boxCode } : {}),
      ...(requestId ? { requestId } : {}),
      ...(info.retryAfter !== undefined ? { retryAfter: info.retryAfter } : {}),
      redactor,
    });
  };
}
