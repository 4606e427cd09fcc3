import { invalidArgument } from '../../core/errors.js';
import { walkPages } from '../../core/provider.js';
import { ACCEPTS, address } from './addressing.js';
import { type DropboxContext, dateFormat, publishSharedLinks } from './context.js';
import { DropboxApiError } from './errors.js';
import { dropboxTimestamp, sharedLinkFromMetadata } from './mapping.js';
import type { DropboxSharedLink, SharedLinkPage } from './types.js';
import type { ListSharedLinksResult, SharedLinkMetadata, SharedLinkSettings } from './wire.js';

/** Shared links: sharing/create_shared_link_with_settings, list_shared_links, revoke_shared_link. */

const VISIBILITY = ['public', 'team_only', 'password'] as const;

/** Link settings from CreateLinkVisibility, CreateLinkPassword and CreateLinkExpiration; undefined for none. */
function linkSettings(ctx: DropboxContext): SharedLinkSettings | undefined {
  const s = ctx.settings;
  const visibility = s.get('CreateLinkVisibility');
  const password = s.get('CreateLinkPassword');
  const expiration = s.get('CreateLinkExpiration');
  if (visibility === 2 && !password) {
    throw invalidArgument('CreateLinkVisibility=2 (password) needs CreateLinkPassword.');
  }
  ctx.redactor.add(password);
  const settings: SharedLinkSettings = {};
  // A password alone means a password-protected link (as in the reference's own example).
  if (visibility !== 0 || password)
    settings.requested_visibility = password && visibility === 0 ? 'password' : VISIBILITY[visibility]!;
  if (password) settings.link_password = password;
  if (expiration) settings.expires = dropboxTimestamp(expiration);
  return Object.keys(settings).length ? settings : undefined;
}

/**
 * Creates a shared link and returns its URL. When the resource already has a link, that link is returned
 * instead of an error: Dropbox's `shared_link_already_exists` carries it when the settings match; when they
 * differ the link is looked up and given the requested settings.
 */
export async function createLink(
  ctx: DropboxContext,
  resource: string,
  signal: AbortSignal,
): Promise<string> {
  const path = address(resource, ACCEPTS.readable, 'resource').value;
  const settings = linkSettings(ctx);
  try {
    const link = await ctx.api.rpc<SharedLinkMetadata>(
      'sharing/create_shared_link_with_settings',
      { path, ...(settings ? { settings } : {}) },
      { signal },
    );
    return link.url;
  } catch (e) {
    if (!(e instanceof DropboxApiError) || !e.is('shared_link_already_exists')) throw e;
    const existing = existingLinkOf(e);
    if (existing) return existing.url;
    const { links } = await ctx.api.rpc<ListSharedLinksResult>(
      'sharing/list_shared_links',
      { path, direct_only: true },
      { signal, idempotent: true },
    );
    const link = links[0];
    if (!link) throw e;
    if (!settings) return link.url;
    const updated = await ctx.api.rpc<SharedLinkMetadata>(
      'sharing/modify_shared_link_settings',
      { url: link.url, settings },
      { signal },
    );
    return updated.url;
  }
}

function existingLinkOf(e: DropboxApiError): SharedLinkMetadata | undefined {
  const inner = e.error?.shared_link_already_exists as
    | { '.tag'?: string; metadata?: SharedLinkMetadata }
    | undefined;
  return inner?.['.tag'] === 'metadata' ? inner.metadata : undefined;
}

/** One page of sharing/list_shared_links: all links (""), or those reaching a resource (not paged). */
export async function sharedLinksPage(
  ctx: DropboxContext,
  resource: string,
  cursor: string,
  signal: AbortSignal,
): Promise<ListSharedLinksResult> {
  if (cursor) {
    return ctx.api.rpc<ListSharedLinksResult>(
      'sharing/list_shared_links',
      { cursor },
      { signal, idempotent: true },
    );
  }
  const a = address(resource, ACCEPTS.linkScope, 'resource');
  const arg = a.kind === 'root' ? {} : { path: a.value, direct_only: false };
  return ctx.api.rpc<ListSharedLinksResult>('sharing/list_shared_links', arg, { signal, idempotent: true });
}

function toLinks(ctx: DropboxContext, result: ListSharedLinksResult): DropboxSharedLink[] {
  const format = dateFormat(ctx);
  return result.links.map((l) => sharedLinkFromMetadata(l, format));
}

export async function listSharedLinks(
  ctx: DropboxContext,
  resource: string,
  signal: AbortSignal,
): Promise<SharedLinkPage> {
  const marker = ctx.client.sharedLinkMarker;
  const result = await sharedLinksPage(ctx, resource, marker, signal);
  const links = toLinks(ctx, result);
  ctx.client.sharedLinkMarker = result.has_more && result.cursor ? result.cursor : '';
  publishSharedLinks(ctx, links, marker !== '');
  return { links, marker: ctx.client.sharedLinkMarker };
}

export function iterateSharedLinks(
  ctx: DropboxContext,
  resource: string,
  signal: AbortSignal,
): AsyncGenerator<DropboxSharedLink> {
  return walkPages(async (cursor) => {
    const result = await sharedLinksPage(ctx, resource, cursor, signal);
    return { items: toLinks(ctx, result), marker: result.has_more ? (result.cursor ?? '') : '' };
  });
}

export async function revokeLink(
  ctx: DropboxContext,
  sharedLink: string,
  signal: AbortSignal,
): Promise<void> {
  if (!/^https?:\/\//i.test(sharedLink)) {
    throw invalidArgument(`revokeLink takes the link's URL; got "${sharedLink}".`);
  }
  await ctx.api.rpc<null>('sharing/revoke_shared_link', { url: sharedLink }, { signal });
}
