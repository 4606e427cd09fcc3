/** The emulator's records, in B2's vocabulary. Wire shapes are built from them in shapes.ts. */

export const ALL_CAPABILITIES = [
  'listKeys',
  'writeKeys',
  'deleteKeys',
  'listBuckets',
  'listAllBucketNames',
  'readBuckets',
  'writeBuckets',
  'deleteBuckets',
  'readBucketEncryption',
  'writeBucketEncryption',
  'readBucketRetentions',
  'writeBucketRetentions',
  'readFileRetentions',
  'writeFileRetentions',
  'readFileLegalHolds',
  'writeFileLegalHolds',
  'readBucketReplications',
  'writeBucketReplications',
  'bypassGovernance',
  'listFiles',
  'readFiles',
  'shareFiles',
  'writeFiles',
  'deleteFiles',
  'readBucketNotifications',
  'writeBucketNotifications',
] as const;

/** The capabilities a key restricted to buckets may hold. */
export const BUCKET_CAPABILITIES = new Set<string>([
  'listAllBucketNames',
  'listBuckets',
  'readBuckets',
  'readBucketEncryption',
  'writeBucketEncryption',
  'readBucketRetentions',
  'writeBucketRetentions',
  'readBucketNotifications',
  'writeBucketNotifications',
  'listFiles',
  'readFiles',
  'shareFiles',
  'writeFiles',
  'deleteFiles',
  'readFileLegalHolds',
  'writeFileLegalHolds',
  'readFileRetentions',
  'writeFileRetentions',
  'bypassGovernance',
]);

export interface Account {
  accountId: string;
  /** The master application key's secret (its key id is the account id). */
  masterKey: string;
  /** Bytes stored, for the storage cap. */
  storedBytes: number;
  /** Refuse uploads past this many stored bytes (403 `cap_exceeded`); undefined: no cap. */
  storageCapBytes: number | undefined;
}

export interface ApplicationKey {
  accountId: string;
  applicationKeyId: string;
  applicationKey: string;
  keyName: string;
  capabilities: string[];
  /** Buckets the key is restricted to; null: all. */
  bucketIds: string[] | null;
  namePrefix: string | null;
  expirationTimestamp: number | null;
  /** The account's master key: never listed, never deleted. */
  master: boolean;
  options: string[];
}

export type TokenRecord =
  | { kind: 'account'; token: string; keyId: string; accountId: string; expiresAt: number }
  | {
      kind: 'upload';
      token: string;
      /** The upload URL it belongs to. */
      urlId: string;
      expiresAt: number;
    }
  | {
      kind: 'download';
      token: string;
      accountId: string;
      bucketId: string;
      fileNamePrefix: string;
      /** `b2Content*` values the download must repeat. */
      overrides: Record<string, string>;
      expiresAt: number;
    };

export interface UploadUrl {
  urlId: string;
  kind: 'file' | 'part';
  accountId: string;
  keyId: string;
  /** The bucket (simple uploads) or the large file (part uploads). */
  target: string;
  token: string;
  /** A request is being received on it now (a second at once is `auth_token_limit`). */
  busy: boolean;
  /** It answered 503 once and stays unusable, as a B2 upload pod does. */
  dead: boolean;
}

export interface Bucket {
  accountId: string;
  bucketId: string;
  bucketName: string;
  bucketType: string;
  bucketInfo: Record<string, string>;
  corsRules: unknown[];
  lifecycleRules: unknown[];
  defaultServerSideEncryption: { mode: string | null; algorithm: string | null };
  fileLockEnabled: boolean;
  revision: number;
  options: string[];
  /** Versions per name, newest first. */
  files: Map<string, FileVersion[]>;
  /** The names of `files`, in B2's order (UTF-8 byte order). */
  names: string[];
  /** Unfinished large files by file id. */
  largeFiles: Map<string, LargeFile>;
}

export type FileAction = 'upload' | 'hide' | 'start';

export interface FileVersion {
  accountId: string;
  bucketId: string;
  fileId: string;
  fileName: string;
  action: FileAction;
  contentLength: number;
  /** 40 hex, `none` (large files), `unverified:<hex>`, or null. */
  contentSha1: string | null;
  contentMd5: string | null;
  contentType: string;
  fileInfo: Record<string, string>;
  uploadTimestamp: number;
  serverSideEncryption: { mode: string | null; algorithm: string | null };
  /** The content (absent for hide markers and unfinished large files). */
  blobId: string | undefined;
  /** Ordering within a name: larger is newer. */
  seq: number;
}

export interface Part {
  partNumber: number;
  blobId: string;
  contentLength: number;
  contentSha1: string;
  contentMd5: string;
  uploadTimestamp: number;
}

export interface LargeFile {
  version: FileVersion;
  parts: Map<number, Part>;
}
