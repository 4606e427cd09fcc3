import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { BoxContext } from './context.js';
import { existing, itemPath, parseId } from './ids.js';
import { subject, updateItem } from './items.js';
import type { WireItem } from './wire.js';

/** Shared links (createLink, revokeLink) and expiring preview links. */

/** Access levels of CreateLinkAccess. */
const ACCESS = ['open', 'company', 'collaborators'] as const;

/** `createLink`: creates the shared link, or changes the settings of the existing one (same URL). */
export async function createLink(ctx: BoxContext, resourceId: string, signal: AbortSignal): Promise<string> {
  const ref = existing(resourceId);
  const access = ACCESS[ctx.settings.get('CreateLinkAccess')]!;
  const password = ctx.settings.get('CreateLinkPassword');
  const expiration = ctx.settings.get('CreateLinkExpiration');
  if (password) ctx.redactor.add(password);
  const link = {
    access,
    ...(password ? { password } : {}),
    ...(expiration ? { unshared_at: expiration } : {}),
    ...(access !== 'collaborators'
      ? { permissions: { can_download: ctx.settings.get('CreateLinkAllowDownloads') } }
      : {}),
  };
  const item = await updateItem(ctx, ref, { shared_link: link }, signal, 'shared_link');
  if (!item.shared_link?.url) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `Box did not return a shared link for ${subject(ref)}.`,
    );
  }
  return item.shared_link.url;
}

/** Removes the shared link of a resource (nothing happens when there is none). */
export async function revokeLink(ctx: BoxContext, resourceId: string, signal: AbortSignal): Promise<void> {
  await updateItem(ctx, existing(resourceId), { shared_link: null }, signal, 'shared_link');
}

/** `createPreviewLink`: Box's expiring embed link (valid 60 s; the preview session lasts 60 min). */
export async function createPreviewLink(
  ctx: BoxContext,
  fileId: string,
  signal: AbortSignal,
): Promise<string> {
  const ref = parseId(fileId, 'file', 'file id');
  const item = await ctx.api.json<WireItem>({
    method: 'GET',
    path: `/${itemPath(ref)}`,
    query: { fields: 'expiring_embed_link' },
    signal,
    subject: subject(ref),
  });
  const url = item.expiring_embed_link?.url;
  if (!url) {
    throw new CloudStorageError(
      ErrorCode.UnsupportedOperation,
      `Box offers no preview for ${subject(ref)} (its file type cannot be previewed).`,
    );
  }
  return url;
}
