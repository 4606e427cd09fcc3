import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import {
  type BlobInfo,
  BlobTooLargeError,
  type EmulatorRequest,
  type EmulatorServer,
} from '../../core/index.js';
import { type B2Call, callerBucket, parseVersion, requireName, sendB2Json } from '../api.js';
import { b2Error, badRequest } from '../errors.js';
import type { ApplicationKey, FileVersion, UploadUrl } from '../model.js';
import { autoContentType, b2Decode, checkFileInfo, checkFileName, checkHeaderBudget } from '../names.js';
import { fileJson, partJson } from '../shapes.js';
import type { B2State } from '../state.js';
import { hostUrl } from '../urls.js';

/**
 * Upload URLs and what they receive: b2_get_upload_url / b2_get_upload_part_url hand out a URL on the
 * upload host with its own token; b2_upload_file and b2_upload_part stream the body to the blob store,
 * hashing it on the way. One request at a time per URL; a URL that answered "too busy" stays dead.
 */

export const uploadUrlCalls: Record<string, B2Call> = {
  b2_get_upload_url: {
    capability: 'writeFiles',
    handle(ctx) {
      const bucket = callerBucket(ctx, ctx.args.str('bucketId'));
      const url = newUploadUrl(
        ctx.state,
        'file',
        bucket.bucketId,
        ctx.caller.account.accountId,
        ctx.caller.key,
      );
      return {
        bucketId: bucket.bucketId,
        uploadUrl: `${hostUrl(ctx.server, ctx.req, 'upload')}/b2api/v${ctx.version}/b2_upload_file/${bucket.bucketId}/${url.urlId}`,
        authorizationToken: url.token,
      };
    },
  },

  b2_get_upload_part_url: {
    capability: 'writeFiles',
    handle(ctx) {
      const fileId = ctx.args.str('fileId');
      const found = ctx.state.findLargeFile(fileId);
      if (!found || found.bucket.accountId !== ctx.caller.account.accountId)
        throw badRequest(`No active upload for: ${fileId}`);
      callerBucket(ctx, found.bucket.bucketId);
      requireName(ctx.caller, found.large.version.fileName);
      const url = newUploadUrl(ctx.state, 'part', fileId, ctx.caller.account.accountId, ctx.caller.key);
      return {
        fileId,
        uploadUrl: `${hostUrl(ctx.server, ctx.req, 'upload')}/b2api/v${ctx.version}/b2_upload_part/${encodeURIComponent(fileId)}/${url.urlId}`,
        authorizationToken: url.token,
      };
    },
  },
};

function newUploadUrl(
  state: B2State,
  kind: UploadUrl['kind'],
  target: string,
  accountId: string,
  key: ApplicationKey,
): UploadUrl {
  const urlId = `c000_v0001000_t${randomBytes(6).toString('hex')}`;
  const token = state.issueToken({
    kind: 'upload',
    urlId,
    expiresAt: state.now() + state.settings.uploadTokenLifetimeMs,
  });
  const url: UploadUrl = {
    urlId,
    kind,
    accountId,
    keyId: key.applicationKeyId,
    target,
    token,
    busy: false,
    dead: false,
  };
  state.uploadUrls.set(urlId, url);
  return url;
}

export function mountUploadRoutes(server: EmulatorServer, state: B2State): void {
  const router = server.host('upload').router;
  router.post('/b2api/:version/b2_upload_file/:bucketId/:urlId', (req, res) =>
    receive(state, req, res, 'file', uploadFile),
  );
  router.post('/b2api/:version/b2_upload_part/:fileId/:urlId', (req, res) =>
    receive(state, req, res, 'part', uploadPart),
  );
}

interface Upload {
  state: B2State;
  req: EmulatorRequest;
  url: UploadUrl;
  key: ApplicationKey;
  version: number;
  contentLength: number;
  sha1Mode: 'given' | 'hex_digits_at_end' | 'do_not_verify';
  givenSha1: string | undefined;
}

/** Checks the URL, its token and the common headers, then runs the kind's handler with the URL held busy. */
async function receive(
  state: B2State,
  req: EmulatorRequest,
  res: ServerResponse,
  kind: UploadUrl['kind'],
  handler: (u: Upload) => Promise<unknown>,
): Promise<void> {
  const version = parseVersion(req.params.version!);
  const url = state.uploadUrls.get(req.params.urlId!);
  const target = kind === 'file' ? req.params.bucketId : req.params.fileId;
  if (!url || url.kind !== kind || url.target !== target)
    throw b2Error(401, 'bad_auth_token', 'this upload URL is not valid: get a new one');
  const token = req.headers.authorization;
  if (!token) throw b2Error(401, 'missing_auth_token', 'the Authorization header is missing');
  const record = state.tokens.get(token);
  if (record?.kind !== 'upload' || record.urlId !== url.urlId)
    throw b2Error(401, 'bad_auth_token', 'invalid upload authorization token');
  if (req.fault?.expiredToken || record.expiresAt <= state.now())
    throw b2Error(401, 'expired_auth_token', 'upload authorization token has expired: get a new upload URL');
  const key = state.keys.get(url.keyId);
  if (!key) throw b2Error(401, 'bad_auth_token', 'the application key of this upload URL was deleted');
  if (key.expirationTimestamp !== null && key.expirationTimestamp <= state.now())
    throw b2Error(401, 'expired_auth_token', 'the application key of this upload URL has expired');
  if (url.dead) throw b2Error(503, 'service_unavailable', 'upload pod is too busy: get a new upload URL');
  const testFail = state.testModeFails(req.headers['x-bz-test-mode'], 'fail_some_uploads');
  if (state.failingUploads[kind] > 0 || testFail) {
    if (!testFail) state.failingUploads[kind]--;
    url.dead = true;
    throw b2Error(503, 'service_unavailable', 'upload pod is too busy: get a new upload URL');
  }
  if (url.busy) throw b2Error(400, 'auth_token_limit', `more than one upload using auth token ${token}`);
  if (req.headers['transfer-encoding'] || req.headers['content-length'] === undefined)
    throw badRequest('Content-Length is required (chunked uploads are not supported)');
  const contentLength = Number(req.headers['content-length']);
  const sha1Header = header(req, 'x-bz-content-sha1');
  if (!sha1Header) throw badRequest('X-Bz-Content-Sha1 is required');
  let sha1Mode: Upload['sha1Mode'] = 'given';
  let givenSha1: string | undefined;
  if (sha1Header === 'hex_digits_at_end') sha1Mode = 'hex_digits_at_end';
  else if (sha1Header === 'do_not_verify') sha1Mode = 'do_not_verify';
  else if (/^[0-9a-fA-F]{40}$/.test(sha1Header)) givenSha1 = sha1Header.toLowerCase();
  else throw badRequest(`X-Bz-Content-Sha1 is not a SHA-1: ${sha1Header}`);
  if (sha1Mode === 'hex_digits_at_end' && contentLength < 40)
    throw badRequest('with hex_digits_at_end the body must end with the 40 hex digits of its SHA-1');
  url.busy = true;
  try {
    const result = await handler({ state, req, url, key, version, contentLength, sha1Mode, givenSha1 });
    sendB2Json(res, result);
  } finally {
    url.busy = false;
  }
}

/** Streams the body into a blob; checks its length and SHA-1 as the headers say. */
async function storeBody(u: Upload, maxBytes: number): Promise<{ blob: BlobInfo; sha1: string }> {
  const payload = u.contentLength - (u.sha1Mode === 'hex_digits_at_end' ? 40 : 0);
  if (payload > maxBytes) throw badRequest(`the content is larger than ${maxBytes} bytes`);
  const account = u.state.accounts.get(u.url.accountId);
  const forced = u.req.headers['x-bz-test-mode'] === 'force_cap_exceeded';
  if (
    forced ||
    (account?.storageCapBytes !== undefined && account.storedBytes + payload > account.storageCapBytes)
  )
    throw b2Error(403, 'cap_exceeded', 'Cannot upload files, storage cap exceeded.');
  const trailer = u.sha1Mode === 'hex_digits_at_end' ? new HexTrailer() : undefined;
  const source = trailer ? u.req.body.pipe(trailer) : u.req.body;
  if (trailer) u.req.body.on('error', (e) => trailer.destroy(e));
  let blob: BlobInfo;
  try {
    blob = await u.state.blobs.put(source, { hashes: ['sha1', 'md5'], maxBytes: payload });
  } catch (e) {
    if (e instanceof BlobTooLargeError) throw badRequest('the body is longer than Content-Length');
    throw e;
  }
  const sha1 = blob.hashes.sha1!;
  const fail = async (message: string) => {
    await u.state.blobs.release(blob.id);
    return badRequest(message);
  };
  if (blob.size !== payload) throw await fail('the body is shorter than Content-Length');
  const expected = trailer ? trailer.tail.toString('latin1').toLowerCase() : u.givenSha1;
  if (expected !== undefined && expected !== sha1) throw await fail('Sha1 did not match data received');
  if (account) account.storedBytes += blob.size;
  return { blob, sha1 };
}

async function uploadFile(u: Upload): Promise<unknown> {
  const { state, req } = u;
  const bucket = state.buckets.get(u.url.target);
  if (!bucket) throw b2Error(400, 'bad_bucket_id', `Bucket ${u.url.target} does not exist`);
  const rawName = header(req, 'x-bz-file-name');
  if (rawName === undefined) throw badRequest('X-Bz-File-Name is required');
  const decoded = b2Decode(rawName);
  if (decoded === undefined) throw badRequest('X-Bz-File-Name is not valid percent-encoded UTF-8');
  const fileName = checkFileName(decoded);
  requireName(u, fileName);
  let contentType = header(req, 'content-type');
  if (!contentType) throw badRequest('Content-Type is required (b2/x-auto lets B2 choose)');
  if (contentType === 'b2/x-auto') contentType = autoContentType(fileName);
  const rawInfo: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('x-bz-info-') || typeof value !== 'string') continue;
    const v = b2Decode(value);
    if (v === undefined) throw badRequest(`${name} is not valid percent-encoded UTF-8`);
    rawInfo[name.slice('x-bz-info-'.length)] = v;
  }
  const fileInfo = checkFileInfo(rawInfo);
  checkHeaderBudget(fileName, fileInfo);
  const sse = header(req, 'x-bz-server-side-encryption');
  if (sse !== undefined && sse !== 'AES256') throw badRequest('X-Bz-Server-Side-Encryption must be AES256');
  const { blob, sha1 } = await storeBody(u, state.settings.maxUploadBytes);
  const uploadTimestamp = state.timestamp();
  const { fileId, seq } = state.newFileId(bucket.bucketId, uploadTimestamp);
  const version: FileVersion = {
    accountId: bucket.accountId,
    bucketId: bucket.bucketId,
    fileId,
    fileName,
    action: 'upload',
    contentLength: blob.size,
    contentSha1: u.sha1Mode === 'do_not_verify' ? `unverified:${sha1}` : sha1,
    contentMd5: blob.hashes.md5!,
    contentType,
    fileInfo,
    uploadTimestamp,
    serverSideEncryption:
      sse === 'AES256' ? { mode: 'SSE-B2', algorithm: 'AES256' } : { ...bucket.defaultServerSideEncryption },
    blobId: blob.id,
    seq,
  };
  state.addVersion(bucket, version);
  return fileJson(version, u.version, { capabilities: new Set(u.key.capabilities) });
}

async function uploadPart(u: Upload): Promise<unknown> {
  const { state, req } = u;
  const fileId = u.url.target;
  const found = state.findLargeFile(fileId);
  if (!found) throw badRequest(`No active upload for: ${fileId}`);
  const raw = header(req, 'x-bz-part-number');
  const partNumber = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(partNumber >= 1 && partNumber <= 10000)) throw badRequest('Part number must be in range 1 - 10000');
  const { blob, sha1 } = await storeBody(u, state.settings.maxUploadBytes);
  // The file may have been finished or cancelled while the part streamed in.
  if (!state.findLargeFile(fileId)) {
    await state.blobs.release(blob.id);
    throw badRequest(`No active upload for: ${fileId}`);
  }
  const old = found.large.parts.get(partNumber);
  const part = {
    partNumber,
    blobId: blob.id,
    contentLength: blob.size,
    contentSha1: sha1,
    contentMd5: blob.hashes.md5!,
    uploadTimestamp: state.timestamp(),
  };
  found.large.parts.set(partNumber, part);
  if (old) {
    const account = state.accounts.get(u.url.accountId);
    if (account) account.storedBytes -= old.contentLength;
    await state.blobs.release(old.blobId);
  }
  return partJson(fileId, part);
}

function header(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Passes everything but the last 40 bytes (the `hex_digits_at_end` SHA-1), which it keeps in `tail`. */
class HexTrailer extends Transform {
  tail = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const all = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    if (all.length <= 40) {
      this.tail = Buffer.from(all);
      done();
      return;
    }
    this.tail = Buffer.from(all.subarray(all.length - 40));
    done(null, all.subarray(0, all.length - 40));
  }
}
