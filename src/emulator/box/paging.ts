import { badRequest } from './errors.js';
import type { ItemRecord } from './model.js';

export type SortKey = 'id' | 'name' | 'date' | 'size';
export type Direction = 'ASC' | 'DESC';

/** A position in a sorted listing: type rank (folders first), the sort value, and the id as tie-breaker. */
type Key = [number, string | number, string];

function keyOf(item: ItemRecord, sort: SortKey, sizeOf: (i: ItemRecord) => number): Key {
  const rank = item.type === 'folder' ? 0 : 1;
  switch (sort) {
    case 'id':
      return [rank, 0, item.id];
    case 'date':
      return [rank, item.modifiedAt, item.id];
    case 'size':
      return [rank, sizeOf(item), item.id];
    default:
      return [rank, item.name.toLowerCase(), item.id];
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Folders before files always; then the sort value in `direction`; then the id (in `direction` too). */
function compareKeys(a: Key, b: Key, direction: Direction): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  const sign = direction === 'DESC' ? -1 : 1;
  const [x, y] = [a[1], b[1]];
  const byValue = x < y ? -1 : x > y ? 1 : 0;
  return sign * (byValue || compareIds(a[2], b[2]));
}

/** Box's listing order: folders, then files (then web links); second key `sort` in `direction`. */
export function sortItems(
  items: ItemRecord[],
  sort: SortKey,
  direction: Direction,
  sizeOf: (i: ItemRecord) => number,
): ItemRecord[] {
  const keyed = items.map((item) => ({ item, key: keyOf(item, sort, sizeOf) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, direction));
  return keyed.map((k) => k.item);
}

interface MarkerState {
  s: SortKey;
  d: Direction;
  k: Key;
}

function encodeMarker(state: MarkerState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeMarker(marker: string): MarkerState {
  try {
    const state = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as MarkerState;
    if (!Array.isArray(state.k) || state.k.length !== 3) throw new Error('bad marker');
    return state;
  } catch {
    throw badRequest('Invalid value for marker', 'invalid_parameter');
  }
}

export interface ListOptions {
  defaultLimit: number;
  maxLimit: number;
  /** Sort keys the endpoint accepts. */
  sorts: SortKey[];
  /** Offsets above this are refused with 400 (several Box endpoints document 10000). */
  maxOffset?: number;
  /** The trash listing refuses `sort`/`direction`/`offset` with marker paging (Box's `invalid_parameter`). */
  strictMarker?: boolean;
  sizeOf: (i: ItemRecord) => number;
  render: (item: ItemRecord) => Record<string, unknown>;
}

/** Reads `limit`: default when absent, clamped to 1..max as Box does. */
export function readLimit(query: URLSearchParams, defaultLimit: number, maxLimit: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return defaultLimit;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest('Invalid value for limit', 'invalid_parameter');
  return Math.min(Math.max(n, 1), maxLimit);
}

export function readOffset(query: URLSearchParams, maxOffset?: number): number {
  const raw = query.get('offset');
  if (raw === null || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest('Invalid value for offset', 'invalid_parameter');
  if (maxOffset !== undefined && n > maxOffset) {
    throw badRequest(`Offset must not exceed ${maxOffset}`, 'invalid_parameter');
  }
  return n;
}

/**
 * One page of a folder or trash listing, offset-based (`total_count`, `offset`, `limit`, `order`) or
 * marker-based (`usemarker=true`: `next_marker`, null at the end, never an empty string).
 */
export function listPage(
  items: ItemRecord[],
  query: URLSearchParams,
  options: ListOptions,
): Record<string, unknown> {
  const useMarker = query.get('usemarker') === 'true';
  const markerParam = query.get('marker');
  const sortParam = query.get('sort');
  const directionParam = query.get('direction');
  if (sortParam !== null && !options.sorts.includes(sortParam as SortKey)) {
    throw badRequest('Invalid value for sort', 'invalid_parameter');
  }
  if (directionParam !== null && directionParam !== 'ASC' && directionParam !== 'DESC') {
    throw badRequest('Invalid value for direction', 'invalid_parameter');
  }
  if (options.strictMarker) {
    if (useMarker && (sortParam !== null || directionParam !== null || query.get('offset') !== null)) {
      throw badRequest(
        'sort, direction and offset cannot be used with marker-based paging',
        'invalid_parameter',
      );
    }
    if (!useMarker && markerParam !== null) {
      throw badRequest('marker requires usemarker=true', 'invalid_parameter');
    }
  }
  const limit = readLimit(query, options.defaultLimit, options.maxLimit);

  if (useMarker) {
    const state: MarkerState = markerParam
      ? decodeMarker(markerParam)
      : { s: (sortParam as SortKey) ?? 'name', d: (directionParam as Direction) ?? 'ASC', k: [-1, '', ''] };
    const sorted = sortItems(items, state.s, state.d, options.sizeOf);
    let start = 0;
    if (markerParam) {
      start = sorted.findIndex((i) => compareKeys(keyOf(i, state.s, options.sizeOf), state.k, state.d) > 0);
      if (start < 0) start = sorted.length;
    }
    const page = sorted.slice(start, start + limit);
    const last = page[page.length - 1];
    const more = start + limit < sorted.length && last !== undefined;
    return {
      entries: page.map(options.render),
      limit,
      next_marker: more
        ? encodeMarker({ s: state.s, d: state.d, k: keyOf(last, state.s, options.sizeOf) })
        : null,
      prev_marker: null,
    };
  }

  const sort = (sortParam as SortKey) ?? 'name';
  const direction = (directionParam as Direction) ?? 'ASC';
  const offset = readOffset(query, options.maxOffset);
  const sorted = sortItems(items, sort, direction, options.sizeOf);
  return {
    total_count: sorted.length,
    entries: sorted.slice(offset, offset + limit).map(options.render),
    offset,
    limit,
    order: [
      { by: 'type', direction: 'ASC' },
      { by: sort, direction },
    ],
  };
}

/** Offset paging of any list (versions, search results, upload parts). */
export function offsetPage<T>(
  list: T[],
  query: URLSearchParams,
  defaultLimit: number,
  maxLimit: number,
  maxOffset?: number,
): { offset: number; limit: number; page: T[] } {
  const limit = readLimit(query, defaultLimit, maxLimit);
  const offset = readOffset(query, maxOffset);
  return { offset, limit, page: list.slice(offset, offset + limit) };
}
