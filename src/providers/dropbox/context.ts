import type { Settings } from '../../core/config.js';
import type { EncryptionSettings } from '../../core/crypto/index.js';
import type { HttpClient } from '../../core/http/index.js';
import type { Redactor } from '../../core/redact.js';
import type { UploadSessions } from '../../core/transfer/index.js';
import type { DropboxApi } from './api.js';
import type { Dropbox } from './dropbox.js';
import { resourceEvent, sharedLinkEvent } from './mapping.js';
import type { DropboxSettingTable } from './settings.js';
import type { DropboxResource, DropboxSharedLink } from './types.js';

/**
 * What the area modules (listing, uploads, downloads, links, …) get from the class: its public state, the
 * Dropbox calls, the HTTP client for transfers, the settings, and the encryption settings of a call. The
 * class builds one in its constructor; the modules never reach into its protected members otherwise.
 */
export interface DropboxContext {
  client: Dropbox;
  api: DropboxApi;
  http: HttpClient;
  settings: Settings<DropboxSettingTable>;
  redactor: Redactor;
  encryption(): EncryptionSettings;
  /** The upload sessions the instance is sending (per-call state, mirrored to uploadSessionId/startByte). */
  uploadSessions: UploadSessions<'uploadSessionId'>;
  /** Keeps a JSON body for the XPath settings. */
  rememberJson(text: string): void;
}

/**
 * Puts a page into the Resource collection and fires `resourceList` for each item. With AccumulatePages on,
 * a page that continues a listing is appended; the first page of a listing (and every page with the setting
 * off) replaces the collection.
 */
export function publishResources(ctx: DropboxContext, page: DropboxResource[], continuing: boolean): void {
  const accumulate = continuing && ctx.settings.get('AccumulatePages');
  if (accumulate) for (const r of page) ctx.client.resources.push(r);
  else ctx.client.resources = [...page];
  for (const r of page) ctx.client.emit('resourceList', resourceEvent(r));
}

/** The same for the SharedLink collection and `sharedLinkList`. */
export function publishSharedLinks(
  ctx: DropboxContext,
  page: DropboxSharedLink[],
  continuing: boolean,
): void {
  const accumulate = continuing && ctx.settings.get('AccumulatePages');
  if (accumulate) for (const l of page) ctx.client.sharedLinks.push(l);
  else ctx.client.sharedLinks = [...page];
  for (const l of page) ctx.client.emit('sharedLinkList', sharedLinkEvent(l));
}

/** The DateFormat setting. */
export function dateFormat(ctx: DropboxContext): string {
  return ctx.settings.get('DateFormat');
}
