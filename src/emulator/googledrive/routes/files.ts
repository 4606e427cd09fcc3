import type { ServerResponse } from 'node:http';
import type { EmulatorRequest, Router } from '../../core/index.js';
import { parseRange, sendStream } from '../../core/index.js';
import {
  authed,
  boolParam,
  type DriveCall,
  type DriveContext,
  FILE_DEFAULT,
  FILE_LIST_DEFAULT,
  intParam,
  jsonBody,
  noContent,
  requireWrite,
  sendResource,
} from '../context.js';
import { badRequest, driveError, forbidden, invalidParameter, notFound } from '../errors.js';
import { EXPORT_FORMATS, exportDocument } from '../formats.js';
import {
  corpus,
  decodePageToken,
  encodePageToken,
  matches,
  queryDigest,
  readListRequest,
  sortFiles,
} from '../listing.js';
import { type FileRecord, FOLDER_MIME, isGoogleNative } from '../model.js';
import { copyFile, createFile, idList, updateFile } from '../operations.js';
import { fileJson } from '../shapes.js';
import { newFileId } from '../state.js';

/** `/drive/v3/files…`: list, get (and alt=media), create, update, copy, delete, emptyTrash, export, generateIds. */
export function installFileRoutes(api: Router, ctx: DriveContext): void {
  const base = '/drive/v3/files';
  api.get(base, authed(ctx, listFiles));
  api.post(base, authed(ctx, createMetadataOnly));
  api.get(`${base}/generateIds`, authed(ctx, generateIds));
  api.delete(`${base}/trash`, authed(ctx, emptyTrash));
  api.get(`${base}/:fileId`, authed(ctx, getFile));
  api.add('PATCH', `${base}/:fileId`, authed(ctx, patchFile));
  api.delete(`${base}/:fileId`, authed(ctx, deleteFile));
  api.post(`${base}/:fileId/copy`, authed(ctx, copy));
  api.get(`${base}/:fileId/export`, authed(ctx, exportFile));
  // webContentLink: a download by link (a bearer token, or a file anyone with the link may read).
  api.get('/uc', (req, res) => downloadByLink(ctx, req, res));
}

export function sendFile(call: DriveCall, f: FileRecord, status = 200): void {
  sendResource(call, fileJson(call.ctx.state, f, call.me, call.origin), 'File', FILE_DEFAULT, status);
}

async function listFiles(call: DriveCall) {
  const { req, ctx, me } = call;
  const { state } = ctx;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const r = readListRequest(req, supportsAllDrives);
  const pageSize = intParam(req, 'pageSize', 100, 1, 1000);
  const digest = queryDigest(req, [
    'q',
    'orderBy',
    'corpora',
    'driveId',
    'spaces',
    'includeItemsFromAllDrives',
  ]);
  const offset = decodePageToken(req.query.get('pageToken'), digest);
  if (r.driveId) {
    const drive = state.drives.get(r.driveId);
    if (!drive || !state.memberRole(drive, me)) throw notFound(r.driveId, 'Shared drive');
  }
  const all = sortFiles(
    state,
    corpus(state, r, me).filter((f) => matches(state, f, r.q, me)),
    r.orderBy,
  );
  const page = all.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = {
    kind: 'drive#fileList',
    incompleteSearch: r.corpora === 'allDrives' && state.settings.allDrivesIncompleteSearch,
    files: page.map((f) => fileJson(state, f, me, call.origin)),
  };
  if (offset + pageSize < all.length) body.nextPageToken = encodePageToken(offset + pageSize, digest);
  sendResource(call, body, 'FileList', FILE_LIST_DEFAULT);
}

async function getFile(call: DriveCall) {
  const { req, ctx, me } = call;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const f = ctx.state.file(req.params.fileId!, me, supportsAllDrives);
  if (req.query.get('alt') === 'media') return download(call, f);
  if (req.query.get('alt') && req.query.get('alt') !== 'json')
    throw invalidParameter(`Invalid value for alt: ${req.query.get('alt')}`, 'alt');
  sendFile(call, f);
}

/** alt=media: the head revision (or `revisionId`), with Range. */
export async function download(call: DriveCall, f: FileRecord, revisionId?: string) {
  const { req, res, ctx } = call;
  if (f.mimeType === FOLDER_MIME || isGoogleNative(f.mimeType) || !f.revisions.length) {
    throw driveError(
      403,
      'fileNotDownloadable',
      'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
      { location: 'alt', locationType: 'parameter' },
    );
  }
  if (f.abusive && !boolParam(req, 'acknowledgeAbuse'))
    throw driveError(
      403,
      'cannotDownloadAbusiveFile',
      'This file has been identified as malware or spam and cannot be downloaded. Set acknowledgeAbuse to download it anyway.',
      { location: 'acknowledgeAbuse', locationType: 'parameter' },
    );
  const role = ctx.state.roleOf(f, call.me);
  if (f.copyRequiresWriterPermission && (role === 'reader' || role === 'commenter'))
    throw forbidden('cannotDownloadFile', 'The user does not have permission to download this file.');
  const rev = revisionId ? f.revisions.find((r) => r.id === revisionId) : f.revisions.at(-1)!;
  if (!rev) throw notFound(revisionId!, 'Revision');
  await sendBlob(call, rev.blobId, rev.size, rev.mimeType, rev.md5);
  void res;
}

async function sendBlob(call: DriveCall, blobId: string, size: number, mimeType: string, md5: string) {
  const { req, res, ctx } = call;
  const range = parseRange(req.headers.range, size);
  const headers: Record<string, string | number> = {
    'content-type': mimeType,
    'accept-ranges': 'bytes',
    'x-goog-hash': `md5=${Buffer.from(md5, 'hex').toString('base64')}`,
    'cache-control': 'private, max-age=0',
  };
  if (range === 'invalid') {
    if (size === 0 && req.headers.range) {
      // An empty file has no satisfiable range; Google answers with the (empty) whole.
      return sendStream(res, 200, ctx.state.blobs.read(blobId), { ...headers, 'content-length': 0 });
    }
    throw driveError(
      416,
      'requestedRangeNotSatisfiable',
      'Request range not satisfiable',
      {},
      {
        'content-range': `bytes */${size}`,
      },
    );
  }
  if (range) {
    return sendStream(res, 206, ctx.state.blobs.read(blobId, range.start, range.end), {
      ...headers,
      'content-length': range.end - range.start + 1,
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
    });
  }
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...headers, 'content-length': size });
    res.end();
    return;
  }
  return sendStream(res, 200, ctx.state.blobs.read(blobId), { ...headers, 'content-length': size });
}

async function exportFile(call: DriveCall) {
  const { req, res, ctx, me } = call;
  const f = ctx.state.file(req.params.fileId!, me, true);
  const target = req.query.get('mimeType');
  if (!target)
    throw driveError(400, 'required', 'Required parameter: mimeType', {
      location: 'mimeType',
      locationType: 'parameter',
    });
  if (!isGoogleNative(f.mimeType))
    throw forbidden('fileNotExportable', 'Export only supports Docs Editors files.');
  if (!EXPORT_FORMATS[f.mimeType]?.includes(target))
    throw badRequest(
      `The requested conversion is not supported: ${f.mimeType} cannot be exported as ${target}.`,
      'mimeType',
    );
  const bytes = await exportDocument(f.mimeType, f.name, f.native?.text ?? '', target);
  if (!bytes) throw badRequest('The requested conversion is not supported.', 'mimeType');
  if (bytes.length > ctx.state.settings.exportSizeLimit)
    throw forbidden('exportSizeLimitExceeded', 'This file is too large to be exported.');
  res.writeHead(200, { 'content-type': target, 'content-length': bytes.length });
  res.end(bytes);
}

async function createMetadataOnly(call: DriveCall) {
  requireWrite(call);
  const meta = await jsonBody(call.req);
  const supportsAllDrives =
    boolParam(call.req, 'supportsAllDrives') || boolParam(call.req, 'supportsTeamDrives');
  const f = await createFile(call, meta, undefined, supportsAllDrives);
  sendFile(call, f);
}

async function patchFile(call: DriveCall) {
  requireWrite(call);
  const { req, ctx, me } = call;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const f = ctx.state.file(req.params.fileId!, me, supportsAllDrives);
  const meta = await jsonBody(req);
  await updateFile(call, f, meta, undefined, {
    addParents: idList(req.query.get('addParents')),
    removeParents: idList(req.query.get('removeParents')),
    supportsAllDrives,
  });
  sendFile(call, f);
}

async function deleteFile(call: DriveCall) {
  requireWrite(call);
  const { req, res, ctx, me } = call;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const f = ctx.state.file(req.params.fileId!, me, supportsAllDrives);
  if (f.isRoot) throw forbidden('cannotDeleteRoot', 'The root folder cannot be deleted.');
  const role = ctx.state.roleOf(f, me);
  if (f.driveId ? role !== 'organizer' : role !== 'owner')
    throw forbidden(
      'insufficientFilePermissions',
      'The user does not have sufficient permissions to delete this file.',
    );
  await ctx.state.remove(f);
  noContent(res);
}

async function copy(call: DriveCall) {
  requireWrite(call);
  const { req, ctx, me } = call;
  const supportsAllDrives = boolParam(req, 'supportsAllDrives') || boolParam(req, 'supportsTeamDrives');
  const src = ctx.state.file(req.params.fileId!, me, supportsAllDrives);
  const meta = await jsonBody(req);
  const f = await copyFile(call, src, meta, supportsAllDrives);
  sendFile(call, f);
}

async function emptyTrash(call: DriveCall) {
  requireWrite(call);
  const { req, res, ctx, me } = call;
  const { state } = ctx;
  const driveId = req.query.get('driveId') ?? undefined;
  if (driveId) {
    const drive = state.drives.get(driveId);
    if (!drive || !state.memberRole(drive, me)) throw notFound(driveId, 'Shared drive');
    if (state.memberRole(drive, me) !== 'organizer')
      throw forbidden(
        'insufficientFilePermissions',
        'Only organizers can empty the trash of a shared drive.',
      );
  }
  const doomed = [...state.files.values()].filter(
    (f) =>
      f.explicitlyTrashed &&
      !f.isRoot &&
      (driveId
        ? f.driveId === driveId
        : !f.driveId && f.owner?.toLowerCase() === me.emailAddress.toLowerCase()),
  );
  for (const f of doomed) if (state.files.has(f.id)) await state.remove(f);
  noContent(res);
}

function generateIds(call: DriveCall) {
  const { req, res } = call;
  const count = intParam(req, 'count', 10, 1, 1000);
  const space = req.query.get('space') ?? 'drive';
  if (space !== 'drive' && space !== 'appDataFolder')
    throw invalidParameter(`Invalid space ${space}`, 'space');
  const type = req.query.get('type') ?? 'files';
  if (type !== 'files' && type !== 'shortcuts') throw invalidParameter(`Invalid type ${type}`, 'type');
  const ids = Array.from({ length: count }, () => newFileId());
  sendResource(call, { kind: 'drive#generatedIds', space, ids }, 'GeneratedIds', undefined);
  void res;
}

async function downloadByLink(ctx: DriveContext, req: EmulatorRequest, res: ServerResponse) {
  const id = req.query.get('id') ?? '';
  if (req.bearerToken()) {
    return authed(ctx, async (call) => download(call, call.ctx.state.file(id, call.me, true)))(req, res);
  }
  // Without a token: only files anyone with the link may read.
  const f = ctx.state.files.get(id);
  if (!f?.permissions.some((p) => p.type === 'anyone')) throw notFound(id);
  const reader = ctx.state.user(f.owner ?? f.lastModifyingUser);
  return download({ req, res, ctx, me: reader, origin: '', canWrite: false }, f);
}
