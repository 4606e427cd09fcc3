import { CloudStorageError, invalidArgument } from '../../core/errors.js';
import { publishPage } from '../../core/provider.js';
import { seg } from './api.js';
import { domainAdmin, type GoogleDriveContext, requestedFields } from './context.js';
import {
  PERMISSION_FIELDS,
  permissionEvent,
  permissionFromWire,
  permissionToWire,
  roleName,
  typeName,
} from './mapping.js';
import type { GoogleDrivePermission, PermissionPage } from './types.js';
import type { Permission, PermissionList } from './wire.js';

/**
 * Permissions of files, folders and shared drives (a shared drive's permissions are its members):
 * list (paged, MaxPermissionResults), get, the batched updatePermissions (each item's modOp, one at a
 * time, stopping at the first failure with its index), and the shared-drive member conveniences.
 */

function publishPermissions(
  ctx: GoogleDriveContext,
  page: GoogleDrivePermission[],
  continuing: boolean,
): void {
  publishPage({ get: () => ctx.client.permissions, set: (items) => (ctx.client.permissions = items) }, page, {
    continuing,
    accumulate: ctx.settings.get('AccumulatePages'),
    emit: (p) => ctx.client.emit('permissionList', permissionEvent(p)),
  });
}

async function fetchPage(
  ctx: GoogleDriveContext,
  resourceId: string,
  pageToken: string,
  signal: AbortSignal,
): Promise<PermissionPage> {
  const pageSize = ctx.settings.get('MaxPermissionResults');
  const list = await ctx.api.json<PermissionList>({
    method: 'GET',
    path: `/files/${seg(resourceId)}/permissions`,
    query: {
      supportsAllDrives: 'true',
      ...domainAdmin(ctx),
      fields: requestedFields(ctx, PERMISSION_FIELDS, (f) => `nextPageToken,permissions(${f})`),
      ...(pageSize > 0 ? { pageSize: String(pageSize) } : {}),
      ...(pageToken ? { pageToken } : {}),
    },
    signal,
  });
  return {
    permissions: (list?.permissions ?? []).map(permissionFromWire),
    marker: list?.nextPageToken ?? '',
  };
}

export async function listPermissions(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<PermissionPage> {
  if (!resourceId) throw invalidArgument('listPermissions needs a resource (or shared drive) id.');
  const marker = ctx.client.permissionMarker;
  const page = await fetchPage(ctx, resourceId, marker, signal);
  publishPermissions(ctx, page.permissions, marker !== '');
  ctx.client.permissionMarker = page.marker;
  return page;
}

export async function* iteratePermissions(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): AsyncGenerator<GoogleDrivePermission> {
  let token = '';
  do {
    const page = await fetchPage(ctx, resourceId, token, signal);
    yield* page.permissions;
    token = page.marker;
  } while (token);
}

export async function getPermissionInfo(
  ctx: GoogleDriveContext,
  resourceId: string,
  permissionId: string,
  signal: AbortSignal,
): Promise<GoogleDrivePermission> {
  const p = await ctx.api.json<Permission>({
    method: 'GET',
    path: `/files/${seg(resourceId)}/permissions/${seg(permissionId)}`,
    query: {
      supportsAllDrives: 'true',
      ...domainAdmin(ctx),
      fields: requestedFields(ctx, PERMISSION_FIELDS),
    },
    signal,
  });
  const permission = permissionFromWire(p);
  publishPermissions(ctx, [permission], false);
  return permission;
}

async function createPermission(
  ctx: GoogleDriveContext,
  resourceId: string,
  body: Permission,
  signal: AbortSignal,
): Promise<string> {
  const created = await ctx.api.json<Permission>({
    method: 'POST',
    path: `/files/${seg(resourceId)}/permissions`,
    query: {
      supportsAllDrives: 'true',
      ...domainAdmin(ctx),
      ...(body.role === 'owner' ? { transferOwnership: 'true' } : {}),
      fields: 'id',
    },
    json: body,
    signal,
  });
  return created.id ?? '';
}

async function patchRole(
  ctx: GoogleDriveContext,
  resourceId: string,
  permissionId: string,
  role: string,
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.json<Permission>({
    method: 'PATCH',
    path: `/files/${seg(resourceId)}/permissions/${seg(permissionId)}`,
    query: {
      supportsAllDrives: 'true',
      ...domainAdmin(ctx),
      ...(role === 'owner' ? { transferOwnership: 'true' } : {}),
      fields: 'id',
    },
    json: { role },
    idempotent: true,
    signal,
  });
}

async function deletePermission(
  ctx: GoogleDriveContext,
  resourceId: string,
  permissionId: string,
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.send({
    method: 'DELETE',
    path: `/files/${seg(resourceId)}/permissions/${seg(permissionId)}`,
    query: { supportsAllDrives: 'true', ...domainAdmin(ctx) },
    signal,
  });
}

/** The error of item `index`: its code and details, and a message that names the index. */
function itemFailure(index: number, op: string, e: unknown): CloudStorageError {
  const inner = e instanceof CloudStorageError ? e : undefined;
  const message = inner ? inner.message : String(e);
  return new CloudStorageError(
    inner?.code ?? 600,
    `Permission ${index} (${op}) failed; the items after it were not tried: ${message}`,
    {
      ...(inner?.httpStatus !== undefined ? { httpStatus: inner.httpStatus } : {}),
      ...(inner?.providerCode !== undefined ? { providerCode: inner.providerCode } : {}),
      ...(inner?.requestId !== undefined ? { requestId: inner.requestId } : {}),
      cause: e,
    },
  );
}

/**
 * updatePermissions: each item's modOp in order (1 create, 2 update the role, 3 delete; 0 skipped), one at
 * a time; a success resets the item's modOp to 0 (and gives a created item its id). The first failure
 * stops the batch with an error that names the item's index. The owner role needs TransferOwnership.
 */
export async function updatePermissions(
  ctx: GoogleDriveContext,
  resourceId: string,
  signal: AbortSignal,
): Promise<void> {
  if (!resourceId) throw invalidArgument('updatePermissions needs a resource (or shared drive) id.');
  const items = ctx.client.permissions;
  for (let i = 0; i < items.length; i++) {
    const p = items[i]!;
    if (p.modOp === 0) continue;
    const op =
      p.modOp === 1 ? 'create' : p.modOp === 2 ? 'update' : p.modOp === 3 ? 'delete' : `modOp ${p.modOp}`;
    try {
      if (p.modOp !== 1 && p.modOp !== 2 && p.modOp !== 3) {
        throw invalidArgument(
          `modOp must be 0 (none), 1 (create), 2 (update) or 3 (delete); got ${p.modOp}.`,
        );
      }
      if ((p.modOp === 1 || p.modOp === 2) && p.role === 3 && !ctx.settings.get('TransferOwnership')) {
        throw invalidArgument(
          'Giving the owner role transfers ownership (the current owner becomes a writer): set config("TransferOwnership=True") to do it.',
        );
      }
      if (p.modOp !== 1 && !p.id)
        throw invalidArgument('This permission has no id: list the permissions first.');
      if (p.modOp === 1) p.id = await createPermission(ctx, resourceId, permissionToWire(p), signal);
      else if (p.modOp === 2) await patchRole(ctx, resourceId, p.id, roleName(p.role), signal);
      else await deletePermission(ctx, resourceId, p.id, signal);
      p.modOp = 0;
    } catch (e) {
      throw itemFailure(i, op, e);
    }
  }
}

const MEMBER_ROLES = [0, 1, 2, 4, 5];

function checkMemberRole(role: number): string {
  if (!MEMBER_ROLES.includes(role)) {
    throw invalidArgument(
      `A shared-drive member's role must be 0 (reader), 1 (commenter), 2 (writer), 4 (file organizer) or 5 (organizer); got ${role}.`,
    );
  }
  return roleName(role);
}

export async function addSharedDriveMember(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  role: number,
  permissionType: number,
  email: string,
  signal: AbortSignal,
): Promise<string> {
  const roleText = checkMemberRole(role);
  if (permissionType !== 0 && permissionType !== 1) {
    throw invalidArgument(
      `A shared-drive member is a user (0) or a group (1); got permission type ${permissionType}.`,
    );
  }
  if (!email) throw invalidArgument('addSharedDriveMember needs the email address of the user or group.');
  return createPermission(
    ctx,
    sharedDriveId,
    { role: roleText, type: typeName(permissionType), emailAddress: email },
    signal,
  );
}

export function updateSharedDriveMember(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  permissionId: string,
  role: number,
  signal: AbortSignal,
): Promise<void> {
  return patchRole(ctx, sharedDriveId, permissionId, checkMemberRole(role), signal);
}

export function removeSharedDriveMember(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  permissionId: string,
  signal: AbortSignal,
): Promise<void> {
  return deletePermission(ctx, sharedDriveId, permissionId, signal);
}
