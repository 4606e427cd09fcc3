import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../core/index.js';
import {
  type Account,
  ALL_CAPABILITIES,
  type ApplicationKey,
  type Bucket,
  type FileVersion,
  type LargeFile,
  type TokenRecord,
  type UploadUrl,
} from './model.js';
import { compareNames } from './names.js';

/** The account `cloudstorage serve` and tests get when they name none. */
export const DEFAULT_B2_ACCOUNT = {
  accountId: '000b2e0a1c2d',
  masterKey: 'K000b2EmulatorMasterKey00000000',
} as const;

export interface B2Settings {
  /** Lifetime of account authorization tokens (default 24 h). */
  tokenLifetimeMs: number;
  /** Lifetime of upload and part-upload tokens (default 24 h). */
  uploadTokenLifetimeMs: number;
  /** `absoluteMinimumPartSize`: the smallest part but the last (default 5,000,000). */
  absoluteMinimumPartSize: number;
  /** `recommendedPartSize` (default 100,000,000). */
  recommendedPartSize: number;
  /** Largest simple upload, copy result and part (default 5,000,000,000). */
  maxUploadBytes: number;
  /** Buckets per account (default 100). */
  maxBucketsPerAccount: number;
}

export function defaultSettings(): B2Settings {
  return {
    tokenLifetimeMs: 24 * 3600_000,
    uploadTokenLifetimeMs: 24 * 3600_000,
    absoluteMinimumPartSize: 5_000_000,
    recommendedPartSize: 100_000_000,
    maxUploadBytes: 5_000_000_000,
    maxBucketsPerAccount: 100,
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const base62 = (n: number) => Array.from(randomBytes(n), (b) => BASE62[b % 62]).join('');

/** Everything the emulator knows: accounts, keys, tokens, buckets with their files, upload URLs. */
export class B2State {
  readonly accounts = new Map<string, Account>();
  readonly keys = new Map<string, ApplicationKey>();
  readonly tokens = new Map<string, TokenRecord>();
  /** Buckets by id; names are unique across accounts, ignoring case. */
  readonly buckets = new Map<string, Bucket>();
  readonly uploadUrls = new Map<string, UploadUrl>();
  /** Every stored version (uploads, hide markers, unfinished large files) by file id. */
  readonly versionsById = new Map<string, FileVersion>();
  /** Simple and part uploads still to answer 503 (the fault knob), by URL kind. */
  failingUploads = { file: 0, part: 0 };
  /** Requests seen per `X-Bz-Test-Mode` value: every second one of them fails as the mode says. */
  readonly testModeCounts = new Map<string, number>();
  private seq = 0;
  private keyCounter = 0;
  private lastTimestamp = 0;

  constructor(
    readonly blobs: BlobStore,
    readonly settings: B2Settings,
    readonly now: () => number,
  ) {}

  addAccount(accountId = hex(6), masterKey = `K000${base62(27)}`): Account {
    if (this.accounts.has(accountId)) throw new Error(`account ${accountId} exists already`);
    const account: Account = { accountId, masterKey, storedBytes: 0, storageCapBytes: undefined };
    this.accounts.set(accountId, account);
    this.keys.set(accountId, {
      accountId,
      applicationKeyId: accountId,
      applicationKey: masterKey,
      keyName: 'Master Application Key',
      capabilities: [...ALL_CAPABILITIES],
      bucketIds: null,
      namePrefix: null,
      expirationTimestamp: null,
      master: true,
      options: ['s3'],
    });
    return account;
  }

  newKey(fields: Omit<ApplicationKey, 'applicationKeyId' | 'applicationKey' | 'master' | 'options'>) {
    const applicationKeyId = `000${fields.accountId}${String(++this.keyCounter).padStart(10, '0')}`;
    const key: ApplicationKey = {
      ...fields,
      applicationKeyId,
      applicationKey: `K000${base62(27)}`,
      master: false,
      options: ['s3'],
    };
    this.keys.set(applicationKeyId, key);
    return key;
  }

  issueToken(record: Omit<Extract<TokenRecord, { kind: 'account' }>, 'token'>): string;
  issueToken(record: Omit<Extract<TokenRecord, { kind: 'upload' }>, 'token'>): string;
  issueToken(record: Omit<Extract<TokenRecord, { kind: 'download' }>, 'token'>): string;
  issueToken(record: Omit<TokenRecord, 'token'>): string {
    const token = `4_${hex(8)}_${base62(40)}`;
    this.tokens.set(token, { ...record, token } as TokenRecord);
    return token;
  }

  /** Ends every token issued so far (the next call with one answers `expired_auth_token`). */
  expireAllTokens(): void {
    const past = this.now() - 1;
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, past);
  }

  /**
   * Whether this request fails by its `X-Bz-Test-Mode` header (B2's client-testing switch): for the mode
   * given, every second request that carries it does.
   */
  testModeFails(header: string | string[] | undefined, mode: string): boolean {
    const value = Array.isArray(header) ? header[0] : header;
    if (value !== mode) return false;
    const n = (this.testModeCounts.get(mode) ?? 0) + 1;
    this.testModeCounts.set(mode, n);
    return n % 2 === 0;
  }

  newBucketId(): string {
    return hex(12);
  }

  bucketByName(name: string): Bucket | undefined {
    const wanted = name.toLowerCase();
    for (const b of this.buckets.values()) if (b.bucketName.toLowerCase() === wanted) return b;
    return undefined;
  }

  /** A strictly increasing millisecond timestamp, so that versions of one name never tie. */
  timestamp(): number {
    this.lastTimestamp = Math.max(this.now(), this.lastTimestamp + 1);
    return this.lastTimestamp;
  }

  /** A new file id in B2's form, with the ordering sequence number in it. */
  newFileId(bucketId: string, at: number): { fileId: string; seq: number } {
    const seq = ++this.seq;
    const d = new Date(at);
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const date = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
    const time = `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
    const fileId = `4_z${bucketId}_f${seq.toString(16).padStart(15, '0')}_d${date}_m${time}_c000_v0001000_t${p(seq % 10000, 4)}`;
    return { fileId, seq };
  }

  /** The ordering sequence number in one of this emulator's file ids; undefined for any other string. */
  seqOf(fileId: string): number | undefined {
    const m = /_f([0-9a-f]{15})_d/.exec(fileId);
    return m ? Number.parseInt(m[1]!, 16) : undefined;
  }

  /** A stored version by id, with its bucket. */
  findVersion(fileId: string): { bucket: Bucket; version: FileVersion } | undefined {
    const version = this.versionsById.get(fileId);
    const bucket = version && this.buckets.get(version.bucketId);
    return bucket && version ? { bucket, version } : undefined;
  }

  /** An unfinished large file by id, with its bucket. */
  findLargeFile(fileId: string): { bucket: Bucket; large: LargeFile } | undefined {
    const found = this.findVersion(fileId);
    const large = found?.bucket.largeFiles.get(fileId);
    return found && large ? { bucket: found.bucket, large } : undefined;
  }

  /** Adds a version as the newest of its name. */
  addVersion(bucket: Bucket, version: FileVersion): void {
    let versions = bucket.files.get(version.fileName);
    if (!versions) {
      versions = [];
      bucket.files.set(version.fileName, versions);
      bucket.names.splice(lowerBound(bucket.names, version.fileName), 0, version.fileName);
    }
    const older = versions.findIndex((v) => v.seq < version.seq);
    versions.splice(older === -1 ? versions.length : older, 0, version);
    this.versionsById.set(version.fileId, version);
  }

  /** Removes a version and frees its content. */
  async removeVersion(bucket: Bucket, version: FileVersion): Promise<void> {
    const versions = bucket.files.get(version.fileName);
    const i = versions?.indexOf(version) ?? -1;
    if (!versions || i < 0) return;
    versions.splice(i, 1);
    if (versions.length === 0) {
      bucket.files.delete(version.fileName);
      const at = lowerBound(bucket.names, version.fileName);
      if (bucket.names[at] === version.fileName) bucket.names.splice(at, 1);
    }
    this.versionsById.delete(version.fileId);
    if (version.blobId) {
      const account = this.accounts.get(version.accountId);
      if (account) account.storedBytes -= version.contentLength;
      await this.blobs.release(version.blobId);
    }
  }

  /** Drops an unfinished large file (its `start` version and its parts). */
  async removeLargeFile(bucket: Bucket, large: LargeFile): Promise<void> {
    bucket.largeFiles.delete(large.version.fileId);
    await this.removeVersion(bucket, large.version);
    const account = this.accounts.get(large.version.accountId);
    for (const part of large.parts.values()) {
      if (account) account.storedBytes -= part.contentLength;
      await this.blobs.release(part.blobId);
    }
    large.parts.clear();
    for (const url of this.uploadUrls.values())
      if (url.kind === 'part' && url.target === large.version.fileId) this.uploadUrls.delete(url.urlId);
  }
}

/** The first index whose name is not below `name`. */
export function lowerBound(names: string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareNames(names[mid]!, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
