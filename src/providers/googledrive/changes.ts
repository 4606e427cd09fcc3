import { invalidArgument } from '../../core/errors.js';
import { publishPage } from '../../core/provider.js';
import type { GoogleDriveContext } from './context.js';
import { CHANGE_FIELDS, changeEvent, changeFromWire } from './mapping.js';
import type { ChangePage } from './types.js';
import type { ChangeList, StartPageToken } from './wire.js';

/**
 * The changes feed: getCurrentChangeMarker (changes.getStartPageToken into nextChangeMarker) and
 * listChanges from changeMarker (a further page) or nextChangeMarker (what changed since), scoped to
 * sharedDrive when it is set.
 */

function driveScope(ctx: GoogleDriveContext): Record<string, string> {
  const drive = ctx.client.sharedDrive;
  return { supportsAllDrives: 'true', ...(drive ? { driveId: drive } : {}) };
}

export async function getCurrentChangeMarker(ctx: GoogleDriveContext, signal: AbortSignal): Promise<string> {
  const token = await ctx.api.json<StartPageToken>({
    method: 'GET',
    path: '/changes/startPageToken',
    query: driveScope(ctx),
    signal,
  });
  const marker = token.startPageToken ?? '';
  ctx.client.nextChangeMarker = marker;
  return marker;
}

export async function listChanges(ctx: GoogleDriveContext, signal: AbortSignal): Promise<ChangePage> {
  const client = ctx.client;
  const continuing = client.changeMarker !== '';
  const token = client.changeMarker || client.nextChangeMarker;
  if (!token) {
    throw invalidArgument(
      'listChanges needs changeMarker or nextChangeMarker: call getCurrentChangeMarker first, or set changeMarker to "1" to list every change.',
    );
  }
  const pageSize = ctx.settings.get('MaxResults');
  const list = await ctx.api.json<ChangeList>({
    method: 'GET',
    path: '/changes',
    query: {
      pageToken: token,
      ...driveScope(ctx),
      includeItemsFromAllDrives: 'true',
      fields: `nextPageToken,newStartPageToken,changes(${CHANGE_FIELDS},file(driveId))`,
      ...(pageSize > 0 ? { pageSize: String(pageSize) } : {}),
    },
    signal,
  });
  const changes = (list?.changes ?? []).map(changeFromWire);
  publishPage({ get: () => client.changes, set: (items) => (client.changes = items) }, changes, {
    continuing,
    accumulate: ctx.settings.get('AccumulatePages'),
    emit: (c) => client.emit('changeList', changeEvent(c)),
  });
  if (list?.nextPageToken) client.changeMarker = list.nextPageToken;
  else {
    client.changeMarker = '';
    client.nextChangeMarker = list?.newStartPageToken ?? token;
  }
  return { changes, changeMarker: client.changeMarker, nextChangeMarker: client.nextChangeMarker };
}
