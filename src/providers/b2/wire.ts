/**
 * The B2 native API's JSON shapes (api-specs/b2/B2-NATIVE-API.md), as the class sends and receives them.
 * Only api.ts, mapping.ts and the area modules import this file.
 */

/** `allowed` of b2_authorize_account v2 (the key's restrictions). */
export interface Allowed {
  bucketId?: string | null;
  bucketName?: string | null;
  capabilities?: string[];
  namePrefix?: string | null;
}

/** b2_authorize_account (v2, flat). */
export interface AuthorizeAccountResponse {
  accountId: string;
  authorizationToken: string;
  apiUrl: string;
  downloadUrl: string;
  recommendedPartSize?: number;
  absoluteMinimumPartSize?: number;
  /** v1 only. */
  minimumPartSize?: number;
  allowed?: Allowed;
}

/** A bucket object. */
export interface Bucket {
  accountId: string;
  bucketId: string;
  bucketName: string;
  bucketType: string;
  bucketInfo?: Record<string, string> | null;
  revision?: number;
}

export interface ListBucketsResponse {
  buckets: Bucket[];
}

/** A file version object ("standard file structure"). */
export interface FileVersion {
  accountId?: string;
  action: string;
  bucketId?: string;
  contentLength?: number | null;
  /** v1 alias of contentLength. */
  size?: number | null;
  contentSha1?: string | null;
  contentMd5?: string | null;
  contentType?: string | null;
  fileId?: string | null;
  fileInfo?: Record<string, string> | null;
  fileName: string;
  uploadTimestamp?: number | null;
}

export interface ListFileNamesResponse {
  files: FileVersion[];
  nextFileName?: string | null;
}

export interface ListFileVersionsResponse {
  files: FileVersion[];
  nextFileName?: string | null;
  nextFileId?: string | null;
}

export interface ListUnfinishedResponse {
  files: FileVersion[];
  nextFileId?: string | null;
}

/** A part object. */
export interface Part {
  fileId: string;
  partNumber: number;
  contentLength: number;
  contentSha1: string;
  contentMd5?: string | null;
  uploadTimestamp?: number;
}

export interface ListPartsResponse {
  parts: Part[];
  nextPartNumber?: number | null;
}

/** b2_get_upload_url / b2_get_upload_part_url. */
export interface UploadUrl {
  uploadUrl: string;
  authorizationToken: string;
  bucketId?: string;
  fileId?: string;
}

/** An application key object (b2_create_key adds applicationKey). */
export interface ApplicationKey {
  accountId?: string;
  applicationKeyId: string;
  applicationKey?: string;
  keyName: string;
  capabilities: string[];
  bucketId?: string | null;
  namePrefix?: string | null;
  expirationTimestamp?: number | null;
}

export interface ListKeysResponse {
  keys: ApplicationKey[];
  nextApplicationKeyId?: string | null;
}

export interface DownloadAuthorizationResponse {
  authorizationToken: string;
  bucketId: string;
  fileNamePrefix: string;
}

export interface DeleteFileVersionResponse {
  fileId: string;
  fileName: string;
}

/** B2's error body. */
export interface ErrorBody {
  status?: number;
  code?: string;
  message?: string;
}
