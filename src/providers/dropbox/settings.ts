import { coreSettings } from '../../core/client.js';
import { bool, int, readOnly, type SettingTable, str } from '../../core/config.js';

/** Dropbox's limit for one upload request body (files/upload, each upload_session append). */
export const MAX_REQUEST_BYTES = 150 * 1024 * 1024;
/** The reference default FragmentSize: 10 MiB. */
export const DEFAULT_FRAGMENT_SIZE = 10 * 1024 * 1024;

const isoTimestamp = (value: string) =>
  value === '' || !Number.isNaN(Date.parse(value))
    ? undefined
    : 'use an ISO 8601 timestamp in UTC, such as 2024-01-02T03:04:05Z.';

const url = (value: string) => {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'use an http(s) URL.';
  } catch {
    return 'use an absolute URL such as https://api.dropboxapi.com.';
  }
};

const pathRoot = (value: string) =>
  /^(|home|root|[0-9]+)$/i.test(value)
    ? undefined
    : 'use "" (none), "home", "root" (the account root namespace) or a namespace id (digits).';

/**
 * The Dropbox class's config settings, by their reference names, plus a few of our own (marked "ours"):
 * the base URLs of the three Dropbox hosts (to point the class at the emulator) and PathRoot.
 */
export const dropboxOnlySettings = {
  AccountHomeNamespace: readOnly("The current user's home namespace id (filled by getAccountInfo)."),
  AccountHomePath: readOnly(
    "The current user's home folder under the team root (filled by getAccountInfo); empty off a team.",
  ),
  AccountRootNamespace: readOnly(
    "The current user's root namespace id: the team root on a team, else the home namespace (getAccountInfo).",
  ),
  AccumulatePages: bool(
    true,
    'Append each further page of a listing to the collection; off: every page replaces it.',
  ),
  AllowCopySharedFolders: bool(false, 'Allow copyResource to copy shared folders or their contents.'),
  AllowFolderDownloads: bool(false, 'downloadFile on a folder downloads it as a ZIP file.'),
  AllowOwnershipTransfers: bool(false, 'Allow moveResource moves that would transfer ownership.'),
  ClientModifiedTime: str('', 'Client-side modification time (ISO 8601, UTC) sent by uploadFile.', {
    validate: isoTimestamp,
  }),
  CreateLinkExpiration: str('', 'Expiry (ISO 8601, UTC) of links made by createLink; empty: never.', {
    validate: isoTimestamp,
  }),
  CreateLinkPassword: str('', 'Password of links made by createLink (needed with CreateLinkVisibility=2).'),
  CreateLinkVisibility: int(0, 'Visibility of links made by createLink: 0 public, 1 team only, 2 password.', {
    min: 0,
    max: 2,
  }),
  DateFormat: str(
    'yyyy-MM-ddTHH:mm:ssZ',
    'Format of the date/time fields: yyyy, MM, dd, HH (or hh, also 24-hour), mm, ss, fff; other text is literal.',
  ),
  FragmentSize: int(
    DEFAULT_FRAGMENT_SIZE,
    'Bytes per request of a resumable upload (upload session append), at most 150 MiB. Sessions here are sequential, so any size works; multiples of 4 MiB also let each fragment carry its own content hash.',
    { min: 1, max: MAX_REQUEST_BYTES },
  ),
  IfRevision: str('', 'A revision id: makes deleteResource conditional and uploadFile an update of it.'),
  IncludeDeleted: bool(false, 'Include deleted entries in getResourceInfo, listResources and listChanges.'),
  IncludeMounted: bool(true, 'Include app, shared and team folders in listResources and listChanges.'),
  ListRevisionsMode: int(0, 'listRevisions mode: 0 automatic (id: by id, else by path), 1 path, 2 id.', {
    min: 0,
    max: 2,
  }),
  MaxResults: int(-1, 'Page size of listResources and listChanges (1-2000); -1: the server default.', {
    min: 1,
    max: 2000,
    allowed: [-1],
  }),
  MaxRevisionResults: int(-1, 'Most revisions listRevisions returns (1-100); -1: the server default (10).', {
    min: 1,
    max: 100,
    allowed: [-1],
  }),
  MaxSearchResults: int(-1, 'Page size of search (1-1000); -1: the server default (100).', {
    min: 1,
    max: 1000,
    allowed: [-1],
  }),
  MuteFileUploads: bool(false, "Ask Dropbox not to notify the user's desktop clients of uploads."),
  PermanentlyDelete: bool(false, 'deleteResource deletes permanently (Dropbox Business only).'),
  RecurseSubfolders: bool(false, 'listResources and listChanges include every subfolder, recursively.'),
  RenameIfExists: bool(
    false,
    'On a name conflict, let Dropbox pick a new name (uploadFile, createFolder, copy, move); wins over overwrite.',
  ),
  ThumbnailFormat: int(0, 'Thumbnail format: 0 JPEG, 1 PNG.', { min: 0, max: 1 }),
  ThumbnailMode: int(0, 'Thumbnail scaling: 0 strict, 1 best fit, 2 best fit one.', { min: 0, max: 2 }),
  ThumbnailSize: int(
    1,
    'Thumbnail size: 0 32x32, 1 64x64, 2 128x128, 3 256x256, 4 480x320, 5 640x480, 6 960x640, 7 1024x768, 8 2048x1536.',
    { min: 0, max: 8 },
  ),
  // ---- ours ----
  ApiBaseUrl: str('https://api.dropboxapi.com', 'Ours: base URL of the RPC host (api.dropboxapi.com).', {
    validate: url,
  }),
  ContentBaseUrl: str(
    'https://content.dropboxapi.com',
    'Ours: base URL of the content host (uploads, downloads).',
    { validate: url },
  ),
  NotifyBaseUrl: str('https://notify.dropboxapi.com', 'Ours: base URL of the long-poll host.', {
    validate: url,
  }),
  PathRoot: str(
    '',
    'Ours: the Dropbox-API-Path-Root sent with every call: "" none, "home", "root" (AccountRootNamespace, fetched when unknown), or a namespace id.',
    { validate: pathRoot },
  ),
} satisfies SettingTable;

export const dropboxSettings = { ...coreSettings, ...dropboxOnlySettings } satisfies SettingTable;
export type DropboxSettingTable = typeof dropboxSettings;
