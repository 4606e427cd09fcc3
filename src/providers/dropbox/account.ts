import type { DropboxContext } from './context.js';
import { accountFrom } from './mapping.js';
import type { DropboxAccount } from './types.js';
import type { FullAccount, SpaceUsage } from './wire.js';

/**
 * users/get_current_account and users/get_space_usage: the Account properties, and the namespace settings
 * (AccountHomeNamespace, AccountRootNamespace, AccountHomePath) that PathRoot=root relies on.
 */
export async function getAccountInfo(ctx: DropboxContext, signal: AbortSignal): Promise<DropboxAccount> {
  const options = { signal, idempotent: true, noPathRoot: true };
  const account = await ctx.api.rpc<FullAccount>('users/get_current_account', undefined, options);
  const space = await ctx.api.rpc<SpaceUsage>('users/get_space_usage', undefined, options);
  const root = account.root_info;
  ctx.settings.set('AccountHomeNamespace', root.home_namespace_id, true);
  ctx.settings.set('AccountRootNamespace', root.root_namespace_id, true);
  ctx.settings.set('AccountHomePath', root['.tag'] === 'team' ? (root.home_path ?? '') : '', true);
  ctx.client.account = accountFrom(account, space);
  return ctx.client.account;
}
