import type { Router } from '../../core/index.js';
import { type BoxContext, route, sendBox } from '../context.js';
import { notFound } from '../errors.js';
import { parseFields } from '../shapes.js';

/** `GET /users/me` (the user the token acts for) and `GET /users/{id}`, with `fields` selection. */
export function installUserRoutes(api: Router, ctx: BoxContext): void {
  route(api, ctx, 'GET', '/2.0/users/me', (c) => {
    const user = ctx.store.users.get(c.userId) ?? ctx.store.owner;
    sendBox(c.res, 200, ctx.shapes.user(user, parseFields(c.req.query)));
  });
  route(api, ctx, 'GET', '/2.0/users/:id', (c) => {
    const user = ctx.store.users.get(c.req.params.id!);
    if (!user) throw notFound();
    sendBox(c.res, 200, ctx.shapes.user(user, parseFields(c.req.query)));
  });
}
