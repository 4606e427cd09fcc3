import { type ProviderContext, publishPage } from '../../core/provider.js';
import type { UploadSessions } from '../../core/transfer/index.js';
import type { GoogleDriveApi } from './api.js';
import type { GoogleDrive } from './googledrive.js';
import { resourceEvent } from './mapping.js';
import type { GoogleDriveSettingTable } from './settings.js';
import type { GoogleDriveResource } from './types.js';

/**
 * What the area modules (listing, uploads, downloads, permissions, …) get from the class: its public
 * state, the Drive calls, the settings, and the encryption settings of a call. The class builds one in its
 * constructor.
 */
export interface GoogleDriveContext extends ProviderContext<GoogleDrive, GoogleDriveSettingTable> {
  api: GoogleDriveApi;
  /** The resumable sessions the instance is sending (per-call state, mirrored to resumeUrl/startByte). */
  uploadSessions: UploadSessions<'resumeUrl'>;
}

/** Fills the Resource collection with a page (AccumulatePages) and fires `resourceList` per item. */
export function publishResources(
  ctx: GoogleDriveContext,
  page: GoogleDriveResource[],
  continuing: boolean,
): void {
  publishPage({ get: () => ctx.client.resources, set: (items) => (ctx.client.resources = items) }, page, {
    continuing,
    accumulate: ctx.settings.get('AccumulatePages'),
    emit: (r) => ctx.client.emit('resourceList', resourceEvent(r)),
  });
}

/**
 * The `fields` of an info or list call: a `fields` query parameter of the caller wins; then RequestedFields
 * ("default": the class's own mask; "*": everything; or the caller's mask). `wrap` turns an item mask into
 * the list mask (`nextPageToken,files(…)`).
 */
export function requestedFields(
  ctx: GoogleDriveContext,
  itemFields: string,
  wrap?: (item: string) => string,
): string {
  const param = ctx.client.queryParams.find((p) => p.name === 'fields');
  if (param) return param.value;
  const setting = ctx.settings.get('RequestedFields').trim();
  if (setting === '' || setting.toLowerCase() === 'default') return wrap ? wrap(itemFields) : itemFields;
  if (setting === '*') return '*';
  return setting;
}

/** The caller's query parameters (addQueryParam) other than `q` and `fields`, for the listing calls. */
export function extraQueryParams(ctx: GoogleDriveContext): Array<[string, string]> {
  return ctx.client.queryParams
    .filter((p) => p.name !== 'q' && p.name !== 'fields')
    .map((p) => [p.name, p.value]);
}

/** The caller's `q` (addQueryParam('q', …)), or ''. */
export function callerQuery(ctx: GoogleDriveContext): string {
  return ctx.client.queryParams
    .filter((p) => p.name === 'q')
    .map((p) => p.value.trim())
    .filter((q) => q !== '')
    .map((q) => `(${q})`)
    .join(' and ');
}

/** Splits a reference "Id list" (comma-separated) into ids. */
export function idList(ids: string): string[] {
  return ids
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `useDomainAdminAccess` per the UseDomainAdminAccess setting, for the permissions and drives calls. */
export function domainAdmin(ctx: GoogleDriveContext): Record<string, string> {
  return ctx.settings.get('UseDomainAdminAccess') ? { useDomainAdminAccess: 'true' } : {};
}
