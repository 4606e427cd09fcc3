import type { ApplicationKey, Bucket, FileVersion, Part } from './model.js';

/** The JSON B2 answers with, per API version (1–4); the differences are listed in the API notes §4.14. */

/** What the caller's key may read of the filtered fields. */
export interface Readable {
  capabilities: ReadonlySet<string>;
}

export function bucketJson(bucket: Bucket, caller: Readable): Record<string, unknown> {
  const can = (c: string) => caller.capabilities.has(c);
  return {
    accountId: bucket.accountId,
    bucketId: bucket.bucketId,
    bucketName: bucket.bucketName,
    bucketType: bucket.bucketType,
    bucketInfo: { ...bucket.bucketInfo },
    corsRules: bucket.corsRules,
    lifecycleRules: bucket.lifecycleRules,
    defaultServerSideEncryption: can('readBucketEncryption')
      ? { isClientAuthorizedToRead: true, value: { ...bucket.defaultServerSideEncryption } }
      : { isClientAuthorizedToRead: false },
    fileLockConfiguration: can('readBucketRetentions')
      ? {
          isClientAuthorizedToRead: true,
          value: {
            defaultRetention: { mode: null, period: null },
            isFileLockEnabled: bucket.fileLockEnabled,
          },
        }
      : { isClientAuthorizedToRead: false, value: null },
    options: [...bucket.options],
    revision: bucket.revision,
  };
}

/**
 * A file version ("standard file structure"). `action` overrides the stored action (`copy` in the
 * b2_copy_file answer). v1 also carries the deprecated `size`.
 */
export function fileJson(
  v: FileVersion,
  version: number,
  caller: Readable,
  action: string = v.action,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    accountId: v.accountId,
    action,
    bucketId: v.bucketId,
    contentLength: v.contentLength,
    contentMd5: v.contentMd5,
    contentSha1: v.contentSha1,
    contentType: v.contentType,
    fileId: v.fileId,
    fileInfo: { ...v.fileInfo },
    fileName: v.fileName,
  };
  if (v.action !== 'hide') {
    out.fileRetention = caller.capabilities.has('readFileRetentions')
      ? { isClientAuthorizedToRead: true, value: { mode: null, retainUntilTimestamp: null } }
      : { isClientAuthorizedToRead: false, value: null };
    out.legalHold = caller.capabilities.has('readFileLegalHolds')
      ? { isClientAuthorizedToRead: true, value: null }
      : { isClientAuthorizedToRead: false, value: null };
    out.serverSideEncryption = { ...v.serverSideEncryption };
  }
  out.uploadTimestamp = v.uploadTimestamp;
  if (version === 1) out.size = v.contentLength;
  return out;
}

/** The virtual entry a `delimiter` listing gives for a folder. */
export function folderJson(bucket: Bucket, fileName: string, version: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    accountId: bucket.accountId,
    action: 'folder',
    bucketId: bucket.bucketId,
    contentLength: 0,
    contentMd5: null,
    contentSha1: null,
    contentType: null,
    fileId: null,
    fileInfo: {},
    fileName,
    uploadTimestamp: 0,
  };
  if (version === 1) out.size = 0;
  return out;
}

export function partJson(fileId: string, p: Part): Record<string, unknown> {
  return {
    contentLength: p.contentLength,
    contentMd5: p.contentMd5,
    contentSha1: p.contentSha1,
    fileId,
    partNumber: p.partNumber,
    serverSideEncryption: { algorithm: null, mode: null },
    uploadTimestamp: p.uploadTimestamp,
  };
}

/** A key as b2_list_keys / b2_delete_key show it (v4: `bucketIds`; before: one `bucketId`). */
export function keyJson(key: ApplicationKey, version: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    accountId: key.accountId,
    applicationKeyId: key.applicationKeyId,
    capabilities: [...key.capabilities],
    expirationTimestamp: key.expirationTimestamp,
    keyName: key.keyName,
    namePrefix: key.namePrefix,
    options: [...key.options],
  };
  if (version >= 4) out.bucketIds = key.bucketIds ? [...key.bucketIds] : null;
  else out.bucketId = key.bucketIds?.[0] ?? null;
  return out;
}
