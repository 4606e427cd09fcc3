import type { ServerResponse } from 'node:http';
import { type EmulatorRequest, type EmulatorServer, parseRange, sendStream } from '../../core/index.js';
import { callerOf, parseVersion, requireBucket, requireCapability, requireName } from '../api.js';
import { b2Error, badRequest, unauthorized } from '../errors.js';
import { newestVisible } from '../listing.js';
import type { Bucket, FileVersion } from '../model.js';
import { B2_INFO_HEADERS, b2Decode, b2Encode } from '../names.js';
import type { B2State } from '../state.js';
import { DOWNLOAD_OVERRIDES } from './files.js';

/**
 * Downloads on the download host: `/b2api/vN/b2_download_file_by_id?fileId=` (GET, HEAD, or POST with a
 * JSON body) and `/file/<bucketName>/<fileName>` (the newest version; 404 when it is hidden). Private
 * buckets need an account token with readFiles, or (by name) a download authorization whose prefix covers
 * the name, in the Authorization header or query parameter. Ranges answer 206; B2's headers carry the id,
 * name, SHA-1, upload time and file info, and `b2-*` info (or the query overrides) become real headers.
 */

const OVERRIDE_HEADERS: Record<(typeof DOWNLOAD_OVERRIDES)[number], string> = {
  b2ContentDisposition: 'content-disposition',
  b2ContentLanguage: 'content-language',
  b2Expires: 'expires',
  b2CacheControl: 'cache-control',
  b2ContentEncoding: 'content-encoding',
  b2ContentType: 'content-type',
};

export function mountDownloadRoutes(server: EmulatorServer, state: B2State): void {
  const router = server.host('download').router;
  const byId = async (req: EmulatorRequest, res: ServerResponse) => {
    parseVersion(req.params.version!);
    let fileId = req.query.get('fileId') ?? undefined;
    if (!fileId && req.method === 'POST') {
      const body = await req.json<{ fileId?: unknown }>(64 * 1024).catch(() => ({}) as { fileId?: unknown });
      if (typeof body.fileId === 'string') fileId = body.fileId;
    }
    if (!fileId) throw badRequest('fileId is required');
    if (state.seqOf(fileId) === undefined) throw badRequest(`Invalid fileId: ${fileId}`);
    const found = state.findVersion(fileId);
    if (found?.version.action !== 'upload') throw b2Error(404, 'not_found', `file not present: ${fileId}`);
    authorizeDownload(state, req, found.bucket, found.version.fileName, false);
    await send(state, req, res, found.bucket, found.version);
  };
  router.get('/b2api/:version/b2_download_file_by_id', byId);
  router.post('/b2api/:version/b2_download_file_by_id', byId);
  router.get('/file/*', async (req, res) => {
    // The raw path: names are B2-encoded (`+` is a space), which the router's decoding does not know.
    const rest = req.url.pathname.slice('/file/'.length);
    const slash = rest.indexOf('/');
    const bucketName = b2Decode(slash < 0 ? rest : rest.slice(0, slash));
    const fileName = slash < 0 ? '' : b2Decode(rest.slice(slash + 1));
    if (bucketName === undefined || fileName === undefined)
      throw badRequest('the path is not valid percent-encoded UTF-8');
    const bucket = state.bucketByName(bucketName);
    if (!bucket) throw b2Error(404, 'not_found', `bucket ${bucketName} does not exist`);
    const version = fileName ? newestVisible(bucket.files.get(fileName)) : undefined;
    authorizeDownload(state, req, bucket, fileName, true);
    if (!version) throw b2Error(404, 'not_found', `file not present: ${fileName}`);
    await send(state, req, res, bucket, version);
  });
}

function authorizeDownload(
  state: B2State,
  req: EmulatorRequest,
  bucket: Bucket,
  fileName: string,
  byName: boolean,
): void {
  if (bucket.bucketType === 'allPublic') return;
  const token =
    req.headers.authorization ?? (byName ? (req.query.get('Authorization') ?? undefined) : undefined);
  if (!token) throw b2Error(401, 'missing_auth_token', 'this bucket is private: send an authorization token');
  const record = state.tokens.get(token);
  if (record?.kind === 'account') {
    const caller = callerOf(state, req, record);
    requireCapability(caller, 'readFiles');
    requireBucket(caller, bucket.bucketId);
    if (caller.account.accountId !== bucket.accountId)
      throw unauthorized('the bucket belongs to another account');
    requireName(caller, fileName);
    return;
  }
  if (record?.kind === 'download' && byName) {
    if (req.fault?.expiredToken || record.expiresAt <= state.now())
      throw b2Error(401, 'expired_auth_token', 'the download authorization has expired');
    if (record.bucketId !== bucket.bucketId || !fileName.startsWith(record.fileNamePrefix))
      throw unauthorized('the download authorization does not cover this file');
    for (const [name, value] of Object.entries(record.overrides))
      if (req.query.get(name) !== value)
        throw unauthorized(`the download authorization was made with ${name}: repeat it in the URL`);
    return;
  }
  throw b2Error(401, 'bad_auth_token', 'invalid authorization token');
}

async function send(
  state: B2State,
  req: EmulatorRequest,
  res: ServerResponse,
  bucket: Bucket,
  v: FileVersion,
): Promise<void> {
  const headers: Record<string, string | number> = {
    'content-type': v.contentType,
    'x-bz-file-id': v.fileId,
    'x-bz-file-name': b2Encode(v.fileName),
    'x-bz-content-sha1': v.contentSha1 ?? 'none',
    'x-bz-upload-timestamp': v.uploadTimestamp,
    'accept-ranges': 'bytes',
  };
  if (bucket.bucketInfo['Cache-Control']) headers['cache-control'] = bucket.bucketInfo['Cache-Control'];
  for (const [key, value] of Object.entries(v.fileInfo)) {
    const real = B2_INFO_HEADERS[key];
    if (real) headers[real] = value;
    else headers[`x-bz-info-${key}`] = b2Encode(value);
  }
  for (const name of DOWNLOAD_OVERRIDES) {
    const value = req.query.get(name);
    if (value !== null) headers[OVERRIDE_HEADERS[name]] = value;
  }
  if (v.serverSideEncryption.mode === 'SSE-B2') headers['x-bz-server-side-encryption'] = 'AES256';
  const size = v.contentLength;
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid') {
    throw b2Error(416, 'range_not_satisfiable', `the range ${req.headers.range} is not satisfiable`, {
      'content-range': `bytes */${size}`,
    });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  headers['content-length'] = Math.max(0, end - start + 1);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  const status = range ? 206 : 200;
  if (req.method === 'HEAD' || size === 0) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  await sendStream(res, status, state.blobs.read(v.blobId!, start, end), headers);
}
