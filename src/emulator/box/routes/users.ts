import type { Router } from '../../core/index.js';
import { mayActAsOthers } from '../auth.js';
import { type BoxCall, type BoxContext, route, sendBox, sendEmpty } from '../context.js';
import { badRequest, boxError, notFound } from '../errors.js';
import type { UserRecord } from '../model.js';
import { parseFields } from '../shapes.js';

const insufficient = () =>
  boxError(403, 'access_denied_insufficient_permissions', 'Access denied - insufficient permission');

/**
 * `GET /users/me` (the user the request acts for), `GET /users/{id}`, and the enterprise's users for an
 * admin (the service account is one): `GET /users` (offset paging, `filter_term`), `POST /users` (a managed
 * user, or with `is_platform_access_only` an app user of the caller's app) and `DELETE /users/{id}`.
 */
export function installUserRoutes(api: Router, ctx: BoxContext): void {
  route(api, ctx, 'GET', '/2.0/users/me', (c) => {
    const user = ctx.store.users.get(c.userId) ?? ctx.store.owner;
    sendBox(c.res, 200, c.ctx.shapes.user(user, parseFields(c.req.query)));
  });
  route(api, ctx, 'GET', '/2.0/users/:id', (c) => {
    const user = ctx.store.users.get(c.req.params.id!);
    if (!user) throw notFound();
    sendBox(c.res, 200, c.ctx.shapes.user(user, parseFields(c.req.query)));
  });
  route(api, ctx, 'GET', '/2.0/users', (c) => listUsers(c));
  route(api, ctx, 'POST', '/2.0/users', (c) => createUser(c));
  route(api, ctx, 'DELETE', '/2.0/users/:id', (c) => {
    admin(c);
    const user = ctx.store.users.get(c.req.params.id!);
    if (!user || user.id === ctx.store.owner.id) throw notFound();
    if (user.kind === 'app_user' && user.appClientId !== clientOf(c)) throw insufficient();
    ctx.store.users.delete(user.id);
    sendEmpty(c.res, 204);
  });
}

/** The caller, when it may manage the enterprise's users; else Box's 403. */
function admin(c: BoxCall): UserRecord {
  const caller = c.ctx.store.users.get(c.userId);
  if (!caller || !mayActAsOthers(caller)) throw insufficient();
  return caller;
}

/** The app the request's token was issued to. */
function clientOf(c: BoxCall): string | undefined {
  const check = c.ctx.oauth.verifyAccessToken(c.req);
  return check.ok ? check.clientId : undefined;
}

function listUsers(c: BoxCall): void {
  admin(c);
  const app = clientOf(c);
  const q = c.req.query;
  const term = (q.get('filter_term') ?? '').toLowerCase();
  const type = q.get('user_type') ?? 'all';
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
  const offset = Math.max(Number(q.get('offset') ?? 0) || 0, 0);
  const visible = [...c.ctx.store.users.values()].filter(
    (u) =>
      // An app sees its own app users, not other apps'.
      (u.kind !== 'app_user' || u.appClientId === app) &&
      type !== 'external' &&
      (!term || u.name.toLowerCase().startsWith(term) || u.login.toLowerCase().startsWith(term)),
  );
  const fields = parseFields(q);
  sendBox(c.res, 200, {
    total_count: visible.length,
    limit,
    offset,
    entries: visible.slice(offset, offset + limit).map((u) => c.ctx.shapes.user(u, fields)),
  });
}

async function createUser(c: BoxCall): Promise<void> {
  admin(c);
  const body = (await c.req.json()) as Record<string, unknown> | undefined;
  const name = body?.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 50) {
    throw badRequest("Bad request: 'name' is required (1 to 50 characters)", 'bad_request');
  }
  const appUser = body?.is_platform_access_only === true;
  const login = body?.login;
  if (!appUser && (typeof login !== 'string' || !login.includes('@'))) {
    throw badRequest("Bad request: 'login' (an email address) is required for a managed user", 'bad_request');
  }
  const appClientId = clientOf(c);
  const user = c.ctx.store.addUser({
    name,
    ...(appUser ? { kind: 'app_user' as const } : { kind: 'managed' as const, login: login as string }),
    ...(appUser && appClientId ? { appClientId } : {}),
    ...(typeof body?.external_app_user_id === 'string'
      ? { externalAppUserId: body.external_app_user_id }
      : {}),
    ...(typeof body?.space_amount === 'number' ? { spaceAmount: body.space_amount } : {}),
  });
  if (appUser) user.login = `AppUser_${user.id}_${Date.now().toString(36)}@boxdevedition.com`;
  sendBox(c.res, 201, c.ctx.shapes.user(user, parseFields(c.req.query)));
}
