import type { Readable, Writable } from 'node:stream';
import type { CallOptions } from '../../core/client.js';
import type { CoreEvents } from '../../core/events.js';

/**
 * The public types of the BackblazeB2 class: the items of its collections (account, buckets, application
 * keys, files, parts, metadata), the reference enums, the events and the per-call options.
 */

/** `bucket_kind`: what B2 reports; only allPrivate and allPublic can be set. */
export const B2BucketKind = {
  AllPrivate: 'allPrivate',
  AllPublic: 'allPublic',
  Snapshot: 'snapshot',
} as const;
export type B2BucketKindValue = (typeof B2BucketKind)[keyof typeof B2BucketKind];

/** `file_kind`. */
export const B2FileKind = { Folder: 'folder', Hide: 'hide', Start: 'start', Upload: 'upload' } as const;
export type B2FileKindValue = (typeof B2FileKind)[keyof typeof B2FileKind];

/** The account properties (`account_*`), filled by authorize. */
export interface B2Account {
  id: string;
  allowedBucketId: string;
  /** Empty when the key is not restricted, or when the bucket it is restricted to was deleted. */
  allowedBucketName: string;
  allowedPrefix: string;
  authToken: string;
  /** Comma-separated capability names. */
  capabilities: string;
  /** -1 until authorize. */
  minPartSize: number;
  /** -1 until authorize. */
  recPartSize: number;
}

export const EMPTY_ACCOUNT: B2Account = {
  id: '',
  allowedBucketId: '',
  allowedBucketName: '',
  allowedPrefix: '',
  authToken: '',
  capabilities: '',
  minPartSize: -1,
  recPartSize: -1,
};

/** One item of the Bucket collection (`bucket_*[i]`). */
export interface B2Bucket {
  id: string;
  name: string;
  /** allPublic, allPrivate, snapshot (or a kind B2 added since). */
  kind: string;
  /** -1 when unknown. */
  revision: number;
  /** The bucket info (what getBucketInfo also puts in the metadata collection). */
  info: B2Metadata[];
}

/** One item of the AppKey collection (`app_key_*[i]`). */
export interface B2AppKey {
  id: string;
  name: string;
  /** Comma-separated capability names. */
  capabilities: string;
  allowedBucketId: string;
  allowedPrefix: string;
  /** Milliseconds since the epoch; -1 = never expires. */
  expirationTime: number;
}

/** One item of the File collection (`file_*[i]`). */
export interface B2File {
  /** Empty for folders. */
  id: string;
  name: string;
  bucketId: string;
  /** Bytes; 0 for folders, hide markers and unfinished uploads. */
  size: number;
  /** `application/x-bz-hide-marker` for hide markers; empty for folders. */
  contentType: string;
  /** Upload time in ms since the epoch; 0 for folders; -1 when unknown. */
  createdTime: number;
  /** The `src_last_modified_millis` info item as a number; -1 without one. */
  modifiedTime: number;
  kind: string;
  /** Hex; empty for folders, hide markers and when B2 has none (large files). */
  sha1Hash: string;
  md5Hash: string;
  /** The file info items. */
  info: B2Metadata[];
}

/** One item of the Part collection (`part_*[i]`). */
export interface B2Part {
  /** 1–10000; -1 when unknown. */
  partNumber: number;
  /** The id of the multipart upload (large file) the part belongs to. */
  multipartFileId: string;
  size: number;
  createdTime: number;
  sha1Hash: string;
  md5Hash: string;
}

/** One item of the Metadata collection (`metadata_*[i]`): input of uploads and bucket changes, output of the info methods. */
export interface B2Metadata {
  name: string;
  value: string;
}

/** A page of listFiles, listFileVersions or listMultipartUploads. */
export interface B2FilePage {
  files: B2File[];
  /** What the listing continues from ('' after the last page); also in fileMarker or versionMarker. */
  marker: string;
}

export interface B2AppKeyPage {
  keys: B2AppKey[];
  marker: string;
}

export interface B2PartPage {
  parts: B2Part[];
  marker: string;
}

/** What createAppKey returns: the new key's id and its secret (B2 shows the secret this once). */
export interface B2NewAppKey {
  id: string;
  key: string;
  /** The reference's return value: `<keyId>\n<secret>`. */
  text: string;
}

// ---- events ------------------------------------------------------------------------------------------

export interface AppKeyListEvent {
  keyId: string;
  keyName: string;
  capabilities: string;
  allowedBucketId: string;
  allowedPrefix: string;
  expirationTime: number;
}
export interface BucketListEvent {
  id: string;
  name: string;
  kind: string;
  revision: number;
}
export interface FileListEvent {
  id: string;
  name: string;
  bucketId: string;
  size: number;
  contentType: string;
  createdTime: number;
  modifiedTime: number;
  kind: string;
  sha1Hash: string;
}
export interface MetadataListEvent {
  bucketId: string;
  /** Empty for bucket info. */
  fileId: string;
  name: string;
  value: string;
}
export interface PartListEvent {
  partNumber: number;
  multipartFileId: string;
  size: number;
  createdTime: number;
  sha1Hash: string;
}

/** The 15 events of the reference class (the transfer events come from core). */
export interface B2Events extends CoreEvents {
  appKeyList: AppKeyListEvent;
  bucketList: BucketListEvent;
  fileList: FileListEvent;
  metadataList: MetadataListEvent;
  partList: PartListEvent;
}

// ---- per-call options --------------------------------------------------------------------------------

/** Per-call options of uploadFile / uploadPart: each overrides the instance's property for this call. */
export interface B2UploadOptions extends CallOptions {
  localFile?: string;
  /** The bytes to upload when no localFile: bytes, a Node stream or a web stream. */
  data?: Uint8Array | Readable | ReadableStream<Uint8Array>;
  /** Size of a `data` stream, when known. */
  size?: number;
  contentType?: string;
  /** Resume offset of an automatic multipart upload (with resumableUploadState). */
  startByte?: number;
  /** The ResumableUploadState of the interrupted upload to resume. */
  resumableUploadState?: string;
  /** File info items of this upload, besides the metadata collection's (`large_file_sha1`, …). */
  fileInfo?: Readonly<Record<string, string>>;
  /** src_last_modified_millis of this upload (milliseconds since the epoch), instead of ClientModifiedTime. */
  clientModifiedTime?: string;
  /** Hears this call's ResumableUploadState and the bytes B2 confirmed (see core UploadOptions). */
  onSessionState?: (state: { session: string; startByte: number }) => void;
}

/** Per-call options of the downloads. */
export interface B2DownloadOptions extends CallOptions {
  localFile?: string;
  /** Write the bytes to this stream instead of a file or fileData. */
  stream?: Writable;
  startByte?: number;
  overwrite?: boolean;
  /** `start-` or `start-end` (bytes, inclusive). */
  range?: string;
}

/** What a download fetched. */
export interface B2DownloadResult {
  /** What B2 said about the file (its headers). */
  file: B2File;
  localFile?: string;
  /** The bytes, when neither localFile nor a stream was given (also in fileData). */
  data?: Uint8Array;
  /** Bytes received by this call (ciphertext for encrypted content). */
  bytesReceived: number;
}

/** Per-call options of sendCustomRequest. */
export interface B2CustomRequestOptions extends CallOptions {
  localFile?: string;
  overwrite?: boolean;
}

export interface B2CustomResponse {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array;
}
