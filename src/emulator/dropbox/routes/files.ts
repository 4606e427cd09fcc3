import { randomBytes } from 'node:crypto';
import { defineRoute, type RouteContext, type RouteDef } from '../dispatch.js';
import { accessError, routeError } from '../errors.js';
import {
  changesPage,
  DEFAULT_LIST_LIMIT,
  hasChanges,
  inScope,
  type ListCursor,
  type ListPage,
  listingPage,
} from '../listing.js';
import {
  deletedMetadata,
  fileMetadata,
  folderMetadata,
  nodeMetadata,
  revisionMetadata,
} from '../metadata.js';
import { type FileRevision, type FolderNode, LookupFailure, type Node } from '../model.js';
import { lower, PATTERN } from '../paths.js';
import {
  bool,
  list,
  optional,
  required,
  str,
  struct,
  type Tagged,
  uint32,
  uint64,
  union,
  withDefault,
} from '../stone.js';
import {
  commitContent,
  parse,
  pathType,
  resolve,
  revType,
  withErrors,
  withErrorsAsync,
  writeTarget,
} from './common.js';
import { linkTarget } from './sharing.js';

/** The `files` namespace on the api and notify hosts: metadata, listing, changes, search, relocation. */

const templateFilter = union({ filter_some: list(str({ minLength: 1, pattern: '(/|ptid:).*' })) });

const listFolderArg = struct({
  path: required(pathType(PATTERN.PathROrId, { slashIsRoot: true })),
  recursive: withDefault(bool(), false),
  include_media_info: withDefault(bool(), false),
  include_deleted: withDefault(bool(), false),
  include_has_explicit_shared_members: withDefault(bool(), false),
  include_mounted_folders: withDefault(bool(), true),
  limit: optional(uint32(1, 2000)),
  shared_link: optional(struct({ url: required(str()), password: optional(str()) })),
  include_property_groups: optional(templateFilter),
  include_non_downloadable_files: withDefault(bool(), true),
  include_restorable_info: withDefault(bool(), false),
});

type ListFolderArg = ReturnType<typeof listFolderArg.decode>;

/** The folder a list_folder / get_latest_cursor argument names, or the route's 409. */
function listedFolder(ctx: RouteContext<ListFolderArg>): FolderNode {
  return withErrors({ lookup: 'path' }, () => {
    let node: Node;
    if (ctx.arg.shared_link) {
      // With a shared link, the path is relative to the link's folder.
      const ns = ctx.account.ns;
      const target = linkTarget(ctx.account, ctx.arg.shared_link.url, ctx.arg.shared_link.password);
      const relative = parse(ctx.arg.path);
      if (relative.kind !== 'root' && relative.kind !== 'path') throw LookupFailure.of('malformed_path');
      const parts = relative.kind === 'path' ? relative.parts : [];
      node = ns.lookup({ kind: 'path', parts: [...ns.pathParts(target), ...parts] });
    } else {
      const r = resolve(ctx, ctx.arg.path);
      if (r.kind !== 'node') throw LookupFailure.of('not_folder');
      node = r.node;
    }
    if (node.kind !== 'folder') throw LookupFailure.of('not_folder');
    return node;
  });
}

function scopeOf(ctx: RouteContext<ListFolderArg>, folder: FolderNode): ListCursor {
  return {
    a: ctx.account.id,
    p: ctx.account.ns.pathLower(folder),
    recursive: ctx.arg.recursive,
    includeDeleted: ctx.arg.include_deleted,
    includeNonDownloadable: ctx.arg.include_non_downloadable_files,
    limit: ctx.arg.limit ?? DEFAULT_LIST_LIMIT,
    s: ctx.account.ns.seq,
  };
}

const listResult = (ctx: RouteContext<unknown>, page: ListPage) => ({
  entries: page.entries,
  cursor: ctx.state.cursors.encode('list', page.cursor as unknown as Record<string, unknown>),
  has_more: page.hasMore,
});

/** Decodes a list cursor of this account, or answers `reset`. */
function listCursor(ctx: RouteContext<unknown>, cursor: string, accountId?: string): ListCursor {
  const c = ctx.state.cursors.decode<ListCursor>('list', cursor);
  if (!c || c === 'reset' || (accountId !== undefined && c.a !== accountId) || !ctx.state.accounts.has(c.a)) {
    throw routeError({ '.tag': 'reset' });
  }
  return c;
}

const listFolder = defineRoute({
  name: 'files/list_folder',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.metadata.read',
  arg: listFolderArg,
  handler(ctx) {
    const folder = listedFolder(ctx);
    return listResult(ctx, listingPage(ctx.account, folder, scopeOf(ctx, folder)));
  },
});

const listFolderContinue = defineRoute({
  name: 'files/list_folder/continue',
  host: 'api',
  style: 'rpc',
  auth: 'app, user',
  scope: 'files.metadata.read',
  arg: struct({ cursor: required(str({ minLength: 1 })) }),
  handler(ctx) {
    const cursor = listCursor(ctx, ctx.arg.cursor, ctx.account.id);
    if (cursor.after === undefined) return listResult(ctx, changesPage(ctx.account, cursor));
    const folder =
      cursor.p === '' ? ctx.account.ns.root : ctx.account.ns.nodeAt(cursor.p.split('/').slice(1));
    if (folder?.kind !== 'folder') throw routeError({ '.tag': 'path', path: { '.tag': 'not_found' } });
    return listResult(ctx, listingPage(ctx.account, folder, cursor));
  },
});

const getLatestCursor = defineRoute({
  name: 'files/list_folder/get_latest_cursor',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.metadata.read',
  arg: listFolderArg,
  handler(ctx) {
    const folder = listedFolder(ctx);
    return {
      cursor: ctx.state.cursors.encode('list', scopeOf(ctx, folder) as unknown as Record<string, unknown>),
    };
  },
});

const longpoll = defineRoute({
  name: 'files/list_folder/longpoll',
  host: 'notify',
  style: 'rpc',
  auth: 'noauth',
  scope: 'files.metadata.read',
  arg: struct({ cursor: required(str({ minLength: 1 })), timeout: withDefault(uint64(30, 480), 30) }),
  async handler(ctx) {
    const cursor = listCursor(ctx, ctx.arg.cursor);
    const account = ctx.state.accounts.get(cursor.a)!;
    const backoff = ctx.state.settings.longpollBackoff;
    const answer = (changes: boolean) => (backoff === undefined ? { changes } : { changes, backoff });
    if (hasChanges(account, cursor)) return answer(true);
    // Wait for a change under the cursor's folder, the timeout, or the client going away.
    const gone = new AbortController();
    ctx.res.on('close', () => gone.abort());
    const ms = ctx.arg.timeout * ctx.state.settings.longpollMsPerSecond;
    const changed = await ctx.state.waitForChange(
      account,
      (c) => inScope(cursor, c.pathLower),
      ms,
      gone.signal,
    );
    return answer(changed);
  },
});

const getMetadata = defineRoute({
  name: 'files/get_metadata',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.metadata.read',
  arg: struct({
    path: required(pathType(PATTERN.ReadPath, { rootUnsupported: true })),
    include_media_info: withDefault(bool(), false),
    include_deleted: withDefault(bool(), false),
    include_has_explicit_shared_members: withDefault(bool(), false),
    include_property_groups: optional(templateFilter),
  }),
  handler(ctx) {
    const options = { tag: true, explicitSharedMembers: ctx.arg.include_has_explicit_shared_members };
    return withErrors({ lookup: 'path' }, () => {
      try {
        const r = resolve(ctx, ctx.arg.path);
        if (r.kind === 'revision') return revisionMetadata(r.revision, options);
        return nodeMetadata(ctx.account.ns, r.node, options);
      } catch (e) {
        if (!(e instanceof LookupFailure) || !ctx.arg.include_deleted || e.error['.tag'] !== 'not_found')
          throw e;
        const parsed = parse(ctx.arg.path);
        if (parsed.kind !== 'path') throw e;
        const tomb = ctx.account.ns.tombstones.get(lower(`/${parsed.parts.join('/')}`));
        if (!tomb) throw e;
        return deletedMetadata(tomb);
      }
    });
  },
});

const createFolder = defineRoute({
  name: 'files/create_folder_v2',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({ path: required(pathType(PATTERN.WritePath)), autorename: withDefault(bool(), false) }),
  handler(ctx) {
    return withErrors({ write: 'path' }, () => {
      const folder = ctx.account.ns.createFolder(writeTarget(ctx, ctx.arg.path), ctx.arg.autorename);
      return { metadata: folderMetadata(ctx.account.ns, folder) };
    });
  },
});

const deleteArg = struct({
  path: required(pathType(PATTERN.WritePathOrId)),
  parent_rev: optional(revType()),
});

/** The live node a delete/relocation source names. */
function sourceNode(ctx: RouteContext<unknown>, value: string): Node {
  const r = resolve(ctx, value);
  if (r.kind !== 'node') throw LookupFailure.of('not_found');
  if (r.node === ctx.account.ns.root) throw LookupFailure.of('malformed_path');
  return r.node;
}

const deleteV2 = defineRoute({
  name: 'files/delete_v2',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.content.write',
  arg: deleteArg,
  handler(ctx) {
    const node = withErrors({ lookup: 'path_lookup' }, () => sourceNode(ctx, ctx.arg.path));
    const metadata = nodeMetadata(ctx.account.ns, node);
    withErrors({ write: 'path_write' }, () => ctx.account.ns.delete(node, ctx.arg.parent_rev));
    return { metadata };
  },
});

const permanentlyDelete = defineRoute({
  name: 'files/permanently_delete',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.permanent_delete',
  arg: deleteArg,
  async handler(ctx) {
    if (ctx.account.profile.accountType !== 'business') {
      throw accessError({ '.tag': 'invalid_account_type', invalid_account_type: { '.tag': 'endpoint' } });
    }
    await withErrorsAsync({ lookup: 'path_lookup' }, async () => {
      const parsed = parse(ctx.arg.path);
      if (parsed.kind === 'rev' || parsed.kind === 'root') throw LookupFailure.of('malformed_path');
      const ns = ctx.account.ns;
      let parts: string[];
      if (parsed.kind === 'id') {
        const node = ns.lookup(parsed);
        parts = ns.pathParts(node);
      } else {
        parts = ns.absoluteParts(parsed, true);
      }
      const node = ns.nodeAt(parts);
      if (
        node &&
        ctx.arg.parent_rev !== undefined &&
        (node.kind !== 'file' || node.rev.rev !== ctx.arg.parent_rev)
      ) {
        throw routeError({
          '.tag': 'path_write',
          path_write: { '.tag': 'conflict', conflict: { '.tag': 'file' } },
        });
      }
      if (!(await ns.permanentlyDelete(parts))) throw LookupFailure.of('not_found');
    });
    return null;
  },
});

const relocationArg = struct({
  from_path: required(pathType(PATTERN.WritePathOrId)),
  to_path: required(pathType(PATTERN.WritePathOrId)),
  allow_shared_folder: withDefault(bool(), false),
  autorename: withDefault(bool(), false),
  allow_ownership_transfer: withDefault(bool(), false),
});

function relocation(name: string, op: 'copy' | 'move'): RouteDef {
  return defineRoute({
    name,
    host: 'api',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: relocationArg,
    handler(ctx) {
      const ns = ctx.account.ns;
      const node = withErrors({ lookup: 'from_lookup' }, () => sourceNode(ctx, ctx.arg.from_path));
      const to = withErrors({ write: 'to' }, () => writeTarget(ctx, ctx.arg.to_path));
      const moved = withErrors({ write: 'to' }, () =>
        op === 'copy' ? ns.copy(node, to, ctx.arg.autorename) : ns.move(node, to, ctx.arg.autorename),
      );
      return { metadata: nodeMetadata(ns, moved) };
    },
  });
}

const restore = defineRoute({
  name: 'files/restore',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.content.write',
  arg: struct({ path: required(pathType(PATTERN.WritePath)), rev: required(revType()) }),
  handler(ctx) {
    const ns = ctx.account.ns;
    const revision = ns.revisions.get(ctx.arg.rev);
    if (!revision || revision.export) throw routeError({ '.tag': 'invalid_revision' });
    ctx.state.blobs.retain(revision.blobId);
    return withErrors({ write: 'path_write' }, () =>
      commitContent(ctx, ctx.arg.path, revision, {
        mode: { tag: 'overwrite', value: undefined },
        autorename: false,
        clientModified: new Date(revision.clientModified),
        strictConflict: false,
      }),
    );
  },
});

const listRevisions = defineRoute({
  name: 'files/list_revisions',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.metadata.read',
  arg: struct({
    path: required(pathType(PATTERN.PathOrId)),
    mode: withDefault(union({ path: null, id: null }), { tag: 'path', value: undefined }),
    limit: withDefault(uint64(1, 100), 10),
    before_rev: optional(revType()),
    include_restorable_info: withDefault(bool(), false),
  }),
  handler(ctx) {
    const ns = ctx.account.ns;
    const byId = ctx.arg.mode.tag === 'id';
    if (byId && ctx.arg.before_rev !== undefined) throw routeError({ '.tag': 'before_rev_not_supported' });
    let revisions: FileRevision[];
    let deletedAt: number | undefined;
    withErrors({ lookup: 'path' }, () => {
      const parsed = parse(ctx.arg.path);
      let node: Node | undefined;
      try {
        node = ns.lookup(parsed);
      } catch (e) {
        if (!(e instanceof LookupFailure) || e.error['.tag'] !== 'not_found') throw e;
      }
      if (node && node.kind !== 'file') throw LookupFailure.of('not_file');
      let fileId = node?.kind === 'file' ? node.id : undefined;
      let pathLower = node ? ns.pathLower(node) : undefined;
      if (!node) {
        // A deleted file: by its id, or by the path it was deleted from.
        if (parsed.kind === 'id' && parsed.parts.length === 0 && ns.history.has(parsed.id)) {
          const history = ns.history.get(parsed.id)!;
          fileId = parsed.id;
          pathLower = history[history.length - 1]!.pathLower;
        } else if (parsed.kind === 'path' || parsed.kind === 'ns') {
          const tomb = ns.tombstones.get(lower(`/${parsed.parts.join('/')}`));
          if (tomb?.kind !== 'file') throw LookupFailure.of('not_found');
          fileId = tomb.fileId;
          pathLower = tomb.pathLower;
        } else {
          throw LookupFailure.of('not_found');
        }
        deletedAt = ns.tombstones.get(pathLower)?.deletedAt;
      }
      revisions = byId
        ? [...(ns.history.get(fileId!) ?? [])].reverse()
        : [...ns.revisions.values()].filter((r) => r.pathLower === pathLower && !r.export).reverse();
    });
    let list = revisions!;
    if (ctx.arg.before_rev !== undefined) {
      const i = list.findIndex((r) => r.rev === ctx.arg.before_rev);
      if (i < 0) throw routeError({ '.tag': 'invalid_before_rev' });
      list = list.slice(i + 1);
    }
    const page = list.slice(0, ctx.arg.limit);
    const options = { restorable: ctx.arg.include_restorable_info };
    return {
      is_deleted: deletedAt !== undefined,
      ...(deletedAt !== undefined
        ? { server_deleted: new Date(deletedAt).toISOString().replace(/\.\d{3}Z$/, 'Z') }
        : {}),
      entries: page.map((r) => revisionMetadata(r, options)),
      has_more: list.length > page.length,
    };
  },
});

// ---- search ----

const FILE_CATEGORIES: Record<string, string[]> = {
  image: ['jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'webp', 'heic', 'svg', 'ppm', 'raw'],
  document: ['doc', 'docx', 'txt', 'rtf', 'odt', 'md', 'pages', 'gdoc'],
  pdf: ['pdf'],
  spreadsheet: ['xls', 'xlsx', 'xlsm', 'csv', 'ods', 'numbers', 'gsheet'],
  presentation: ['ppt', 'pptx', 'pps', 'ppsx', 'key', 'odp', 'gslides'],
  audio: ['mp3', 'wav', 'mid', 'midi', 'aac', 'flac', 'm4a', 'ogg', 'wma'],
  video: ['mov', 'wmv', 'mp4', 'avi', 'mkv', 'm4v', 'mpg', 'mpeg', 'webm', 'flv'],
  paper: ['paper'],
};

function categoryOf(kind: 'file' | 'folder', name: string): string {
  if (kind === 'folder') return 'folder';
  const ext = extensionOf(name);
  for (const [category, exts] of Object.entries(FILE_CATEGORIES)) if (exts.includes(ext)) return category;
  return 'others';
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

const fileCategory = union(
  Object.fromEntries(
    [
      'image',
      'document',
      'pdf',
      'spreadsheet',
      'presentation',
      'audio',
      'video',
      'folder',
      'paper',
      'others',
    ].map((c) => [c, null]),
  ),
);

const searchOptions = struct({
  path: optional(pathType(PATTERN.PathROrId, { slashIsRoot: true })),
  max_results: withDefault(uint64(1, 1000), 100),
  order_by: optional(union({ relevance: null, last_modified_time: null })),
  file_status: withDefault(union({ active: null, deleted: null }), { tag: 'active', value: undefined }),
  filename_only: withDefault(bool(), false),
  file_extensions: optional(list(str())),
  file_categories: optional(list(fileCategory)),
  account_id: optional(str({ minLength: 40, maxLength: 40 })),
});

type SearchOptions = ReturnType<typeof searchOptions.decode>;

interface SearchCursor {
  q: string;
  o: {
    path?: string;
    max: number;
    order?: string;
    deleted: boolean;
    ext?: string[];
    cat?: string[];
    hl: boolean;
  };
  n: number;
}

interface Hit {
  name: string;
  pathLower: string;
  modified: number;
  meta: () => Record<string, unknown>;
}

function searchHits(ctx: RouteContext<unknown>, c: SearchCursor): Hit[] {
  const ns = ctx.account.ns;
  let scope = '';
  if (c.o.path) {
    scope = withErrors({ lookup: 'path' }, () => {
      const r = resolve(ctx, c.o.path!);
      if (r.kind !== 'node') throw LookupFailure.of('not_folder');
      if (r.node.kind !== 'folder') throw LookupFailure.of('not_folder');
      return ns.pathLower(r.node);
    });
  }
  const tokens = c.q.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (name: string) => tokens.length > 0 && tokens.every((t) => name.toLowerCase().includes(t));
  const under = (p: string) => scope === '' || p.startsWith(`${scope}/`);
  const hits: Hit[] = [];
  if (c.o.deleted) {
    for (const t of ns.tombstones.values()) {
      if (under(t.pathLower) && matches(t.name)) {
        hits.push({
          name: t.name,
          pathLower: t.pathLower,
          modified: t.deletedAt,
          meta: () => deletedMetadata(t),
        });
      }
    }
  } else {
    const start = scope === '' ? ns.root : ns.nodeAt(scope.split('/').slice(1))!;
    for (const n of ns.walk(start, false)) {
      if (!matches(n.name)) continue;
      if (c.o.ext && (n.kind !== 'file' || !c.o.ext.includes(extensionOf(n.name)))) continue;
      if (c.o.cat && !c.o.cat.includes(categoryOf(n.kind, n.name))) continue;
      hits.push({
        name: n.name,
        pathLower: ns.pathLower(n),
        modified: n.kind === 'file' ? n.rev.serverModified : 0,
        meta: () => nodeMetadata(ns, n),
      });
    }
  }
  const query = tokens.join(' ');
  if (c.o.order === 'last_modified_time') hits.sort((a, b) => b.modified - a.modified);
  else hits.sort((a, b) => Number(lower(b.name) === query) - Number(lower(a.name) === query));
  return hits.slice(0, 10_000);
}

function highlights(
  name: string,
  tokens: string[],
): Array<{ highlight_str: string; is_highlighted: boolean }> {
  const low = name.toLowerCase();
  const marks = new Array<boolean>(name.length).fill(false);
  for (const t of tokens) {
    for (let i = low.indexOf(t); i >= 0; i = low.indexOf(t, i + 1)) marks.fill(true, i, i + t.length);
  }
  const spans: Array<{ highlight_str: string; is_highlighted: boolean }> = [];
  for (let i = 0; i < name.length; ) {
    let j = i;
    while (j < name.length && marks[j] === marks[i]) j++;
    spans.push({ highlight_str: name.slice(i, j), is_highlighted: marks[i]! });
    i = j;
  }
  return spans;
}

function searchPage(ctx: RouteContext<unknown>, c: SearchCursor) {
  const hits = searchHits(ctx, c);
  const page = hits.slice(c.n, c.n + c.o.max);
  const hasMore = c.n + page.length < hits.length;
  const tokens = c.q.toLowerCase().split(/\s+/).filter(Boolean);
  return {
    matches: page.map((h) => ({
      metadata: { '.tag': 'metadata', metadata: h.meta() },
      match_type: { '.tag': 'filename' },
      ...(c.o.hl ? { highlight_spans: highlights(h.name, tokens) } : {}),
    })),
    has_more: hasMore,
    ...(hasMore
      ? {
          cursor: ctx.state.cursors.encode('search', { ...c, n: c.n + page.length } as unknown as Record<
            string,
            unknown
          >),
        }
      : {}),
  };
}

const searchV2 = defineRoute({
  name: 'files/search_v2',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.metadata.read',
  arg: struct({
    query: required(str({ maxLength: 1000 })),
    options: optional(searchOptions),
    match_field_options: optional(struct({ include_highlights: withDefault(bool(), false) })),
    include_highlights: optional(bool()),
  }),
  handler(ctx) {
    const o: SearchOptions | undefined = ctx.arg.options;
    const deleted = o?.file_status.tag === 'deleted';
    const cursor: SearchCursor = {
      q: ctx.arg.query,
      o: {
        ...(o?.path ? { path: o.path } : {}),
        max: o?.max_results ?? 100,
        ...(o?.order_by ? { order: o.order_by.tag } : {}),
        deleted,
        // Extension and category filters apply to active files only.
        ...(o?.file_extensions && !deleted
          ? { ext: o.file_extensions.map((e) => e.replace(/^\./, '').toLowerCase()) }
          : {}),
        ...(o?.file_categories && !deleted ? { cat: o.file_categories.map((t: Tagged) => t.tag) } : {}),
        hl: ctx.arg.match_field_options?.include_highlights ?? ctx.arg.include_highlights ?? false,
      },
      n: 0,
    };
    return searchPage(ctx, cursor);
  },
});

const searchContinue = defineRoute({
  name: 'files/search/continue_v2',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.metadata.read',
  arg: struct({ cursor: required(str({ minLength: 1 })) }),
  handler(ctx) {
    const c = ctx.state.cursors.decode<SearchCursor>('search', ctx.arg.cursor);
    if (!c || c === 'reset') throw routeError({ '.tag': 'invalid_argument' });
    return searchPage(ctx, c);
  },
});

// ---- temporary links ----

const TEMPORARY_LINK_MS = 4 * 3600 * 1000;

const getTemporaryLink = defineRoute({
  name: 'files/get_temporary_link',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'files.content.read',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)) }),
  handler(ctx) {
    const ns = ctx.account.ns;
    const { revision, metadata } = withErrors({ lookup: 'path' }, () => {
      const r = resolve(ctx, ctx.arg.path);
      if (r.kind === 'revision') return { revision: r.revision, metadata: revisionMetadata(r.revision) };
      if (r.node.kind !== 'file') throw LookupFailure.of('not_file');
      return { revision: r.node.rev, metadata: fileMetadata(ns, r.node) };
    });
    if (revision.export) throw routeError({ '.tag': 'unsupported_file' });
    const token = randomBytes(24).toString('base64url');
    ctx.state.temporaryLinks.set(token, {
      accountId: ctx.account.id,
      rev: revision.rev,
      expiresAt: ctx.state.now() + TEMPORARY_LINK_MS,
    });
    const base = ctx.state.temporaryLinkBase();
    return { metadata, link: `${base}/cd/0/get/${token}/file` };
  },
});

export const filesRoutes: RouteDef[] = [
  listFolder,
  listFolderContinue,
  getLatestCursor,
  longpoll,
  getMetadata,
  createFolder,
  deleteV2,
  permanentlyDelete,
  relocation('files/copy_v2', 'copy'),
  relocation('files/move_v2', 'move'),
  restore,
  listRevisions,
  searchV2,
  searchContinue,
  getTemporaryLink,
];
