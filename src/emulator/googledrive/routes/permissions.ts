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
import { badRequest, driveError, forbidden, notFound } from '../errors.js';
import { decodePageToken, encodePageToken } from '../listing.js';
import {
  type FileRecord,
  type PermissionRecord,
  type PermissionRole,
  ROLE_RANK,
  type SharedDriveRecord,
} from '../model.js';
import { parseQueryTime } from '../query.js';
import { permissionJson } from '../shapes.js';
import { permissionIdFor } from '../state.js';

/**
 * `/drive/v3/files/{fileId}/permissions`: on a file or folder, or (the id of a shared drive) on the drive,
 * where permissions are its membership. Owner changes need transferOwnership=true; the old owner stays as
 * a writer.
 */
export function installPermissionRoutes(api: Router, ctx: DriveContext): void {
  const base = '/drive/v3/files/:fileId/permissions';
  api.get(base, authed(ctx, list));
  api.post(base, authed(ctx, create));
  api.get(`${base}/:permissionId`, authed(ctx, get));
  api.add('PATCH', `${base}/:permissionId`, authed(ctx, update));
  api.delete(`${base}/:permissionId`, authed(ctx, remove));
}

const TYPES = ['user', 'group', 'domain', 'anyone'];
const ROLES: PermissionRole[] = ['owner', 'organizer', 'fileOrganizer', 'writer', 'commenter', 'reader'];
const DEFAULT = 'kind,id,type,role';

type Target =
  | { kind: 'file'; file: FileRecord; list: PermissionRecord[] }
  | { kind: 'drive'; drive: SharedDriveRecord; list: PermissionRecord[] };

function target(call: DriveCall): Target {
  const { req, ctx, me } = call;
  const { state } = ctx;
  const id = req.params.fileId!;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const drive = state.drives.get(id);
  if (drive) {
    if (!supportsAllDrives) throw notFound(id);
    if (!state.memberRole(drive, me) && !boolParam(req, 'useDomainAdminAccess')) throw notFound(id);
    return { kind: 'drive', drive, list: drive.members };
  }
  const file = state.file(id, me, supportsAllDrives);
  // Items in a shared drive inherit the membership; their own list holds what was added to them.
  return { kind: 'file', file, list: file.permissions };
}

function listed(t: Target, call: DriveCall): PermissionRecord[] {
  if (t.kind === 'file' && t.file.driveId) {
    const drive = call.ctx.state.drives.get(t.file.driveId);
    return [...(drive?.members ?? []), ...t.list];
  }
  return t.list;
}

function requireShare(call: DriveCall, t: Target): void {
  const { state } = call.ctx;
  if (t.kind === 'drive') {
    if (state.memberRole(t.drive, call.me) !== 'organizer' && !boolParam(call.req, 'useDomainAdminAccess'))
      throw forbidden(
        'insufficientFilePermissions',
        'Only organizers can manage the members of a shared drive.',
      );
    return;
  }
  const role = state.roleOf(t.file, call.me);
  const rank = role ? ROLE_RANK[role] : 0;
  const ok = t.file.driveId
    ? rank >= ROLE_RANK.writer
    : role === 'owner' || (rank >= ROLE_RANK.writer && t.file.writersCanShare);
  if (!ok)
    throw forbidden(
      'insufficientFilePermissions',
      'The user does not have sufficient permissions to share this file.',
    );
}

function list(call: DriveCall) {
  const { req } = call;
  const t = target(call);
  const pageSize = intParam(req, 'pageSize', 100, 1, 100);
  const offset = decodePageToken(req.query.get('pageToken'), 'permissions');
  const all = listed(t, call);
  const page = all.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = {
    kind: 'drive#permissionList',
    permissions: page.map(permissionJson),
  };
  if (offset + pageSize < all.length) body.nextPageToken = encodePageToken(offset + pageSize, 'permissions');
  sendResource(call, body, 'PermissionList', `kind,nextPageToken,permissions(${DEFAULT})`);
}

function find(call: DriveCall, t: Target): PermissionRecord {
  const id = call.req.params.permissionId!;
  const p = listed(t, call).find((x) => x.id === id);
  if (!p) throw notFound(id, 'Permission');
  return p;
}

function get(call: DriveCall) {
  const t = target(call);
  sendResource(call, permissionJson(find(call, t)), 'Permission', DEFAULT);
}

function checkRole(t: Target, role: unknown, type: string): PermissionRole {
  if (typeof role !== 'string' || !ROLES.includes(role as PermissionRole))
    throw badRequest(`Invalid permission role: ${String(role)}.`, 'permission.role');
  const inDrive = t.kind === 'drive' || Boolean(t.file.driveId);
  if ((role === 'organizer' || role === 'fileOrganizer') && !inDrive)
    throw forbidden(
      'invalidSharingRequest',
      `The role ${role} is only valid on shared drives and their items.`,
    );
  if (role === 'owner' && inDrive)
    throw forbidden('teamDrivesOwnershipNotSupported', 'Shared drives and their items have no owner.');
  if (role === 'owner' && type !== 'user')
    throw badRequest('Only a user can be the owner of a file.', 'permission.role');
  return role as PermissionRole;
}

function expiration(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? parseQueryTime(v) : undefined;
  if (ms === undefined)
    throw badRequest(`Invalid expirationTime: ${String(v)}.`, 'permission.expirationTime');
  return ms;
}

/** Makes `email` the owner: the old owner becomes a writer (Drive's transfer). */
function transferOwnership(
  call: DriveCall,
  f: FileRecord,
  email: string,
  permission: PermissionRecord,
): void {
  const { state } = call.ctx;
  for (const p of f.permissions) if (p.role === 'owner' && p !== permission) p.role = 'writer';
  permission.role = 'owner';
  permission.pendingOwner = false;
  f.owner = state.user(email).emailAddress;
}

async function create(call: DriveCall) {
  requireWrite(call);
  const { req, res, ctx, me } = call;
  const { state } = ctx;
  const t = target(call);
  requireShare(call, t);
  const body = await jsonBody(req);
  const type = String(body.type ?? '');
  if (!TYPES.includes(type))
    throw badRequest(`Invalid permission type: ${type || '(missing)'}.`, 'permission.type');
  if (t.kind === 'drive' && type !== 'user' && type !== 'group')
    throw forbidden('invalidSharingRequest', 'Shared drive members must be users or groups.');
  const role = checkRole(t, body.role, type);
  const transfer = boolParam(req, 'transferOwnership');
  if (role === 'owner' && !transfer)
    throw forbidden(
      'forbidden',
      "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
    );
  let email: string | undefined;
  let domain: string | undefined;
  if (type === 'user' || type === 'group') {
    email = typeof body.emailAddress === 'string' ? body.emailAddress : undefined;
    if (!email?.includes('@'))
      throw badRequest('The permission needs an emailAddress.', 'permission.emailAddress');
  } else if (type === 'domain') {
    domain = typeof body.domain === 'string' ? body.domain : undefined;
    if (!domain) throw badRequest('The permission needs a domain.', 'permission.domain');
  }
  const id =
    type === 'anyone'
      ? body.allowFileDiscovery === true
        ? 'anyone'
        : 'anyoneWithLink'
      : type === 'domain'
        ? `${permissionIdFor(domain!)}k`
        : state.user(email!).permissionId;
  let p = t.list.find((x) => x.id === id);
  if (!p) {
    p = { id, type: type as PermissionRecord['type'], role: role === 'owner' ? 'writer' : role };
    if (email) {
      const u = state.user(email);
      p.emailAddress = u.emailAddress;
      p.displayName = u.displayName;
    }
    if (domain) {
      p.domain = domain;
      p.displayName = domain;
    }
    if (type === 'domain' || type === 'anyone') p.allowFileDiscovery = body.allowFileDiscovery === true;
    t.list.push(p);
  } else if (role !== 'owner') {
    p.role = role;
  }
  p.expirationTime = expiration(body.expirationTime) ?? p.expirationTime;
  if (t.kind === 'file') {
    if (role === 'owner') transferOwnership(call, t.file, email!, p);
    if (email && !t.file.driveId && t.file.owner?.toLowerCase() !== email.toLowerCase()) {
      t.file.sharedWithMeTime = state.now();
      t.file.sharingUser = me.emailAddress;
    }
    state.touch(t.file, me);
  } else {
    state.recordDriveChange(t.drive);
  }
  sendResource(call, permissionJson(p), 'Permission', DEFAULT);
  void res;
}

async function update(call: DriveCall) {
  requireWrite(call);
  const { req, ctx, me } = call;
  const t = target(call);
  requireShare(call, t);
  const p = find(call, t);
  if (!t.list.includes(p))
    throw forbidden('insufficientFilePermissions', 'Inherited permissions are changed on the shared drive.');
  const body = await jsonBody(req);
  if (body.role !== undefined) {
    const role = checkRole(t, body.role, p.type);
    if (role === 'owner') {
      if (!boolParam(req, 'transferOwnership'))
        throw forbidden(
          'forbidden',
          "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
        );
      if (t.kind === 'file') transferOwnership(call, t.file, p.emailAddress!, p);
    } else {
      if (p.role === 'owner') throw forbidden('cannotModifyOwner', 'Make someone else the owner first.');
      p.role = role;
    }
  }
  if (boolParam(req, 'removeExpiration')) p.expirationTime = undefined;
  else if (body.expirationTime !== undefined) p.expirationTime = expiration(body.expirationTime);
  if (t.kind === 'file') ctx.state.touch(t.file, me);
  else ctx.state.recordDriveChange(t.drive);
  sendResource(call, permissionJson(p), 'Permission', DEFAULT);
}

function remove(call: DriveCall) {
  requireWrite(call);
  const { res, ctx, me } = call;
  const t = target(call);
  const p = find(call, t);
  const own = p.emailAddress?.toLowerCase() === me.emailAddress.toLowerCase();
  // Anyone may remove their own access (except an owner); else sharing rights are needed.
  if (!own) requireShare(call, t);
  if (p.role === 'owner') throw forbidden('cannotDeletePermission', 'The owner of a file cannot be removed.');
  if (!t.list.includes(p))
    throw forbidden('cannotDeletePermission', 'Inherited permissions are removed on the shared drive.');
  if (
    t.kind === 'drive' &&
    p.role === 'organizer' &&
    t.list.filter((x) => x.role === 'organizer').length === 1
  )
    throw driveError(403, 'cannotDeletePermission', 'A shared drive must keep at least one organizer.');
  t.list.splice(t.list.indexOf(p), 1);
  if (t.kind === 'file') ctx.state.touch(t.file, me);
  else ctx.state.recordDriveChange(t.drive);
  noContent(res);
}
