import { defineRoute, type RouteDef } from '../dispatch.js';
import { voidArg } from '../stone.js';

/** The `users` namespace (account and space usage) and `auth/token/revoke`. */

const getCurrentAccount = defineRoute({
  name: 'users/get_current_account',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'account_info.read',
  arg: voidArg,
  handler(ctx) {
    const a = ctx.account;
    const p = a.profile;
    return {
      account_id: a.id,
      name: {
        given_name: p.givenName,
        surname: p.surname,
        familiar_name: p.familiarName,
        display_name: p.displayName,
        abbreviated_name: p.abbreviatedName,
      },
      email: p.email,
      email_verified: p.emailVerified,
      disabled: p.disabled,
      country: p.country,
      locale: p.locale,
      referral_link: `https://www.dropbox.com/referrals/${a.id.slice(5, 17)}?src=global9`,
      ...(a.team
        ? {
            team: {
              id: a.team.id,
              name: a.team.name,
              sharing_policies: {
                shared_folder_member_policy: { '.tag': 'anyone' },
                shared_folder_join_policy: { '.tag': 'from_anyone' },
                shared_link_create_policy: { '.tag': 'default_public' },
              },
              office_addin_policy: { '.tag': 'disabled' },
              top_level_content_policy: { '.tag': 'admin_only' },
            },
            team_member_id: a.team.memberId,
          }
        : {}),
      is_paired: p.isPaired,
      account_type: { '.tag': p.accountType },
      root_info: a.rootInfo,
    };
  },
});

const getSpaceUsage = defineRoute({
  name: 'users/get_space_usage',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  scope: 'account_info.read',
  arg: voidArg,
  handler(ctx) {
    const a = ctx.account;
    const used = a.ns.usedBytes;
    if (!a.team) return { used, allocation: { '.tag': 'individual', allocated: a.ns.allocated } };
    return {
      used,
      allocation: {
        '.tag': 'team',
        used,
        allocated: a.team.allocated,
        user_within_team_space_allocated: a.ns.allocated,
        user_within_team_space_limit_type: { '.tag': 'off' },
        user_within_team_space_used_cached: used,
      },
    };
  },
});

const revokeToken = defineRoute({
  name: 'auth/token/revoke',
  host: 'api',
  style: 'rpc',
  auth: 'user',
  arg: voidArg,
  handler(ctx) {
    // The access token, its refresh token and every access token minted from that refresh token.
    const token = /^Bearer\s+(\S+)/i.exec(ctx.req.headers.authorization ?? '')?.[1];
    const info = token ? ctx.state.oauth.tokens.accessTokens.get(token) : undefined;
    if (info) ctx.state.oauth.tokens.revokeGrant(info.grantId);
    return null;
  },
});

export const usersRoutes: RouteDef[] = [getCurrentAccount, getSpaceUsage, revokeToken];
