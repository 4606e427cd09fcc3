import { type ProviderContext, publishPage } from '../../core/provider.js';
import type { UploadSessions } from '../../core/transfer/index.js';
import type { DropboxApi } from './api.js';
import type { Dropbox } from './dropbox.js';
import { resourceEvent, sharedLinkEvent } from './mapping.js';
import type { DropboxSettingTable } from './settings.js';
import type { DropboxResource, DropboxSharedLink } from './types.js';

/**
 * What the area modules (listing, uploads, downloads, links, …) get from the Dropbox class: the core
 * context (the instance, HTTP, settings, encryption), the Dropbox calls, and the state the areas share.
 * The class builds one in its constructor.
 */
export interface DropboxContext extends ProviderContext<Dropbox, DropboxSettingTable> {
  api: DropboxApi;
  /** The upload sessions the instance is sending (per-call state, mirrored to uploadSessionId/startByte). */
  uploadSessions: UploadSessions<'uploadSessionId'>;
  /** When the next long-poll may start (the `backoff` of the last one). */
  longpollBackoff: { until: number };
}

/**
 * Puts a page into the Resource collection and fires `resourceList` for each item. With AccumulatePages on,
 * a page that continues a listing is appended; the first page of a listing (and every page with the setting
 * off) replaces the collection.
 */
export function publishResources(ctx: DropboxContext, page: DropboxResource[], continuing: boolean): void {
  publishPage(
    {
      get: () => ctx.client.resources,
      set: (items) => {
        ctx.client.resources = items;
      },
    },
    page,
    {
      continuing,
      accumulate: ctx.settings.get('AccumulatePages'),
      emit: (r) => ctx.client.emit('resourceList', resourceEvent(r)),
    },
  );
}

/** The same for the SharedLink collection and `sharedLinkList`. */
export function publishSharedLinks(
  ctx: DropboxContext,
  page: DropboxSharedLink[],
  continuing: boolean,
): void {
  publishPage(
    {
      get: () => ctx.client.sharedLinks,
      set: (items) => {
        ctx.client.sharedLinks = items;
      },
    },
    page,
    {
      continuing,
      accumulate: ctx.settings.get('AccumulatePages'),
      emit: (l) => ctx.client.emit('sharedLinkList', sharedLinkEvent(l)),
    },
  );
}

/** The DateFormat setting. */
export function dateFormat(ctx: DropboxContext): string {
  return ctx.settings.get('DateFormat');
}
