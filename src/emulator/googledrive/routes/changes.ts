import type { Router } from '../../core/index.js';
import { authed, boolParam, type DriveCall, type DriveContext, intParam, sendResource } from '../context.js';
import { invalidParameter, notFound } from '../errors.js';
import type { ChangeRecord } from '../model.js';
import { driveJson, fileJson, rfc3339 } from '../shapes.js';

/**
 * `/drive/v3/changes`: the change log. Page tokens are change numbers as decimal strings ("1" is the
 * first change ever); a listing returns the latest change of each item in the range, `nextPageToken`
 * while more remain and `newStartPageToken` on the last page.
 */
export function installChangeRoutes(api: Router, ctx: DriveContext): void {
  api.get('/drive/v3/changes/startPageToken', authed(ctx, startPageToken));
  api.get('/drive/v3/changes', authed(ctx, listChanges));
}

function driveScope(call: DriveCall): string | undefined {
  const { req, ctx, me } = call;
  const driveId = req.query.get('driveId') ?? req.query.get('teamDriveId') ?? undefined;
  if (!driveId) return undefined;
  if (!boolParam(req, 'supportsAllDrives') && !boolParam(req, 'supportsTeamDrives'))
    throw invalidParameter('The driveId parameter needs supportsAllDrives=true.', 'supportsAllDrives');
  const drive = ctx.state.drives.get(driveId);
  if (!drive || !ctx.state.memberRole(drive, me)) throw notFound(driveId, 'Shared drive');
  return driveId;
}

function startPageToken(call: DriveCall) {
  driveScope(call);
  sendResource(
    call,
    { kind: 'drive#startPageToken', startPageToken: String(call.ctx.state.nextChangeSeq) },
    'StartPageToken',
    undefined,
  );
}

function listChanges(call: DriveCall) {
  const { req, ctx, me } = call;
  const { state } = ctx;
  const tokenText = req.query.get('pageToken');
  if (!tokenText) throw invalidParameter('Required parameter: pageToken', 'pageToken');
  const start = Number(tokenText);
  if (!Number.isSafeInteger(start) || start < 1)
    throw invalidParameter(`Invalid Value: pageToken ${tokenText}`, 'pageToken');
  const pageSize = intParam(req, 'pageSize', 100, 1, 1000);
  const driveId = driveScope(call);
  const allDrives = boolParam(req, 'includeItemsFromAllDrives') || boolParam(req, 'includeTeamDriveItems');
  const includeRemoved = boolParam(req, 'includeRemoved', true);
  const restrictToMyDrive = boolParam(req, 'restrictToMyDrive');
  const spaces = new Set((req.query.get('spaces') ?? 'drive').split(','));

  const relevant = (c: ChangeRecord): boolean => {
    if (c.changeType === 'drive') {
      if (restrictToMyDrive) return false;
      if (driveId) return c.id === driveId;
      const d = state.drives.get(c.id);
      return c.removed ? true : Boolean(d && state.memberRole(d, me));
    }
    if (driveId) return c.driveId === driveId;
    if (c.driveId && (!allDrives || restrictToMyDrive)) return false;
    const f = state.files.get(c.id);
    if (!f) return includeRemoved;
    if (!spaces.has(state.spaceOf(f))) return false;
    return state.canSee(f, me);
  };
  // The latest change of each item wins; the page ends after pageSize items.
  const picked: ChangeRecord[] = [];
  const latest = new Map<string, number>();
  let i = state.changes.findIndex((c) => c.seq >= start);
  if (i < 0) i = state.changes.length;
  let nextSeq: number | undefined;
  for (; i < state.changes.length; i++) {
    const c = state.changes[i]!;
    if (!relevant(c)) continue;
    const key = `${c.changeType}:${c.id}`;
    const at = latest.get(key);
    if (at !== undefined) {
      picked[at] = c;
      continue;
    }
    if (picked.length >= pageSize) {
      nextSeq = c.seq;
      break;
    }
    latest.set(key, picked.length);
    picked.push(c);
  }
  const changes = picked
    .filter((c) => includeRemoved || !c.removed)
    .map((c) => {
      if (c.changeType === 'drive') {
        const d = state.drives.get(c.id);
        const removed = c.removed || !d || !state.memberRole(d, me);
        return {
          kind: 'drive#change',
          changeType: 'drive',
          type: 'drive',
          time: rfc3339(c.time),
          removed,
          driveId: c.id,
          teamDriveId: c.id,
          ...(removed || !d ? {} : { drive: driveJson(state, d, me) }),
        };
      }
      const f = state.files.get(c.id);
      const removed = c.removed || !f || !state.canSee(f, me);
      return {
        kind: 'drive#change',
        changeType: 'file',
        type: 'file',
        time: rfc3339(c.time),
        removed,
        fileId: c.id,
        ...(c.driveId ? { driveId: c.driveId, teamDriveId: c.driveId } : {}),
        ...(removed || !f ? {} : { file: fileJson(state, f, me, call.origin) }),
      };
    });
  const body: Record<string, unknown> = { kind: 'drive#changeList', changes };
  if (nextSeq !== undefined) body.nextPageToken = String(nextSeq);
  else body.newStartPageToken = String(state.nextChangeSeq);
  sendResource(
    call,
    body,
    'ChangeList',
    'kind,nextPageToken,newStartPageToken,changes(kind,changeType,type,time,removed,fileId,driveId,teamDriveId,file(kind,id,name,mimeType),drive(kind,id,name))',
  );
}
