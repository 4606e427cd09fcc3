import { parseRange } from '../../core/index.js';
import {
  type B2Call,
  type CallContext,
  callerBucket,
  requireBucket,
  requireCapability,
  requireName,
} from '../api.js';
import { b2Error, badRequest, unauthorized } from '../errors.js';
import { listFiles } from '../listing.js';
import type { Bucket, FileVersion } from '../model.js';
import { checkFileInfo, checkFileName, checkHeaderBudget } from '../names.js';
import { fileJson, folderJson } from '../shapes.js';

/**
 * The calls on file versions: listing names and versions, b2_get_file_info, b2_hide_file,
 * b2_delete_file_version, b2_copy_file and b2_get_download_authorization.
 */

const EMPTY_SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

export const fileCalls: Record<string, B2Call> = {
  b2_list_file_names: { capability: 'listFiles', handle: (ctx) => list(ctx, false) },
  b2_list_file_versions: { capability: 'listFiles', handle: (ctx) => list(ctx, true) },

  b2_get_file_info: {
    capability: 'readFiles',
    handle(ctx) {
      const fileId = ctx.args.str('fileId');
      if (ctx.state.seqOf(fileId) === undefined) throw badRequest(`Invalid fileId: ${fileId}`);
      const found = ctx.state.findVersion(fileId);
      if (!found || found.bucket.accountId !== ctx.caller.account.accountId)
        throw b2Error(404, 'not_found', `file not present: ${fileId}`);
      requireBucket(ctx.caller, found.bucket.bucketId);
      requireName(ctx.caller, found.version.fileName);
      if (found.version.action === 'start')
        throw badRequest(`${fileId} is an unfinished large file: finish it first`);
      return fileJson(found.version, ctx.version, ctx.caller);
    },
  },

  b2_hide_file: {
    capability: 'writeFiles',
    handle(ctx) {
      const { args, state, caller } = ctx;
      const bucket = callerBucket(ctx, args.str('bucketId'));
      const fileName = checkFileName(args.str('fileName'));
      requireName(caller, fileName);
      const newest = bucket.files.get(fileName)?.find((v) => v.action !== 'start');
      if (!newest) throw b2Error(400, 'no_such_file', `File not present: ${fileName}`);
      if (newest.action === 'hide') throw b2Error(400, 'already_hidden', `File already hidden: ${fileName}`);
      const uploadTimestamp = state.timestamp();
      const { fileId, seq } = state.newFileId(bucket.bucketId, uploadTimestamp);
      const marker: FileVersion = {
        accountId: bucket.accountId,
        bucketId: bucket.bucketId,
        fileId,
        fileName,
        action: 'hide',
        contentLength: 0,
        contentSha1: EMPTY_SHA1,
        contentMd5: EMPTY_MD5,
        contentType: 'application/x-bz-hide-marker',
        fileInfo: {},
        uploadTimestamp,
        serverSideEncryption: { mode: null, algorithm: null },
        blobId: undefined,
        seq,
      };
      state.addVersion(bucket, marker);
      return fileJson(marker, ctx.version, caller);
    },
  },

  b2_delete_file_version: {
    capability: 'deleteFiles',
    async handle(ctx) {
      const { args, state, caller } = ctx;
      const fileName = args.str('fileName');
      const fileId = args.str('fileId');
      requireName(caller, fileName);
      if (args.bool('bypassGovernance', false)) requireCapability(caller, 'bypassGovernance');
      const found = state.findVersion(fileId);
      if (
        !found ||
        found.version.fileName !== fileName ||
        found.bucket.accountId !== caller.account.accountId
      )
        throw b2Error(400, 'file_not_present', `File not present: ${fileName} ${fileId}`);
      requireBucket(caller, found.bucket.bucketId);
      const large = found.bucket.largeFiles.get(fileId);
      if (large) await state.removeLargeFile(found.bucket, large);
      else await state.removeVersion(found.bucket, found.version);
      return { fileId, fileName };
    },
  },

  b2_copy_file: {
    capability: 'writeFiles',
    async handle(ctx) {
      const { args, state, caller } = ctx;
      const source = readableSource(ctx, args.str('sourceFileId'));
      const destination = args.has('destinationBucketId')
        ? callerBucket(ctx, args.str('destinationBucketId'))
        : callerBucket(ctx, source.bucket.bucketId);
      const fileName = checkFileName(args.str('fileName'));
      requireName(caller, fileName);
      const directive = args.optStr('metadataDirective') ?? 'COPY';
      let contentType = source.version.contentType;
      let fileInfo = source.version.fileInfo;
      if (directive === 'COPY') {
        if (args.has('contentType') || args.has('fileInfo'))
          throw badRequest('contentType and fileInfo must not be given with metadataDirective COPY');
      } else if (directive === 'REPLACE') {
        contentType = args.str('contentType');
        fileInfo = checkFileInfo(args.object('fileInfo') ?? {});
      } else throw badRequest('metadataDirective must be COPY or REPLACE');
      checkHeaderBudget(fileName, fileInfo);
      const range = copyRange(args.optStr('range'), source.version.contentLength);
      const length = range ? range.end - range.start + 1 : source.version.contentLength;
      if (length > state.settings.maxUploadBytes)
        throw b2Error(400, 'source_too_large', `Copy source too big: ${length}`);
      const blob = await copyBlob(ctx, source.version, range);
      const uploadTimestamp = state.timestamp();
      const { fileId, seq } = state.newFileId(destination.bucketId, uploadTimestamp);
      const version: FileVersion = {
        accountId: destination.accountId,
        bucketId: destination.bucketId,
        fileId,
        fileName,
        action: 'upload',
        contentLength: blob.size,
        contentSha1: blob.sha1,
        contentMd5: blob.md5,
        contentType,
        fileInfo: { ...fileInfo },
        uploadTimestamp,
        serverSideEncryption: { ...destination.defaultServerSideEncryption },
        blobId: blob.id,
        seq,
      };
      const account = state.accounts.get(destination.accountId);
      if (account) account.storedBytes += blob.size;
      state.addVersion(destination, version);
      return fileJson(version, ctx.version, caller, 'copy');
    },
  },

  b2_get_download_authorization: {
    capability: 'shareFiles',
    handle(ctx) {
      const { args, state, caller } = ctx;
      const bucket = callerBucket(ctx, args.str('bucketId'));
      const fileNamePrefix = args.optStr('fileNamePrefix');
      if (fileNamePrefix === undefined) throw badRequest('required field fileNamePrefix is missing');
      if (caller.key.namePrefix && !fileNamePrefix.startsWith(caller.key.namePrefix))
        throw unauthorized(
          `the application key only allows file names starting with ${caller.key.namePrefix}`,
        );
      const seconds = args.int('validDurationInSeconds');
      if (seconds < 1 || seconds > 604800) throw badRequest('validDurationInSeconds must be 1 to 604800');
      const overrides: Record<string, string> = {};
      for (const name of DOWNLOAD_OVERRIDES) {
        const v = args.optStr(name);
        if (v !== undefined) overrides[name] = v;
      }
      const authorizationToken = state.issueToken({
        kind: 'download',
        accountId: bucket.accountId,
        bucketId: bucket.bucketId,
        fileNamePrefix,
        overrides,
        expiresAt: Math.min(state.now() + seconds * 1000, caller.key.expirationTimestamp ?? Infinity),
      });
      return { authorizationToken, bucketId: bucket.bucketId, fileNamePrefix };
    },
  },
};

/** The query parameters that override download headers. */
export const DOWNLOAD_OVERRIDES = [
  'b2ContentDisposition',
  'b2ContentLanguage',
  'b2Expires',
  'b2CacheControl',
  'b2ContentEncoding',
  'b2ContentType',
] as const;

function list(ctx: CallContext, versions: boolean): unknown {
  const { args, state, caller, version } = ctx;
  const bucket = callerBucket(ctx, args.str('bucketId'), 'invalid_bucket_id');
  let max = args.int('maxFileCount', 100);
  if (max === 0) max = 100;
  if (max < 1 || max > 10000) throw b2Error(400, 'out_of_range', 'maxFileCount must be 1 to 10000');
  let prefix = args.optStr('prefix') ?? '';
  const keyPrefix = caller.key.namePrefix;
  let empty = false;
  if (keyPrefix && !prefix.startsWith(keyPrefix)) {
    // v1 narrows the listing to what the key may see; v2 and later refuse it.
    if (version >= 2)
      throw unauthorized(`the application key only allows prefixes starting with ${keyPrefix}`);
    if (keyPrefix.startsWith(prefix)) prefix = keyPrefix;
    else empty = true;
  }
  const delimiter = args.optStr('delimiter') || undefined;
  const startFileName = args.optStr('startFileName') || undefined;
  let startSeq: number | undefined;
  if (versions && args.has('startFileId') && args.optStr('startFileId') !== '') {
    const id = args.str('startFileId');
    if (!startFileName) throw badRequest('startFileId needs startFileName');
    startSeq = state.seqOf(id);
    if (startSeq === undefined) throw b2Error(400, 'invalid_file_id', `Invalid startFileId: ${id}`);
  }
  const result = empty
    ? { rows: [], next: undefined }
    : listFiles(bucket, { prefix, delimiter, startFileName, startSeq, max, versions });
  const files = result.rows.map((row) =>
    row.kind === 'folder'
      ? folderJson(bucket, row.fileName, version)
      : fileJson(row.version, version, caller),
  );
  const nextFileName = result.next?.fileName ?? null;
  if (!versions) return { files, nextFileName };
  return { files, nextFileName, nextFileId: result.next?.version?.fileId ?? null };
}

/** A source for copies: an uploaded version the key may read. */
export function readableSource(ctx: CallContext, fileId: string): { bucket: Bucket; version: FileVersion } {
  const found = ctx.state.findVersion(fileId);
  if (found?.version.action !== 'upload' || found.bucket.accountId !== ctx.caller.account.accountId)
    throw b2Error(404, 'not_found', `source file not present: ${fileId}`);
  if (found.bucket.bucketType !== 'allPublic') requireCapability(ctx.caller, 'readFiles');
  requireBucket(ctx.caller, found.bucket.bucketId);
  requireName(ctx.caller, found.version.fileName);
  return found;
}

/** A copy's `range` (`bytes=a-b`, inclusive) against the source size; undefined: all of it. */
export function copyRange(
  range: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (range === undefined) return undefined;
  const r = parseRange(range, size);
  if (r === 'invalid' || r === undefined)
    throw b2Error(416, 'range_not_satisfiable', `range ${range} is not satisfiable for ${size} bytes`);
  return r;
}

/**
 * The content of a copy: the source's blob shared (a whole file whose hashes are known), or hashed without
 * copying (a whole large file), or the range written anew.
 */
export async function copyBlob(
  ctx: { state: CallContext['state'] },
  source: FileVersion,
  range: { start: number; end: number } | undefined,
): Promise<{ id: string; size: number; sha1: string; md5: string }> {
  const blobs = ctx.state.blobs;
  const blobId = source.blobId!;
  const whole = !range || (range.start === 0 && range.end === source.contentLength - 1);
  const known = blobs.info(blobId).hashes;
  if (whole && known.sha1 && known.md5) {
    blobs.retain(blobId);
    return { id: blobId, size: source.contentLength, sha1: known.sha1, md5: known.md5 };
  }
  const info = whole
    ? await blobs.concat([blobId], { hashes: ['sha1', 'md5'] })
    : await blobs.put(blobs.read(blobId, range!.start, range!.end), { hashes: ['sha1', 'md5'] });
  return { id: info.id, size: info.size, sha1: info.hashes.sha1!, md5: info.hashes.md5! };
}
