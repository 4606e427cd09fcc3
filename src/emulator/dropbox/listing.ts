import type { Account } from './account.js';
import { deletedMetadata, nodeMetadata } from './metadata.js';
import { type Change, comparePaths, type FolderNode, type Namespace, type Node } from './model.js';

/**
 * list_folder and its cursor. A listing walks the folder (and, recursively, its subtree) in path order,
 * a folder right before its contents; a page ends after `limit` entries and its cursor remembers the last
 * path and the change-log position at the start. Once the listing is complete the cursor is a change
 * cursor: `continue` reports what changed under the folder since then — each changed path once, in the
 * order of its last change, as current metadata or as a deleted entry.
 */
export interface ListScope {
  /** The account the cursor belongs to. */
  a: string;
  /** Lower-case path of the listed folder (`""` for the root). */
  p: string;
  recursive: boolean;
  includeDeleted: boolean;
  includeNonDownloadable: boolean;
  limit: number;
}

export interface ListCursor extends ListScope {
  /** Change-log position the cursor reports changes after. */
  s: number;
  /** Listing mode: the path of the last entry returned; absent in change mode. */
  after?: string;
}

export interface ListPage {
  entries: Record<string, unknown>[];
  cursor: ListCursor;
  hasMore: boolean;
}

/** Dropbox returns about this many entries per page when the caller gives no limit. */
export const DEFAULT_LIST_LIMIT = 500;

const parentOf = (pathLower: string) => pathLower.slice(0, Math.max(0, pathLower.lastIndexOf('/')));

/** Whether a path belongs to what a cursor watches. */
export function inScope(scope: Pick<ListScope, 'p' | 'recursive'>, pathLower: string): boolean {
  if (pathLower === scope.p) return scope.p !== '';
  if (scope.recursive) return scope.p === '' || pathLower.startsWith(`${scope.p}/`);
  return parentOf(pathLower) === scope.p;
}

interface Entry {
  key: string;
  meta: () => Record<string, unknown>;
}

function listingEntries(ns: Namespace, folder: FolderNode, scope: ListScope): Entry[] {
  const entries: Entry[] = [];
  const visible = (n: Node) => scope.includeNonDownloadable || n.kind !== 'file' || !n.rev.export;
  const add = (n: Node) => {
    if (visible(n)) entries.push({ key: ns.pathLower(n), meta: () => nodeMetadata(ns, n) });
  };
  if (scope.recursive) {
    // A recursive listing starts with the folder itself (not for the root, which has no metadata).
    for (const n of ns.walk(folder, folder !== ns.root)) add(n);
  } else {
    for (const n of folder.children.values()) add(n);
  }
  if (scope.includeDeleted) {
    for (const t of ns.tombstones.values()) {
      if (inScope(scope, t.pathLower) && t.pathLower !== scope.p) {
        entries.push({ key: t.pathLower, meta: () => deletedMetadata(t) });
      }
    }
  }
  return entries.sort((x, y) => comparePaths(x.key, y.key));
}

/** The first page of a listing (list_folder), or the next one (continue in listing mode). */
export function listingPage(account: Account, folder: FolderNode, cursor: ListCursor): ListPage {
  const ns = account.ns;
  const all = listingEntries(ns, folder, cursor);
  const rest = cursor.after === undefined ? all : all.filter((e) => comparePaths(e.key, cursor.after!) > 0);
  const page = rest.slice(0, cursor.limit);
  const hasMore = rest.length > page.length;
  const next: ListCursor = { ...cursor };
  if (hasMore) next.after = page[page.length - 1]!.key;
  else delete next.after;
  return { entries: page.map((e) => e.meta()), cursor: next, hasMore };
}

/** The changes after a change cursor's position (continue in change mode). */
export function changesPage(account: Account, cursor: ListCursor): ListPage {
  const ns = account.ns;
  const relevant = ns.changes.slice(cursor.s).filter((c) => inScope(cursor, c.pathLower));
  // Each path once, where it last changed.
  const last = new Map<string, Change>();
  for (const c of relevant) {
    last.delete(c.pathLower);
    last.set(c.pathLower, c);
  }
  const ordered = [...last.values()];
  const entries: Record<string, unknown>[] = [];
  let position = cursor.s;
  let taken = 0;
  for (const c of ordered) {
    if (taken === cursor.limit) break;
    position = c.seq;
    taken++;
    const node = ns.nodeAt(c.pathDisplay.split('/').slice(1));
    if (node && ns.pathLower(node) === c.pathLower) {
      if (node.kind === 'file' && node.rev.export && !cursor.includeNonDownloadable) continue;
      entries.push(nodeMetadata(ns, node));
    } else {
      entries.push(deletedMetadata(c));
    }
  }
  const hasMore = taken < ordered.length;
  return { entries, cursor: { ...cursor, s: hasMore ? position : ns.seq }, hasMore };
}

/** Whether anything changed under a cursor since its position (longpoll). */
export function hasChanges(account: Account, cursor: ListCursor): boolean {
  return account.ns.changes.slice(cursor.s).some((c) => inScope(cursor, c.pathLower));
}
