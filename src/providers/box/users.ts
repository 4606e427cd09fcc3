import type { BoxContext } from './context.js';
import { accountFromUser } from './mapping.js';
import type { BoxAccount } from './types.js';
import { USER_FIELDS, type WireUser, type WireUsers } from './wire.js';

/** Box's largest page of `GET /users`. */
const USERS_PAGE_SIZE = 1000;

/**
 * `createAppUser`: a new app user (`is_platform_access_only`), a user that exists only for this app and
 * owns its own files. It needs an enterprise token (JWT or client credentials) of an app allowed to manage
 * users. Sign in as it with jwtUserId, or act as it with asUser.
 */
export async function createAppUser(
  ctx: BoxContext,
  name: string,
  options: { externalAppUserId?: string; spaceAmount?: number },
  signal: AbortSignal,
): Promise<BoxAccount> {
  const user = await ctx.api.json<WireUser>({
    method: 'POST',
    path: '/users',
    query: { fields: USER_FIELDS },
    json: {
      name,
      is_platform_access_only: true,
      ...(options.externalAppUserId ? { external_app_user_id: options.externalAppUserId } : {}),
      ...(options.spaceAmount !== undefined ? { space_amount: options.spaceAmount } : {}),
    },
    subject: `app user ${name}`,
    signal,
  });
  return accountFromUser(user);
}

/**
 * `listUsers`: every user of the enterprise (all pages), or those whose name or login starts with
 * `filterTerm`; `userType` as Box's `user_type` (`all`, `managed`, `external`). App users are among them.
 */
export async function listUsers(
  ctx: BoxContext,
  options: { filterTerm?: string; userType?: 'all' | 'managed' | 'external' },
  signal: AbortSignal,
): Promise<BoxAccount[]> {
  const out: BoxAccount[] = [];
  for (let offset = 0; ; ) {
    const page = await ctx.api.json<WireUsers>({
      method: 'GET',
      path: '/users',
      query: {
        fields: USER_FIELDS,
        limit: String(USERS_PAGE_SIZE),
        offset: String(offset),
        ...(options.filterTerm ? { filter_term: options.filterTerm } : {}),
        ...(options.userType ? { user_type: options.userType } : {}),
      },
      signal,
    });
    out.push(...page.entries.map(accountFromUser));
    offset += page.entries.length;
    if (page.entries.length === 0 || offset >= page.total_count) return out;
  }
}

/** `deleteUser`: removes a user (an app user, or a managed user); `force` also when it still owns files. */
export async function deleteUser(
  ctx: BoxContext,
  userId: string,
  force: boolean,
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.request({
    method: 'DELETE',
    path: `/users/${encodeURIComponent(userId)}`,
    query: { force: String(force), notify: 'false' },
    subject: `user ${userId}`,
    signal,
  });
}
