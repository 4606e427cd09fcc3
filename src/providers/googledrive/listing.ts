import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import { seg } from './api.js';
import {
  callerQuery,
  extraQueryParams,
  type GoogleDriveContext,
  idList,
  publishResources,
  requestedFields,
} from './context.js';
import {
  FILE_FIELDS,
  FOLDER_MIME,
  REVISION_FIELDS,
  resourceEvent,
  resourceFromFile,
  resourceFromRevision,
} from './mapping.js';
import type { GoogleDriveResource, ResourcePage } from './types.js';
import type { File, FileList, Revision, RevisionList } from './wire.js';

/**
 * listResources, listChildren, listParents, getResourceInfo and listRevisions: files.list with the four
 * scopes (corpora, driveId, includeItemsFromAllDrives, supportsAllDrives), ListResourcesMode and the
 * caller's `q` joined into one query, MaxResults as pageSize and the markers as pageToken; files.get per id.
 */

/** What one files.list call asks for. */
interface ListQuery {
  /** Parent clauses (listChildren). */
  parents?: string[];
}

/** The query parameters of the listing scope (listResourcesScope + sharedDrive). */
function scopeParams(ctx: GoogleDriveContext): Array<[string, string]> {
  const client = ctx.client;
  switch (client.listResourcesScope) {
    case 0:
      return [
        ['corpora', 'user'],
        ['supportsAllDrives', 'true'],
      ];
    case 1:
      return [
        ['corpora', 'domain'],
        ['supportsAllDrives', 'true'],
      ];
    case 2:
      if (!client.sharedDrive) {
        throw invalidArgument(
          'listResourcesScope is 2 (SharedDrive): set sharedDrive to the id of the shared drive to list.',
        );
      }
      return [
        ['corpora', 'drive'],
        ['driveId', client.sharedDrive],
        ['includeItemsFromAllDrives', 'true'],
        ['supportsAllDrives', 'true'],
      ];
    default:
      return [
        ['corpora', 'allDrives'],
        ['includeItemsFromAllDrives', 'true'],
        ['supportsAllDrives', 'true'],
      ];
  }
}

/** A string literal of Drive's query language: quotes and backslashes escaped. */
export function quoteQ(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The `q` of a listing: parents, ListResourcesMode and the caller's own query, all required. */
function buildQ(ctx: GoogleDriveContext, query: ListQuery): string {
  const terms: string[] = [];
  if (query.parents?.length)
    terms.push(`(${query.parents.map((p) => `${quoteQ(p)} in parents`).join(' or ')})`);
  const mode = ctx.settings.get('ListResourcesMode');
  if (mode === 1) terms.push(`mimeType != ${quoteQ(FOLDER_MIME)}`);
  if (mode === 2) terms.push(`mimeType = ${quoteQ(FOLDER_MIME)}`);
  const own = callerQuery(ctx);
  if (own) terms.push(own);
  return terms.join(' and ');
}

/** One files.list page. */
async function fetchPage(
  ctx: GoogleDriveContext,
  query: ListQuery,
  pageToken: string,
  signal: AbortSignal,
): Promise<ResourcePage> {
  const params: Array<[string, string]> = [...scopeParams(ctx)];
  const q = buildQ(ctx, query);
  if (q) params.push(['q', q]);
  const pageSize = ctx.settings.get('MaxResults');
  if (pageSize > 0) params.push(['pageSize', String(pageSize)]);
  if (pageToken) params.push(['pageToken', pageToken]);
  params.push([
    'fields',
    requestedFields(ctx, FILE_FIELDS, (f) => `nextPageToken,incompleteSearch,files(${f})`),
  ]);
  params.push(...extraQueryParams(ctx));
  const list = await ctx.api.json<FileList>({ method: 'GET', path: '/files', query: params, signal });
  return {
    resources: (list?.files ?? []).map(resourceFromFile),
    marker: list?.nextPageToken ?? '',
    incomplete: list?.incompleteSearch ?? false,
  };
}

export async function listResources(ctx: GoogleDriveContext, signal: AbortSignal): Promise<ResourcePage> {
  const marker = ctx.client.resourceMarker;
  const page = await fetchPage(ctx, {}, marker, signal);
  publishResources(ctx, page.resources, marker !== '');
  ctx.client.resourceMarker = page.marker;
  ctx.settings.set('SearchIncomplete', page.incomplete ? 'True' : 'False', true);
  return page;
}

export async function* iterateResources(
  ctx: GoogleDriveContext,
  signal: AbortSignal,
): AsyncGenerator<GoogleDriveResource> {
  yield* walk(ctx, {}, signal);
}

async function* walk(
  ctx: GoogleDriveContext,
  query: ListQuery,
  signal: AbortSignal,
): AsyncGenerator<GoogleDriveResource> {
  let token = '';
  do {
    const page = await fetchPage(ctx, query, token, signal);
    yield* page.resources;
    token = page.marker;
  } while (token);
}

export async function listChildren(
  ctx: GoogleDriveContext,
  folderIds: string,
  signal: AbortSignal,
): Promise<ResourcePage> {
  const parents = idList(folderIds);
  if (parents.length === 0)
    throw invalidArgument('listChildren needs one or more folder ids ("root" for My Drive).');
  const client = ctx.client;
  const marker = client.childMarker;
  const page = await fetchPage(ctx, { parents }, marker, signal);
  const accumulate = marker !== '' && ctx.settings.get('AccumulatePages');
  client.children = accumulate ? [...client.children, ...page.resources] : [...page.resources];
  for (const r of page.resources) client.emit('resourceList', resourceEvent(r));
  client.childMarker = page.marker;
  ctx.settings.set('SearchIncomplete', page.incomplete ? 'True' : 'False', true);
  return page;
}

export async function* iterateChildren(
  ctx: GoogleDriveContext,
  folderIds: string,
  signal: AbortSignal,
): AsyncGenerator<GoogleDriveResource> {
  const parents = idList(folderIds);
  if (parents.length === 0) throw invalidArgument('iterateChildren needs one or more folder ids.');
  yield* walk(ctx, { parents }, signal);
}

/** files.get of one id (supportsAllDrives, so shared-drive items are found too). */
export async function getFile(
  ctx: GoogleDriveContext,
  id: string,
  fields: string,
  signal: AbortSignal,
): Promise<File> {
  return ctx.api.json<File>({
    method: 'GET',
    path: `/files/${seg(id)}`,
    query: { fields, supportsAllDrives: 'true' },
    signal,
  });
}

export async function getResourceInfo(
  ctx: GoogleDriveContext,
  resourceIds: string,
  signal: AbortSignal,
): Promise<GoogleDriveResource[]> {
  const ids = idList(resourceIds);
  if (ids.length === 0) throw invalidArgument('getResourceInfo needs one or more resource ids.');
  const revision = ctx.settings.get('RevisionId');
  const out: GoogleDriveResource[] = [];
  if (revision) {
    if (ids.length !== 1)
      throw invalidArgument('With RevisionId set, getResourceInfo takes the id of that one file.');
    const r = await ctx.api.json<Revision>({
      method: 'GET',
      path: `/files/${seg(ids[0]!)}/revisions/${seg(revision)}`,
      query: { fields: requestedFields(ctx, REVISION_FIELDS) },
      signal,
    });
    out.push(resourceFromRevision(r));
  } else {
    const fields = requestedFields(ctx, FILE_FIELDS);
    for (const id of ids) out.push(resourceFromFile(await getFile(ctx, id, fields, signal)));
  }
  publishResources(ctx, out, false);
  return out;
}

export async function listParents(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<GoogleDriveResource[]> {
  const file = await getFile(ctx, resourceId, 'id,parents', signal);
  const parents = file.parents ?? [];
  if (parents.length === 0) {
    publishResources(ctx, [], false);
    return [];
  }
  const fields = requestedFields(ctx, FILE_FIELDS);
  const out: GoogleDriveResource[] = [];
  for (const id of parents) out.push(resourceFromFile(await getFile(ctx, id, fields, signal)));
  publishResources(ctx, out, false);
  return out;
}

export async function listRevisions(
  ctx: GoogleDriveContext,
  fileId: string,
  signal: AbortSignal,
): Promise<GoogleDriveResource[]> {
  if (!fileId) throw invalidArgument('listRevisions needs a file id.');
  const out: GoogleDriveResource[] = [];
  let token = '';
  let pages = 0;
  do {
    const list = await ctx.api.json<RevisionList>({
      method: 'GET',
      path: `/files/${seg(fileId)}/revisions`,
      query: {
        fields: `nextPageToken,revisions(${REVISION_FIELDS})`,
        ...(token ? { pageToken: token } : {}),
      },
      signal,
    });
    out.push(...(list?.revisions ?? []).map(resourceFromRevision));
    token = list?.nextPageToken ?? '';
    if (++pages > 10_000)
      throw new CloudStorageError(ErrorCode.ServerError, 'Drive kept returning revision pages.');
  } while (token);
  publishResources(ctx, out, false);
  return out;
}
