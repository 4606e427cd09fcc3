import { invalidArgument } from '../../core/errors.js';
import { sleep } from '../../core/http/retry.js';
import { walkPages } from '../../core/provider.js';
import { ACCEPTS, address } from './addressing.js';
import { type DropboxContext, dateFormat, publishResources } from './context.js';
import { resourceFromMetadata } from './mapping.js';
import type { ChangePage, DropboxResource, ResourcePage } from './types.js';
import type {
  ListFolderLongpollResult,
  ListFolderResult,
  ListRevisionsResult,
  Metadata,
  SearchOptionsArg,
  SearchV2Result,
} from './wire.js';

/**
 * Listing, change tracking, revisions, search and metadata: files/list_folder (+ continue,
 * get_latest_cursor, longpoll), files/list_revisions, files/search_v2 (+ continue_v2), files/get_metadata.
 */

/** The list_folder argument for a folder and the scope settings (IncludeDeleted, …, MaxResults). */
function listFolderArg(ctx: DropboxContext, folder: string) {
  const s = ctx.settings;
  const limit = s.get('MaxResults');
  return {
    path: address(folder, ACCEPTS.folder, 'folderResource').value,
    recursive: s.get('RecurseSubfolders'),
    include_deleted: s.get('IncludeDeleted'),
    include_mounted_folders: s.get('IncludeMounted'),
    ...(limit > 0 ? { limit } : {}),
  };
}

function toResources(ctx: DropboxContext, entries: Metadata[]): DropboxResource[] {
  const format = dateFormat(ctx);
  return entries.map((m) => resourceFromMetadata(m, format));
}

/** One page of files/list_folder, or of list_folder/continue when a cursor is given. */
export async function listFolderPage(
  ctx: DropboxContext,
  folder: string,
  cursor: string,
  signal: AbortSignal,
): Promise<ListFolderResult> {
  if (cursor) {
    return ctx.api.rpc<ListFolderResult>(
      'files/list_folder/continue',
      { cursor },
      { signal, idempotent: true },
    );
  }
  return ctx.api.rpc<ListFolderResult>('files/list_folder', listFolderArg(ctx, folder), {
    signal,
    idempotent: true,
  });
}

export async function listResources(
  ctx: DropboxContext,
  folderResource: string,
  signal: AbortSignal,
): Promise<ResourcePage> {
  const marker = ctx.client.resourceMarker;
  const result = await listFolderPage(ctx, folderResource, marker, signal);
  const resources = toResources(ctx, result.entries);
  ctx.client.resourceMarker = result.has_more ? result.cursor : '';
  publishResources(ctx, resources, marker !== '');
  return { resources, marker: ctx.client.resourceMarker };
}

/** Every resource of a folder (all pages), without touching the instance's collection or markers. */
export function iterateResources(
  ctx: DropboxContext,
  folderResource: string,
  signal: AbortSignal,
): AsyncGenerator<DropboxResource> {
  return walkPages(async (cursor) => {
    const result = await listFolderPage(ctx, folderResource, cursor, signal);
    return { items: toResources(ctx, result.entries), marker: result.has_more ? result.cursor : '' };
  });
}

/**
 * A page of changes. With both markers empty, the first page of a baseline (list_folder); otherwise the
 * page after whichever marker is set (list_folder/continue). While more pages remain the cursor goes to
 * changeMarker; after the last one to nextChangeMarker.
 */
export async function listChanges(
  ctx: DropboxContext,
  folderResource: string,
  signal: AbortSignal,
): Promise<ChangePage> {
  const client = ctx.client;
  const continuing = client.changeMarker !== '';
  const cursor = client.changeMarker || client.nextChangeMarker;
  const result = await listFolderPage(ctx, folderResource, cursor, signal);
  const resources = toResources(ctx, result.entries);
  if (result.has_more) client.changeMarker = result.cursor;
  else client.nextChangeMarker = result.cursor;
  publishResources(ctx, resources, continuing);
  return { resources, changeMarker: client.changeMarker, nextChangeMarker: client.nextChangeMarker };
}

export async function getCurrentChangeMarker(
  ctx: DropboxContext,
  folderResource: string,
  signal: AbortSignal,
): Promise<string> {
  const { cursor } = await ctx.api.rpc<{ cursor: string }>(
    'files/list_folder/get_latest_cursor',
    listFolderArg(ctx, folderResource),
    { signal, idempotent: true },
  );
  ctx.client.nextChangeMarker = cursor;
  return cursor;
}

/** Dropbox adds up to 90 s of jitter to a long-poll's timeout. */
const LONGPOLL_JITTER_SECONDS = 90;

/**
 * files/list_folder/longpoll on the notify host (no Authorization), for the scope of nextChangeMarker.
 * Honours the `backoff` of the previous answer: the next long-poll of this instance waits it out first.
 * The request gets a timeout that covers the long-poll and its jitter, instead of the class's timeout.
 */
export async function waitForChanges(
  ctx: DropboxContext,
  timeout: number,
  signal: AbortSignal,
): Promise<boolean> {
  const backoff = ctx.longpollBackoff;
  if (!Number.isInteger(timeout) || timeout < 30 || timeout > 480) {
    throw invalidArgument(`waitForChanges takes a timeout of 30 to 480 seconds; got ${timeout}.`);
  }
  const cursor = ctx.client.nextChangeMarker;
  if (!cursor) {
    throw invalidArgument(
      'waitForChanges needs nextChangeMarker: call getCurrentChangeMarker, or listChanges until its last page, first.',
    );
  }
  const wait = backoff.until - Date.now();
  if (wait > 0) await sleep(wait, signal);
  const classTimeout = ctx.client.timeout;
  const requestTimeout =
    classTimeout === 0 ? 0 : Math.max(classTimeout, timeout + LONGPOLL_JITTER_SECONDS + 30);
  const result = await ctx.api.rpc<ListFolderLongpollResult>(
    'files/list_folder/longpoll',
    { cursor, timeout },
    { signal, host: 'notify', authenticate: false, timeout: requestTimeout, idempotent: true },
  );
  if (result.backoff !== undefined && result.backoff > 0) backoff.until = Date.now() + result.backoff * 1000;
  return result.changes;
}

export async function getResourceInfo(
  ctx: DropboxContext,
  resource: string,
  signal: AbortSignal,
): Promise<DropboxResource> {
  const path = address(resource, ACCEPTS.readable, 'resource').value;
  const metadata = await ctx.api.rpc<Metadata>(
    'files/get_metadata',
    { path, include_deleted: ctx.settings.get('IncludeDeleted') },
    { signal, idempotent: true },
  );
  const [r] = toResources(ctx, [metadata]);
  publishResources(ctx, [r!], false);
  return r!;
}

/**
 * files/list_revisions. Mode per ListRevisionsMode: automatic picks `id` for a bare file id and `path`
 * for a path or id-relative path. Never paged: MaxRevisionResults caps the total.
 */
export async function listRevisions(
  ctx: DropboxContext,
  fileResource: string,
  signal: AbortSignal,
): Promise<DropboxResource[]> {
  const a = address(fileResource, ACCEPTS.file, 'fileResource');
  const setting = ctx.settings.get('ListRevisionsMode');
  const mode = setting === 1 ? 'path' : setting === 2 ? 'id' : a.kind === 'id' ? 'id' : 'path';
  const limit = ctx.settings.get('MaxRevisionResults');
  const result = await ctx.api.rpc<ListRevisionsResult>(
    'files/list_revisions',
    { path: a.value, mode, ...(limit > 0 ? { limit } : {}) },
    { signal, idempotent: true },
  );
  const resources = toResources(ctx, result.entries);
  publishResources(ctx, resources, false);
  return resources;
}

/** Search filters from the search properties and MaxSearchResults. */
function searchOptions(ctx: DropboxContext, folder: string): SearchOptionsArg {
  const c = ctx.client;
  const list = (text: string) =>
    text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  const max = ctx.settings.get('MaxSearchResults');
  const path = address(folder, ACCEPTS.folder, 'folderResource').value;
  const extensions = list(c.searchFileExtensions).map((e) => e.replace(/^\./, ''));
  const categories = list(c.searchCategories).map((t) => ({ '.tag': t.toLowerCase() }));
  return {
    ...(path ? { path } : {}),
    ...(max > 0 ? { max_results: max } : {}),
    file_status: c.searchKind === 1 ? 'deleted' : 'active',
    filename_only: c.searchNamesOnly,
    ...(extensions.length ? { file_extensions: extensions } : {}),
    ...(categories.length ? { file_categories: categories } : {}),
  };
}

export async function searchPage(
  ctx: DropboxContext,
  folder: string,
  query: string,
  cursor: string,
  signal: AbortSignal,
): Promise<SearchV2Result> {
  if (cursor) {
    return ctx.api.rpc<SearchV2Result>('files/search/continue_v2', { cursor }, { signal, idempotent: true });
  }
  if (!query) throw invalidArgument('search needs a query.');
  return ctx.api.rpc<SearchV2Result>(
    'files/search_v2',
    { query, options: searchOptions(ctx, folder) },
    { signal, idempotent: true },
  );
}

function searchResources(ctx: DropboxContext, result: SearchV2Result): DropboxResource[] {
  const entries = result.matches
    .map((m) => m.metadata.metadata)
    .filter((m): m is Metadata => m !== undefined && typeof m === 'object');
  return toResources(ctx, entries);
}

export async function search(
  ctx: DropboxContext,
  folderResource: string,
  query: string,
  signal: AbortSignal,
): Promise<ResourcePage> {
  const marker = ctx.client.searchMarker;
  const result = await searchPage(ctx, folderResource, query, marker, signal);
  const resources = searchResources(ctx, result);
  ctx.client.searchMarker = result.has_more && result.cursor ? result.cursor : '';
  publishResources(ctx, resources, marker !== '');
  return { resources, marker: ctx.client.searchMarker };
}

/** Every search hit (all pages), without touching the instance's collection or markers. */
export function iterateSearch(
  ctx: DropboxContext,
  folderResource: string,
  query: string,
  signal: AbortSignal,
): AsyncGenerator<DropboxResource> {
  return walkPages(async (cursor) => {
    const result = await searchPage(ctx, folderResource, query, cursor, signal);
    return { items: searchResources(ctx, result), marker: result.has_more ? (result.cursor ?? '') : '' };
  });
}
