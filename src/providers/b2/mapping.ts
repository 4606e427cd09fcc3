import type {
  AppKeyListEvent,
  B2Account,
  B2AppKey,
  B2Bucket,
  B2File,
  B2Metadata,
  B2Part,
  BucketListEvent,
  FileListEvent,
  PartListEvent,
} from './types.js';
import type { ApplicationKey, AuthorizeAccountResponse, Bucket, FileVersion, Part } from './wire.js';

/** B2's wire objects turned into the class's public types, and the event payloads. */

export function infoItems(info: Record<string, string> | null | undefined): B2Metadata[] {
  return Object.entries(info ?? {}).map(([name, value]) => ({ name, value: String(value) }));
}

/** A hash as the collections show it: hex, '' for none ("none", null); `unverified:` stripped. */
function hashOf(value: string | null | undefined): string {
  if (!value || value === 'none') return '';
  return value.startsWith('unverified:') ? value.slice('unverified:'.length) : value;
}

export function accountFrom(w: AuthorizeAccountResponse): B2Account {
  const allowed = w.allowed ?? {};
  return {
    id: w.accountId ?? '',
    allowedBucketId: allowed.bucketId ?? '',
    allowedBucketName: allowed.bucketName ?? '',
    allowedPrefix: allowed.namePrefix ?? '',
    authToken: w.authorizationToken ?? '',
    capabilities: (allowed.capabilities ?? []).join(','),
    minPartSize: w.absoluteMinimumPartSize ?? w.minimumPartSize ?? -1,
    recPartSize: w.recommendedPartSize ?? w.minimumPartSize ?? -1,
  };
}

export function bucketFrom(w: Bucket): B2Bucket {
  return {
    id: w.bucketId,
    name: w.bucketName,
    kind: w.bucketType ?? '',
    revision: typeof w.revision === 'number' ? w.revision : -1,
    info: infoItems(w.bucketInfo),
  };
}

/** `src_last_modified_millis` as a whole number, else -1. */
function modifiedTimeOf(info: Record<string, string> | null | undefined): number {
  const raw = info?.src_last_modified_millis;
  if (raw === undefined || !/^-?\d{1,19}$/.test(raw.trim())) return -1;
  const n = Number(raw.trim());
  return Number.isSafeInteger(n) ? n : -1;
}

export function fileFrom(w: FileVersion, bucketId = ''): B2File {
  const kind = w.action === 'copy' ? 'upload' : w.action;
  const folder = kind === 'folder';
  const bare = folder || kind === 'hide';
  return {
    id: w.fileId ?? '',
    name: w.fileName,
    bucketId: w.bucketId ?? bucketId,
    size: kind === 'upload' ? (w.contentLength ?? w.size ?? 0) : 0,
    contentType: folder ? '' : (w.contentType ?? ''),
    createdTime: folder ? 0 : (w.uploadTimestamp ?? -1),
    modifiedTime: modifiedTimeOf(w.fileInfo),
    kind,
    sha1Hash: bare ? '' : hashOf(w.contentSha1),
    md5Hash: bare ? '' : hashOf(w.contentMd5),
    info: infoItems(w.fileInfo),
  };
}

export function partFrom(w: Part, multipartFileId: string): B2Part {
  return {
    partNumber: w.partNumber ?? -1,
    multipartFileId: w.fileId ?? multipartFileId,
    size: w.contentLength ?? 0,
    createdTime: w.uploadTimestamp ?? -1,
    sha1Hash: hashOf(w.contentSha1),
    md5Hash: hashOf(w.contentMd5),
  };
}

export function appKeyFrom(w: ApplicationKey): B2AppKey {
  return {
    id: w.applicationKeyId,
    name: w.keyName ?? '',
    capabilities: (w.capabilities ?? []).join(','),
    allowedBucketId: w.bucketId ?? '',
    allowedPrefix: w.namePrefix ?? '',
    expirationTime: typeof w.expirationTimestamp === 'number' ? w.expirationTimestamp : -1,
  };
}

export function bucketEvent(b: B2Bucket): BucketListEvent {
  return { id: b.id, name: b.name, kind: b.kind, revision: b.revision };
}

export function fileEvent(f: B2File): FileListEvent {
  return {
    id: f.id,
    name: f.name,
    bucketId: f.bucketId,
    size: f.size,
    contentType: f.contentType,
    createdTime: f.createdTime,
    modifiedTime: f.modifiedTime,
    kind: f.kind,
    sha1Hash: f.sha1Hash,
  };
}

export function partEvent(p: B2Part): PartListEvent {
  return {
    partNumber: p.partNumber,
    multipartFileId: p.multipartFileId,
    size: p.size,
    createdTime: p.createdTime,
    sha1Hash: p.sha1Hash,
  };
}

export function appKeyEvent(k: B2AppKey): AppKeyListEvent {
  return {
    keyId: k.id,
    keyName: k.name,
    capabilities: k.capabilities,
    allowedBucketId: k.allowedBucketId,
    allowedPrefix: k.allowedPrefix,
    expirationTime: k.expirationTime,
  };
}

/** A file as the download headers describe it (x-bz-file-id, x-bz-file-name, x-bz-info-*, …). */
export function fileFromHeaders(headers: Record<string, string>, bucketId = ''): B2File {
  const info: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-bz-info-')) info[name.slice('x-bz-info-'.length)] = safeDecode(value);
  }
  const range = headers['content-range'];
  const total = range ? Number(range.slice(range.lastIndexOf('/') + 1)) : Number.NaN;
  const length = Number.isFinite(total) ? total : Number(headers['content-length'] ?? 0);
  return fileFrom(
    {
      action: 'upload',
      fileId: headers['x-bz-file-id'] ?? '',
      fileName: safeDecode(headers['x-bz-file-name'] ?? ''),
      contentLength: Number.isFinite(length) ? length : 0,
      contentSha1: headers['x-bz-content-sha1'] ?? null,
      contentType: headers['content-type'] ?? '',
      uploadTimestamp: headers['x-bz-upload-timestamp'] ? Number(headers['x-bz-upload-timestamp']) : -1,
      fileInfo: info,
    },
    bucketId,
  );
}

/** Percent-decoding as B2 does it (`+` is a space); malformed input is kept as it is. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return value;
  }
}
