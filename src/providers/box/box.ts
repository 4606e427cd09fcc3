import { forwardProperties } from '../../core/auth/index.js';
import { type CallOptions, CloudClient, type CloudClientOptions } from '../../core/client.js';
import type { HttpErrorInfo } from '../../core/http/index.js';
import {
  type CustomRequestOptions,
  type CustomResponse,
  type DownloadResult,
  enumMember,
  resizeCollection,
  takeOwnOptions,
} from '../../core/provider.js';
import { UploadSessions } from '../../core/transfer/index.js';
import { getAccountInfo } from './account.js';
import { BoxApi } from './api.js';
import type { BoxContext } from './context.js';
import { sendCustomRequest } from './custom.js';
import { downloadFile } from './downloads.js';
import { boxErrorMapper } from './errors.js';
import * as items from './items.js';
import { BOX_JWT_PROPERTY_NAMES, BoxJwtAuth, type BoxJwtConfig, type BoxJwtProperties } from './jwt.js';
import * as links from './links.js';
import * as listing from './listing.js';
import { emptyAccount, emptyMetadata, emptyResource } from './mapping.js';
import * as meta from './metadata.js';
import { boxOAuthService } from './oauth.js';
import { type BoxSettingTable, boxSettings, installResourceReaders } from './settings.js';
import {
  type BoxAccount,
  type BoxDownloadOptions,
  BoxDownloadType,
  type BoxDownloadTypeValue,
  type BoxEvents,
  type BoxMetadata,
  type BoxPage,
  type BoxResource,
  type BoxUploadedPart,
  type BoxUploadOptions,
  type BoxUploadSession,
  type CommitUploadSessionOptions,
  type CreateUploadSessionOptions,
} from './types.js';
import * as parts from './upload-parts.js';
import { abortUpload, pollUploadStatus, uploadFile } from './uploads.js';
import * as users from './users.js';

/** The Box properties besides the ones every class has (see CoreProperties). */
export interface BoxProperties {
  /** 0: downloadFile gets the content; 1: a thumbnail (ThumbnailFormat, ThumbnailSize). */
  downloadType: BoxDownloadTypeValue;
  /** Use upload sessions (parts, resumable) instead of one request. */
  useResumableUpload: boolean;
  /** The upload session of the resumable upload under way; set it to resume one. */
  resumeUrl: string;
  /** Markers of the next page of listResources, search and listVersions ('' = no more). */
  resourceMarker: string;
  searchMarker: string;
  versionMarker: string;
  /**
   * A user the requests act for (Box's `As-User` header): an admin's or the service account's token then
   * works as that managed or app user. Box refuses it (403) for a token that may not act for others.
   */
  asUser: string;
}

/** Constructor options: every writable setting (`maxResults`, `apiUrl`, …), every property, and the wiring. */
export type BoxOptions = CloudClientOptions<BoxSettingTable> &
  Partial<BoxProperties> &
  Partial<BoxJwtProperties> & {
    /**
     * JWT sign-in from the app configuration Box's developer console downloads (the object or its JSON
     * text): sets oAuthClientId, oAuthClientSecret, jwtKeyId, jwtPrivateKey, jwtPrivateKeyPassphrase and
     * enterpriseId.
     */
    jwtConfig?: BoxJwtConfig | string;
    /** The same, from the path of that file. */
    jwtConfigFile?: string;
  };

const OWN_PROPERTIES = [
  'downloadType',
  'useResumableUpload',
  'resumeUrl',
  'resourceMarker',
  'searchMarker',
  'versionMarker',
  'asUser',
] as const satisfies ReadonlyArray<keyof BoxProperties>;
const JWT_OPTIONS = [
  'jwtConfig',
  'jwtConfigFile',
  'jwtKeyId',
  'jwtPrivateKey',
  'jwtPrivateKeyPassphrase',
  'enterpriseId',
  'jwtUserId',
] as const;

/**
 * Box (API 2.0): files and folders, uploads (simple and resumable through upload sessions, with parts sent
 * in parallel), downloads (resumable, to a file, to bytes or to a stream), client-side encryption, trash,
 * versions, shared and preview links, locks, metadata, search, the account, and custom requests.
 *
 * Every method of the reference class, camelCased with the same parameters, plus a per-call options
 * object. Resource ids carry their type: `f:123` a file, `d:123` a folder, `d:0` (or '') the root.
 *
 * Sign-in: OAuth in a browser (authorize()), client credentials (oAuthGrantType 3 with BoxSubjectType and
 * BoxSubjectId), JWT (jwtConfig, or jwtPrivateKey and the other jwt* properties; app users with
 * createAppUser and jwtUserId), a developer token (oAuthAccessToken, with accessTokenCallback to renew
 * it) or a token callback alone.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below adds the run-time JWT properties.
export class Box extends CloudClient<BoxEvents, BoxSettingTable> implements BoxProperties {
  useResumableUpload = false;
  resumeUrl = '';
  resourceMarker = '';
  searchMarker = '';
  versionMarker = '';
  asUser = '';
  /** The Resources collection. */
  resources: BoxResource[] = [];
  /** The Metadata collection. */
  metadata: BoxMetadata[] = [];
  /** Filled by getAccountInfo. */
  account: BoxAccount = emptyAccount();

  private readonly ctx: BoxContext;
  private readonly jwt: BoxJwtAuth;
  private _downloadType: BoxDownloadTypeValue = 0;

  constructor(options: BoxOptions = {}) {
    const { own, rest: others } = takeOwnOptions<BoxProperties>(options, OWN_PROPERTIES);
    const { own: jwtOptions, rest } = takeOwnOptions<BoxJwtOptions>(others, JWT_OPTIONS);
    // The OAuth profile and the error mapper read the settings, which exist only once super() has run.
    const self: { box?: Box } = {};
    super(boxSettings, rest as CloudClientOptions<BoxSettingTable>, {
      oauthService: boxOAuthService(() => self.box?.settings),
      errorFromResponse: (info: HttpErrorInfo) => boxErrorMapper(self.box!.redactor)(info),
    });
    self.box = this;
    this.ctx = {
      client: this,
      api: new BoxApi(
        this.http,
        this.settings,
        this.redactor,
        (text) => this.rememberJson(text),
        () => this.asUser,
      ),
      http: this.http,
      settings: this.settings,
      redactor: this.redactor,
      encryption: (overrides) => this.encryption(overrides),
      rememberJson: (text) => this.rememberJson(text),
      uploadSessions: new UploadSessions(this, 'resumeUrl'),
      originals: new WeakMap(),
      markerOwners: { resource: '', search: '', version: '' },
    };
    installResourceReaders(this.settings, () => this.resources);
    this.jwt = new BoxJwtAuth(this.oauth, this.redactor);
    forwardProperties(this, this.jwt, BOX_JWT_PROPERTY_NAMES);
    Object.assign(this, own);
    const { jwtConfig, jwtConfigFile, ...jwtProperties } = jwtOptions;
    if (jwtConfigFile !== undefined) this.jwt.applyConfig(jwtConfigFile, true);
    if (jwtConfig !== undefined) this.jwt.applyConfig(jwtConfig);
    // Values given one by one win over the configuration's.
    Object.assign(this, jwtProperties);
    if (jwtConfig !== undefined || jwtConfigFile !== undefined) {
      if (options.oAuthClientId !== undefined) this.oAuthClientId = options.oAuthClientId;
      if (options.oAuthClientSecret !== undefined) this.oAuthClientSecret = options.oAuthClientSecret;
    }
  }

  /**
   * Turns JWT sign-in on from the app configuration Box's console downloads (the object or its JSON text):
   * oAuthClientId, oAuthClientSecret, jwtKeyId, jwtPrivateKey, jwtPrivateKeyPassphrase, enterpriseId.
   */
  set jwtConfig(config: BoxJwtConfig | string) {
    this.jwt.applyConfig(config);
  }

  /** The same as jwtConfig, from the path of the file. */
  set jwtConfigFile(path: string) {
    this.jwt.applyConfig(path, true);
  }

  /** `download_type`: 0 the content, 1 a thumbnail (ThumbnailFormat, ThumbnailSize); anything else is refused. */
  get downloadType(): BoxDownloadTypeValue {
    return this._downloadType;
  }
  set downloadType(value: BoxDownloadTypeValue) {
    this._downloadType = enumMember(value, BoxDownloadType, 'downloadType');
  }

  // ---- collections ------------------------------------------------------------------------------------

  /** Size of the Resources collection; setting it truncates or adds blank entries. */
  get resourceCount(): number {
    return this.resources.length;
  }
  set resourceCount(n: number) {
    this.resources = resizeCollection(this.resources, n, emptyResource, 'resourceCount');
  }

  /** Size of the Metadata collection; setting it truncates or adds blank items (to fill in, then send). */
  get metadataCount(): number {
    return this.metadata.length;
  }
  set metadataCount(n: number) {
    this.metadata = resizeCollection(this.metadata, n, emptyMetadata, 'metadataCount');
  }

  // ---- listing ----------------------------------------------------------------------------------------

  /**
   * Lists a folder ('' the root, 'trash' the trash), one page per call: fires resourceList per item, adds
   * the items to `resources` (replacing them when starting a new listing, or when AccumulatePages is off)
   * and sets `resourceMarker` while more pages remain. A marker left from another folder is ignored.
   */
  listResources(folderId: string, options?: CallOptions): Promise<BoxPage> {
    return this.run(options, (signal) => listing.listResources(this.ctx, folderId, signal));
  }

  /** Every item of a folder, page by page, without touching `resources` or the markers. */
  async *iterateResources(folderId: string, options?: CallOptions): AsyncGenerator<BoxResource> {
    yield* this.iterate(options, (signal) => listing.iterateResources(this.ctx, folderId, signal));
  }

  /**
   * Searches names, descriptions, contents and tags. QueryParams add Box's filters (`type`,
   * `file_extensions`, `ancestor_folder_ids` with prefixed ids, …). Paged like listResources through
   * `searchMarker`; MaxSearchResults sets the page size.
   */
  search(query: string, options?: CallOptions): Promise<BoxPage> {
    return this.run(options, (signal) => listing.search(this.ctx, query, signal));
  }

  /** Every search hit, all pages, without touching `resources` or the markers. */
  async *iterateSearch(query: string, options?: CallOptions): AsyncGenerator<BoxResource> {
    yield* this.iterate(options, (signal) => listing.iterateSearch(this.ctx, query, signal));
  }

  /**
   * Lists the previous versions of a file (not the current one), paged through `versionMarker`. Each
   * resource has the file's id, and the version's id in `versionId`.
   */
  listVersions(fileId: string, options?: CallOptions): Promise<BoxPage> {
    return this.run(options, (signal) => listing.listVersions(this.ctx, fileId, signal));
  }

  /** Every previous version of a file, all pages, without touching `resources` or the markers. */
  async *iterateVersions(fileId: string, options?: CallOptions): AsyncGenerator<BoxResource> {
    yield* this.iterate(options, (signal) => listing.iterateVersions(this.ctx, fileId, signal));
  }

  /** Describes one resource ('' the root): `resources` then holds only it, and resourceList fires once. */
  getResourceInfo(resourceId: string, options?: CallOptions): Promise<BoxResource> {
    return this.run(options, (signal) => listing.getResourceInfo(this.ctx, resourceId, signal));
  }

  // ---- files and folders ------------------------------------------------------------------------------

  /** Creates a folder ('' parent = the root); returns its id (`d:…`). */
  createFolder(folderName: string, parentId: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => items.createFolder(this.ctx, folderName, parentId, signal));
  }

  /**
   * Copies a file or folder into `parentId` ('' = the root), under `newName` ('' keeps the name); with
   * VersionId set, that version of a file. Returns the copy's id.
   */
  copyResource(
    resourceId: string,
    parentId: string,
    newName: string,
    options?: CallOptions,
  ): Promise<string> {
    return this.run(options, (signal) => items.copyResource(this.ctx, resourceId, parentId, newName, signal));
  }

  /** Moves (and optionally renames) a file or folder; Box moves synchronously, whatever the size. */
  moveResource(resourceId: string, parentId: string, newName: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => items.moveResource(this.ctx, resourceId, parentId, newName, signal));
  }

  /** Moves a resource to the trash; one already in the trash is deleted for good. */
  async deleteResource(resourceId: string, options?: CallOptions): Promise<void> {
    await this.run(options, (signal) => items.deleteResource(this.ctx, resourceId, signal));
  }

  /**
   * Restores a resource from the trash to where it was, under its name. `parentId` is used only when the
   * original folder no longer exists, `newName` only when the name is taken there.
   */
  restoreResource(
    resourceId: string,
    parentId: string,
    newName: string,
    options?: CallOptions,
  ): Promise<void> {
    return this.run(options, (signal) =>
      items.restoreResource(this.ctx, resourceId, parentId, newName, signal),
    );
  }

  /**
   * Sends the changes made to the `resources` entry of this id (name, description, parentId, syncState,
   * tags); for a file, also uploads new content when localFile or resourceData is set (or given in the
   * options). Call getResourceInfo or listResources first.
   */
  updateResource(resourceId: string, options: BoxUploadOptions = {}): Promise<void> {
    return this.run(options, (signal) => items.updateResource(this.ctx, resourceId, options, signal));
  }

  // ---- uploads ----------------------------------------------------------------------------------------

  /**
   * Uploads a new file from localFile (or resourceData, or `options.data`) into `parentId` ('' = the root);
   * returns its id (`f:…`). Simple by default; with useResumableUpload, through an upload session whose
   * parts go up UploadConcurrency at a time (files under MinResumableUploadSize, Box's minimum, still go in
   * one request). An interrupted resumable upload resumes with the same data while resumeUrl is set.
   */
  uploadFile(fileName: string, parentId: string, options: BoxUploadOptions = {}): Promise<string> {
    return this.run(options, (signal) => uploadFile(this.ctx, fileName, parentId, options, signal));
  }

  /** Reads the session at resumeUrl: sets startByte (where the upload continues), UploadFragmentSize and UploadExpDate. */
  pollUploadStatus(options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => pollUploadStatus(this.ctx, signal));
  }

  /** Discards the upload session at resumeUrl (an interrupted upload that will not be resumed). */
  abortUpload(options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => abortUpload(this.ctx, signal));
  }

  // ---- downloads --------------------------------------------------------------------------------------

  /**
   * Downloads a file's content (or, with downloadType 1, a thumbnail) to `options.stream`, localFile or
   * resourceData (also in the result's `data`). Resumes from startByte; decrypts when encryption is on;
   * VersionId picks a version. A folder id is error 607.
   */
  downloadFile(fileId: string, options: BoxDownloadOptions = {}): Promise<DownloadResult> {
    return this.run(options, (signal) => downloadFile(this.ctx, fileId, options, signal));
  }

  // ---- links and locks --------------------------------------------------------------------------------

  /** Creates the shared link of a resource (or updates its settings, same URL) per the CreateLink* settings; returns the URL. */
  createLink(resourceId: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => links.createLink(this.ctx, resourceId, signal));
  }

  /** Removes the shared link of a resource (nothing happens when there is none). */
  revokeLink(resourceId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => links.revokeLink(this.ctx, resourceId, signal));
  }

  /** An embeddable preview URL of a file (valid 60 s; the preview session lasts 60 min). */
  createPreviewLink(fileId: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => links.createPreviewLink(this.ctx, fileId, signal));
  }

  /** Locks a file; `expiration` '' never expires (else RFC 3339); `allowDownloading` lets others still download it. */
  lockFile(
    fileId: string,
    expiration: string,
    allowDownloading: boolean,
    options?: CallOptions,
  ): Promise<void> {
    return this.run(options, (signal) =>
      items.lockFile(this.ctx, fileId, expiration, allowDownloading, signal),
    );
  }

  /** Releases a lock the current account holds. */
  unlockFile(fileId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => items.unlockFile(this.ctx, fileId, signal));
  }

  // ---- versions ---------------------------------------------------------------------------------------

  /** Makes an older version current (Box copies it as a new version). */
  promoteVersion(fileId: string, versionId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => items.promoteVersion(this.ctx, fileId, versionId, signal));
  }

  // ---- metadata ---------------------------------------------------------------------------------------

  /** Creates a container (default /global/properties) holding the `metadata` items whose modOp is Add. */
  createMetadata(resourceId: string, scope: string, schema: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => meta.createMetadata(this.ctx, resourceId, scope, schema, signal));
  }

  /**
   * Lists the items of a container into `metadata` (cleared first), firing metadataList per item. With
   * scope and schema both empty, the items of every container.
   */
  listMetadata(
    resourceId: string,
    scope: string,
    schema: string,
    options?: CallOptions,
  ): Promise<BoxMetadata[]> {
    return this.run(options, (signal) => meta.listMetadata(this.ctx, resourceId, scope, schema, signal));
  }

  /** Sends every qualifying item's modOp as one atomic, ordered update (MetadataUpdateOrder); 701 when none qualifies. */
  updateMetadata(resourceId: string, scope: string, schema: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => meta.updateMetadata(this.ctx, resourceId, scope, schema, signal));
  }

  /** Deletes a whole container and its items. */
  deleteMetadata(resourceId: string, scope: string, schema: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => meta.deleteMetadata(this.ctx, resourceId, scope, schema, signal));
  }

  // ---- users (beyond the reference) -------------------------------------------------------------------

  /**
   * Creates an app user (a user that exists only for this app and owns its own files); needs an enterprise
   * token (JWT or client credentials). Act as it with jwtUserId (a user token) or asUser.
   */
  createAppUser(
    name: string,
    options: CallOptions & { externalAppUserId?: string; spaceAmount?: number } = {},
  ): Promise<BoxAccount> {
    return this.run(options, (signal) => users.createAppUser(this.ctx, name, options, signal));
  }

  /** The enterprise's users, app users among them; `filterTerm` matches the start of a name or login. */
  listUsers(
    options: CallOptions & { filterTerm?: string; userType?: 'all' | 'managed' | 'external' } = {},
  ): Promise<BoxAccount[]> {
    return this.run(options, (signal) => users.listUsers(this.ctx, options, signal));
  }

  /** Deletes a user of the enterprise (an app user); with `force`, also one that still owns files. */
  deleteUser(userId: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.run(options, (signal) => users.deleteUser(this.ctx, userId, options.force ?? false, signal));
  }

  // ---- account and custom requests --------------------------------------------------------------------

  /** Fills `account` (and AccountMaxFileSize) from the current user. */
  getAccountInfo(options?: CallOptions): Promise<BoxAccount> {
    return this.run(options, (signal) => getAccountInfo(this.ctx, signal));
  }

  /**
   * Sends any request to the Box API: `httpMethod` (GET when empty, HEAD, POST, PUT, DELETE) to ApiUrl +
   * `requestPath` (already URL-encoded) + the QueryParams, with `requestBody` when not empty. The response
   * headers go to parsedHeaders, the body where a download's would (`options.stream`, localFile, or
   * resourceData and `body`), and a JSON body to the XPath settings.
   */
  sendCustomRequest(
    httpMethod: string,
    requestPath: string,
    requestBody: string,
    options: CustomRequestOptions = {},
  ): Promise<CustomResponse> {
    return this.run(options, (signal) =>
      sendCustomRequest(this.ctx, httpMethod, requestPath, requestBody, options, signal),
    );
  }

  // ---- upload sessions one part at a time (beyond the reference) -------------------------------------

  /**
   * Opens an upload session for a `fileSize`-byte file named `fileName` in `parentId` (or, with
   * `options.fileId`, for a new version of that file). Box chooses the part size. Any process may then
   * send parts to `sessionUrl`; one commits. At least MinResumableUploadSize bytes.
   */
  createUploadSession(
    fileName: string,
    parentId: string,
    fileSize: number,
    options: CallOptions & CreateUploadSessionOptions = {},
  ): Promise<BoxUploadSession> {
    return this.run(options, (signal) =>
      parts.createUploadSession(this.ctx, fileName, parentId, fileSize, options, signal),
    );
  }

  /** The session at `sessionUrl` and the parts Box holds for it (609 when it is gone). */
  getUploadSession(
    sessionUrl: string,
    options?: CallOptions,
  ): Promise<{ session: BoxUploadSession; parts: BoxUploadedPart[] }> {
    return this.run(options, (signal) => parts.getUploadSession(this.ctx, sessionUrl, signal));
  }

  /** Sends `data` as the part at `offset` of a `fileSize`-byte file, with its SHA-1 digest. */
  uploadSessionPart(
    sessionUrl: string,
    offset: number,
    fileSize: number,
    data: Uint8Array,
    options?: CallOptions,
  ): Promise<BoxUploadedPart> {
    return this.run(options, (signal) =>
      parts.uploadSessionPart(this.ctx, sessionUrl, offset, fileSize, data, signal),
    );
  }

  /** Every part Box holds for the session, by offset. */
  listUploadSessionParts(sessionUrl: string, options?: CallOptions): Promise<BoxUploadedPart[]> {
    return this.run(options, (signal) => parts.listUploadSessionParts(this.ctx, sessionUrl, signal));
  }

  /** Makes the file from all its parts, given the whole file's SHA-1 (hex); returns its id (`f:…`). */
  commitUploadSession(
    sessionUrl: string,
    uploadedParts: readonly BoxUploadedPart[],
    fileSha1: string,
    options: CallOptions & CommitUploadSessionOptions = {},
  ): Promise<string> {
    return this.run(options, (signal) =>
      parts.commitUploadSession(this.ctx, sessionUrl, uploadedParts, fileSha1, options, signal),
    );
  }

  /** Discards a session and its parts (nothing when it is already gone). */
  abortUploadSession(sessionUrl: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => parts.abortUploadSession(this.ctx, sessionUrl, signal));
  }

  /** Back to the initial state: settings, properties, collections (and OAuth state per OAuthResetData). */
  override async reset(): Promise<void> {
    await super.reset();
    Object.assign(this, {
      downloadType: 0,
      useResumableUpload: false,
      resumeUrl: '',
      resourceMarker: '',
      searchMarker: '',
      versionMarker: '',
      asUser: '',
      resources: [],
      metadata: [],
      account: emptyAccount(),
    });
    this.ctx.originals = new WeakMap();
    this.ctx.markerOwners = { resource: '', search: '', version: '' };
    // JWT sign-in goes with the rest of the OAuth state (reset() cleared oAuthClientId: OAuthResetData is on).
    if (!this.oAuthClientId) {
      for (const name of BOX_JWT_PROPERTY_NAMES) this[name] = '';
    }
  }
}

type BoxJwtOptions = BoxJwtProperties & { jwtConfig: BoxJwtConfig | string; jwtConfigFile: string };

// The JWT properties are defined at run time by forwardProperties; this declares them to the compiler.
export interface Box extends BoxJwtProperties {}
