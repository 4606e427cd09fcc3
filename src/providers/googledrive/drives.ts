import { randomUUID } from 'node:crypto';
import { invalidArgument } from '../../core/errors.js';
import { publishPage } from '../../core/provider.js';
import { seg } from './api.js';
import { domainAdmin, type GoogleDriveContext, requestedFields } from './context.js';
import { DRIVE_FIELDS, RESTRICTION_BITS, sharedDriveEvent, sharedDriveFromWire } from './mapping.js';
import type { GoogleDriveSharedDrive, SharedDrivePage } from './types.js';
import type { Drive, DriveList, DriveRestrictions } from './wire.js';

/** Shared drives: list (paged, MaxSharedDriveResults), get, create (requestId), update, hide, delete. */

function publishDrives(ctx: GoogleDriveContext, page: GoogleDriveSharedDrive[], continuing: boolean): void {
  publishPage(
    { get: () => ctx.client.sharedDrives, set: (items) => (ctx.client.sharedDrives = items) },
    page,
    {
      continuing,
      accumulate: ctx.settings.get('AccumulatePages'),
      emit: (d) => ctx.client.emit('sharedDriveList', sharedDriveEvent(d)),
    },
  );
}

async function fetchPage(
  ctx: GoogleDriveContext,
  pageToken: string,
  signal: AbortSignal,
): Promise<SharedDrivePage> {
  const pageSize = ctx.settings.get('MaxSharedDriveResults');
  const list = await ctx.api.json<DriveList>({
    method: 'GET',
    path: '/drives',
    query: {
      ...domainAdmin(ctx),
      fields: requestedFields(ctx, DRIVE_FIELDS, (f) => `nextPageToken,drives(${f})`),
      ...(pageSize > 0 ? { pageSize: String(pageSize) } : {}),
      ...(pageToken ? { pageToken } : {}),
    },
    signal,
  });
  return { sharedDrives: (list?.drives ?? []).map(sharedDriveFromWire), marker: list?.nextPageToken ?? '' };
}

export async function listSharedDrives(
  ctx: GoogleDriveContext,
  signal: AbortSignal,
): Promise<SharedDrivePage> {
  const marker = ctx.client.sharedDriveMarker;
  const page = await fetchPage(ctx, marker, signal);
  publishDrives(ctx, page.sharedDrives, marker !== '');
  ctx.client.sharedDriveMarker = page.marker;
  return page;
}

export async function* iterateSharedDrives(
  ctx: GoogleDriveContext,
  signal: AbortSignal,
): AsyncGenerator<GoogleDriveSharedDrive> {
  let token = '';
  do {
    const page = await fetchPage(ctx, token, signal);
    yield* page.sharedDrives;
    token = page.marker;
  } while (token);
}

export async function getSharedDriveInfo(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  signal: AbortSignal,
): Promise<GoogleDriveSharedDrive> {
  if (!sharedDriveId) throw invalidArgument('getSharedDriveInfo needs a shared drive id.');
  const d = await ctx.api.json<Drive>({
    method: 'GET',
    path: `/drives/${seg(sharedDriveId)}`,
    query: { ...domainAdmin(ctx), fields: requestedFields(ctx, DRIVE_FIELDS) },
    signal,
  });
  const drive = sharedDriveFromWire(d);
  publishDrives(ctx, [drive], false);
  return drive;
}

/**
 * drives.create with its idempotency key: the same name and requestId again gives the drive created the
 * first time, never a second one. An empty requestId gets a random one (no idempotency across calls).
 */
export async function createSharedDrive(
  ctx: GoogleDriveContext,
  name: string,
  requestId: string,
  signal: AbortSignal,
): Promise<string> {
  if (!name) throw invalidArgument('createSharedDrive needs a name.');
  const d = await ctx.api.json<Drive>({
    method: 'POST',
    path: '/drives',
    query: { requestId: requestId || randomUUID(), fields: 'id' },
    json: { name },
    // The requestId makes a repeat harmless: Drive answers with the drive it created.
    idempotent: true,
    signal,
  });
  return d.id ?? '';
}

/** Renames (unless newName is '') and sets / clears restriction bits, all in one request (all or nothing). */
export async function updateSharedDrive(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  newName: string,
  setRestrictions: number,
  unsetRestrictions: number,
  signal: AbortSignal,
): Promise<void> {
  for (const [what, mask] of [
    ['setRestrictions', setRestrictions],
    ['unsetRestrictions', unsetRestrictions],
  ] as const) {
    if (!Number.isInteger(mask) || mask < 0 || mask > 0xf) {
      throw invalidArgument(`${what} takes the restriction bits 0x1, 0x2, 0x4 and 0x8; got ${mask}.`);
    }
  }
  if ((setRestrictions & unsetRestrictions) !== 0) {
    throw invalidArgument(
      `Restriction bits 0x${(setRestrictions & unsetRestrictions).toString(16)} are both in setRestrictions and unsetRestrictions: a restriction is either set or cleared.`,
    );
  }
  const restrictions: DriveRestrictions = {};
  for (const [bit, field] of RESTRICTION_BITS) {
    if (setRestrictions & bit) restrictions[field] = true;
    if (unsetRestrictions & bit) restrictions[field] = false;
  }
  const body: Drive = {
    ...(newName ? { name: newName } : {}),
    ...(Object.keys(restrictions).length ? { restrictions } : {}),
  };
  if (Object.keys(body).length === 0) return;
  await ctx.api.json<Drive>({
    method: 'PATCH',
    path: `/drives/${seg(sharedDriveId)}`,
    query: { ...domainAdmin(ctx), fields: 'id' },
    json: body,
    idempotent: true,
    signal,
  });
}

export async function deleteSharedDrive(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  signal: AbortSignal,
): Promise<void> {
  if (!sharedDriveId) throw invalidArgument('deleteSharedDrive needs a shared drive id.');
  await ctx.api.send({
    method: 'DELETE',
    path: `/drives/${seg(sharedDriveId)}`,
    query: { ...domainAdmin(ctx) },
    signal,
  });
}

export async function toggleSharedDriveHidden(
  ctx: GoogleDriveContext,
  sharedDriveId: string,
  hidden: boolean,
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.json<Drive>({
    method: 'POST',
    path: `/drives/${seg(sharedDriveId)}/${hidden ? 'hide' : 'unhide'}`,
    query: { fields: 'id' },
    idempotent: true,
    signal,
  });
}
