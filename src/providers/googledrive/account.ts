import type { GoogleDriveContext } from './context.js';
import { requestedFields } from './context.js';
import type { GoogleDriveAccount } from './types.js';
import type { About } from './wire.js';

const ABOUT_FIELDS =
  'user(displayName,emailAddress,permissionId),storageQuota(limit,usage,usageInDrive,usageInDriveTrash),canCreateDrives';

const bytes = (v: string | undefined) => (v === undefined || v === '' ? -1 : Number(v));

/** getAccountInfo: about.get into the Account properties (a quota without `limit` is unlimited: -1). */
export async function getAccountInfo(
  ctx: GoogleDriveContext,
  signal: AbortSignal,
): Promise<GoogleDriveAccount> {
  const about = await ctx.api.json<About>({
    method: 'GET',
    path: '/about',
    query: { fields: requestedFields(ctx, ABOUT_FIELDS) },
    signal,
  });
  const account: GoogleDriveAccount = {
    canCreateSharedDrives: about.canCreateDrives ?? false,
    driveUsage: bytes(about.storageQuota?.usageInDrive),
    email: about.user?.emailAddress ?? '',
    name: about.user?.displayName ?? '',
    permissionId: about.user?.permissionId ?? '',
    storageQuota: bytes(about.storageQuota?.limit),
    storageUsage: bytes(about.storageQuota?.usage),
    trashUsage: bytes(about.storageQuota?.usageInDriveTrash),
  };
  ctx.client.account = account;
  return account;
}
