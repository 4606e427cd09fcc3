import type { OAuthServiceProfile } from '../../core/auth/index.js';
import { type CallOptions, CloudClient, type CloudClientOptions } from '../../core/client.js';
import type { EncryptionSettings } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { HttpErrorInfo } from '../../core/http/index.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import { type DownloadTarget, UploadSessions, uploadInput, uploadSource } from '../../core/transfer/index.js';
import { BoxApi } from './api.js';
import { deliverResponse, downloadContent, downloadThumbnail } from './downloads.js';
import { boxErrorMapper } from './errors.js';
import { type BoxRef, checkName, formatId, parseId } from './ids.js';
import * as items from './items.js';
import { fetchItem, folderPage, searchPage, versionPage } from './listing.js';
import {
  accountFromUser,
  emptyAccount,
  emptyMetadata,
  emptyResource,
  resourceFromItem,
  resourceListEvent,
} from './mapping.js';
import * as meta from './metadata.js';
import { BOX_API_URL, BOX_AUTH_URL, BOX_TOKEN_URL, type BoxSettingTable, boxSettings } from './settings.js';
import type {
  BoxAccount,
  BoxDownloadOptions,
  BoxDownloadTypeValue,
  BoxEvents,
  BoxMetadata,
  BoxPage,
  BoxResource,
  BoxUploadOptions,
} from './types.js';
import { abortUpload, pollUploadStatus, type UploadTarget, upload } from './uploads.js';
import { USER_FIELDS, type WireItem, type WireUser } from './wire.js';

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
}

/** Constructor options: every writable setting (`maxResults`, `apiUrl`, …), every property, and the wiring. */
export type BoxOptions = CloudClientOptions<BoxSettingTable> & Partial<BoxProperties>;

const BOX_PROPERTY_NAMES = [
  'downloadType',
  'useResumableUpload',
  'resumeUrl',
  'resourceMarker',
  'searchMarker',
  'versionMarker',
] as const;

/** The HTTP methods sendCustomRequest takes. */
const CUSTOM_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);

/**
 * Box (API 2.0): files and folders, uploads (simple and resumable through upload sessions, with parts sent
 * in parallel), downloads (resumable, to a file, to bytes or to a stream), client-side encryption, trash,
 * versions, shared and preview links, locks, metadata, search, the account, and custom requests.
 *
 * Every method of the reference class, camelCased with the same parameters, plus a per-call options
 * object. Resource ids carry their type: `f:123` a file, `d:123` a folder, `d:0` (or '') the root.
 */
export class Box extends CloudClient<BoxEvents, BoxSettingTable> implements BoxProperties {
  downloadType: BoxDownloadTypeValue = 0;
  useResumableUpload = false;
  resumeUrl = '';
  resourceMarker = '';
  searchMarker = '';
  versionMarker = '';
  /** The Resources collection. */
  resources: BoxResource[] = [];
  /** The Metadata collection. */
  metadata: BoxMetadata[] = [];
  /** Filled by getAccountInfo. */
  account: BoxAccount = emptyAccount();

  private readonly api: BoxApi;
  /** Each resource as Box last described it, so updateResource sends only what the caller changed. */
  private originals = new WeakMap<BoxResource, BoxResource>();
  /** What each marker is a marker of (a folder, a query, a file): another listing starts afresh. */
  private markerOwners = { resource: '', search: '', version: '' };
  /** The upload sessions this instance is sending right now, each call with its own resumeUrl/startByte. */
  private readonly uploadSessions: UploadSessions<'resumeUrl'> = new UploadSessions(this, 'resumeUrl');

  constructor(options: BoxOptions = {}) {
    const own: Partial<BoxProperties> = {};
    const rest: Record<string, unknown> = { ...options };
    for (const name of BOX_PROPERTY_NAMES) {
      if (rest[name] !== undefined) (own as Record<string, unknown>)[name] = rest[name];
      delete rest[name];
    }
    // The OAuth profile and the error mapper read the settings, which exist only once super() has run.
    const self: { box?: Box } = {};
    const service: OAuthServiceProfile = {
      get authUrl() {
        return self.box?.defaultOAuthUrl('auth') ?? BOX_AUTH_URL;
      },
      get tokenUrl() {
        return self.box?.defaultOAuthUrl('token') ?? BOX_TOKEN_URL;
      },
      tokenParams: (grantType) => self.box?.ccgParams(grantType) ?? {},
    };
    super(boxSettings, rest as CloudClientOptions<BoxSettingTable>, {
      oauthService: service,
      errorFromResponse: (info: HttpErrorInfo) => boxErrorMapper(self.box!.redactor)(info),
    });
    self.box = this;
    Object.assign(this, own);
    this.api = new BoxApi(this.http, this.settings, this, this.redactor, (text) => this.rememberJson(text));
    this.installResourceSettings();
  }

  // ---- collections ------------------------------------------------------------------------------------

  /** Size of the Resources collection; setting it truncates or adds blank entries. */
  get resourceCount(): number {
    return this.resources.length;
  }
  set resourceCount(n: number) {
    this.resources = resize(this.resources, n, emptyResource, 'resourceCount');
  }

  /** Size of the Metadata collection; setting it truncates or adds blank items (to fill in, then send). */
  get metadataCount(): number {
    return this.metadata.length;
  }
  set metadataCount(n: number) {
    this.metadata = resize(this.metadata, n, emptyMetadata, 'metadataCount');
  }

  // ---- listing ----------------------------------------------------------------------------------------

  /**
   * Lists a folder ('' the root, 'trash' the trash), one page per call: fires resourceList per item, adds
   * the items to `resources` (replacing them when starting a new listing, or when AccumulatePages is off)
   * and sets `resourceMarker` while more pages remain. A marker left from another folder is ignored.
   */
  listResources(folderId: string, options: CallOptions = {}): Promise<BoxPage> {
    return this.run(options, async (signal) => {
      const folder =
        folderId.trim().toLowerCase() === 'trash' ? 'trash' : parseId(folderId, 'folder', 'folder id');
      const owner = folder === 'trash' ? 'trash' : folder.id;
      const marker = this.markerOwners.resource === owner ? this.resourceMarker : '';
      const page = await folderPage(this.api, folder, marker, this.settings.get('MaxResults'), signal);
      this.takePage(page, marker !== '');
      this.resourceMarker = page.marker;
      this.markerOwners.resource = owner;
      return page;
    });
  }

  /** Every item of a folder, page by page, without touching `resources` or the markers. */
  async *iterateResources(folderId: string, options: CallOptions = {}): AsyncGenerator<BoxResource> {
    const folder =
      folderId.trim().toLowerCase() === 'trash' ? 'trash' : parseId(folderId, 'folder', 'folder id');
    yield* this.walk(options, (marker, signal) =>
      folderPage(this.api, folder, marker, this.settings.get('MaxResults'), signal),
    );
  }

  /**
   * Searches names, descriptions, contents and tags. QueryParams add Box's filters (`type`,
   * `file_extensions`, `ancestor_folder_ids` with prefixed ids, …). Paged like listResources through
   * `searchMarker`; MaxSearchResults sets the page size.
   */
  search(query: string, options: CallOptions = {}): Promise<BoxPage> {
    return this.run(options, async (signal) => {
      const params = this.queryParams.map((p) => ({ ...p }));
      const owner = JSON.stringify([query, params]);
      const marker = this.markerOwners.search === owner ? this.searchMarker : '';
      const page = await searchPage(
        this.api,
        query,
        marker,
        this.settings.get('MaxSearchResults'),
        params,
        signal,
      );
      this.takePage(page, marker !== '');
      this.searchMarker = page.marker;
      this.markerOwners.search = owner;
      return page;
    });
  }

  async *iterateSearch(query: string, options: CallOptions = {}): AsyncGenerator<BoxResource> {
    const params = this.queryParams.map((p) => ({ ...p }));
    yield* this.walk(options, (marker, signal) =>
      searchPage(this.api, query, marker, this.settings.get('MaxSearchResults'), params, signal),
    );
  }

  /**
   * Lists the previous versions of a file (not the current one), paged through `versionMarker`. Each
   * resource has the file's id, and the version's id in `versionId`.
   */
  listVersions(fileId: string, options: CallOptions = {}): Promise<BoxPage> {
    return this.run(options, async (signal) => {
      const file = parseId(fileId, 'file', 'file id');
      const marker = this.markerOwners.version === file.id ? this.versionMarker : '';
      const page = await versionPage(this.api, file, marker, this.settings.get('MaxResults'), signal);
      this.takePage(page, marker !== '');
      this.versionMarker = page.marker;
      this.markerOwners.version = file.id;
      return page;
    });
  }

  async *iterateVersions(fileId: string, options: CallOptions = {}): AsyncGenerator<BoxResource> {
    const file = parseId(fileId, 'file', 'file id');
    yield* this.walk(options, (marker, signal) =>
      versionPage(this.api, file, marker, this.settings.get('MaxResults'), signal),
    );
  }

  /** Describes one resource ('' the root): `resources` then holds only it, and resourceList fires once. */
  getResourceInfo(resourceId: string, options: CallOptions = {}): Promise<BoxResource> {
    return this.run(options, async (signal) => {
      const item = await fetchItem(this.api, parseId(resourceId, 'any'), signal);
      const resource = this.remember(item);
      this.resources = [resource];
      this.emit('resourceList', resourceListEvent(resource));
      return resource;
    });
  }

  // ---- files and folders ------------------------------------------------------------------------------

  /** Creates a folder ('' parent = the root); returns its id (`d:…`). */
  createFolder(folderName: string, parentId: string, options: CallOptions = {}): Promise<string> {
    return this.run(options, async (signal) => {
      checkName(folderName, 'folder name');
      const parent = parseId(parentId, 'folder', 'parent id');
      const item = await items.createFolder(this.api, folderName, parent, signal);
      return formatId('folder', item.id);
    });
  }

  /**
   * Copies a file or folder into `parentId` ('' = the root), under `newName` ('' keeps the name); with
   * VersionId set, that version of a file. Returns the copy's id.
   */
  copyResource(
    resourceId: string,
    parentId: string,
    newName: string,
    options: CallOptions = {},
  ): Promise<string> {
    return this.run(options, async (signal) => {
      const ref = this.existing(resourceId);
      if (newName) checkName(newName, 'new name');
      const parent = parseId(parentId, 'folder', 'parent id');
      const item = await items.copyItem(this.api, ref, parent, newName, signal);
      return formatId(item.type, item.id);
    });
  }

  /** Moves (and optionally renames) a file or folder; Box moves synchronously, whatever the size. */
  moveResource(
    resourceId: string,
    parentId: string,
    newName: string,
    options: CallOptions = {},
  ): Promise<void> {
    return this.run(options, async (signal) => {
      const ref = this.existing(resourceId);
      if (newName) checkName(newName, 'new name');
      const parent = parseId(parentId, 'folder', 'parent id');
      await items.updateItem(
        this.api,
        ref,
        { parent: { id: parent.id }, ...(newName ? { name: newName } : {}) },
        signal,
      );
    });
  }

  /** Moves a resource to the trash; one already in the trash is deleted for good. */
  deleteResource(resourceId: string, options: CallOptions = {}): Promise<void> {
    return this.run(options, async (signal) => {
      await items.deleteItem(this.api, this.existing(resourceId), signal);
    });
  }

  /**
   * Restores a resource from the trash to where it was, under its name. `parentId` is used only when the
   * original folder no longer exists, `newName` only when the name is taken there.
   */
  restoreResource(
    resourceId: string,
    parentId: string,
    newName: string,
    options: CallOptions = {},
  ): Promise<void> {
    return this.run(options, async (signal) => {
      const ref = this.existing(resourceId);
      if (newName) checkName(newName, 'new name');
      const parent = parentId ? parseId(parentId, 'folder', 'parent id') : undefined;
      await items.restoreItem(this.api, ref, parent, newName, signal);
    });
  }

  /**
   * Sends the changes made to the `resources` entry of this id (name, description, parentId, syncState,
   * tags); for a file, also uploads new content when localFile or resourceData is set (or given in the
   * options). Call getResourceInfo or listResources first.
   */
  updateResource(resourceId: string, options: BoxUploadOptions = {}): Promise<void> {
    return this.run(options, async (signal) => {
      const ref = parseId(resourceId, 'any');
      const id = formatId(ref.kind, ref.id);
      const index = this.resources.findIndex((r) => r.id === id);
      if (index < 0) {
        throw new CloudStorageError(
          ErrorCode.InvalidRemoteId,
          `${id} is not in the resources collection: call getResourceInfo("${id}") first, change the entry, then call updateResource.`,
        );
      }
      const current = this.resources[index]!;
      if (current.name) checkName(current.name, 'name');
      const parent = current.parentId ? parseId(current.parentId, 'folder', 'parentId') : undefined;
      const changes = items.changedFields(ref, current, this.originals.get(current), parent);
      let item: WireItem | undefined;
      if (Object.keys(changes).length > 0) item = await items.updateItem(this.api, ref, changes, signal);
      const { localFile, data } = uploadInput(options, this);
      if (ref.kind === 'file' && (localFile || data !== undefined)) {
        item = await this.uploadTo({ kind: 'version', fileId: ref.id }, options, signal);
      }
      if (item) {
        // The collection may have been replaced meanwhile (another call); update the entry if it is still there.
        const at = this.resources.indexOf(current);
        if (at >= 0) this.resources[at] = this.remember(item);
      }
    });
  }

  // ---- uploads ----------------------------------------------------------------------------------------

  /**
   * Uploads a new file from localFile (or resourceData, or `options.data`) into `parentId` ('' = the root);
   * returns its id (`f:…`). Simple by default; with useResumableUpload, through an upload session whose
   * parts go up UploadConcurrency at a time (files under MinResumableUploadSize, Box's minimum, still go in
   * one request). An interrupted resumable upload resumes with the same data while resumeUrl is set.
   */
  uploadFile(fileName: string, parentId: string, options: BoxUploadOptions = {}): Promise<string> {
    return this.run(options, async (signal) => {
      checkName(fileName, 'file name');
      const parent = parseId(parentId, 'folder', 'parent id');
      const item = await this.uploadTo({ kind: 'new', folderId: parent.id, name: fileName }, options, signal);
      return formatId('file', item.id);
    });
  }

  /** Reads the session at resumeUrl: sets startByte (where the upload continues), UploadFragmentSize and UploadExpDate. */
  pollUploadStatus(options: CallOptions = {}): Promise<void> {
    return this.run(options, (signal) => pollUploadStatus(this.api, this, signal));
  }

  /** Discards the upload session at resumeUrl (an interrupted upload that will not be resumed). */
  abortUpload(options: CallOptions = {}): Promise<void> {
    return this.run(options, (signal) => abortUpload(this.api, this, signal));
  }

  private async uploadTo(
    target: UploadTarget,
    options: BoxUploadOptions,
    signal: AbortSignal,
  ): Promise<WireItem> {
    const { localFile, data } = uploadInput(options, this);
    const source = await uploadSource(localFile || undefined, data, options.size);
    const state = this.uploadSessions.open(options.resumeUrl ?? this.resumeUrl, 0);
    try {
      return await upload({
        api: this.api,
        signal,
        source,
        encryption: this.encryptionIfOn(),
        target,
        resumable: options.useResumableUpload ?? this.useResumableUpload,
        state,
      });
    } finally {
      state.close();
    }
  }

  // ---- downloads --------------------------------------------------------------------------------------

  /**
   * Downloads a file's content (or, with downloadType 1, a thumbnail) to localFile, to resourceData, or to
   * `options.writable`; returns the bytes when they went to resourceData. Resumes from startByte;
   * decrypts when encryption is on; VersionId picks a version. A folder id is error 607.
   */
  downloadFile(fileId: string, options: BoxDownloadOptions = {}): Promise<Uint8Array | undefined> {
    return this.run(options, async (signal) => {
      const file = parseId(fileId, 'download', 'file id');
      const destination = this.destination(options);
      const job = {
        api: this.api,
        signal,
        file,
        destination,
        // While the instance shows an upload under way, its startByte is that upload's progress, not ours.
        startByte: options.startByte ?? (this.uploadSessions.showsUpload ? 0 : this.startByte),
        encryption: this.downloadType === 1 ? undefined : this.encryptionIfOn(),
      };
      const bytes = this.downloadType === 1 ? await downloadThumbnail(job) : await downloadContent(job);
      if (destination.kind === 'bytes') this.resourceData = bytes;
      return bytes;
    });
  }

  private destination(options: BoxDownloadOptions): DownloadTarget {
    if (options.writable) return { kind: 'stream', writable: options.writable };
    const localFile = options.localFile ?? this.localFile;
    if (localFile) return { kind: 'file', path: localFile, overwrite: options.overwrite ?? this.overwrite };
    return { kind: 'bytes' };
  }

  // ---- links and locks --------------------------------------------------------------------------------

  /** Creates the shared link of a resource (or updates its settings, same URL) per the CreateLink* settings; returns the URL. */
  createLink(resourceId: string, options: CallOptions = {}): Promise<string> {
    return this.run(options, (signal) => items.createLink(this.api, this.existing(resourceId), signal));
  }

  /** Removes the shared link of a resource (nothing happens when there is none). */
  revokeLink(resourceId: string, options: CallOptions = {}): Promise<void> {
    return this.run(options, (signal) => items.revokeLink(this.api, this.existing(resourceId), signal));
  }

  /** An embeddable preview URL of a file (valid 60 s; the preview session lasts 60 min). */
  createPreviewLink(fileId: string, options: CallOptions = {}): Promise<string> {
    return this.run(options, (signal) =>
      items.createPreviewLink(this.api, parseId(fileId, 'file', 'file id'), signal),
    );
  }

  /** Locks a file; `expiration` '' never expires (else RFC 3339); `allowDownloading` lets others still download it. */
  lockFile(
    fileId: string,
    expiration: string,
    allowDownloading: boolean,
    options: CallOptions = {},
  ): Promise<void> {
    return this.run(options, async (signal) => {
      if (expiration && Number.isNaN(Date.parse(expiration))) {
        throw invalidArgument(`The lock expiration "${expiration}" is not an RFC 3339 timestamp.`);
      }
      await items.lockFile(
        this.api,
        parseId(fileId, 'file', 'file id'),
        expiration,
        allowDownloading,
        signal,
      );
    });
  }

  unlockFile(fileId: string, options: CallOptions = {}): Promise<void> {
    return this.run(options, (signal) =>
      items.unlockFile(this.api, parseId(fileId, 'file', 'file id'), signal),
    );
  }

  // ---- versions ---------------------------------------------------------------------------------------

  /** Makes an older version current (Box copies it as a new version). */
  promoteVersion(fileId: string, versionId: string, options: CallOptions = {}): Promise<void> {
    return this.run(options, async (signal) => {
      const file = parseId(fileId, 'file', 'file id');
      if (!/^\d+$/.test(versionId.trim())) {
        throw new CloudStorageError(
          ErrorCode.InvalidRemoteId,
          `"${versionId}" is not a Box version id (digits).`,
        );
      }
      await this.api.json({
        method: 'POST',
        path: `/files/${file.id}/versions/current`,
        json: { type: 'file_version', id: versionId.trim() },
        signal,
        subject: fileId,
      });
    });
  }

  // ---- metadata ---------------------------------------------------------------------------------------

  /** Creates a container (default /global/properties) holding the `metadata` items whose modOp is Add. */
  createMetadata(
    resourceId: string,
    scope: string,
    schema: string,
    options: CallOptions = {},
  ): Promise<void> {
    return this.run(options, (signal) =>
      meta.createMetadata(
        this.api,
        this.existing(resourceId),
        meta.containerOf(scope, schema),
        this.metadata,
        signal,
      ),
    );
  }

  /**
   * Lists the items of a container into `metadata` (cleared first), firing metadataList per item. With
   * scope and schema both empty, the items of every container.
   */
  listMetadata(
    resourceId: string,
    scope: string,
    schema: string,
    options: CallOptions = {},
  ): Promise<BoxMetadata[]> {
    return this.run(options, async (signal) => {
      const list = await meta.listMetadata(this.api, this.existing(resourceId), scope, schema, signal);
      this.metadata = list;
      for (const m of list) {
        this.emit('metadataList', {
          name: m.name,
          value: m.value,
          valueType: m.valueType,
          containerScope: m.containerScope,
          containerSchema: m.containerSchema,
          resourceId: m.resourceId,
        });
      }
      return list;
    });
  }

  /** Sends every qualifying item's modOp as one atomic, ordered update (MetadataUpdateOrder); 701 when none qualifies. */
  updateMetadata(
    resourceId: string,
    scope: string,
    schema: string,
    options: CallOptions = {},
  ): Promise<void> {
    return this.run(options, (signal) =>
      meta.updateMetadata(
        this.api,
        this.existing(resourceId),
        meta.containerOf(scope, schema),
        this.metadata,
        signal,
      ),
    );
  }

  /** Deletes a whole container and its items. */
  deleteMetadata(
    resourceId: string,
    scope: string,
    schema: string,
    options: CallOptions = {},
  ): Promise<void> {
    return this.run(options, (signal) =>
      meta.deleteMetadata(this.api, this.existing(resourceId), meta.containerOf(scope, schema), signal),
    );
  }

  // ---- account and custom requests --------------------------------------------------------------------

  /** Fills `account` (and AccountMaxFileSize) from the current user. */
  getAccountInfo(options: CallOptions = {}): Promise<BoxAccount> {
    return this.run(options, async (signal) => {
      const user = await this.api.json<WireUser>({
        method: 'GET',
        path: '/users/me',
        query: { fields: USER_FIELDS },
        signal,
      });
      this.account = accountFromUser(user);
      this.settings.set(
        'AccountMaxFileSize',
        user.max_upload_size === undefined ? '' : String(user.max_upload_size),
        true,
      );
      return this.account;
    });
  }

  /**
   * Sends any request to the Box API: `httpMethod` (GET when empty, HEAD, POST, PUT, DELETE) to ApiUrl +
   * `requestPath` (already URL-encoded) + the QueryParams, with `requestBody` when not empty. The response
   * headers go to parsedHeaders, the body to localFile or resourceData (as downloadFile does), and a JSON
   * body to the XPath settings. Returns the bytes when they went to resourceData.
   */
  sendCustomRequest(
    httpMethod: string,
    requestPath: string,
    requestBody: string,
    options: BoxDownloadOptions = {},
  ): Promise<Uint8Array | undefined> {
    return this.run(options, async (signal) => {
      const method = (httpMethod.trim() || 'GET').toUpperCase();
      if (!CUSTOM_METHODS.has(method)) {
        throw invalidArgument(`sendCustomRequest takes GET, HEAD, POST, PUT or DELETE; got "${httpMethod}".`);
      }
      const path = requestPath.startsWith('/') || requestPath === '' ? requestPath : `/${requestPath}`;
      const response = await this.api.request({
        method,
        path: `${this.api.apiUrl}${path}`,
        query: this.queryParams.map((p): [string, string] => [p.name, p.value]),
        ...(requestBody ? { body: requestBody, headers: { 'Content-Type': 'application/json' } } : {}),
        stream: true,
        signal,
      });
      const destination = this.destination(options);
      const isJson = /json/i.test(response.headers['content-type'] ?? '');
      const bytes = await deliverResponse(
        response.body,
        destination,
        isJson ? (t) => this.rememberJson(t) : undefined,
      );
      if (destination.kind === 'bytes') this.resourceData = bytes;
      return bytes;
    });
  }

  /** Back to the initial state: settings, properties, collections (and OAuth state per OAuthResetData). */
  override async reset(): Promise<void> {
    await super.reset();
    this.downloadType = 0;
    this.useResumableUpload = false;
    this.resumeUrl = '';
    this.resourceMarker = '';
    this.searchMarker = '';
    this.versionMarker = '';
    this.resources = [];
    this.metadata = [];
    this.account = emptyAccount();
    this.originals = new WeakMap();
    this.markerOwners = { resource: '', search: '', version: '' };
  }

  // ---- internals --------------------------------------------------------------------------------------

  /** The id of a file or folder a method acts on; an empty id (the root, elsewhere) is refused here. */
  private existing(resourceId: string): BoxRef {
    if (resourceId.trim() === '') {
      throw new CloudStorageError(
        ErrorCode.InvalidRemoteId,
        'The resource id is empty: give f:<id> or d:<id>.',
      );
    }
    return parseId(resourceId, 'any');
  }

  private encryptionIfOn(): EncryptionSettings | undefined {
    return this.encryptionPassword || this.settings.get('EncryptionKey') ? this.encryption() : undefined;
  }

  /** A resource from Box's description, remembered so that updateResource can tell what changed. */
  private remember(item: WireItem): BoxResource {
    const resource = resourceFromItem(item);
    this.originals.set(resource, { ...resource });
    return resource;
  }

  /** Adds a page to `resources` (a new listing, or AccumulatePages off, replaces them) and fires resourceList. */
  private takePage(page: BoxPage, continuing: boolean): void {
    if (!continuing || !this.settings.get('AccumulatePages')) this.resources = [];
    for (const r of page.resources) {
      this.originals.set(r, { ...r });
      this.resources.push(r);
      this.emit('resourceList', resourceListEvent(r));
    }
  }

  /** Walks every page of a marker-paged listing as one iteration (see CloudClient.iterate). */
  private walk(
    options: CallOptions,
    fetch: (marker: string, signal: AbortSignal) => Promise<BoxPage>,
  ): AsyncGenerator<BoxResource> {
    return this.iterate(options, async function* (signal) {
      let marker = '';
      do {
        const page = await fetch(marker, signal);
        yield* page.resources;
        marker = page.marker;
      } while (marker);
    });
  }

  /** The default OAuth endpoints: Box's, or the ones of the server ApiUrl points at (an emulator). */
  private defaultOAuthUrl(which: 'auth' | 'token'): string {
    const api = this.settings.get('ApiUrl');
    if (trimTrailingSlashes(api) === BOX_API_URL) return which === 'auth' ? BOX_AUTH_URL : BOX_TOKEN_URL;
    return new URL(which === 'auth' ? '/api/oauth2/authorize' : '/oauth2/token', api).href;
  }

  /** Box's client-credentials grant names its subject: the enterprise (service account) or a user. */
  private ccgParams(grantType: string): Record<string, string> {
    const id = this.settings.get('BoxSubjectId');
    if (grantType !== 'client_credentials' || !id) return {};
    return { box_subject_type: this.settings.get('BoxSubjectType'), box_subject_id: id };
  }

  /** The `Resource…[i]` config settings read the resources collection. */
  private installResourceSettings(): void {
    const at = (i: number | undefined): BoxResource => {
      const r = i === undefined ? undefined : this.resources[i];
      if (!r) {
        throw new CloudStorageError(
          ErrorCode.InvalidIndex,
          `Resource index ${i} is out of range: resourceCount is ${this.resources.length}.`,
        );
      }
      return r;
    };
    const readers: Array<[keyof BoxSettingTable & string, (r: BoxResource) => string]> = [
      ['ResourceClientCreatedTime', (r) => r.clientCreatedTime],
      ['ResourceClientModifiedTime', (r) => r.clientModifiedTime],
      ['ResourceExpirationTime', (r) => r.expirationTime],
      ['ResourcePurgeTime', (r) => r.purgeTime],
      ['ResourceSharedLinkCanDownload', (r) => (r.sharedLinkCanDownload ? 'True' : 'False')],
      ['ResourceSharedLinkDownloadURL', (r) => r.sharedLinkDownloadUrl],
      ['ResourceSharedLinkExpiration', (r) => r.sharedLinkExpiration],
    ];
    for (const [name, read] of readers) this.settings.defineReader(name, (i) => read(at(i)));
  }
}

function resize<T>(list: T[], n: number, blank: () => T, what: string): T[] {
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`${what} must be a whole number ≥ 0; got ${n}.`);
  const out = list.slice(0, n);
  while (out.length < n) out.push(blank());
  return out;
}
