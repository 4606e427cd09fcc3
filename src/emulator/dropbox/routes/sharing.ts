import { randomBytes } from 'node:crypto';
import type { Account, Audience, RequestedVisibility, SharedLink } from '../account.js';
import { defineRoute, type RouteContext, type RouteDef } from '../dispatch.js';
import { routeError } from '../errors.js';
import { LookupFailure, type Node } from '../model.js';
import { PATTERN } from '../paths.js';
import {
  bool,
  formatTimestamp,
  optional,
  required,
  str,
  struct,
  timestamp,
  union,
  withDefault,
} from '../stone.js';
import { pathType, resolve, withErrors } from './common.js';

/**
 * The `sharing` namespace, shared links only: create (with settings; an existing link answers
 * `shared_link_already_exists` with its metadata), list (all, or those reaching a path, paged with a
 * cursor), revoke, read and modify. Links look like Dropbox's (`https://www.dropbox.com/scl/fi/...`).
 */

const linkAudience = union({ public: null, team: null, no_one: null, password: null, members: null });
const requestedVisibility = union({ public: null, team_only: null, password: null });

const linkSettings = struct({
  require_password: optional(bool()),
  link_password: optional(str()),
  expires: optional(timestamp()),
  audience: optional(linkAudience),
  access: optional(union({ viewer: null, editor: null, max: null, default: null })),
  requested_visibility: optional(requestedVisibility),
  allow_download: optional(bool()),
});

type LinkSettings = ReturnType<typeof linkSettings.decode>;

const settingsError = (tag: 'invalid_settings' | 'not_authorized') =>
  routeError({ '.tag': 'settings_error', settings_error: { '.tag': tag } });

/** The key a link URL is found by: its path and `rlkey`, whatever `dl` and other parameters say. */
function linkKey(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (!/(^|\.)dropbox\.com$/.test(u.hostname) || !/^\/scl\/f[io]\//.test(u.pathname)) return undefined;
    return `${u.pathname}?${u.searchParams.get('rlkey') ?? ''}`;
  } catch {
    return undefined;
  }
}

function findLink(account: Account, url: string): SharedLink | undefined {
  const key = linkKey(url);
  if (!key) return undefined;
  for (const link of account.links.values()) if (linkKey(link.url) === key) return link;
  return undefined;
}

/** The live node a link points at (links of deleted items are dead). */
function targetOf(account: Account, link: SharedLink): Node | undefined {
  return account.ns.nodeById(link.targetId);
}

/** The folder or file a shared link names, for list_folder's `shared_link` argument. */
export function linkTarget(account: Account, url: string, password: string | undefined): Node {
  const link = findLink(account, url);
  const node = link && targetOf(account, link);
  if (!link || !node) throw LookupFailure.of('not_found');
  if (link.password !== undefined && link.password !== password) throw LookupFailure.of('not_found');
  return node;
}

function resolvedVisibility(link: SharedLink): string {
  return link.password !== undefined && link.requestedVisibility !== 'password'
    ? 'password'
    : link.requestedVisibility;
}

function linkPermissions(account: Account, link: SharedLink): Record<string, unknown> {
  const type = account.profile.accountType;
  const paid = type !== 'basic';
  const team = type === 'business';
  const policy = (p: string, allowed: boolean, reason?: string) => ({
    policy: { '.tag': p },
    resolved_policy: { '.tag': p },
    allowed,
    ...(allowed || !reason ? {} : { disallowed_reason: { '.tag': reason } }),
  });
  const audienceOption = (a: string, allowed: boolean, reason?: string) => ({
    audience: { '.tag': a },
    allowed,
    ...(allowed || !reason ? {} : { disallowed_reason: { '.tag': reason } }),
  });
  return {
    resolved_visibility: { '.tag': resolvedVisibility(link) },
    requested_visibility: { '.tag': link.requestedVisibility },
    can_revoke: true,
    visibility_policies: [
      policy('public', true),
      policy('team_only', team, 'user_not_on_team'),
      policy('password', paid, 'user_account_type'),
    ],
    can_set_expiry: paid,
    can_remove_expiry: paid,
    allow_download: link.allowDownload,
    can_allow_download: true,
    can_disallow_download: paid,
    allow_comments: true,
    team_restricts_comments: false,
    audience_options: [
      audienceOption('public', true),
      audienceOption('team', team, 'user_not_on_team'),
      audienceOption('no_one', true),
    ],
    can_set_password: paid,
    can_remove_password: paid,
    require_password: link.password !== undefined,
    can_use_extended_sharing_controls: paid,
    effective_audience: { '.tag': link.audience },
    link_access_level: { '.tag': link.accessLevel },
  };
}

/** `SharedLinkMetadata` (with `.tag` file/folder) of a link, or of an entry inside a folder link. */
export function linkMetadata(account: Account, link: SharedLink, node: Node): Record<string, unknown> {
  const ns = account.ns;
  const out: Record<string, unknown> = {
    '.tag': node.kind,
    url: link.url,
    id: node.id,
    name: node.name,
    ...(link.expires !== undefined ? { expires: formatTimestamp(link.expires) } : {}),
    path_lower: ns.pathLower(node),
    link_permissions: linkPermissions(account, link),
  };
  if (account.team) {
    out.team_member_info = {
      team_info: { id: account.team.id, name: account.team.name },
      display_name: account.profile.displayName,
      member_id: account.team.memberId,
    };
  }
  if (node.kind === 'file') {
    Object.assign(out, {
      client_modified: formatTimestamp(node.rev.clientModified),
      server_modified: formatTimestamp(node.rev.serverModified),
      rev: node.rev.rev,
      size: node.rev.size,
    });
  }
  return out;
}

/** Applies settings to a link (create or modify), checking them as Dropbox does for the account type. */
interface SettingsContext {
  accountType: Account['profile']['accountType'];
  now: number;
}

const settingsContext = (ctx: RouteContext<unknown>): SettingsContext => ({
  accountType: ctx.account.profile.accountType,
  now: ctx.state.now(),
});

function applySettings(
  link: SharedLink,
  s: LinkSettings,
  c: SettingsContext,
  removeExpiration = false,
): void {
  const type = c.accountType;
  const visibility = s.requested_visibility?.tag as RequestedVisibility | undefined;
  const audience = s.audience?.tag as Audience | undefined;
  const wantsPassword = visibility === 'password' || audience === 'password' || s.require_password === true;
  if (wantsPassword && !s.link_password && link.password === undefined)
    throw settingsError('invalid_settings');
  if (s.expires && s.expires.getTime() <= c.now) throw settingsError('invalid_settings');
  const teamOnly = visibility === 'team_only' || audience === 'team';
  if (
    type === 'basic' &&
    (wantsPassword || s.expires || s.link_password || teamOnly || s.allow_download === false)
  ) {
    throw settingsError('not_authorized');
  }
  if (teamOnly && type !== 'business') throw settingsError('not_authorized');

  if (visibility) {
    link.requestedVisibility = visibility;
    link.audience = visibility === 'team_only' ? 'team' : 'public';
  }
  if (audience) {
    link.audience = audience === 'password' ? 'public' : audience;
    if (!visibility)
      link.requestedVisibility =
        audience === 'team' ? 'team_only' : audience === 'password' ? 'password' : 'public';
  }
  if (s.link_password !== undefined && (wantsPassword || s.require_password === undefined))
    link.password = s.link_password;
  if (s.require_password === false) delete link.password;
  if (link.password !== undefined && !teamOnly) link.requestedVisibility = 'password';
  if (link.password === undefined && link.requestedVisibility === 'password')
    link.requestedVisibility = 'public';
  if (s.expires) link.expires = Math.floor(s.expires.getTime() / 1000) * 1000;
  if (removeExpiration) delete link.expires;
  if (s.allow_download !== undefined) link.allowDownload = s.allow_download;
  if (s.access?.tag === 'editor') link.accessLevel = 'editor';
}

function sameSettings(link: SharedLink, s: LinkSettings): boolean {
  const fresh: SharedLink = {
    ...link,
    requestedVisibility: 'public',
    audience: 'public',
    allowDownload: true,
    accessLevel: 'viewer',
  };
  delete fresh.password;
  delete fresh.expires;
  try {
    applySettings(fresh, s, { accountType: 'business', now: Number.NEGATIVE_INFINITY });
  } catch {
    return false;
  }
  return (
    fresh.requestedVisibility === link.requestedVisibility &&
    fresh.password === link.password &&
    fresh.expires === link.expires &&
    fresh.allowDownload === link.allowDownload
  );
}

function newLinkUrl(node: Node): string {
  const id = randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 21).toLowerCase();
  const rlkey = randomBytes(18).toString('base64url').replace(/[-_]/g, '0').slice(0, 25).toLowerCase();
  const kind = node.kind === 'file' ? 'fi' : 'fo';
  return `https://www.dropbox.com/scl/${kind}/${id}/${encodeURIComponent(node.name)}?rlkey=${rlkey}&dl=0`;
}

const createLink = defineRoute({
  name: 'sharing/create_shared_link_with_settings',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'sharing.write',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)), settings: optional(linkSettings) }),
  handler(ctx) {
    const account = ctx.account;
    const node = withErrors({ lookup: 'path' }, () => {
      const r = resolve(ctx, ctx.arg.path);
      if (r.kind === 'revision') {
        const live = account.ns.nodeById(r.revision.fileId);
        if (!live) throw LookupFailure.of('not_found');
        return live;
      }
      if (r.node === account.ns.root) throw LookupFailure.of('malformed_path');
      return r.node;
    });
    if (!account.profile.emailVerified) throw routeError({ '.tag': 'email_not_verified' });
    const settings = ctx.arg.settings;
    if (settings && Object.values(settings).every((v) => v === undefined))
      throw settingsError('invalid_settings');
    const existing = [...account.links.values()].find((l) => l.targetId === node.id);
    if (existing) {
      if (!settings || sameSettings(existing, settings)) {
        throw routeError(
          {
            '.tag': 'shared_link_already_exists',
            shared_link_already_exists: {
              '.tag': 'metadata',
              metadata: linkMetadata(account, existing, node),
            },
          },
          'shared_link_already_exists/metadata/',
        );
      }
      throw routeError({ '.tag': 'shared_link_already_exists' });
    }
    const link: SharedLink = {
      url: newLinkUrl(node),
      targetId: node.id,
      createdAt: ctx.state.now(),
      requestedVisibility: 'public',
      audience: 'public',
      allowDownload: true,
      accessLevel: 'viewer',
    };
    if (settings) applySettings(link, settings, settingsContext(ctx));
    account.links.set(link.url, link);
    return linkMetadata(account, link, node);
  },
});

interface LinksCursor {
  a: string;
  n: number;
}

const listLinks = defineRoute({
  name: 'sharing/list_shared_links',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'sharing.read',
  arg: struct({
    path: optional(pathType(PATTERN.ReadPath)),
    cursor: optional(str()),
    direct_only: optional(bool()),
  }),
  handler(ctx) {
    const account = ctx.account;
    const live = [...account.links.values()]
      .map((link) => ({ link, node: targetOf(account, link) }))
      .filter((x): x is { link: SharedLink; node: Node } => x.node !== undefined);
    if (ctx.arg.cursor !== undefined || ctx.arg.path === undefined) {
      let start = 0;
      if (ctx.arg.cursor !== undefined) {
        const c = ctx.state.cursors.decode<LinksCursor>('links', ctx.arg.cursor);
        if (!c || c === 'reset' || c.a !== account.id) throw routeError({ '.tag': 'reset' });
        start = c.n;
      }
      const size = ctx.state.settings.sharedLinksPageSize;
      const page = live.slice(start, start + size);
      const hasMore = start + page.length < live.length;
      return {
        links: page.map(({ link, node }) => linkMetadata(account, link, node)),
        has_more: hasMore,
        ...(hasMore
          ? { cursor: ctx.state.cursors.encode('links', { a: account.id, n: start + page.length }) }
          : {}),
      };
    }
    const path = ctx.arg.path;
    const target = withErrors({ lookup: 'path' }, () => {
      const r = resolve(ctx, path);
      if (r.kind === 'revision') {
        const n = account.ns.nodeById(r.revision.fileId);
        if (!n) throw LookupFailure.of('not_found');
        return n;
      }
      return r.node;
    });
    // Direct links, plus (unless direct_only) links of the folders above that give access to it.
    const ancestors = new Set<string>();
    for (let n: Node | undefined = target.parent; n; n = n.parent) ancestors.add(n.id);
    const links = live.filter(
      ({ node }) => node === target || (!ctx.arg.direct_only && ancestors.has(node.id)),
    );
    return { links: links.map(({ link, node }) => linkMetadata(account, link, node)), has_more: false };
  },
});

const sharedLinkError = (tag: string) => routeError({ '.tag': tag });

const revokeLink = defineRoute({
  name: 'sharing/revoke_shared_link',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'sharing.write',
  arg: struct({ url: required(str()) }),
  handler(ctx) {
    if (!linkKey(ctx.arg.url)) throw sharedLinkError('shared_link_malformed');
    const link = findLink(ctx.account, ctx.arg.url);
    if (!link) throw sharedLinkError('shared_link_not_found');
    ctx.account.links.delete(link.url);
    return null;
  },
});

const getLinkMetadata = defineRoute({
  name: 'sharing/get_shared_link_metadata',
  host: 'api',
  style: 'rpc',
  auth: 'app, user',
  scope: 'sharing.read',
  arg: struct({
    url: required(str()),
    path: optional(pathType(PATTERN.Path)),
    link_password: optional(str()),
  }),
  handler(ctx) {
    const account = ctx.account;
    const link = findLink(account, ctx.arg.url);
    const node = link && targetOf(account, link);
    if (!link || !node) throw sharedLinkError('shared_link_not_found');
    if (link.password !== undefined && link.password !== ctx.arg.link_password)
      throw sharedLinkError('shared_link_access_denied');
    if (ctx.arg.path === undefined) return linkMetadata(account, link, node);
    if (node.kind !== 'folder') throw sharedLinkError('shared_link_not_found');
    const inner = account.ns.nodeAt([...account.ns.pathParts(node), ...ctx.arg.path.slice(1).split('/')]);
    if (!inner) throw sharedLinkError('shared_link_not_found');
    return linkMetadata(account, link, inner);
  },
});

const modifyLink = defineRoute({
  name: 'sharing/modify_shared_link_settings',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'sharing.write',
  arg: struct({
    url: required(str()),
    settings: required(linkSettings),
    remove_expiration: withDefault(bool(), false),
  }),
  handler(ctx) {
    const account = ctx.account;
    const link = findLink(account, ctx.arg.url);
    const node = link && targetOf(account, link);
    if (!link || !node) throw sharedLinkError('shared_link_not_found');
    const updated: SharedLink = { ...link };
    applySettings(updated, ctx.arg.settings, settingsContext(ctx), ctx.arg.remove_expiration);
    Object.assign(link, updated);
    if (updated.password === undefined) delete link.password;
    if (updated.expires === undefined) delete link.expires;
    return linkMetadata(account, link, node);
  },
});

export const sharingRoutes: RouteDef[] = [createLink, listLinks, revokeLink, getLinkMetadata, modifyLink];
