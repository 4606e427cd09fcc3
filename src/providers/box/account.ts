import type { BoxContext } from './context.js';
import { accountFromUser } from './mapping.js';
import type { BoxAccount } from './types.js';
import { USER_FIELDS, type WireUser } from './wire.js';

/** `getAccountInfo`: fills `account` (and AccountMaxFileSize) from the current user. */
export async function getAccountInfo(ctx: BoxContext, signal: AbortSignal): Promise<BoxAccount> {
  const user = await ctx.api.json<WireUser>({
    method: 'GET',
    path: '/users/me',
    query: { fields: USER_FIELDS },
    signal,
  });
  ctx.client.account = accountFromUser(user);
  ctx.settings.set(
    'AccountMaxFileSize',
    user.max_upload_size === undefined ? '' : String(user.max_upload_size),
    true,
  );
  return ctx.client.account;
}
