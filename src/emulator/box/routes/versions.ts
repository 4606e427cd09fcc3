import type { Router } from '../../core/index.js';
import {
  type BoxCall,
  type BoxContext,
  header,
  readJsonObject,
  route,
  sendBox,
  sendEmpty,
} from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { currentVersion, type FileRecord, type FileVersionRecord } from '../model.js';
import { offsetPage } from '../paging.js';
import { parseFields, VERSION_STANDARD } from '../shapes.js';

/**
 * File versions: list (previous versions only, newest first, offset paging), get, delete (to the version
 * trash), restore (`PUT` with `trashed_at: null`) and promote (`POST /versions/current`, which makes a new
 * current version from an old one, name included).
 */
export function installVersionRoutes(api: Router, ctx: BoxContext): void {
  route(api, ctx, 'GET', '/2.0/files/:id/versions', list);
  route(api, ctx, 'POST', '/2.0/files/:id/versions/current', promote);
  route(api, ctx, 'GET', '/2.0/files/:id/versions/:vid', get);
  route(api, ctx, 'DELETE', '/2.0/files/:id/versions/:vid', remove);
  route(api, ctx, 'PUT', '/2.0/files/:id/versions/:vid', restore);
}

function previous(file: FileRecord): FileVersionRecord[] {
  return file.versions.slice(0, -1).reverse();
}

function findVersion(file: FileRecord, id: string): FileVersionRecord {
  const v = file.versions.find((x) => x.id === id && x.purgedAt === null);
  if (!v) throw notFound();
  return v;
}

function list(c: BoxCall): void {
  const file = c.ctx.store.active('file', c.req.params.id!);
  const fields = parseFields(c.req.query);
  const versions = previous(file).filter((v) => v.purgedAt === null);
  const { offset, limit, page } = offsetPage(versions, c.req.query, 1000, 1000, 10_000);
  sendBox(c.res, 200, {
    total_count: versions.length,
    entries: page.map((v) => c.ctx.shapes.version(file, v, fields)),
    offset,
    limit,
    order: [{ by: 'created_at', direction: 'DESC' }],
  });
}

function get(c: BoxCall): void {
  const file = c.ctx.store.active('file', c.req.params.id!);
  const v = findVersion(file, c.req.params.vid!);
  const fields = parseFields(c.req.query);
  sendBox(c.res, 200, c.ctx.shapes.version(file, v, fields ?? [...STANDARD_PLUS_NUMBER]));
}

/** A single version answers with its standard fields plus its number (`type` and `id` are always added). */
const STANDARD_PLUS_NUMBER = [...VERSION_STANDARD.slice(2), 'version_number'];

function remove(c: BoxCall): void {
  const store = c.ctx.store;
  const file = store.active('file', c.req.params.id!);
  store.checkIfMatch(file, header(c.req, 'if-match'));
  const v = findVersion(file, c.req.params.vid!);
  if (v === currentVersion(file)) throw badRequest('The current version of a file cannot be deleted');
  if (v.trashedAt === null) {
    v.trashedAt = store.now();
    v.trashedBy = c.userId;
  }
  sendEmpty(c.res, 204);
}

async function restore(c: BoxCall): Promise<void> {
  const store = c.ctx.store;
  const file = store.active('file', c.req.params.id!);
  const v = findVersion(file, c.req.params.vid!);
  const body = await readJsonObject(c.req);
  if (!('trashed_at' in body) || body.trashed_at !== null)
    throw badRequest('Send {"trashed_at": null} to restore a version');
  if (v.trashedAt !== null) {
    v.trashedAt = null;
    v.trashedBy = null;
    v.restoredAt = store.now();
    v.restoredBy = c.userId;
  }
  sendBox(c.res, 200, c.ctx.shapes.version(file, v, parseFields(c.req.query) ?? STANDARD_PLUS_NUMBER));
}

async function promote(c: BoxCall): Promise<void> {
  const store = c.ctx.store;
  const file = store.active('file', c.req.params.id!);
  store.checkIfMatch(file, header(c.req, 'if-match'));
  const body = await readJsonObject(c.req);
  if (typeof body.id !== 'string') throw badRequest('id is required');
  if (body.type !== undefined && body.type !== 'file_version') throw badRequest('type must be file_version');
  const old = findVersion(file, body.id);
  if (old.trashedAt !== null) throw notFound();
  const parent = store.items.get(file.parentId ?? '');
  if (parent?.type === 'folder' && old.name !== file.name)
    store.assertNameFree(parent, old.name, 'array', file.id);
  store.blobs.retain(old.blobId);
  const promoted = store.addVersion(file, { blobId: old.blobId, sha1: old.sha1, size: old.size }, old.name);
  sendBox(c.res, 201, c.ctx.shapes.version(file, promoted, parseFields(c.req.query) ?? STANDARD_PLUS_NUMBER));
}
