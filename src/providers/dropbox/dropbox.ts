import type { OAuthServiceProfile } from '../../core/auth/index.js';
import { type CallOptions, CloudClient, type CloudClientOptions } from '../../core/client.js';
import {
  type CustomRequestOptions,
  type CustomResponse,
  enumMember,
  resizeCollection,
  takeOwnOptions,
} from '../../core/provider.js';
import { UploadSessions } from '../../core/transfer/index.js';
import { getAccountInfo } from './account.js';
import { DropboxApi } from './api.js';
import type { DropboxContext } from './context.js';
import { sendCustomRequest } from './custom.js';
import { downloadFile } from './downloads.js';
import { dropboxErrorMapper } from './errors.js';
import { createLink, iterateSharedLinks, listSharedLinks, revokeLink } from './links.js';
import {
  getCurrentChangeMarker,
  getResourceInfo,
  iterateResources,
  iterateSearch,
  listChanges,
  listResources,
  listRevisions,
  search,
  waitForChanges,
} from './listing.js';
import { emptyResource, emptySharedLink } from './mapping.js';
import { copyResource, createFolder, deleteResource, moveResource, restoreResource } from './operations.js';
import { type DropboxSettingTable, dropboxSettings } from './settings.js';
import {
  type ChangePage,
  type DownloadOptions,
  type DownloadResult,
  type DropboxAccount,
  DropboxDownloadType,
  type DropboxDownloadTypeValue,
  type DropboxEvents,
  type DropboxResource,
  DropboxSearchKind,
  type DropboxSearchKindValue,
  type DropboxSharedLink,
  EMPTY_ACCOUNT,
  type ResourcePage,
  type SharedLinkPage,
  type UploadOptions,
} from './types.js';
import { uploadFile } from './uploads.js';

/** Dropbox's OAuth 2.0 endpoints, and what makes it issue a refresh token. */
const DROPBOX_OAUTH: OAuthServiceProfile = {
  authUrl: 'https://www.dropbox.com/oauth2/authorize',
  tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
  // Without token_access_type=offline Dropbox gives no refresh token, and a 4-hour token cannot be renewed.
  refreshTokenParams: () => ({ token_access_type: 'offline' }),
  isExpiredTokenResponse: (r) => /expired_access_token/.test(r.bodyText),
};

/** The Dropbox properties of the reference class, besides the ones every class has. */
export interface DropboxProperties {
  downloadType: DropboxDownloadTypeValue;
  useResumableUpload: boolean;
  uploadSessionId: string;
  resourceMarker: string;
  changeMarker: string;
  nextChangeMarker: string;
  searchMarker: string;
  sharedLinkMarker: string;
  searchKind: DropboxSearchKindValue;
  searchNamesOnly: boolean;
  searchCategories: string;
  searchFileExtensions: string;
}

const OWN_PROPERTIES = [
  'downloadType',
  'useResumableUpload',
  'uploadSessionId',
  'resourceMarker',
  'changeMarker',
  'nextChangeMarker',
  'searchMarker',
  'sharedLinkMarker',
  'searchKind',
  'searchNamesOnly',
  'searchCategories',
  'searchFileExtensions',
] as const satisfies ReadonlyArray<keyof DropboxProperties>;

/** Constructor options: every writable setting (lower-camel-cased), every property, and the wiring. */
export type DropboxOptions = CloudClientOptions<DropboxSettingTable> & Partial<DropboxProperties>;

/**
 * The Dropbox class: the 25 methods of the reference `cloudstorage.Dropbox`, its properties, events,
 * config settings and errors, over the Dropbox API v2.
 *
 * Resources are addressed by path (`/a/b.txt`), id (`id:…`), id-relative path (`id:…/b.txt`), revision
 * (`rev:…`, where a method says so) or `""` for the root; Dropbox compares paths case-insensitively.
 * Each method returns its result and fills the collections the reference describes (`resources`,
 * `sharedLinks`, `account`, the markers). Per-call options (last argument) override the instance's
 * properties for that call only.
 *
 * ```ts
 * const dropbox = new Dropbox({ oAuthClientId: APP_KEY });
 * await dropbox.authorize();
 * dropbox.localFile = 'report.pdf';
 * const id = await dropbox.uploadFile('/Reports/report.pdf');
 * for await (const r of dropbox.iterateResources('/Reports')) console.log(r.name, r.size);
 * ```
 */
export class Dropbox extends CloudClient<DropboxEvents, DropboxSettingTable> implements DropboxProperties {
  useResumableUpload = false;
  /** The upload session of a resumable upload; set it (with startByte) to resume one. */
  uploadSessionId = '';
  /** Marker of the next page of listResources; '' when there is none. */
  resourceMarker = '';
  /** Marker of the next page of search. */
  searchMarker = '';
  /** Marker of the next page of listSharedLinks. */
  sharedLinkMarker = '';
  searchNamesOnly = false;
  /** Comma-separated Dropbox categories: image, document, pdf, spreadsheet, presentation, audio, video, folder, paper, others. */
  searchCategories = '';
  /** Comma-separated extensions without the dot. */
  searchFileExtensions = '';

  /** The Resource collection: filled by listResources, listChanges, search, listRevisions, getResourceInfo. */
  resources: DropboxResource[] = [];
  /** The SharedLink collection: filled by listSharedLinks. */
  sharedLinks: DropboxSharedLink[] = [];
  /** The Account properties: filled by getAccountInfo. */
  account: DropboxAccount = { ...EMPTY_ACCOUNT };

  private _changeMarker = '';
  private _nextChangeMarker = '';
  private readonly ctx: DropboxContext;
  private _downloadType: DropboxDownloadTypeValue = 0;
  private _searchKind: DropboxSearchKindValue = 0;

  constructor(options: DropboxOptions = {}) {
    const { own, rest } = takeOwnOptions<DropboxProperties>(options, OWN_PROPERTIES);
    // The error mapper needs the redactor, which exists only once super() has run.
    const self: { dropbox?: Dropbox } = {};
    super(dropboxSettings, rest as CloudClientOptions<DropboxSettingTable>, {
      oauthService: DROPBOX_OAUTH,
      errorFromResponse: (info) => dropboxErrorMapper(self.dropbox!.redactor)(info),
    });
    self.dropbox = this;
    this.ctx = {
      client: this,
      api: new DropboxApi(this.http, this.settings, (text) => this.rememberJson(text)),
      http: this.http,
      settings: this.settings,
      redactor: this.redactor,
      encryption: (overrides) => this.encryption(overrides),
      rememberJson: (text) => this.rememberJson(text),
      uploadSessions: new UploadSessions(this, 'uploadSessionId'),
      longpollBackoff: { until: 0 },
    };
    Object.assign(this, own);
  }

  /** `download_type`: 0 content, 1 thumbnail, 2 preview; anything else is refused. */
  get downloadType(): DropboxDownloadTypeValue {
    return this._downloadType;
  }
  set downloadType(value: DropboxDownloadTypeValue) {
    this._downloadType = enumMember(value, DropboxDownloadType, 'downloadType');
  }

  /** `search_kind`: 0 active files, 1 deleted files; anything else is refused. */
  get searchKind(): DropboxSearchKindValue {
    return this._searchKind;
  }
  set searchKind(value: DropboxSearchKindValue) {
    this._searchKind = enumMember(value, DropboxSearchKind, 'searchKind');
  }

  // ---- collections and markers ------------------------------------------------------------------------

  /** `resource_count`: the size of the Resource collection; setting it truncates or adds blank entries. */
  get resourceCount(): number {
    return this.resources.length;
  }
  set resourceCount(n: number) {
    this.resources = resizeCollection(this.resources, n, emptyResource, 'resourceCount');
  }

  /** `shared_link_count`: the size of the SharedLink collection; setting it truncates or adds blank entries. */
  get sharedLinkCount(): number {
    return this.sharedLinks.length;
  }
  set sharedLinkCount(n: number) {
    this.sharedLinks = resizeCollection(this.sharedLinks, n, emptySharedLink, 'sharedLinkCount');
  }

  /** The marker of the next page of the current change set; setting it clears nextChangeMarker. */
  get changeMarker(): string {
    return this._changeMarker;
  }
  set changeMarker(value: string) {
    this._changeMarker = value;
    if (value) this._nextChangeMarker = '';
  }

  /** Where the next change set starts (after the last page, or from getCurrentChangeMarker); setting it clears changeMarker. */
  get nextChangeMarker(): string {
    return this._nextChangeMarker;
  }
  set nextChangeMarker(value: string) {
    this._nextChangeMarker = value;
    if (value) this._changeMarker = '';
  }

  // ---- account ----------------------------------------------------------------------------------------

  /** Fills `account` (profile, team, space usage) and the AccountHomeNamespace / RootNamespace / HomePath settings. */
  getAccountInfo(options?: CallOptions): Promise<DropboxAccount> {
    return this.run(options, (signal) => getAccountInfo(this.ctx, signal));
  }

  // ---- listing and change tracking ---------------------------------------------------------------------

  /**
   * One page of a folder's resources (IncludeDeleted, IncludeMounted, MaxResults, RecurseSubfolders). Call
   * again while `resourceMarker` is set; the marker carries the folder and settings of the first call.
   */
  listResources(folderResource: string, options?: CallOptions): Promise<ResourcePage> {
    return this.run(options, (signal) => listResources(this.ctx, folderResource, signal));
  }

  /** Every resource of a folder, all pages, without touching `resources` or the markers. */
  async *iterateResources(folderResource: string, options?: CallOptions): AsyncGenerator<DropboxResource> {
    yield* this.iterate(options, (signal) => iterateResources(this.ctx, folderResource, signal));
  }

  /**
   * One page of changes. With both markers empty, the baseline (the current state of the scope); then,
   * while changeMarker is set, the next page; after the last page nextChangeMarker is set, and the next
   * call lists what changed since.
   */
  listChanges(folderResource: string, options?: CallOptions): Promise<ChangePage> {
    return this.run(options, (signal) => listChanges(this.ctx, folderResource, signal));
  }

  /** Sets (and returns) nextChangeMarker to the newest state of the scope, without listing anything. */
  getCurrentChangeMarker(folderResource: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => getCurrentChangeMarker(this.ctx, folderResource, signal));
  }

  /**
   * Waits up to `timeout` seconds (30–480; Dropbox adds up to 90 s of jitter) for a change in the scope of
   * nextChangeMarker; true when there is one (then call listChanges). Honours Dropbox's `backoff`.
   */
  waitForChanges(timeout: number, options?: CallOptions): Promise<boolean> {
    return this.run(options, (signal) => waitForChanges(this.ctx, timeout, signal));
  }

  /** Metadata of one resource (path, id, id-relative path or rev:), as the only item of `resources`. */
  getResourceInfo(resource: string, options?: CallOptions): Promise<DropboxResource> {
    return this.run(options, (signal) => getResourceInfo(this.ctx, resource, signal));
  }

  /** A file's revisions, newest first (MaxRevisionResults, ListRevisionsMode); never paged. */
  listRevisions(fileResource: string, options?: CallOptions): Promise<DropboxResource[]> {
    return this.run(options, (signal) => listRevisions(this.ctx, fileResource, signal));
  }

  /**
   * One page of search results (searchKind, searchNamesOnly, searchCategories, searchFileExtensions,
   * MaxSearchResults) under a folder ("" = everywhere). Call again while `searchMarker` is set.
   */
  search(folderResource: string, query: string, options?: CallOptions): Promise<ResourcePage> {
    return this.run(options, (signal) => search(this.ctx, folderResource, query, signal));
  }

  /** Every search hit, all pages, without touching `resources` or the markers. */
  async *iterateSearch(
    folderResource: string,
    query: string,
    options?: CallOptions,
  ): AsyncGenerator<DropboxResource> {
    yield* this.iterate(options, (signal) => iterateSearch(this.ctx, folderResource, query, signal));
  }

  // ---- changes to the tree ------------------------------------------------------------------------------

  /** Creates a folder (path or id-relative path; RenameIfExists); returns its id. */
  createFolder(newFolderPath: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => createFolder(this.ctx, newFolderPath, signal));
  }

  /** Copies to a path ending with the new name (RenameIfExists, AllowCopySharedFolders); returns the copy's id. */
  copyResource(fromResource: string, toResourcePath: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => copyResource(this.ctx, fromResource, toResourcePath, signal));
  }

  /** Moves to a path ending with the name (RenameIfExists, AllowOwnershipTransfers). */
  moveResource(fromResource: string, toResourcePath: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => moveResource(this.ctx, fromResource, toResourcePath, signal));
  }

  /** Deletes (IfRevision for files; PermanentlyDelete on Dropbox Business). */
  deleteResource(resource: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => deleteResource(this.ctx, resource, signal));
  }

  /** Writes a file revision (also of a deleted file) to a file path; returns the file's id. */
  restoreResource(revision: string, toResourcePath: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => restoreResource(this.ctx, revision, toResourcePath, signal));
  }

  // ---- transfers --------------------------------------------------------------------------------------

  /**
   * Downloads to `options.stream`, or localFile, or `resourceData` (also the result's `data`): the content
   * (resumed from startByte), a thumbnail or a preview (downloadType), an export-only file's export, or a
   * folder as ZIP (AllowFolderDownloads). Checked against Dropbox's content hash; decrypted when the
   * encryption properties are set.
   */
  downloadFile(resource: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return this.run(options, (signal) => downloadFile(this.ctx, resource, options, signal));
  }

  /**
   * Uploads localFile (or resourceData, or `options.data`) to a file path, id-relative path or file id;
   * returns the file's id. Simple by default, an upload session with useResumableUpload (resume with
   * uploadSessionId + startByte). Conflicts per IfRevision, RenameIfExists and overwrite.
   */
  uploadFile(newFileResource: string, options: UploadOptions = {}): Promise<string> {
    return this.run(options, (signal) => uploadFile(this.ctx, newFileResource, options, signal));
  }

  // ---- shared links -------------------------------------------------------------------------------------

  /**
   * Creates a shared link (CreateLinkVisibility, CreateLinkPassword, CreateLinkExpiration) and returns its
   * URL; when the resource already has one, that one is returned.
   */
  createLink(resource: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => createLink(this.ctx, resource, signal));
  }

  /** One page of the user's shared links: all ("") or those giving access to a resource. */
  listSharedLinks(resource: string, options?: CallOptions): Promise<SharedLinkPage> {
    return this.run(options, (signal) => listSharedLinks(this.ctx, resource, signal));
  }

  /** Every shared link (all pages), without touching `sharedLinks` or the marker. */
  async *iterateSharedLinks(resource: string, options?: CallOptions): AsyncGenerator<DropboxSharedLink> {
    yield* this.iterate(options, (signal) => iterateSharedLinks(this.ctx, resource, signal));
  }

  /** Revokes a shared link, by its URL. */
  revokeLink(sharedLink: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => revokeLink(this.ctx, sharedLink, signal));
  }

  // ---- the rest -----------------------------------------------------------------------------------------

  /** Any RPC route: `https://api.dropboxapi.com/2` + requestPath, GET or POST (default). */
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

  override async reset(): Promise<void> {
    await super.reset();
    Object.assign(this, {
      downloadType: 0,
      useResumableUpload: false,
      uploadSessionId: '',
      resourceMarker: '',
      searchMarker: '',
      sharedLinkMarker: '',
      searchKind: 0,
      searchNamesOnly: false,
      searchCategories: '',
      searchFileExtensions: '',
      resources: [],
      sharedLinks: [],
      account: { ...EMPTY_ACCOUNT },
    });
    this._changeMarker = '';
    this._nextChangeMarker = '';
    this.ctx.longpollBackoff.until = 0;
  }
}
