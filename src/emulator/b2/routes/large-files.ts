import { type B2Call, type CallContext, callerBucket, requireBucket, requireName } from '../api.js';
import { b2Error, badRequest, unauthorized } from '../errors.js';
import type { Bucket, FileVersion, LargeFile, Part } from '../model.js';
import { autoContentType, checkFileInfo, checkFileName, checkHeaderBudget } from '../names.js';
import { fileJson, partJson } from '../shapes.js';
import { copyBlob, copyRange, readableSource } from './files.js';

/**
 * Large files: b2_start_large_file, parts (uploaded on the upload host, or copied with b2_copy_part),
 * b2_finish_large_file (the parts become one blob without copying), b2_cancel_large_file,
 * b2_list_unfinished_large_files, b2_list_parts.
 */

export const largeFileCalls: Record<string, B2Call> = {
  b2_start_large_file: {
    capability: 'writeFiles',
    handle(ctx) {
      const { args, state, caller } = ctx;
      const bucket = callerBucket(ctx, args.str('bucketId'));
      const fileName = checkFileName(args.str('fileName'));
      requireName(caller, fileName);
      let contentType = args.str('contentType');
      if (contentType === 'b2/x-auto') contentType = autoContentType(fileName);
      const fileInfo = checkFileInfo(args.object('fileInfo'));
      checkHeaderBudget(fileName, fileInfo);
      const uploadTimestamp = state.timestamp();
      const { fileId, seq } = state.newFileId(bucket.bucketId, uploadTimestamp);
      const version: FileVersion = {
        accountId: bucket.accountId,
        bucketId: bucket.bucketId,
        fileId,
        fileName,
        action: 'start',
        contentLength: 0,
        contentSha1: 'none',
        contentMd5: null,
        contentType,
        fileInfo,
        uploadTimestamp,
        serverSideEncryption: { ...bucket.defaultServerSideEncryption },
        blobId: undefined,
        seq,
      };
      state.addVersion(bucket, version);
      bucket.largeFiles.set(fileId, { version, parts: new Map() });
      return fileJson(version, ctx.version, caller);
    },
  },

  b2_finish_large_file: {
    capability: 'writeFiles',
    async handle(ctx) {
      const { args, state } = ctx;
      const fileId = args.str('fileId');
      const { bucket, large } = activeLargeFile(ctx, fileId);
      const sha1s = args.strings('partSha1Array');
      if (!sha1s || sha1s.length === 0) throw badRequest('partSha1Array must list the SHA-1 of every part');
      const parts: Part[] = [];
      for (let n = 1; n <= sha1s.length; n++) {
        const part = large.parts.get(n);
        if (!part) throw b2Error(400, 'missing_part', `Part number ${n} has not been uploaded`);
        if (part.contentSha1 !== sha1s[n - 1]!.toLowerCase())
          throw b2Error(400, 'part_sha1_mismatch', `Part number ${n} has SHA-1 ${part.contentSha1}`);
        parts.push(part);
      }
      if (large.parts.size !== sha1s.length)
        throw badRequest(`${large.parts.size} parts were uploaded but partSha1Array lists ${sha1s.length}`);
      const min = state.settings.absoluteMinimumPartSize;
      for (const part of parts.slice(0, -1))
        if (part.contentLength < min)
          throw badRequest(
            `Part number ${part.partNumber} is smaller than the minimum part size (${min} bytes)`,
          );
      const blob = await state.blobs.concat(parts.map((p) => p.blobId));
      for (const part of parts) await state.blobs.release(part.blobId);
      large.parts.clear();
      bucket.largeFiles.delete(fileId);
      for (const url of state.uploadUrls.values())
        if (url.kind === 'part' && url.target === fileId) state.uploadUrls.delete(url.urlId);
      const v = large.version;
      v.action = 'upload';
      v.contentLength = blob.size;
      v.blobId = blob.id;
      return fileJson(v, ctx.version, ctx.caller);
    },
  },

  b2_cancel_large_file: {
    capability: 'writeFiles',
    async handle(ctx) {
      const fileId = ctx.args.str('fileId');
      const { bucket, large } = activeLargeFile(ctx, fileId);
      await ctx.state.removeLargeFile(bucket, large);
      const v = large.version;
      return { accountId: v.accountId, bucketId: v.bucketId, fileId: v.fileId, fileName: v.fileName };
    },
  },

  b2_list_unfinished_large_files: {
    capability: 'listFiles',
    handle(ctx) {
      const { args, state, caller } = ctx;
      const bucket = callerBucket(ctx, args.str('bucketId'));
      const namePrefix = args.optStr('namePrefix') ?? '';
      const keyPrefix = caller.key.namePrefix;
      if (keyPrefix && !namePrefix.startsWith(keyPrefix))
        throw unauthorized(`the application key only allows prefixes starting with ${keyPrefix}`);
      let max = args.int('maxFileCount', 100);
      if (max === 0) max = 100;
      if (max < 1 || max > 100) throw b2Error(400, 'out_of_range', 'maxFileCount must be 1 to 100');
      let startSeq = 0;
      if (args.has('startFileId')) {
        const seq = state.seqOf(args.str('startFileId'));
        if (seq === undefined) throw badRequest(`Invalid startFileId: ${args.str('startFileId')}`);
        startSeq = seq;
      }
      const files = [...bucket.largeFiles.values()]
        .map((l) => l.version)
        .filter((v) => v.seq >= startSeq && v.fileName.startsWith(namePrefix))
        .sort((a, b) => a.seq - b.seq);
      return {
        files: files.slice(0, max).map((v) => fileJson(v, ctx.version, caller)),
        nextFileId: files[max]?.fileId ?? null,
        // B2 answers this field too, always null.
        nextFileName: null,
      };
    },
  },

  b2_list_parts: {
    capability: 'writeFiles',
    handle(ctx) {
      const { args } = ctx;
      const fileId = args.str('fileId');
      const { large } = activeLargeFile(ctx, fileId);
      const start = Math.max(1, args.int('startPartNumber', 1));
      let max = args.int('maxPartCount', 100);
      if (max === 0) max = 100;
      if (max < 1 || max > 1000) throw b2Error(400, 'out_of_range', 'maxPartCount must be 1 to 1000');
      const parts = [...large.parts.values()]
        .filter((p) => p.partNumber >= start)
        .sort((a, b) => a.partNumber - b.partNumber);
      return {
        parts: parts.slice(0, max).map((p) => partJson(fileId, p)),
        nextPartNumber: parts[max]?.partNumber ?? null,
      };
    },
  },

  b2_copy_part: {
    capability: 'writeFiles',
    async handle(ctx) {
      const { args, state } = ctx;
      const source = readableSource(ctx, args.str('sourceFileId'));
      const fileId = args.str('largeFileId');
      const { large } = activeLargeFile(ctx, fileId);
      const partNumber = args.int('partNumber');
      if (partNumber < 1 || partNumber > 10000) throw badRequest('Part number must be in range 1 - 10000');
      const range = copyRange(args.optStr('range'), source.version.contentLength);
      const length = range ? range.end - range.start + 1 : source.version.contentLength;
      if (length > state.settings.maxUploadBytes)
        throw b2Error(400, 'source_too_large', `Copy source too big: ${length}`);
      const blob = await copyBlob(ctx, source.version, range);
      const part: Part = {
        partNumber,
        blobId: blob.id,
        contentLength: blob.size,
        contentSha1: blob.sha1,
        contentMd5: blob.md5,
        uploadTimestamp: state.timestamp(),
      };
      const old = large.parts.get(partNumber);
      large.parts.set(partNumber, part);
      const account = state.accounts.get(large.version.accountId);
      if (account) account.storedBytes += blob.size - (old?.contentLength ?? 0);
      if (old) await state.blobs.release(old.blobId);
      return partJson(fileId, part);
    },
  },
};

/** An unfinished large file of the caller's account that its key may write. */
function activeLargeFile(ctx: CallContext, fileId: string): { bucket: Bucket; large: LargeFile } {
  const found = ctx.state.findLargeFile(fileId);
  if (!found || found.bucket.accountId !== ctx.caller.account.accountId) {
    const finished = ctx.state.findVersion(fileId);
    if (finished && finished.version.action === 'upload')
      throw badRequest(`large file ${fileId} is already finished`);
    throw badRequest(`Invalid fileId: ${fileId}`);
  }
  requireBucket(ctx.caller, found.bucket.bucketId);
  requireName(ctx.caller, found.large.version.fileName);
  return found;
}
