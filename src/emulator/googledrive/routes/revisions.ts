import type { Router } from '../../core/index.js';
import {
  authed,
  type DriveCall,
  type DriveContext,
  intParam,
  jsonBody,
  noContent,
  requireWrite,
  sendResource,
} from '../context.js';
import { driveError, forbidden, notFound } from '../errors.js';
import { EXPORT_FORMATS } from '../formats.js';
import { decodePageToken, encodePageToken } from '../listing.js';
import { type FileRecord, isGoogleNative } from '../model.js';
import { revisionJson, rfc3339, userJson } from '../shapes.js';
import { download } from './files.js';

/** `/drive/v3/files/{fileId}/revisions`: list, get (alt=media for the bytes), update keepForever, delete. */
export function installRevisionRoutes(api: Router, ctx: DriveContext): void {
  const base = '/drive/v3/files/:fileId/revisions';
  api.get(base, authed(ctx, list));
  api.get(`${base}/:revisionId`, authed(ctx, get));
  api.add('PATCH', `${base}/:revisionId`, authed(ctx, update));
  api.delete(`${base}/:revisionId`, authed(ctx, remove));
}

const DEFAULT = 'kind,id,mimeType,modifiedTime';

function fileOf(call: DriveCall): FileRecord {
  const f = call.ctx.state.file(call.req.params.fileId!, call.me, true);
  call.ctx.state.requireRole(f, call.me, 'commenter');
  return f;
}

function revisions(call: DriveCall, f: FileRecord): Record<string, unknown>[] {
  if (isGoogleNative(f.mimeType) && f.native) {
    return [
      {
        kind: 'drive#revision',
        id: f.native.revisionId,
        mimeType: f.mimeType,
        modifiedTime: rfc3339(f.modifiedTime),
        published: false,
        lastModifyingUser: userJson(call.ctx.state, f.lastModifyingUser, call.me),
        exportLinks: Object.fromEntries(
          (EXPORT_FORMATS[f.mimeType] ?? []).map((m) => [
            m,
            `${call.origin}/drive/v3/files/${f.id}/export?mimeType=${encodeURIComponent(m)}`,
          ]),
        ),
      },
    ];
  }
  return f.revisions.map((r) => revisionJson(call.ctx.state, f, r, call.me, call.origin));
}

function list(call: DriveCall) {
  const f = fileOf(call);
  const pageSize = intParam(call.req, 'pageSize', 200, 1, 1000);
  const offset = decodePageToken(call.req.query.get('pageToken'), `revisions:${f.id}`);
  const all = revisions(call, f);
  const body: Record<string, unknown> = {
    kind: 'drive#revisionList',
    revisions: all.slice(offset, offset + pageSize),
  };
  if (offset + pageSize < all.length)
    body.nextPageToken = encodePageToken(offset + pageSize, `revisions:${f.id}`);
  sendResource(call, body, 'RevisionList', `kind,nextPageToken,revisions(${DEFAULT})`);
}

function find(call: DriveCall, f: FileRecord): Record<string, unknown> {
  const id = call.req.params.revisionId!;
  const r = revisions(call, f).find((x) => x.id === id || (id === 'head' && x === revisions(call, f).at(-1)));
  if (!r) throw notFound(id, 'Revision');
  return r;
}

async function get(call: DriveCall) {
  const f = fileOf(call);
  const r = find(call, f);
  if (call.req.query.get('alt') === 'media') return download(call, f, String(r.id));
  sendResource(call, r, 'Revision', DEFAULT);
}

async function update(call: DriveCall) {
  requireWrite(call);
  const f = fileOf(call);
  call.ctx.state.requireRole(f, call.me, 'writer');
  const found = find(call, f);
  const body = await jsonBody(call.req);
  const rev = f.revisions.find((r) => r.id === found.id);
  if (!rev)
    throw forbidden('revisionNotUpdatable', 'Revisions of Google Docs editors files cannot be changed here.');
  if (body.keepForever !== undefined) {
    if (rev.keepForever && body.keepForever === false) {
      // Unpinning is allowed; pinning more than 200 revisions is not.
    } else if (body.keepForever === true && f.revisions.filter((r) => r.keepForever).length >= 200) {
      throw forbidden('revisionLimitExceeded', 'A file can keep at most 200 revisions forever.');
    }
    rev.keepForever = body.keepForever === true;
  }
  if (body.published !== undefined) rev.published = body.published === true;
  call.ctx.state.touch(f, call.me);
  sendResource(call, revisionJson(call.ctx.state, f, rev, call.me, call.origin), 'Revision', DEFAULT);
}

async function remove(call: DriveCall) {
  requireWrite(call);
  const f = fileOf(call);
  call.ctx.state.requireRole(f, call.me, 'writer');
  const found = find(call, f);
  const i = f.revisions.findIndex((r) => r.id === found.id);
  if (i < 0)
    throw forbidden('revisionNotDeletable', 'Revisions of Google Docs editors files cannot be deleted.');
  if (f.revisions.length === 1)
    throw driveError(403, 'cannotDeleteOnlyRevision', 'The only revision of a file cannot be deleted.');
  const [gone] = f.revisions.splice(i, 1);
  await call.ctx.state.blobs.release(gone!.blobId);
  if (i === f.revisions.length) f.mimeType = f.revisions.at(-1)!.mimeType;
  call.ctx.state.touch(f, call.me);
  noContent(call.res);
}
