import { CloudStorageError, invalidArgument } from '../../core/errors.js';
import { walkPages } from '../../core/provider.js';
import { type BoxContext, publishResources, remember } from './context.js';
import { BoxErrorCode } from './errors.js';
import { type BoxRef, formatId, itemPath, parseId, stripIdList } from './ids.js';
import { resourceFromItem, resourceFromVersion, resourceListEvent } from './mapping.js';
import type { BoxPage, BoxResource } from './types.js';
import {
  ITEM_FIELDS,
  VERSION_FIELDS,
  type WireFileVersion,
  type WireItem,
  type WireMarkerPage,
  type WireOffsetPage,
} from './wire.js';

/**
 * listResources, search, listVersions (one page per call, into the Resources collection, paged by their
 * markers), their iterators (every page, without touching the collection or markers), and
 * getResourceInfo. Folder listings use Box's own markers (`usemarker=true`); search and versions are
 * offset-paged on Box, so their markers carry the next offset. A marker left from another folder, query or
 * file is ignored: that listing starts from its first page.
 */

/** Every resource of a marker-paged listing (see core walkPages). */
function walk(fetch: (marker: string) => Promise<BoxPage>): AsyncGenerator<BoxResource> {
  return walkPages(async (marker) => {
    const page = await fetch(marker);
    return { items: page.resources, marker: page.marker };
  });
}

function folderOf(folderId: string): BoxRef | 'trash' {
  return folderId.trim().toLowerCase() === 'trash' ? 'trash' : parseId(folderId, 'folder', 'folder id');
}

export async function listResources(
  ctx: BoxContext,
  folderId: string,
  signal: AbortSignal,
): Promise<BoxPage> {
  const folder = folderOf(folderId);
  const owner = folder === 'trash' ? 'trash' : folder.id;
  const marker = ctx.markerOwners.resource === owner ? ctx.client.resourceMarker : '';
  const page = await folderPage(ctx, folder, marker, ctx.settings.get('MaxResults'), signal);
  publishResources(ctx, page.resources, marker !== '');
  ctx.client.resourceMarker = page.marker;
  ctx.markerOwners.resource = owner;
  return page;
}

export function iterateResources(
  ctx: BoxContext,
  folderId: string,
  signal: AbortSignal,
): AsyncGenerator<BoxResource> {
  const folder = folderOf(folderId);
  return walk((marker) => folderPage(ctx, folder, marker, ctx.settings.get('MaxResults'), signal));
}

export async function search(ctx: BoxContext, query: string, signal: AbortSignal): Promise<BoxPage> {
  const params = ctx.client.queryParams.map((p) => ({ ...p }));
  const owner = JSON.stringify([query, params]);
  const marker = ctx.markerOwners.search === owner ? ctx.client.searchMarker : '';
  const page = await searchPage(ctx, query, marker, ctx.settings.get('MaxSearchResults'), params, signal);
  publishResources(ctx, page.resources, marker !== '');
  ctx.client.searchMarker = page.marker;
  ctx.markerOwners.search = owner;
  return page;
}

export function iterateSearch(
  ctx: BoxContext,
  query: string,
  signal: AbortSignal,
): AsyncGenerator<BoxResource> {
  const params = ctx.client.queryParams.map((p) => ({ ...p }));
  return walk((marker) =>
    searchPage(ctx, query, marker, ctx.settings.get('MaxSearchResults'), params, signal),
  );
}

export async function listVersions(ctx: BoxContext, fileId: string, signal: AbortSignal): Promise<BoxPage> {
  const file = parseId(fileId, 'file', 'file id');
  const marker = ctx.markerOwners.version === file.id ? ctx.client.versionMarker : '';
  const page = await versionPage(ctx, file, marker, ctx.settings.get('MaxResults'), signal);
  publishResources(ctx, page.resources, marker !== '');
  ctx.client.versionMarker = page.marker;
  ctx.markerOwners.version = file.id;
  return page;
}

export function iterateVersions(
  ctx: BoxContext,
  fileId: string,
  signal: AbortSignal,
): AsyncGenerator<BoxResource> {
  const file = parseId(fileId, 'file', 'file id');
  return walk((marker) => versionPage(ctx, file, marker, ctx.settings.get('MaxResults'), signal));
}

/** One resource ('' the root): `resources` then holds only it, and resourceList fires once. */
export async function getResourceInfo(
  ctx: BoxContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<BoxResource> {
  const item = await fetchItem(ctx, parseId(resourceId, 'any'), signal);
  const resource = remember(ctx, item);
  ctx.client.resources = [resource];
  ctx.client.emit('resourceList', resourceListEvent(resource));
  return resource;
}

/** `limit` from MaxResults / MaxSearchResults (-1: let the server choose). */
function limitParam(limit: number): Record<string, number> {
  return limit > 0 ? { limit } : {};
}

/** A page of a folder (or of the trash, with `folder` = 'trash'). */
export async function folderPage(
  ctx: BoxContext,
  folder: BoxRef | 'trash',
  marker: string,
  limit: number,
  signal: AbortSignal,
): Promise<BoxPage> {
  const path = folder === 'trash' ? '/folders/trash/items' : `/folders/${folder.id}/items`;
  const page = await ctx.api.json<WireMarkerPage<WireItem>>({
    method: 'GET',
    path,
    query: { fields: ITEM_FIELDS, usemarker: true, ...limitParam(limit), ...(marker ? { marker } : {}) },
    signal,
    subject: folder === 'trash' ? 'trash' : formatId('folder', folder.id),
  });
  return {
    resources: page.entries.filter((e) => e.type !== 'web_link').map(resourceFromItem),
    marker: page.next_marker ?? '',
  };
}

/** The next offset of an offset-paged listing, as a marker ('' at the end). */
function nextOffset(page: WireOffsetPage<unknown>, offset: number): string {
  const next = offset + page.entries.length;
  if (page.entries.length === 0) return '';
  if (page.total_count !== undefined && next >= page.total_count) return '';
  return String(next);
}

function offsetOf(marker: string, what: string): number {
  if (marker === '') return 0;
  if (!/^\d+$/.test(marker)) {
    throw invalidArgument(
      `${what} "${marker}" is not a marker this class returned; clear it to start from the first page.`,
    );
  }
  return Number(marker);
}

/** Query parameters whose values are lists of resource ids: the class strips the f:/d: prefixes. */
const ID_LIST_PARAMS = new Set(['ancestor_folder_ids']);

/** A page of search results. `extra` are the QueryParams (type, file_extensions, ancestor_folder_ids, …). */
export async function searchPage(
  ctx: BoxContext,
  query: string,
  marker: string,
  limit: number,
  extra: Array<{ name: string; value: string }>,
  signal: AbortSignal,
): Promise<BoxPage> {
  const offset = offsetOf(marker, 'searchMarker');
  const given = new Set(extra.map((p) => p.name));
  const params: Array<[string, string]> = [['query', query]];
  if (!given.has('fields')) params.push(['fields', ITEM_FIELDS]);
  if (!given.has('limit') && limit > 0) params.push(['limit', String(limit)]);
  params.push(['offset', String(offset)]);
  for (const p of extra) {
    if (p.name === 'query' || p.name === 'offset') continue;
    params.push([p.name, ID_LIST_PARAMS.has(p.name) ? stripIdList(p.value) : p.value]);
  }
  const page = await ctx.api.json<WireOffsetPage<WireItem>>({
    method: 'GET',
    path: '/search',
    query: params,
    signal,
  });
  return {
    resources: page.entries.filter((e) => e.type !== 'web_link').map(resourceFromItem),
    marker: nextOffset(page, offset),
  };
}

/** A page of a file's previous versions (Box excludes the current one). */
export async function versionPage(
  ctx: BoxContext,
  file: BoxRef,
  marker: string,
  limit: number,
  signal: AbortSignal,
): Promise<BoxPage> {
  const offset = offsetOf(marker, 'versionMarker');
  const fileId = formatId('file', file.id);
  const page = await ctx.api.json<WireOffsetPage<WireFileVersion>>({
    method: 'GET',
    path: `/files/${file.id}/versions`,
    query: { fields: VERSION_FIELDS, offset, ...limitParam(limit) },
    signal,
    subject: fileId,
  });
  return {
    resources: page.entries.map((v) => resourceFromVersion(fileId, v)),
    marker: nextOffset(page, offset),
  };
}

/**
 * One file or folder. A folder in the trash answers 404 `trashed` on its normal endpoint; its trash
 * endpoint still describes it, so getResourceInfo works on items listed from the trash.
 */
export async function fetchItem(ctx: BoxContext, ref: BoxRef, signal: AbortSignal): Promise<WireItem> {
  const subject = formatId(ref.kind, ref.id);
  try {
    return await ctx.api.json<WireItem>({
      method: 'GET',
      path: `/${itemPath(ref)}`,
      query: { fields: ITEM_FIELDS },
      signal,
      subject,
    });
  } catch (e) {
    if (!(e instanceof CloudStorageError) || e.code !== BoxErrorCode.Trashed) throw e;
    return ctx.api.json<WireItem>({
      method: 'GET',
      path: `/${itemPath(ref)}/trash`,
      query: { fields: ITEM_FIELDS },
      signal,
      subject,
    });
  }
}
