import {
  decodeSnapshot,
  type EmulatorServer,
  encodeSnapshot,
  pickFields,
  restoreFields,
  type ServiceEmulator,
} from '../core/index.js';
import { mountCalls } from './api.js';
import { formatB2Error } from './errors.js';
import type { Account, ApplicationKey, Bucket, FileVersion } from './model.js';
import { bucketNameProblem } from './names.js';
import { accountCalls, authorizeAccount } from './routes/account.js';
import { bucketCalls } from './routes/buckets.js';
import { mountDownloadRoutes } from './routes/downloads.js';
import { fileCalls } from './routes/files.js';
import { largeFileCalls } from './routes/large-files.js';
import { mountUploadRoutes, uploadUrlCalls } from './routes/uploads.js';
import { type B2Settings, B2State, DEFAULT_B2_ACCOUNT, defaultSettings } from './state.js';

export type { Account, ApplicationKey, Bucket, FileVersion } from './model.js';
export { ALL_CAPABILITIES } from './model.js';
export { type B2Settings, DEFAULT_B2_ACCOUNT } from './state.js';

export interface B2EmulatorOptions extends Partial<B2Settings> {
  /** The default account's id (default {@link DEFAULT_B2_ACCOUNT}). Its master key id is the account id. */
  accountId?: string;
  /** The default account's master application key. */
  masterKey?: string;
  /** Clock for timestamps and token expiry (default Date.now). */
  now?: () => number;
}

export interface SeedKeyOptions {
  capabilities: string[];
  keyName?: string;
  /** Restrict the key to these buckets (ids). */
  bucketIds?: string[];
  namePrefix?: string;
  validDurationInSeconds?: number;
  accountId?: string;
}

/**
 * A local Backblaze B2 (native API, `/b2api/v1` to `/b2api/v4`) on three loopback hosts: `api`
 * (b2_authorize_account and every JSON call), `download` (by id and `/file/<bucket>/<name>`) and `upload`
 * (the URLs b2_get_upload_url and b2_get_upload_part_url hand out). State lives in memory, bytes in the
 * server's blob store.
 *
 * ```ts
 * const server = new EmulatorServer();
 * const b2 = new B2Emulator();
 * b2.install(server);
 * await server.start();
 * // authorize at `${b2.urls.api}/b2api/v2/b2_authorize_account` with b2.accountId : b2.masterKey
 * ```
 */
/** What of the B2State a snapshot keeps (upload URLs and test-mode counters are per run). */
const B2_STATE_FIELDS = [
  'accounts',
  'keys',
  'tokens',
  'buckets',
  'versionsById',
  'seq',
  'keyCounter',
  'lastTimestamp',
];

export class B2Emulator implements ServiceEmulator {
  readonly name = 'b2';
  private stateRef: B2State | undefined;
  private server: EmulatorServer | undefined;

  constructor(private readonly options: B2EmulatorOptions = {}) {}

  install(server: EmulatorServer): void {
    const { accountId, masterKey, now, ...settings } = this.options;
    const state = new B2State(server.blobs, { ...defaultSettings(), ...settings }, now ?? Date.now);
    state.addAccount(accountId ?? DEFAULT_B2_ACCOUNT.accountId, masterKey ?? DEFAULT_B2_ACCOUNT.masterKey);
    for (const host of ['api', 'download', 'upload']) server.host(host).errorFormatter = formatB2Error;
    mountCalls(server, state, authorizeAccount, {
      ...accountCalls,
      ...bucketCalls,
      ...uploadUrlCalls,
      ...largeFileCalls,
      ...fileCalls,
    });
    mountUploadRoutes(server, state);
    mountDownloadRoutes(server, state);
    this.stateRef = state;
    this.server = server;
  }

  /** Accounts, keys, tokens, buckets and their files, for `cloudstorage serve --data`. */
  saveState(): string {
    return encodeSnapshot({ state: pickFields(this.state, B2_STATE_FIELDS) });
  }

  loadState(json: string): void {
    const saved = decodeSnapshot(json) as { state: Record<string, unknown> };
    restoreFields(this.state, saved.state);
  }

  /** The emulator's state (accounts, keys, tokens, buckets, settings); available after `install`. */
  get state(): B2State {
    if (!this.stateRef) throw new Error('B2Emulator.install(server) has not been called');
    return this.stateRef;
  }

  /** The settings in force (change them at any time: part sizes, token lifetimes, limits). */
  get settings(): B2Settings {
    return this.state.settings;
  }

  /** The default account's id (also its master key's application key id). */
  get accountId(): string {
    return this.options.accountId ?? DEFAULT_B2_ACCOUNT.accountId;
  }

  /** The default account's master application key. */
  get masterKey(): string {
    return this.options.masterKey ?? DEFAULT_B2_ACCOUNT.masterKey;
  }

  /** Base URLs of the three hosts (after the server started); authorize at `${api}/b2api/vN/b2_authorize_account`. */
  get urls(): { api: string; download: string; upload: string } {
    const s = this.server!;
    return { api: s.url('api'), download: s.url('download'), upload: s.url('upload') };
  }

  /** Another account (for cross-account tests); ids and keys are random unless given. */
  addAccount(accountId?: string, masterKey?: string): Account {
    return this.state.addAccount(accountId, masterKey);
  }

  /** Creates an application key without the API; the secret is in `applicationKey`. */
  createKey(options: SeedKeyOptions): ApplicationKey {
    const accountId = options.accountId ?? this.accountId;
    return this.state.newKey({
      accountId,
      keyName: options.keyName ?? 'seeded-key',
      capabilities: [...options.capabilities],
      bucketIds: options.bucketIds ? [...options.bucketIds] : null,
      namePrefix: options.namePrefix ?? null,
      expirationTimestamp:
        options.validDurationInSeconds !== undefined
          ? this.state.now() + options.validDurationInSeconds * 1000
          : null,
    });
  }

  /** Creates a bucket without the API (same name rules and uniqueness as b2_create_bucket). */
  createBucket(
    bucketName: string,
    options: {
      bucketType?: 'allPublic' | 'allPrivate';
      bucketInfo?: Record<string, string>;
      accountId?: string;
    } = {},
  ): Bucket {
    const state = this.state;
    const problem = bucketNameProblem(bucketName);
    if (problem) throw new Error(`bad bucket name ${bucketName}: ${problem}`);
    if (state.bucketByName(bucketName)) throw new Error(`bucket name ${bucketName} is in use`);
    const bucket = state.createBucket(
      options.accountId ?? this.accountId,
      bucketName,
      options.bucketType ?? 'allPrivate',
    );
    bucket.bucketInfo = { ...options.bucketInfo };
    return bucket;
  }

  /** Stores a file version directly (seeding); returns the version. */
  async putFile(
    bucket: Bucket,
    fileName: string,
    data: string | Uint8Array,
    options: { contentType?: string; fileInfo?: Record<string, string> } = {},
  ): Promise<FileVersion> {
    const state = this.state;
    const blob = await state.blobs.put(data, { hashes: ['sha1', 'md5'] });
    const account = state.accounts.get(bucket.accountId);
    if (account) account.storedBytes += blob.size;
    return state.createVersion(bucket, {
      fileName,
      action: 'upload',
      contentLength: blob.size,
      contentSha1: blob.hashes.sha1!,
      contentMd5: blob.hashes.md5!,
      contentType: options.contentType ?? 'application/octet-stream',
      fileInfo: { ...options.fileInfo },
      serverSideEncryption: { mode: null, algorithm: null },
      blobId: blob.id,
    });
  }

  /**
   * Fault knob: the next `count` requests to upload URLs (`file`: b2_upload_file, `part`: b2_upload_part)
   * answer 503 `service_unavailable`, and each URL that answered so stays dead, as on B2: the client must
   * get a new upload URL.
   */
  failNextUploads(count: number, kind: 'file' | 'part' | 'both' = 'both'): void {
    if (kind !== 'part') this.state.failingUploads.file += count;
    if (kind !== 'file') this.state.failingUploads.part += count;
  }

  /** Fault knob: every token issued so far (account, upload, download authorization) is expired now. */
  expireAllTokens(): void {
    this.state.expireAllTokens();
  }

  /** Fault knob: uploads past this many stored bytes answer 403 `cap_exceeded` (undefined: no cap). */
  setStorageCap(bytes: number | undefined, accountId = this.accountId): void {
    const account = this.state.accounts.get(accountId);
    if (!account) throw new Error(`no account ${accountId}`);
    account.storageCapBytes = bytes;
  }
}
