import { type ProviderContext, publishPage } from '../../core/provider.js';
import type { UploadSessions } from '../../core/transfer/index.js';
import type { BoxApi } from './api.js';
import type { Box } from './box.js';
import { resourceFromItem, resourceListEvent } from './mapping.js';
import type { BoxSettingTable } from './settings.js';
import type { BoxResource } from './types.js';
import type { WireItem } from './wire.js';

/**
 * What the area modules (listing, items, links, uploads, downloads, metadata, …) get from the Box class:
 * the core context (the instance, HTTP, settings, encryption), the Box calls, and the state the areas share.
 * The class builds one in its constructor.
 */
export interface BoxContext extends ProviderContext<Box, BoxSettingTable> {
  api: BoxApi;
  /** The upload sessions the instance is sending (per-call state, mirrored to resumeUrl/startByte). */
  uploadSessions: UploadSessions<'resumeUrl'>;
  /** Each resource as Box last described it, so updateResource sends only what the caller changed. */
  originals: WeakMap<BoxResource, BoxResource>;
  /** What each marker is a marker of (a folder, a query, a file): another listing starts afresh. */
  markerOwners: { resource: string; search: string; version: string };
}

/** A resource from Box's description, remembered so that updateResource can tell what changed. */
export function remember(ctx: BoxContext, item: WireItem): BoxResource {
  return rememberResource(ctx, resourceFromItem(item));
}

export function rememberResource(ctx: BoxContext, resource: BoxResource): BoxResource {
  ctx.originals.set(resource, { ...resource });
  return resource;
}

/**
 * Puts a page into the Resources collection (appended when it continues a listing and AccumulatePages is
 * on) and fires resourceList for each item.
 */
export function publishResources(ctx: BoxContext, page: BoxResource[], continuing: boolean): void {
  for (const r of page) rememberResource(ctx, r);
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
      emit: (r) => ctx.client.emit('resourceList', resourceListEvent(r)),
    },
  );
}
