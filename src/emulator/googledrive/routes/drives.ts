import type { Router } from '../../core/index.js';
import {
  authed,
  boolParam,
  type DriveCall,
  type DriveContext,
  intParam,
  jsonBody,
  noContent,
  requireWrite,
  sendResource,
} from '../context.js';
import { driveError, forbidden, notFound } from '../errors.js';
import { decodePageToken, encodePageToken, queryDigest } from '../listing.js';
import { type DriveRestrictions, FOLDER_MIME, type SharedDriveRecord } from '../model.js';
import { DRIVE_QUERY_FIELDS, evaluate, parseQuery } from '../query.js';
import { driveJson } from '../shapes.js';
import { newRootId } from '../state.js';

/**
 * `/drive/v3/drives`: shared drives. Creation is idempotent by `requestId` (a repeat answers 409, as Drive
 * does); the creator is the first organizer; hiding is per user; a drive is deleted only when empty
 * (or when everything left in it is trashed).
 */
export function installDriveRoutes(api: Router, ctx: DriveContext): void {
  api.post('/drive/v3/drives', authed(ctx, create));
  api.get('/drive/v3/drives', authed(ctx, list));
  api.get('/drive/v3/drives/:driveId', authed(ctx, get));
  api.add('PATCH', '/drive/v3/drives/:driveId', authed(ctx, update));
  api.delete('/drive/v3/drives/:driveId', authed(ctx, remove));
  api.post(
    '/drive/v3/drives/:driveId/hide',
    authed(ctx, (c) => hide(c, true)),
  );
  api.post(
    '/drive/v3/drives/:driveId/unhide',
    authed(ctx, (c) => hide(c, false)),
  );
}

const DEFAULT = 'kind,id,name';
const RESTRICTION_KEYS: Array<keyof DriveRestrictions> = [
  'adminManagedRestrictions',
  'copyRequiresWriterPermission',
  'domainUsersOnly',
  'driveMembersOnly',
  'sharingFoldersRequiresOrganizerPermission',
];

function drive(call: DriveCall): SharedDriveRecord {
  const id = call.req.params.driveId!;
  const d = call.ctx.state.drives.get(id);
  const admin = boolParam(call.req, 'useDomainAdminAccess');
  if (!d || (!admin && !call.ctx.state.memberRole(d, call.me))) throw notFound(id, 'Shared drive');
  return d;
}

function requireOrganizer(call: DriveCall, d: SharedDriveRecord, what: string): void {
  if (call.ctx.state.memberRole(d, call.me) !== 'organizer' && !boolParam(call.req, 'useDomainAdminAccess'))
    throw forbidden('insufficientFilePermissions', `Only organizers can ${what}.`);
}

/** Creates a shared drive record and its root folder (seeding uses it too). */
export function createDrive(
  ctx: DriveContext,
  me: { emailAddress: string; permissionId: string; displayName: string },
  name: string,
  requestId: string,
  extra: {
    colorRgb?: string;
    themeId?: string;
    restrictions?: Partial<DriveRestrictions>;
    hidden?: boolean;
  } = {},
): SharedDriveRecord {
  const { state } = ctx;
  const now = state.now();
  const d: SharedDriveRecord = {
    id: newRootId(),
    name,
    createdTime: now,
    hiddenBy: new Set(extra.hidden ? [me.emailAddress.toLowerCase()] : []),
    restrictions: {
      adminManagedRestrictions: false,
      copyRequiresWriterPermission: false,
      domainUsersOnly: false,
      driveMembersOnly: false,
      sharingFoldersRequiresOrganizerPermission: false,
      ...extra.restrictions,
    },
    colorRgb: extra.colorRgb ?? '#4285f4',
    themeId: extra.themeId,
    requestId,
    members: [
      {
        id: me.permissionId,
        type: 'user',
        role: 'organizer',
        emailAddress: me.emailAddress,
        displayName: me.displayName,
      },
    ],
  };
  state.drives.set(d.id, d);
  const root = state.blankFile(d.id, name, FOLDER_MIME, now, undefined);
  root.isRoot = true;
  root.driveId = d.id;
  state.files.set(d.id, root);
  state.recordDriveChange(d);
  return d;
}

async function create(call: DriveCall) {
  requireWrite(call);
  const { req, ctx, me } = call;
  const requestId = req.query.get('requestId');
  if (!requestId)
    throw driveError(400, 'required', 'Required parameter: requestId', {
      location: 'requestId',
      locationType: 'parameter',
    });
  const body = await jsonBody(req);
  for (const d of ctx.state.drives.values()) {
    if (
      d.requestId === requestId &&
      d.members.some((m) => m.emailAddress?.toLowerCase() === me.emailAddress.toLowerCase())
    )
      throw driveError(409, 'duplicate', `A shared drive with this requestId already exists: ${d.id}.`, {
        location: 'requestId',
        locationType: 'parameter',
      });
  }
  if (typeof body.name !== 'string' || body.name.trim() === '')
    throw driveError(400, 'required', 'Required field: name', { location: 'name', locationType: 'other' });
  const d = createDrive(ctx, me, body.name, requestId, {
    ...(typeof body.colorRgb === 'string' ? { colorRgb: body.colorRgb } : {}),
    ...(typeof body.themeId === 'string' ? { themeId: body.themeId } : {}),
    ...(body.restrictions && typeof body.restrictions === 'object'
      ? { restrictions: pickRestrictions(body.restrictions as Record<string, unknown>) }
      : {}),
    hidden: body.hidden === true,
  });
  sendResource(call, driveJson(ctx.state, d, me), 'Drive', DEFAULT);
}

function pickRestrictions(v: Record<string, unknown>): Partial<DriveRestrictions> {
  const out: Partial<DriveRestrictions> = {};
  for (const k of RESTRICTION_KEYS) if (typeof v[k] === 'boolean') out[k] = v[k] as boolean;
  return out;
}

function list(call: DriveCall) {
  const { req, ctx, me } = call;
  const { state } = ctx;
  const pageSize = intParam(req, 'pageSize', 10, 1, 100);
  const digest = queryDigest(req, ['q', 'useDomainAdminAccess']);
  const offset = decodePageToken(req.query.get('pageToken'), digest);
  const qText = req.query.get('q');
  const q = qText ? parseQuery(qText, DRIVE_QUERY_FIELDS) : undefined;
  const admin = boolParam(req, 'useDomainAdminAccess');
  const all = [...state.drives.values()].filter((d) => {
    if (!admin && !state.memberRole(d, me)) return false;
    if (!q) return true;
    return evaluate(q, {
      string: (f) => (f === 'name' ? d.name : undefined),
      text: () => d.name,
      time: (f) => (f === 'createdTime' ? d.createdTime : undefined),
      bool: (f) => (f === 'hidden' ? d.hiddenBy.has(me.emailAddress.toLowerCase()) : false),
      number: (f) =>
        f === 'memberCount'
          ? d.members.length
          : f === 'organizerCount'
            ? d.members.filter((m) => m.role === 'organizer').length
            : 0,
      collection: () => [],
      map: () => ({}),
    });
  });
  const body: Record<string, unknown> = {
    kind: 'drive#driveList',
    drives: all.slice(offset, offset + pageSize).map((d) => driveJson(state, d, me)),
  };
  if (offset + pageSize < all.length) body.nextPageToken = encodePageToken(offset + pageSize, digest);
  sendResource(call, body, 'DriveList', `kind,nextPageToken,drives(${DEFAULT})`);
}

function get(call: DriveCall) {
  sendResource(call, driveJson(call.ctx.state, drive(call), call.me), 'Drive', DEFAULT);
}

async function update(call: DriveCall) {
  requireWrite(call);
  const { req, ctx, me } = call;
  const d = drive(call);
  const body = await jsonBody(req);
  if (body.name !== undefined || body.colorRgb !== undefined || body.themeId !== undefined)
    requireOrganizer(call, d, 'rename a shared drive');
  if (body.restrictions !== undefined) {
    requireOrganizer(call, d, 'change the restrictions of a shared drive');
    if (d.restrictions.adminManagedRestrictions && !boolParam(req, 'useDomainAdminAccess')) {
      const changes = pickRestrictions(body.restrictions as Record<string, unknown>);
      if (Object.keys(changes).some((k) => k !== 'adminManagedRestrictions'))
        throw forbidden(
          'insufficientAdministratorPrivileges',
          'Only an administrator can change these restrictions.',
        );
    }
  }
  if (typeof body.name === 'string') {
    if (body.name.trim() === '')
      throw driveError(400, 'invalid', 'The name of a shared drive cannot be empty.', { location: 'name' });
    d.name = body.name;
    const root = ctx.state.files.get(d.id);
    if (root) root.name = body.name;
  }
  if (typeof body.colorRgb === 'string') d.colorRgb = body.colorRgb;
  if (typeof body.themeId === 'string') d.themeId = body.themeId;
  if (body.restrictions && typeof body.restrictions === 'object')
    Object.assign(d.restrictions, pickRestrictions(body.restrictions as Record<string, unknown>));
  ctx.state.recordDriveChange(d);
  sendResource(call, driveJson(ctx.state, d, me), 'Drive', DEFAULT);
}

async function remove(call: DriveCall) {
  requireWrite(call);
  const { ctx } = call;
  const { state } = ctx;
  const d = drive(call);
  requireOrganizer(call, d, 'delete a shared drive');
  const items = [...state.files.values()].filter((f) => f.driveId === d.id && !f.isRoot);
  const allowItemDeletion =
    boolParam(call.req, 'allowItemDeletion') && boolParam(call.req, 'useDomainAdminAccess');
  if (!allowItemDeletion && items.some((f) => !state.isTrashed(f)))
    throw forbidden(
      'cannotDeleteNonemptyDrive',
      'The shared drive cannot be deleted because it contains items that are not in the trash.',
    );
  const root = state.files.get(d.id);
  if (root) await state.remove(root);
  state.drives.delete(d.id);
  state.recordDriveChange(d, true);
  noContent(call.res);
}

function hide(call: DriveCall, hidden: boolean) {
  const d = drive(call);
  const key = call.me.emailAddress.toLowerCase();
  if (hidden) d.hiddenBy.add(key);
  else d.hiddenBy.delete(key);
  call.ctx.state.recordDriveChange(d);
  sendResource(call, driveJson(call.ctx.state, d, call.me), 'Drive', DEFAULT);
}
