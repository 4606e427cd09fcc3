import { createHash } from 'node:crypto';
import type { EmulatorRequest } from '../core/index.js';
import { badRequest, invalidParameter } from './errors.js';
import { type DriveUser, type FileRecord, FOLDER_MIME, ROLE_RANK } from './model.js';
import { evaluate, FILE_QUERY_FIELDS, parseQuery, type QueryNode, type QueryTarget } from './query.js';
import { type DriveState, domainOf } from './state.js';

/**
 * files.list: which items a corpus holds, what `q` keeps, the `orderBy` sort and the page tokens.
 * Page tokens are opaque to clients: an offset bound to a digest of the query, so a token used with
 * another query is refused as Drive refuses it.
 */

export interface ListRequest {
  q: QueryNode | undefined;
  hasFullText: boolean;
  corpora: 'user' | 'domain' | 'drive' | 'allDrives';
  driveId: string | undefined;
  includeItemsFromAllDrives: boolean;
  spaces: Set<string>;
  orderBy: Array<{ key: string; desc: boolean }>;
}

const ORDER_KEYS = new Set([
  'createdTime',
  'folder',
  'modifiedByMeTime',
  'modifiedTime',
  'name',
  'name_natural',
  'quotaBytesUsed',
  'recency',
  'sharedWithMeTime',
  'starred',
  'viewedByMeTime',
]);

export function parseOrderBy(text: string | null): Array<{ key: string; desc: boolean }> {
  if (!text) return [];
  return text.split(',').map((part) => {
    const words = part.trim().split(/\s+/);
    const key = words[0] ?? '';
    const dir = words[1]?.toLowerCase();
    if (!ORDER_KEYS.has(key) || words.length > 2 || (dir !== undefined && dir !== 'desc' && dir !== 'asc'))
      throw invalidParameter(`Invalid Value: the sort key "${part.trim()}" is not supported.`, 'orderBy');
    return { key, desc: dir === 'desc' };
  });
}

export function readListRequest(req: EmulatorRequest, supportsAllDrives: boolean): ListRequest {
  const qText = req.query.get('q');
  const q = qText && qText.trim() !== '' ? parseQuery(qText, FILE_QUERY_FIELDS) : undefined;
  const corpora = (req.query.get('corpora') ?? req.query.get('corpus') ?? 'user') as ListRequest['corpora'];
  if (!['user', 'domain', 'drive', 'allDrives'].includes(corpora))
    throw invalidParameter(`Invalid Value: corpora ${corpora}`, 'corpora');
  const driveId = req.query.get('driveId') ?? req.query.get('teamDriveId') ?? undefined;
  const includeItemsFromAllDrives =
    req.query.get('includeItemsFromAllDrives') === 'true' ||
    req.query.get('includeTeamDriveItems') === 'true';
  if (corpora === 'drive' && !driveId)
    throw badRequest(
      'The driveId parameter must be specified if and only if corpora is set to drive.',
      'driveId',
    );
  if (driveId && corpora !== 'drive')
    throw badRequest(
      'The driveId parameter must be specified if and only if corpora is set to drive.',
      'corpora',
    );
  if ((corpora === 'drive' || corpora === 'allDrives') && !includeItemsFromAllDrives)
    throw invalidParameter(
      'The includeItemsFromAllDrives parameter must be set to true when corpora is drive or allDrives.',
      'includeItemsFromAllDrives',
    );
  if (includeItemsFromAllDrives && !supportsAllDrives)
    throw invalidParameter(
      'The includeItemsFromAllDrives parameter can only be set to true when supportsAllDrives is true.',
      'includeItemsFromAllDrives',
    );
  const spaces = new Set((req.query.get('spaces') ?? 'drive').split(',').map((s) => s.trim()));
  for (const s of spaces)
    if (s !== 'drive' && s !== 'appDataFolder' && s !== 'photos')
      throw invalidParameter(`Invalid space ${s}`, 'spaces');
  const orderBy = parseOrderBy(req.query.get('orderBy'));
  const hasFullText = q !== undefined && mentions(q, 'fullText');
  if (hasFullText && orderBy.length)
    throw badRequest(
      'Sorting is not supported for queries with fullText terms. Results are always in descending relevance order.',
      'orderBy',
    );
  return { q, hasFullText, corpora, driveId, includeItemsFromAllDrives, spaces, orderBy };
}

function mentions(n: QueryNode, field: string): boolean {
  switch (n.kind) {
    case 'and':
    case 'or':
      return mentions(n.left, field) || mentions(n.right, field);
    case 'not':
      return mentions(n.operand, field);
    case 'compare':
    case 'has':
    case 'in':
      return n.field === field;
  }
}

/** The query-language view of a file, as `me` sees it. */
export function queryTarget(state: DriveState, f: FileRecord, me: DriveUser): QueryTarget {
  const mine = (email: string | undefined) => email?.toLowerCase() === me.emailAddress.toLowerCase();
  const withRole = (min: number) => {
    const out: string[] = [];
    for (const p of f.permissions) {
      if (ROLE_RANK[p.role] < min) continue;
      if (p.emailAddress) out.push(p.emailAddress, p.emailAddress.toLowerCase());
      if (p.type === 'anyone') out.push('anyone');
      if (p.domain) out.push(p.domain);
      if (mine(p.emailAddress)) out.push('me');
    }
    return out;
  };
  return {
    string(field) {
      if (field === 'name') return f.name;
      if (field === 'mimeType') return f.mimeType;
      if (field === 'shortcutDetails.targetId') return f.shortcutTargetId;
      if (field === 'visibility') return visibility(f);
      return undefined;
    },
    text: () =>
      `${f.name}\n${f.description ?? ''}\n${f.native?.text ?? ''}\n${Object.values(f.properties).join(' ')}`,
    time(field) {
      if (field === 'createdTime') return f.createdTime;
      if (field === 'modifiedTime') return f.modifiedTime;
      if (field === 'viewedByMeTime') return f.viewedByMeTime;
      if (field === 'sharedWithMeTime') return f.sharedWithMeTime;
      return undefined;
    },
    bool(field) {
      if (field === 'trashed') return state.isTrashed(f);
      if (field === 'starred') return f.starred;
      if (field === 'sharedWithMe') return isSharedWithMe(f, me);
      return false;
    },
    number: () => 0,
    collection(field) {
      if (field === 'parents') {
        const out = [...f.parents];
        if (f.parents.includes(me.rootId)) out.push('root');
        if (f.parents.includes(me.appDataId)) out.push('appDataFolder');
        return out;
      }
      if (field === 'owners')
        return f.owner ? [f.owner, f.owner.toLowerCase(), ...(mine(f.owner) ? ['me'] : [])] : [];
      if (field === 'writers') return withRole(ROLE_RANK.writer);
      if (field === 'readers') return withRole(ROLE_RANK.reader);
      return [];
    },
    map: (field) => (field === 'appProperties' ? f.appProperties : f.properties),
  };
}

function visibility(f: FileRecord): string {
  const anyone = f.permissions.find((p) => p.type === 'anyone');
  if (anyone) return anyone.allowFileDiscovery ? 'anyoneCanFind' : 'anyoneWithLink';
  const domain = f.permissions.find((p) => p.type === 'domain');
  if (domain) return domain.allowFileDiscovery ? 'domainCanFind' : 'domainWithLink';
  return 'limited';
}

/** Shared directly with `me` by someone else (My Drive items only). */
export function isSharedWithMe(f: FileRecord, me: DriveUser): boolean {
  if (f.driveId || !f.owner || f.owner.toLowerCase() === me.emailAddress.toLowerCase()) return false;
  return f.permissions.some(
    (p) => p.type === 'user' && p.emailAddress?.toLowerCase() === me.emailAddress.toLowerCase(),
  );
}

/** The items of the request's corpus, before `q`. */
export function corpus(state: DriveState, r: ListRequest, me: DriveUser): FileRecord[] {
  const out: FileRecord[] = [];
  const myDomain = domainOf(me.emailAddress);
  for (const f of state.files.values()) {
    if (f.isRoot) continue;
    const space = state.spaceOf(f);
    if (!r.spaces.has(space)) continue;
    if (space === 'appDataFolder' && f.owner?.toLowerCase() !== me.emailAddress.toLowerCase()) continue;
    const role = state.roleOf(f, me);
    if (!role) continue;
    if (f.driveId) {
      if (r.corpora === 'drive') {
        if (f.driveId === r.driveId) out.push(f);
      } else if (r.includeItemsFromAllDrives && (r.corpora === 'allDrives' || r.corpora === 'user'))
        out.push(f);
      continue;
    }
    if (r.corpora === 'drive') continue;
    if (r.corpora === 'domain') {
      const discoverable = f.permissions.some(
        (p) =>
          p.allowFileDiscovery &&
          (p.type === 'anyone' || (p.type === 'domain' && p.domain?.toLowerCase() === myDomain)),
      );
      if (discoverable || role === 'owner' || isSharedWithMe(f, me)) out.push(f);
      continue;
    }
    // user and allDrives: what I own and what was shared with me (link-only access is not searched).
    const onlyByLink =
      role !== 'owner' &&
      !f.permissions.some(
        (p) => p.type === 'user' && p.emailAddress?.toLowerCase() === me.emailAddress.toLowerCase(),
      );
    if (onlyByLink && !viaSharedFolder(state, f, me)) continue;
    out.push(f);
  }
  return out;
}

function viaSharedFolder(state: DriveState, f: FileRecord, me: DriveUser): boolean {
  const parent = f.parents[0] ? state.files.get(f.parents[0]) : undefined;
  if (!parent || parent.isRoot) return false;
  return (
    isSharedWithMe(parent, me) ||
    parent.owner?.toLowerCase() === me.emailAddress.toLowerCase() ||
    viaSharedFolder(state, parent, me)
  );
}

/** Sorts by the `orderBy` keys (then by id, so pages are stable). */
export function sortFiles(
  state: DriveState,
  files: FileRecord[],
  orderBy: ListRequest['orderBy'],
): FileRecord[] {
  const value = (f: FileRecord, key: string): string | number => {
    switch (key) {
      case 'folder':
        return f.mimeType === FOLDER_MIME ? 0 : 1;
      case 'name':
        return f.name.toLowerCase();
      case 'name_natural':
        return f.name.toLowerCase();
      case 'createdTime':
        return f.createdTime;
      case 'modifiedTime':
        return f.modifiedTime;
      case 'modifiedByMeTime':
        return f.modifiedByMeTime ?? 0;
      case 'viewedByMeTime':
        return f.viewedByMeTime ?? 0;
      case 'sharedWithMeTime':
        return f.sharedWithMeTime ?? 0;
      case 'recency':
        return Math.max(f.modifiedTime, f.viewedByMeTime ?? 0);
      case 'starred':
        return f.starred ? 0 : 1;
      case 'quotaBytesUsed':
        return f.revisions.reduce((n, r) => n + r.size, 0);
      default:
        return 0;
    }
  };
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  void state;
  return [...files].sort((a, b) => {
    for (const { key, desc } of orderBy) {
      const x = value(a, key);
      const y = value(b, key);
      let c: number;
      if (key === 'name_natural') c = collator.compare(String(x), String(y));
      else c = x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}

export function queryDigest(req: EmulatorRequest, names: string[]): string {
  const h = createHash('sha256');
  for (const n of names) h.update(`${n}=${req.query.get(n) ?? ''}\n`);
  return h.digest('base64url').slice(0, 12);
}

export function encodePageToken(offset: number, digest: string): string {
  return Buffer.from(JSON.stringify({ o: offset, d: digest })).toString('base64url');
}

export function decodePageToken(token: string | null, digest: string): number {
  if (!token) return 0;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; d?: unknown };
    if (typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 && v.d === digest) return v.o;
  } catch {
    // fall through to the 400
  }
  throw invalidParameter(
    'Invalid Value: the pageToken does not belong to this query; start from the first page.',
    'pageToken',
  );
}

export function matches(state: DriveState, f: FileRecord, q: QueryNode | undefined, me: DriveUser): boolean {
  return q === undefined || evaluate(q, queryTarget(state, f, me));
}
