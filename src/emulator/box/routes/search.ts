import type { Router } from '../../core/index.js';
import { type BoxCall, type BoxContext, route, sendBox } from '../context.js';
import { badRequest, boxError } from '../errors.js';
import { currentVersion, extensionOf, type ItemRecord } from '../model.js';
import { offsetPage } from '../paging.js';
import { parseFields } from '../shapes.js';

const CONTENT_TYPES = new Set(['name', 'description', 'file_content', 'comments', 'tags']);

/**
 * `GET /search`: substring matching (case-insensitive; quotes ask for the exact phrase) over names,
 * descriptions, tags and the text of small files, with Box's filters (type, file_extensions,
 * ancestor_folder_ids, content_types, trash_content, size and date ranges, owners), relevance or
 * modified_at order, and offset paging (default 30, max 200).
 */
export function installSearchRoutes(api: Router, ctx: BoxContext): void {
  /** Text of small files by blob id (blobs are immutable, so the cache never goes stale). */
  const textCache = new Map<string, string | null>();

  async function textOf(item: ItemRecord): Promise<string | null> {
    if (item.type !== 'file') return null;
    const v = currentVersion(item);
    if (v.size > ctx.config.searchContentMaxBytes) return null;
    if (!textCache.has(v.blobId)) {
      const bytes = await ctx.blobs.bytes(v.blobId);
      textCache.set(v.blobId, bytes.includes(0) ? null : bytes.toString('utf8').toLowerCase());
    }
    return textCache.get(v.blobId) ?? null;
  }

  route(api, ctx, 'GET', '/2.0/search', async (c: BoxCall) => {
    const q = c.req.query;
    const store = c.ctx.store;
    const raw = q.get('query');
    if ((raw === null || raw.trim() === '') && !q.get('mdfilters')) {
      throw boxError(
        400,
        'missing_parameter',
        'Please provide at least the query or mdfilters query parameter in a search',
        {
          errors: [{ reason: 'missing_parameter', name: 'query', message: "'query' is required" }],
        },
      );
    }
    const needle = (raw ?? '')
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    const type = q.get('type');
    if (type !== null && type !== 'file' && type !== 'folder' && type !== 'web_link') {
      throw badRequest('Invalid value for type', 'invalid_parameter');
    }
    const extensions = list(q.get('file_extensions')).map((e) => e.replace(/^\./, '').toLowerCase());
    const ancestors = list(q.get('ancestor_folder_ids')).map((id) => store.active('folder', id));
    const contentTypes = list(q.get('content_types'));
    for (const ct of contentTypes)
      if (!CONTENT_TYPES.has(ct)) throw badRequest('Invalid value for content_types', 'invalid_parameter');
    const where = new Set(contentTypes.length ? contentTypes : CONTENT_TYPES);
    const trash = q.get('trash_content') ?? 'non_trashed_only';
    if (!['non_trashed_only', 'trashed_only', 'all_items'].includes(trash)) {
      throw badRequest('Invalid value for trash_content', 'invalid_parameter');
    }
    const sizeRange = range(q.get('size_range'), Number);
    const createdRange = range(q.get('created_at_range'), Date.parse);
    const updatedRange = range(q.get('updated_at_range'), Date.parse);
    const owners = list(q.get('owner_user_ids'));
    const sort = q.get('sort') ?? 'relevance';
    if (sort !== 'relevance' && sort !== 'modified_at')
      throw badRequest('Invalid value for sort', 'invalid_parameter');
    const direction = q.get('direction') ?? 'DESC';

    const hits: Array<{ item: ItemRecord; score: number }> = [];
    for (const item of store.allItems()) {
      if (trash === 'non_trashed_only' && item.status !== 'active') continue;
      if (trash === 'trashed_only' && item.status !== 'trashed') continue;
      if (type && item.type !== type) continue;
      if (extensions.length && (item.type !== 'file' || !extensions.includes(extensionOf(item.name))))
        continue;
      if (ancestors.length && !ancestors.some((a) => store.isDescendantOf(item, a.id))) continue;
      if (owners.length && !owners.includes(item.ownedBy)) continue;
      if (!inRange(store.sizeOf(item), sizeRange) || !inRange(item.createdAt, createdRange)) continue;
      if (!inRange(item.modifiedAt, updatedRange)) continue;
      let score = 0;
      if (where.has('name') && item.name.toLowerCase().includes(needle)) score += 8;
      if (where.has('description') && item.description.toLowerCase().includes(needle)) score += 4;
      if (where.has('tags') && item.tags.some((t) => t.toLowerCase().includes(needle))) score += 2;
      if (score === 0 && where.has('file_content') && needle) {
        const text = await textOf(item);
        if (text?.includes(needle)) score += 1;
      }
      if (score > 0 || needle === '') hits.push({ item, score });
    }
    hits.sort((a, b) => {
      if (sort === 'relevance') return b.score - a.score || b.item.modifiedAt - a.item.modifiedAt;
      const byDate = a.item.modifiedAt - b.item.modifiedAt;
      return direction === 'ASC' ? byDate : -byDate;
    });
    const { offset, limit, page } = offsetPage(hits, q, 30, 200, 10_000);
    const fields = parseFields(q);
    sendBox(c.res, 200, {
      type: 'search_results_items',
      total_count: hits.length,
      limit,
      offset,
      entries: page.map((h) => c.ctx.shapes.item(h.item, fields)),
    });
  });
}

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `a,b` with either end optional; undefined when absent. */
function range(value: string | null, parse: (s: string) => number): [number, number] | undefined {
  if (!value) return undefined;
  const [lo, hi] = value.split(',');
  const a = lo ? parse(lo) : Number.NEGATIVE_INFINITY;
  const b = hi ? parse(hi) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(a) || Number.isNaN(b)) throw badRequest('Invalid range', 'invalid_parameter');
  return [a, b];
}

function inRange(n: number, r: [number, number] | undefined): boolean {
  return !r || (n >= r[0] && n <= r[1]);
}
