import { forwardProperties, type OAuthServiceProfile } from '../../core/auth/index.js';
import { type CallOptions, CloudClient, type CloudClientOptions } from '../../core/client.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { HttpErrorInfo } from '../../core/http/index.js';
import { enumValue, resizeCollection, takeOwnOptions } from '../../core/provider.js';
import { UploadSessions } from '../../core/transfer/index.js';
import { getAccountInfo } from './account.js';
import { GoogleDriveApi } from './api.js';
import { getCurrentChangeMarker, listChanges } from './changes.js';
import type { GoogleDriveContext } from './context.js';
import { sendCustomRequest } from './custom.js';
import { downloadFile } from './downloads.js';
import {
  createSharedDrive,
  deleteSharedDrive,
  getSharedDriveInfo,
  iterateSharedDrives,
  listSharedDrives,
  toggleSharedDriveHidden,
  updateSharedDrive,
} from './drives.js';
import { googleDriveErrorMapper } from './errors.js';
import {
  getResourceInfo,
  iterateChildren,
  iterateResources,
  listChildren,
  listParents,
  listResources,
  listRevisions,
} from './listing.js';
import { exportFormatFor, isGoogleNative } from './mapping.js';
import {
  addParents,
  copyResource,
  createFolder,
  deleteResource,
  emptyTrash,
  moveResource,
  removeParents,
  restoreResource,
  trashResource,
  updateMetadataOnly,
} from './operations.js';
import {
  addSharedDriveMember,
  getPermissionInfo,
  iteratePermissions,
  listPermissions,
  removeSharedDriveMember,
  updatePermissions,
  updateSharedDriveMember,
} from './permissions.js';
import { getUploadStatus } from './resumable.js';
import {
  GoogleServiceAccountAuth,
  type GoogleServiceAccountProperties,
  SERVICE_ACCOUNT_PROPERTY_NAMES,
} from './service-account.js';
import { type GoogleDriveSettingTable, googleDriveSettings } from './settings.js';
import {
  blankPermission,
  blankResource,
  type ChangePage,
  type CustomRequestOptions,
  type CustomResponse,
  type DownloadOptions,
  type DownloadResult,
  EMPTY_ACCOUNT,
  type GoogleDriveAccount,
  type GoogleDriveChange,
  type GoogleDriveEvents,
  type GoogleDriveListScopeValue,
  type GoogleDrivePermission,
  type GoogleDriveResource,
  type GoogleDriveSharedDrive,
  type PermissionPage,
  type ResourcePage,
  type SharedDrivePage,
  type UploadOptions,
} from './types.js';
import { hasContent, metadataOfCall, updateContent, uploadFile } from './uploads.js';

/** The reference's default scope: full access to the user's Drive. */
export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive';

/** Google's OAuth 2.0 endpoints, and what makes it issue a refresh token. */
const GOOGLE_OAUTH: OAuthServiceProfile = {
  authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  // Google gives a refresh token only for offline access, and again only on a fresh consent.
  refreshTokenParams: () => ({ access_type: 'offline', prompt: 'consent' }),
  isExpiredTokenResponse: (r) =>
    /invalid_token/i.test(r.headers['www-authenticate'] ?? '') || /"authError"|expired/i.test(r.bodyText),
};

/** The GoogleDrive properties of the reference class, besides the ones every class has. */
export interface GoogleDriveProperties {
  listResourcesScope: GoogleDriveListScopeValue;
  sharedDrive: string;
  useResumableUpload: boolean;
  resumeUrl: string;
  resourceMarker: string;
  childMarker: string;
  permissionMarker: string;
  sharedDriveMarker: string;
  changeMarker: string;
  nextChangeMarker: string;
}

const OWN_PROPERTIES = [
  'listResourcesScope',
  'sharedDrive',
  'useResumableUpload',
  'resumeUrl',
  'resourceMarker',
  'childMarker',
  'permissionMarker',
  'sharedDriveMarker',
  'changeMarker',
  'nextChangeMarker',
] as const satisfies ReadonlyArray<keyof GoogleDriveProperties>;

/** Constructor options: every writable setting (lower-camel-cased), every property, and the wiring. */
export type GoogleDriveOptions = CloudClientOptions<GoogleDriveSettingTable> &
  Partial<GoogleDriveProperties> &
  Partial<GoogleServiceAccountProperties>;

/**
 * The GoogleDrive class: the 40 methods of the reference `cloudstorage.GoogleDrive`, its properties,
 * events, config settings and errors, over the Drive API v3.
 *
 * Resources are addressed by id ("root" is My Drive); lists of ids are comma-separated. Each method
 * returns its result and fills the collections the reference describes (`resources`, `children`,
 * `permissions`, `sharedDrives`, `changes`, `account`, the markers). Per-call options (last argument)
 * override the instance's properties for that call only.
 *
 * ```ts
 * const drive = new GoogleDrive({ oAuthClientId: CLIENT_ID, oAuthClientSecret: SECRET });
 * await drive.authorize();
 * drive.localFile = 'report.pdf';
 * const id = await drive.uploadFile('report.pdf', '');
 * for await (const r of drive.iterateChildren('root')) console.log(r.name, r.size);
 * ```
 *
 * On a server: `new GoogleDrive({ serviceAccountKeyFile: 'key.json' })` signs in as the service account
 * (serviceAccountSubject: a user of the domain, by domain-wide delegation); accessTokenCallback supplies
 * tokens from elsewhere.
 */
export class GoogleDrive
  extends CloudClient<GoogleDriveEvents, GoogleDriveSettingTable>
  implements GoogleDriveProperties
{
  /** The shared drive of listResourcesScope 2, and the scope of the changes methods. */
  sharedDrive = '';
  useResumableUpload = false;
  /** The session URL of a resumable upload; set it (with startByte) to resume one. */
  resumeUrl = '';
  /** Marker of the next page of listResources; '' when there is none. */
  resourceMarker = '';
  /** Marker of the next page of listChildren. */
  childMarker = '';
  /** Marker of the next page of listPermissions. */
  permissionMarker = '';
  /** Marker of the next page of listSharedDrives. */
  sharedDriveMarker = '';

  /** The Resource collection: filled by listResources, listParents, getResourceInfo, listRevisions. */
  resources: GoogleDriveResource[] = [];
  /** The Child collection (read it; it is filled by listChildren only). */
  children: GoogleDriveResource[] = [];
  /** The Permission collection: filled by listPermissions and getPermissionInfo; edited for updatePermissions. */
  permissions: GoogleDrivePermission[] = [];
  /** The SharedDrive collection: filled by listSharedDrives and getSharedDriveInfo. */
  sharedDrives: GoogleDriveSharedDrive[] = [];
  /** The Change collection: filled by listChanges. */
  changes: GoogleDriveChange[] = [];
  /** The Account properties: filled by getAccountInfo. */
  account: GoogleDriveAccount = { ...EMPTY_ACCOUNT };

  private _listResourcesScope: GoogleDriveListScopeValue = 0;
  private _changeMarker = '';
  private _nextChangeMarker = '';
  private readonly ctx: GoogleDriveContext;
  private readonly serviceAccount: GoogleServiceAccountAuth;

  constructor(options: GoogleDriveOptions = {}) {
    const { own, rest: others } = takeOwnOptions<GoogleDriveProperties>(options, OWN_PROPERTIES);
    const { own: serviceAccount, rest } = takeOwnOptions<GoogleServiceAccountProperties>(
      others,
      SERVICE_ACCOUNT_PROPERTY_NAMES,
    );
    const holder: { drive?: GoogleDrive } = {};
    super(googleDriveSettings, rest as CloudClientOptions<GoogleDriveSettingTable>, {
      oauthService: GOOGLE_OAUTH,
      errorFromResponse: (info: HttpErrorInfo) => googleDriveErrorMapper(holder.drive!.redactor)(info),
    });
    holder.drive = this;
    this.ctx = {
      client: this,
      api: new GoogleDriveApi(this.http, this.settings, this.redactor, (text) => this.rememberJson(text)),
      http: this.http,
      settings: this.settings,
      redactor: this.redactor,
      encryption: (overrides) => this.encryption(overrides),
      uploadSessions: new UploadSessions(this, 'resumeUrl'),
      rememberJson: (text) => this.rememberJson(text),
    };
    if (!this.oAuthAuthorizationScope) this.oAuthAuthorizationScope = DRIVE_SCOPE;
    if (this.settings.get('IncludeAllFields')) this.settings.set('RequestedFields', '*');
    this.installSettings();
    Object.assign(this, own);
    this.serviceAccount = new GoogleServiceAccountAuth(this.oauth, this.redactor);
    forwardProperties(this, this.serviceAccount, SERVICE_ACCOUNT_PROPERTY_NAMES);
    Object.assign(this, serviceAccount);
  }

  // ---- properties, collections and markers ------------------------------------------------------------

  /** `list_resources_scope`: 0 user (My Drive + shared with me), 1 domain, 2 shared drive, 3 all drives. */
  get listResourcesScope(): GoogleDriveListScopeValue {
    return this._listResourcesScope;
  }
  set listResourcesScope(value: GoogleDriveListScopeValue) {
    this._listResourcesScope = enumValue(value, [0, 1, 2, 3] as const, 'listResourcesScope', {
      0: 'User',
      1: 'Domain',
      2: 'SharedDrive',
      3: 'AllDrives',
    });
  }

  /** `resource_count`: setting it truncates, or adds blank items (1 before uploadFile sends metadata). */
  get resourceCount(): number {
    return this.resources.length;
  }
  set resourceCount(count: number) {
    this.resources = resizeCollection(this.resources, count, blankResource, 'resourceCount');
  }

  /** `child_count` (read-only). */
  get childCount(): number {
    return this.children.length;
  }

  /** `permission_count`: raise it to add permissions for updatePermissions. */
  get permissionCount(): number {
    return this.permissions.length;
  }
  set permissionCount(count: number) {
    this.permissions = resizeCollection(this.permissions, count, blankPermission, 'permissionCount');
  }

  /** `shared_drive_count` (read-only). */
  get sharedDriveCount(): number {
    return this.sharedDrives.length;
  }

  /** `change_count` (read-only). */
  get changeCount(): number {
    return this.changes.length;
  }

  /** The marker of the next page of changes; setting it clears nextChangeMarker. */
  get changeMarker(): string {
    return this._changeMarker;
  }
  set changeMarker(value: string) {
    this._changeMarker = value;
    if (value) this._nextChangeMarker = '';
  }

  /** Where the next poll of changes starts (after the last page, or getCurrentChangeMarker); setting it clears changeMarker. */
  get nextChangeMarker(): string {
    return this._nextChangeMarker;
  }
  set nextChangeMarker(value: string) {
    this._nextChangeMarker = value;
    if (value) this._changeMarker = '';
  }

  // ---- the reference methods, in the reference's order ------------------------------------------------

  /** Adds folders to a resource's parents, keeping the ones it has. */
  addParents(resourceId: string, parentIds: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => addParents(this.ctx, resourceId, parentIds, signal));
  }

  /** Makes a user or group (0/1) a member of a shared drive with a role (0, 1, 2, 4, 5); returns the permission id. */
  addSharedDriveMember(
    sharedDriveId: string,
    role: number,
    permissionType: number,
    email: string,
    options?: CallOptions,
  ): Promise<string> {
    return this.run(options, (signal) =>
      addSharedDriveMember(this.ctx, sharedDriveId, role, permissionType, email, signal),
    );
  }

  /** Copies a file (to parentIds, else beside the original), named newName if given; returns the copy's id. */
  copyResource(
    resourceId: string,
    newName: string,
    parentIds: string,
    options?: CallOptions,
  ): Promise<string> {
    return this.run(options, (signal) => copyResource(this.ctx, resourceId, newName, parentIds, signal));
  }

  /** Creates a folder in parentIds (empty: My Drive); IncludeFolderProperties sends resources[0] too. Returns its id. */
  createFolder(name: string, parentIds: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => createFolder(this.ctx, name, parentIds, signal));
  }

  /** Creates a shared drive; the same name and requestId again never make a second one. Returns its id. */
  createSharedDrive(name: string, requestId: string, options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => createSharedDrive(this.ctx, name, requestId, signal));
  }

  /** Deletes for good, bypassing the trash (with RevisionId: that revision). */
  deleteResource(resourceId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => deleteResource(this.ctx, resourceId, signal));
  }

  /** Deletes a shared drive (organizers only; it must be empty, or hold only trashed items). */
  deleteSharedDrive(sharedDriveId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => deleteSharedDrive(this.ctx, sharedDriveId, signal));
  }

  /**
   * Downloads to localFile, or to `resourceData` (also returned), or to `options.stream`: the content
   * (resumed from startByte; RevisionId), or an export of a Google-native file in `mimeType` or its
   * *ExportFormat. Checked against md5Checksum; decrypted when the encryption properties are set.
   */
  downloadFile(resourceId: string, mimeType: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return this.run(options, (signal) => downloadFile(this.ctx, resourceId, mimeType, options, signal));
  }

  /** Deletes everything in the user's trash for good. */
  emptyTrash(options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => emptyTrash(this.ctx, signal));
  }

  /** Fills `account`. */
  getAccountInfo(options?: CallOptions): Promise<GoogleDriveAccount> {
    return this.run(options, (signal) => getAccountInfo(this.ctx, signal));
  }

  /** Sets (and returns) nextChangeMarker to now, for sharedDrive when it is set. */
  getCurrentChangeMarker(options?: CallOptions): Promise<string> {
    return this.run(options, (signal) => getCurrentChangeMarker(this.ctx, signal));
  }

  /** One permission, as the only item of `permissions`. */
  getPermissionInfo(
    resourceId: string,
    permissionId: string,
    options?: CallOptions,
  ): Promise<GoogleDrivePermission> {
    return this.run(options, (signal) => getPermissionInfo(this.ctx, resourceId, permissionId, signal));
  }

  /** Metadata of one or more resources (comma-separated ids), as the items of `resources`. */
  getResourceInfo(resourceIds: string, options?: CallOptions): Promise<GoogleDriveResource[]> {
    return this.run(options, (signal) => getResourceInfo(this.ctx, resourceIds, signal));
  }

  /** One shared drive, as the only item of `sharedDrives`. */
  getSharedDriveInfo(sharedDriveId: string, options?: CallOptions): Promise<GoogleDriveSharedDrive> {
    return this.run(options, (signal) => getSharedDriveInfo(this.ctx, sharedDriveId, signal));
  }

  /** Asks the session in resumeUrl how much it has, into startByte (also in another process). */
  getUploadStatus(options?: CallOptions): Promise<{ complete: boolean; startByte: number; id: string }> {
    return this.run(options, (signal) => getUploadStatus(this.ctx, signal));
  }

  /**
   * One page of changes from changeMarker (a further page) or nextChangeMarker (what changed since);
   * afterwards changeMarker is set while pages remain, else nextChangeMarker is where the next poll starts.
   */
  listChanges(options?: CallOptions): Promise<ChangePage> {
    return this.run(options, (signal) => listChanges(this.ctx, signal));
  }

  /** One page of the children of one or more folders (comma-separated; "root"), into `children`. */
  listChildren(folderIds: string, options?: CallOptions): Promise<ResourcePage> {
    return this.run(options, (signal) => listChildren(this.ctx, folderIds, signal));
  }

  /** Every child of the folders (all pages), without touching `children` or childMarker. */
  async *iterateChildren(folderIds: string, options?: CallOptions): AsyncGenerator<GoogleDriveResource> {
    yield* this.iterate(options, (signal) => iterateChildren(this.ctx, folderIds, signal));
  }

  /** The parents of a resource, as the items of `resources`. */
  listParents(resourceId: string, options?: CallOptions): Promise<GoogleDriveResource[]> {
    return this.run(options, (signal) => listParents(this.ctx, resourceId, signal));
  }

  /** One page of a file's, folder's or shared drive's permissions (MaxPermissionResults). */
  listPermissions(resourceId: string, options?: CallOptions): Promise<PermissionPage> {
    return this.run(options, (signal) => listPermissions(this.ctx, resourceId, signal));
  }

  /** Every permission (all pages), without touching `permissions` or permissionMarker. */
  async *iteratePermissions(
    resourceId: string,
    options?: CallOptions,
  ): AsyncGenerator<GoogleDrivePermission> {
    yield* this.iterate(options, (signal) => iteratePermissions(this.ctx, resourceId, signal));
  }

  /**
   * One page of resources in listResourcesScope (ListResourcesMode, MaxResults, a caller's `q` through
   * addQueryParam); call again while resourceMarker is set. SearchIncomplete says whether Drive skipped some.
   */
  listResources(options?: CallOptions): Promise<ResourcePage> {
    return this.run(options, (signal) => listResources(this.ctx, signal));
  }

  /** Every resource of the scope (all pages), without touching `resources` or resourceMarker. */
  async *iterateResources(options?: CallOptions): AsyncGenerator<GoogleDriveResource> {
    yield* this.iterate(options, (signal) => iterateResources(this.ctx, signal));
  }

  /** A file's revisions, as items of `resources` of type 2 (the revision id in `id`). */
  listRevisions(fileId: string, options?: CallOptions): Promise<GoogleDriveResource[]> {
    return this.run(options, (signal) => listRevisions(this.ctx, fileId, signal));
  }

  /** One page of the user's shared drives (MaxSharedDriveResults). */
  listSharedDrives(options?: CallOptions): Promise<SharedDrivePage> {
    return this.run(options, (signal) => listSharedDrives(this.ctx, signal));
  }

  /** Every shared drive (all pages), without touching `sharedDrives` or sharedDriveMarker. */
  async *iterateSharedDrives(options?: CallOptions): AsyncGenerator<GoogleDriveSharedDrive> {
    yield* this.iterate(options, (signal) => iterateSharedDrives(this.ctx, signal));
  }

  /** Afterwards the given folders are the resource's only parents. */
  moveResource(resourceId: string, newParentIds: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => moveResource(this.ctx, resourceId, newParentIds, signal));
  }

  /** Removes folders from a resource's parents. */
  removeParents(resourceId: string, parentIds: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => removeParents(this.ctx, resourceId, parentIds, signal));
  }

  /** Removes a member (their permission) from a shared drive. */
  removeSharedDriveMember(sharedDriveId: string, permissionId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) =>
      removeSharedDriveMember(this.ctx, sharedDriveId, permissionId, signal),
    );
  }

  /** Takes a resource out of the trash. */
  restoreResource(resourceId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => restoreResource(this.ctx, resourceId, signal));
  }

  /** Any call under the Drive API (ApiUrl + requestPath), GET by default, with the QueryParams. */
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

  /** Hides (or shows again) a shared drive in this user's default view. */
  toggleSharedDriveHidden(sharedDriveId: string, hidden: boolean, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => toggleSharedDriveHidden(this.ctx, sharedDriveId, hidden, signal));
  }

  /** Moves a resource to the trash (restoreResource takes it out). */
  trashResource(resourceId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => trashResource(this.ctx, resourceId, signal));
  }

  /**
   * Creates, updates and deletes the permissions of `permissions` per their modOp, one at a time; the
   * first failure stops the batch and names its index. The owner role needs TransferOwnership.
   */
  updatePermissions(resourceId: string, options?: CallOptions): Promise<void> {
    return this.run(options, (signal) => updatePermissions(this.ctx, resourceId, signal));
  }

  /**
   * Updates a resource from its item in `resources` (name, description, starred, trashed, modifiedTime,
   * contentAccessible; mimeType with new content), and its content when localFile or resourceData is set
   * (simple or resumable, encrypted, as uploadFile).
   */
  updateResource(resourceId: string, options: UploadOptions = {}): Promise<void> {
    return this.run(options, (signal) =>
      hasContent(this.ctx, options)
        ? updateContent(this.ctx, resourceId, options, signal)
        : updateMetadataOnly(
            this.ctx,
            resourceId,
            signal,
            options.metadata && metadataOfCall(options.metadata, false),
          ),
    );
  }

  /** Renames a shared drive ('' keeps the name) and sets / clears restriction bits, all or nothing. */
  updateSharedDrive(
    sharedDriveId: string,
    newName: string,
    setRestrictions: number,
    unsetRestrictions: number,
    options?: CallOptions,
  ): Promise<void> {
    return this.run(options, (signal) =>
      updateSharedDrive(this.ctx, sharedDriveId, newName, setRestrictions, unsetRestrictions, signal),
    );
  }

  /** Changes a shared-drive member's role (0, 1, 2, 4, 5). */
  updateSharedDriveMember(
    sharedDriveId: string,
    permissionId: string,
    role: number,
    options?: CallOptions,
  ): Promise<void> {
    return this.run(options, (signal) =>
      updateSharedDriveMember(this.ctx, sharedDriveId, permissionId, role, signal),
    );
  }

  /**
   * Uploads localFile (or resourceData, or `options.data`) as a new file named fileName, converted when
   * mimeType is a Google type, with the metadata of resources[0] when resourceCount is 1; returns its id.
   * Simple (multipart) by default, a resumable session with useResumableUpload (resume with resumeUrl +
   * startByte). Checked against md5Checksum.
   */
  uploadFile(fileName: string, mimeType: string, options: UploadOptions = {}): Promise<string> {
    return this.run(options, (signal) => uploadFile(this.ctx, fileName, mimeType, options, signal));
  }

  override async reset(): Promise<void> {
    await super.reset();
    Object.assign(this, {
      sharedDrive: '',
      useResumableUpload: false,
      resumeUrl: '',
      resourceMarker: '',
      childMarker: '',
      permissionMarker: '',
      sharedDriveMarker: '',
      resources: [],
      children: [],
      permissions: [],
      sharedDrives: [],
      changes: [],
      account: { ...EMPTY_ACCOUNT },
    });
    this._listResourcesScope = 0;
    this._changeMarker = '';
    this._nextChangeMarker = '';
    if (!this.oAuthAuthorizationScope) this.oAuthAuthorizationScope = DRIVE_SCOPE;
    // Service-account sign-in goes with the rest of the OAuth state (unless OAuthResetData kept the client id).
    if (!this.oAuthClientId) {
      this.serviceAccountKey = undefined;
      this.serviceAccountSubject = '';
    }
  }

  /** The per-item settings (IconLink[i], NormalizedFileName[i], ResourceKey[i]) and IncludeAllFields. */
  private installSettings(): void {
    const at = (i: number | undefined): GoogleDriveResource => {
      const r = i === undefined ? undefined : this.resources[i];
      if (!r) {
        throw new CloudStorageError(
          ErrorCode.InvalidIndex,
          `Resource index ${i} is out of range: resourceCount is ${this.resources.length}.`,
        );
      }
      return r;
    };
    this.settings.defineReader('IconLink', (i) => at(i).iconLink);
    this.settings.defineReader('ResourceKey', (i) => at(i).resourceKey);
    this.settings.defineReader('NormalizedFileName', (i) => {
      const r = at(i);
      if (!isGoogleNative(r.mimeType)) return r.name;
      const format = exportFormatFor(r.mimeType, (name) => this.settings.get(name));
      if (!format || r.name.toLowerCase().endsWith(`.${format.extension}`)) return r.name;
      return `${r.name}.${format.extension}`;
    });
    this.settings.defineWriter('IncludeAllFields', (value) => {
      const on = /^(true|1|yes|on)$/i.test(value.trim());
      this.settings.set('RequestedFields', on ? '*' : 'default');
    });
  }
}

// The service-account properties are defined at run time by forwardProperties.
export interface GoogleDrive extends GoogleServiceAccountProperties {}
