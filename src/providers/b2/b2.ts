import type { AccessTokenCallback, OAuthServiceProfile } from '../../core/auth/index.js';
import {
  type CallOptions,
  CloudClient,
  type CloudClientOptions,
  type CoreProperties,
} from '../../core/client.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { resizeCollection, takeOwnOptions } from '../../core/provider.js';
import type { Redactor } from '../../core/redact.js';
import { UploadSessions } from '../../core/transfer/index.js';
import { TokenPool } from '../../core/transfer/token-pool.js';
import { authorize } from './account.js';
import { B2Api, B2Session } from './api.js';
import { createBucket, deleteBucket, getBucketInfo, listBuckets, updateBucket } from './buckets.js';
import type { B2Context } from './context.js';
import { sendCustomRequest } from './custom.js';
import { downloadFile, downloadFileById, getDownloadAuthToken } from './downloads.js';
import { b2ErrorMapper } from './errors.js';
import { copyFile, deleteFile, deleteFileVersion, hideFile } from './files.js';
import { createAppKey, deleteAppKey, iterateAppKeys, listAppKeys } from './keys.js';
import {
  getFileInfo,
  iterateFiles,
  iterateFileVersions,
  iterateMultipartUploads,
  listFiles,
  listFileVersions,
  listMultipartUploads,
} from './listing.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  copyPart,
  iterateParts,
  listParts,
  startMultipartUpload,
  uploadPart,
} from './multipart.js';
import { checkMetadataName } from './names.js';
import { API_VERSION, type B2SettingTable, b2Settings } from './settings.js';
import {
  type B2Account,
  type B2AppKey,
  type B2AppKeyPage,
  type B2Bucket,
  type B2CustomRequestOptions,
  type B2CustomResponse,
  type B2DownloadOptions,
  type B2DownloadResult,
  type B2Events,
  type B2File,
  type B2FilePage,
  type B2Metadata,
  type B2NewAppKey,
  type B2Part,
  type B2PartPage,
  type B2UploadOptions,
  EMPTY_ACCOUNT,
} from './types.js';
import { uploadFile } from './uploads.js';

/** B2 has no OAuth: authorize() is b2_authorize_account with the application key (see account.ts). */
const NO_OAUTH: OAuthServiceProfile = {};

/** The B2 properties of the reference class, besides the ones every class has. */
export interface B2Properties {
  applicationKeyId: string;
  applicationKey: string;
  appKeyMarker: string;
  fileMarker: string;
  versionMarker: string;
  partMarker: string;
  prefix: string;
  delimiter: string;
  contentType: string;
  range: string;
}

const OWN_PROPERTIES = [
  'applicationKeyId',
  'applicationKey',
  'appKeyMarker',
  'fileMarker',
  'versionMarker',
  'partMarker',
  'prefix',
  'delimiter',
  'contentType',
  'range',
] as const satisfies ReadonlyArray<keyof B2Properties>;

const PROPERTY_DEFAULTS: B2Properties = {
  applicationKeyId: '',
  applicationKey: '',
  appKeyMarker: '',
  fileMarker: '',
  versionMarker: '',
  partMarker: '',
  prefix: '',
  delimiter: '',
  contentType: '',
  range: '',
};

/** Constructor options: every writable setting (lower-camel-cased), every property, and the wiring. */
export type BackblazeB2Options = CloudClientOptions<B2SettingTable> & Partial<B2Properties>;

/**
 * The BackblazeB2 class: the 33 methods of the reference `cloudstorage.BackblazeB2`, its properties,
 * events, config settings and errors, over the B2 native API.
 *
 * Authorization is an application key (`applicationKeyId` + `applicationKey`); the class authorizes by
 * itself when it has no token, and again when B2 says the token expired. Each method returns its result
 * and fills the collections the reference describes (`buckets`, `files`, `parts`, `appKeys`, `metadata`,
 * `account`, the markers). Per-call options (last argument) override the instance's properties.
 *
 * ```ts
 * const b2 = new BackblazeB2({ applicationKeyId: KEY_ID, applicationKey: KEY });
 * const bucketId = await b2.createBucket('my-photos-2024', 'allPrivate');
 * b2.localFile = 'holiday.jpg';
 * const fileId = await b2.uploadFile(bucketId, 'photos/holiday.jpg');
 * for await (const f of b2.iterateFiles(bucketId)) console.log(f.name, f.size);
 * ```
 */
export class BackblazeB2 extends CloudClient<B2Events, B2SettingTable> implements B2Properties {
  applicationKeyId = '';
  /** Marker of the next page of listAppKeys; '' when there is none. */
  appKeyMarker = '';
  /** Marker of the next page of listFiles and listMultipartUploads. */
  fileMarker = '';
  /** Marker of the next page of listFileVersions (a file name and a file id). */
  versionMarker = '';
  /** Marker of the next page of listParts. */
  partMarker = '';
  /** Lists only names that start with it (an empty prefix takes the key's name-prefix restriction). */
  prefix = '';
  /** Rolls names up into folders at this delimiter (usually "/"). */
  delimiter = '';
  /** Content type of uploads; '' = `b2/x-auto` (B2 picks one from the name). */
  contentType = '';
  /** `start-` or `start-end` (bytes, inclusive) for downloads, copyFile and copyPart. */
  range = '';

  /** The account properties: filled by authorize. */
  account: B2Account = { ...EMPTY_ACCOUNT };
  /** The Bucket collection: filled by listBuckets and getBucketInfo. */
  buckets: B2Bucket[] = [];
  /** The AppKey collection: filled by listAppKeys. */
  appKeys: B2AppKey[] = [];
  /** The File collection: filled by listFiles, listFileVersions, listMultipartUploads and getFileInfo. */
  files: B2File[] = [];
  /** The Part collection: filled by listParts. */
  parts: B2Part[] = [];
  /** The Metadata collection: input of uploads, copies and bucket changes; output of getBucketInfo and getFileInfo. */
  metadata: B2Metadata[] = [];

  private _applicationKey = '';

  /** Not for B2: its requests carry the account token that authorizeAccount gets with the application key. */
  override get accessTokenCallback(): AccessTokenCallback | undefined {
    return undefined;
  }
  override set accessTokenCallback(callback: AccessTokenCallback | undefined) {
    if (callback === undefined) return;
    throw new CloudStorageError(
      ErrorCode.UnsupportedOperation,
      'B2 has no OAuth tokens to supply: it signs in with an application key (applicationKeyId and applicationKey).',
    );
  }
  private readonly ctx: B2Context;

  constructor(options: BackblazeB2Options = {}) {
    const { own, rest } = takeOwnOptions<B2Properties>(options, OWN_PROPERTIES);
    const holder: { redactor?: Redactor } = {};
    super(b2Settings, rest as CloudClientOptions<B2SettingTable>, {
      oauthService: NO_OAUTH,
      errorFromResponse: (info) => b2ErrorMapper(holder.redactor!)(info),
    });
    holder.redactor = this.redactor;
    const settings = this.settings;
    const session = new B2Session(
      async (signal) => {
        await authorize(this.ctx, signal);
      },
      () => this.account.authToken,
    );
    // The account token replaces OAuth as the source of every request's Authorization.
    this.http.auth = session;
    settings.defineReader('APIVersion', () => API_VERSION);
    const client = this;
    const stateOwner = {
      get resumableUploadState() {
        return settings.get('ResumableUploadState');
      },
      set resumableUploadState(value: string) {
        settings.set('ResumableUploadState', value);
      },
      get startByte() {
        return client.startByte;
      },
      set startByte(value: number) {
        client.startByte = value;
      },
    };
    this.ctx = {
      client: this,
      api: new B2Api(this.http, settings, session, (text) => this.rememberJson(text)),
      session,
      http: this.http,
      settings,
      redactor: this.redactor,
      encryption: (overrides) => this.encryption(overrides),
      rememberJson: (text) => this.rememberJson(text),
      uploadUrls: new TokenPool(),
      largeUploads: new UploadSessions(stateOwner, 'resumableUploadState'),
      sizing: { keyPair: '' },
    };
    Object.assign(this, own);
  }

  // ---- credentials, account, collections ----------------------------------------------------------------

  /** The application key (secret: masked in logs and errors). */
  get applicationKey(): string {
    return this._applicationKey;
  }
  set applicationKey(value: string) {
    this._applicationKey = value;
    this.redactor.add(value);
  }

  /** `file_data`: the upload source when localFile is empty, and a download's bytes (the same as resourceData). */
  get fileData(): CoreProperties['resourceData'] {
    return this.resourceData;
  }
  set fileData(value: CoreProperties['resourceData']) {
    this.resourceData = value;
  }

  get accountId(): string {
    return this.account.id;
  }
  get accountAllowedBucketId(): string {
    return this.account.allowedBucketId;
  }
  get accountAllowedBucketName(): string {
    return this.account.allowedBucketName;
  }
  get accountAllowedPrefix(): string {
    return this.account.allowedPrefix;
  }
  get accountAuthToken(): string {
    return this.account.authToken;
  }
  get accountCapabilities(): string {
    return this.account.capabilities;
  }
  get accountMinPartSize(): number {
    return this.account.minPartSize;
  }
  get accountRecPartSize(): number {
    return this.account.recPartSize;
  }

  /** `bucket_count` (read-only in the reference). */
  get bucketCount(): number {
    return this.buckets.length;
  }
  get appKeyCount(): number {
    return this.appKeys.length;
  }
  get fileCount(): number {
    return this.files.length;
  }
  get partCount(): number {
    return this.parts.length;
  }

  /** `metadata_count`: setting it truncates the Metadata collection, or adds empty items. */
  get metadataCount(): number {
    return this.metadata.length;
  }
  set metadataCount(count: number) {
    this.metadata = resizeCollection(this.metadata, count, () => ({ name: '', value: '' }), 'metadataCount');
  }

  // ---- methods, in the reference's order ------------------------------------------------------------------

  /** Cancels a multipart upload: its parts are deleted and its id is no longer valid. */
  abortMultipartUpload(multipartFileId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => abortMultipartUpload(this.ctx, multipartFileId, signal));
  }

  /** Adds an item to the Metadata collection (1–50 of letters, digits, "-", "_"; `b2-` only for B2's own names). */
  addMetadata(name: string, value: string): void {
    this.metadata.push({ name: checkMetadataName(name), value });
  }

  // addQueryParam: inherited (the QueryParams collection, used by sendCustomRequest).

  /**
   * b2_authorize_account with applicationKeyId + applicationKey: fills `account`, APIURL and DownloadURL
   * (and, the first time for a key pair, FragmentSize and SimpleUploadLimit). Returns the account token.
   * Other methods authorize by themselves when needed, and again when the token expired.
   */
  override authorize(options?: CallOptions): Promise<string> {
    return this.run(options, async (signal) => {
      await this.ctx.session.renew(signal);
      return this.account.authToken;
    });
  }

  /** The account token (after authorizing when there is none): what B2 requests carry as Authorization. */
  override calcAuthorization(options?: CallOptions): Promise<string> {
    return this.run(options, async (signal) => {
      await this.ctx.session.ensure(signal);
      return this.account.authToken;
    });
  }

  /** Finishes a multipart upload with the parts B2 has (listed internally, no events); returns the file id (the multipart id). */
  completeMultipartUpload(multipartFileId: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => completeMultipartUpload(this.ctx, multipartFileId, signal));
  }

  // config: inherited.

  /**
   * Server-side copy of a file version (range for part of it, at most 5 GB); destBucketId '' = the source's
   * bucket. With SendMetadataOnCopy, contentType / metadata / ClientModifiedTime replace the source's.
   * Returns the new file's id.
   */
  copyFile(
    srcFileId: string,
    destBucketId: string,
    destFileName: string,
    options?: CallOptions,
  ): Promise<string> {
    return this.run(options, (signal) => copyFile(this.ctx, srcFileId, destBucketId, destFileName, signal));
  }

  /** Makes part `partNumber` of a multipart upload by copying (the range property of) a file version. */
  copyPart(
    srcFileId: string,
    multipartFileId: string,
    partNumber: number,
    options?: CallOptions,
  ): Promise<B2Part> {
    return this.run(options, (signal) => copyPart(this.ctx, srcFileId, multipartFileId, partNumber, signal));
  }

  /**
   * Creates an application key; `capabilities` comma-separated, optional bucket and name-prefix
   * restrictions, `validityDuration` in seconds (below 1: never expires). Returns `"<keyId>\n<key>"`:
   * B2 shows the key this once.
   */
  async createAppKey(
    keyName: string,
    capabilities: string,
    allowedBucketId: string,
    allowedPrefix: string,
    validityDuration: number,
    options?: CallOptions,
  ): Promise<string> {
    return (
      await this.createAppKeyDetailed(
        keyName,
        capabilities,
        allowedBucketId,
        allowedPrefix,
        validityDuration,
        options,
      )
    ).text;
  }

  /** createAppKey with the id and the key apart. */
  createAppKeyDetailed(
    keyName: string,
    capabilities: string,
    allowedBucketId: string,
    allowedPrefix: string,
    validityDuration: number,
    options?: CallOptions,
  ): Promise<B2NewAppKey> {
    return this.run(options, (signal) =>
      createAppKey(this.ctx, keyName, capabilities, allowedBucketId, allowedPrefix, validityDuration, signal),
    );
  }

  /** Creates a bucket (allPrivate, the default, or allPublic; the metadata collection as bucket info); returns its id. */
  createBucket(bucketName: string, kind = '', options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => createBucket(this.ctx, bucketName, kind, signal));
  }

  deleteAppKey(keyId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => deleteAppKey(this.ctx, keyId, signal));
  }

  /** Deletes an empty bucket. */
  deleteBucket(bucketId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => deleteBucket(this.ctx, bucketId, signal));
  }

  /** Deletes every version of a file, oldest first (an unfinished upload of it is cancelled); returns how many. */
  deleteFile(bucketId: string, fileName: string, options?: CallOptions): Promise<number> {
    return this.run(options, (signal) => deleteFile(this.ctx, bucketId, fileName, signal));
  }

  /** Deletes one version (a file or a hide marker); the name is looked up unless given in options. */
  deleteFileVersion(fileId: string, options?: CallOptions & { fileName?: string }): Promise<void> {
    return this.run(options, (signal) => deleteFileVersion(this.ctx, fileId, options?.fileName, signal));
  }

  /**
   * Downloads the latest version of a file by bucket and file name, to localFile, fileData (also returned)
   * or `options.stream`; range, startByte resume, SHA-1 check, decryption; DownloadAuthToken + DownloadURL
   * for files the key may not read.
   */
  downloadFile(
    bucketName: string,
    fileName: string,
    options: B2DownloadOptions = {},
  ): Promise<B2DownloadResult> {
    return this.run(options, (signal) => downloadFile(this.ctx, bucketName, fileName, options, signal));
  }

  /** Downloads one file version by its id (as downloadFile; DownloadAuthToken does not apply). */
  downloadFileById(fileId: string, options: B2DownloadOptions = {}): Promise<B2DownloadResult> {
    return this.run(options, (signal) => downloadFileById(this.ctx, fileId, options, signal));
  }

  /** One bucket as the only item of `buckets`; its info replaces the metadata collection. */
  getBucketInfo(bucketId: string, options?: CallOptions): Promise<B2Bucket> {
    return this.run(options, (signal) => getBucketInfo(this.ctx, bucketId, signal));
  }

  /** A token that lets anyone download names starting with `allowedPrefix` from a bucket (by name), for 1–604800 s. */
  getDownloadAuthToken(
    allowedBucketId: string,
    allowedPrefix: string,
    validityDuration: number,
    options?: CallOptions,
  ): Promise<string> {
    return this.run(options, (signal) =>
      getDownloadAuthToken(this.ctx, allowedBucketId, allowedPrefix, validityDuration, signal),
    );
  }

  /** One file version or hide marker as the only item of `files`; its info replaces the metadata collection. */
  getFileInfo(fileId: string, options?: CallOptions): Promise<B2File> {
    return this.run(options, (signal) => getFileInfo(this.ctx, fileId, signal));
  }

  /** Hides a file (a hide marker becomes its newest version); returns the marker's id. */
  hideFile(bucketId: string, fileName: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => hideFile(this.ctx, bucketId, fileName, signal));
  }

  // interrupt: inherited.

  /** One page of application keys (MaxAppKeyResults); call again while appKeyMarker is set. */
  listAppKeys(options?: CallOptions): Promise<B2AppKeyPage> {
    return this.run(options, (signal) => listAppKeys(this.ctx, signal));
  }

  /** Every application key (all pages), without touching `appKeys` or the marker. */
  async *iterateAppKeys(options?: CallOptions): AsyncGenerator<B2AppKey> {
    yield* this.iterate(options, (signal) => iterateAppKeys(this.ctx, signal));
  }

  /** Every bucket (a restricted key: its bucket), into `buckets`. */
  listBuckets(options?: CallOptions): Promise<B2Bucket[]> {
    return this.run(options, (signal) => listBuckets(this.ctx, signal));
  }

  /** One page of a bucket's latest visible files (prefix, delimiter, MaxResults); call again while fileMarker is set. */
  listFiles(bucketId: string, options?: CallOptions): Promise<B2FilePage> {
    return this.run(options, (signal) => listFiles(this.ctx, bucketId, signal));
  }

  /** Every latest visible file of a bucket (all pages), without touching `files` or the markers. */
  async *iterateFiles(
    bucketId: string,
    options?: CallOptions & { prefix?: string; delimiter?: string },
  ): AsyncGenerator<B2File> {
    yield* this.iterate(options, (signal) =>
      iterateFiles(this.ctx, bucketId, signal, { prefix: options?.prefix, delimiter: options?.delimiter }),
    );
  }

  /** One page of every version (hide markers too); call again while versionMarker is set. */
  listFileVersions(bucketId: string, options?: CallOptions): Promise<B2FilePage> {
    return this.run(options, (signal) => listFileVersions(this.ctx, bucketId, signal));
  }

  async *iterateFileVersions(bucketId: string, options?: CallOptions): AsyncGenerator<B2File> {
    yield* this.iterate(options, (signal) => iterateFileVersions(this.ctx, bucketId, signal));
  }

  /** One page of the unfinished multipart uploads of a bucket (prefix); call again while fileMarker is set. */
  listMultipartUploads(bucketId: string, options?: CallOptions): Promise<B2FilePage> {
    return this.run(options, (signal) => listMultipartUploads(this.ctx, bucketId, signal));
  }

  async *iterateMultipartUploads(bucketId: string, options?: CallOptions): AsyncGenerator<B2File> {
    yield* this.iterate(options, (signal) => iterateMultipartUploads(this.ctx, bucketId, signal));
  }

  /** One page of a multipart upload's parts (MaxPartResults); call again while partMarker is set. */
  listParts(multipartFileId: string, options?: CallOptions): Promise<B2PartPage> {
    return this.run(options, (signal) => listParts(this.ctx, multipartFileId, signal));
  }

  async *iterateParts(multipartFileId: string, options?: CallOptions): AsyncGenerator<B2Part> {
    yield* this.iterate(options, (signal) => iterateParts(this.ctx, multipartFileId, signal));
  }

  /** Returns the instance to its initial state (also re-arms FragmentSize / SimpleUploadLimit from the next authorize). */
  override async reset(): Promise<void> {
    await super.reset();
    Object.assign(this, { ...PROPERTY_DEFAULTS });
    this.account = { ...EMPTY_ACCOUNT };
    this.buckets = [];
    this.appKeys = [];
    this.files = [];
    this.parts = [];
    this.metadata = [];
    this.ctx.sizing.keyPair = '';
    this.ctx.uploadUrls.clear();
  }

  /** Any B2 operation (`b2_list_buckets`, …) by GET (default), HEAD or POST, with the QueryParams. */
  sendCustomRequest(
    httpMethod: string,
    operation: string,
    requestBody: string,
    options: B2CustomRequestOptions = {},
  ): Promise<B2CustomResponse> {
    return this.run(options, (signal) =>
      sendCustomRequest(this.ctx, httpMethod, operation, requestBody, options, signal),
    );
  }

  /** Starts a multipart upload (contentType, metadata and ClientModifiedTime apply to the file); returns its id. */
  startMultipartUpload(bucketId: string, fileName: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => startMultipartUpload(this.ctx, bucketId, fileName, signal));
  }

  /** A new kind ('' keeps it) and, with newMetadata, the metadata collection as bucket info; IfRevision makes it conditional. */
  updateBucket(
    bucketId: string,
    newKind: string,
    newMetadata: boolean,
    options?: CallOptions,
  ): Promise<B2Bucket | undefined> {
    return this.run(options, (signal) => updateBucket(this.ctx, bucketId, newKind, newMetadata, signal));
  }

  /**
   * Uploads localFile (or fileData, or options.data) as a new version of a file; returns its id. Simple up
   * to SimpleUploadLimit, else multipart in FragmentSize parts sent UploadConcurrency at a time, resumable
   * from ResumableUploadState + startByte. Encrypted when the encryption properties are set.
   */
  uploadFile(bucketId: string, fileName: string, options: B2UploadOptions = {}): Promise<string> {
    return this.run(options, (signal) => uploadFile(this.ctx, bucketId, fileName, options, signal));
  }

  /** Uploads the whole of localFile (or fileData, or options.data) as part `partNumber` (1–10000) of a multipart upload. */
  uploadPart(multipartFileId: string, partNumber: number, options: B2UploadOptions = {}): Promise<B2Part> {
    return this.run(options, (signal) => uploadPart(this.ctx, multipartFileId, partNumber, options, signal));
  }
}
