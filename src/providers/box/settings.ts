import { coreSettings } from '../../core/client.js';
import { bool, int, readOnly, type Settings, type SettingTable, str } from '../../core/config.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { BoxResource } from './types.js';

/** Box's public endpoints. */
export const BOX_API_URL = 'https://api.box.com/2.0';
export const BOX_UPLOAD_URL = 'https://upload.box.com/api/2.0';
export const BOX_AUTH_URL = 'https://app.box.com/api/oauth2/authorize';
export const BOX_TOKEN_URL = 'https://api.box.com/oauth2/token';

/** Box refuses upload sessions for files under 20,000,000 bytes (`file_size_too_small`). */
export const BOX_MIN_SESSION_SIZE = 20_000_000;

const rfc3339 = (value: string) =>
  value === '' || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value)))
    ? undefined
    : 'use an RFC 3339 timestamp such as 2024-01-02T03:04:05Z (or empty).';

const indexed = (description: string) => readOnly(description, { indexed: true });

/**
 * The config settings of the Box class: the reference's Box settings by their exact names, then a few of
 * our own (marked "Ours"), on top of the settings every class has (HTTP, OAuth, XPath, encryption).
 */
export const boxSettings = {
  ...coreSettings,
  AccountMaxFileSize: readOnly('Largest file the account may upload, in bytes (filled by getAccountInfo).'),
  AccumulatePages: bool(
    true,
    'Further pages of listResources, listVersions and search are added to the resources collection; off: each page replaces it.',
  ),
  ClientCreatedTime: str('', 'RFC 3339 creation time sent with uploads (Box content_created_at).', {
    validate: rfc3339,
  }),
  ClientModifiedTime: str('', 'RFC 3339 modification time sent with uploads (Box content_modified_at).', {
    validate: rfc3339,
  }),
  CreateLinkAccess: int(0, 'Access of links made by createLink: 0 open, 1 company, 2 collaborators.', {
    min: 0,
    max: 2,
  }),
  CreateLinkAllowDownloads: bool(
    true,
    'Whether links made by createLink allow downloads (not applicable to collaborators links).',
  ),
  CreateLinkExpiration: str('', 'RFC 3339 expiry of links made by createLink (paid accounts).', {
    validate: rfc3339,
  }),
  CreateLinkPassword: str('', 'Password of links made by createLink; it cannot be changed later.'),
  HashSimpleUploads: bool(false, 'Send the SHA-1 of simple uploads (Content-MD5), so Box verifies them.'),
  MaxResults: int(-1, 'Page size of listResources (1-1000) and listVersions; -1 = the server default.', {
    min: 1,
    max: 1000,
    allowed: [-1],
  }),
  MaxSearchResults: int(-1, 'Page size of search (1-200); -1 = the server default (30).', {
    min: 1,
    max: 200,
    allowed: [-1],
  }),
  MetadataUpdateOrder: str(
    '',
    'Comma-separated metadata indices: the order updateMetadata sends them in (empty: collection order).',
    {
      validate: (v) =>
        /^\s*(\d+\s*(,\s*\d+\s*)*)?$/.test(v) ? undefined : 'use indices separated by commas, e.g. 2,0,1.',
    },
  ),
  ResourceClientCreatedTime: indexed('Client-side creation time of resources[i] (content_created_at).'),
  ResourceClientModifiedTime: indexed('Client-side modification time of resources[i] (content_modified_at).'),
  ResourceExpirationTime: indexed('Expiration time of resources[i] (expires_at).'),
  ResourcePurgeTime: indexed('When resources[i] is purged from the trash (purged_at).'),
  ResourceSharedLinkCanDownload: indexed('Whether the shared link of resources[i] allows downloads.'),
  ResourceSharedLinkDownloadURL: indexed('Direct download URL of the shared link of resources[i].'),
  ResourceSharedLinkExpiration: indexed('Expiration time of the shared link of resources[i].'),
  RetryAfter: int(0, 'Seconds to wait before asking again for a thumbnail that is not ready (error 700).', {
    readOnly: true,
  }),
  ThumbnailFormat: int(0, 'Thumbnail format: 0 JPG, 1 PNG.', { min: 0, max: 1 }),
  ThumbnailSize: int(
    0,
    'Thumbnail size: 0 32x32, 1 64x64 (PNG), 2 94x94 (JPG), 3 128x128 (PNG), 4 160x160 (JPG), 5 256x256 (PNG), 6 320x320 (JPG).',
    { min: 0, max: 6 },
  ),
  UploadExpDate: readOnly('RFC 3339 expiry of the resumable upload session.'),
  UploadFragmentSize: int(0, 'Part size of the resumable upload session; chosen by Box.', {
    readOnly: true,
  }),
  VersionId: str('', 'A file version for copyResource and downloadFile (content only).'),
  // ---- ours ----------------------------------------------------------------------------------------
  ApiUrl: str(BOX_API_URL, 'Ours: base URL of the Box API (point it at an emulator or a proxy).'),
  UploadUrl: str(BOX_UPLOAD_URL, 'Ours: base URL of Box uploads.'),
  UploadConcurrency: int(
    4,
    'Ours: parts of a resumable upload sent at once; memory is about part size x (this + 1).',
    { min: 1, max: 32 },
  ),
  MinResumableUploadSize: int(
    BOX_MIN_SESSION_SIZE,
    'Ours: smaller files are sent as simple uploads even when useResumableUpload is on (Box minimum: 20,000,000).',
    { min: 1 },
  ),
  BoxSubjectType: str('enterprise', 'Ours: client-credentials subject: enterprise or user.', {
    allowed: ['enterprise', 'user'],
  }),
  BoxSubjectId: str(
    '',
    'Ours: client-credentials subject id (the enterprise id or a user id); sent as box_subject_id.',
  ),
} satisfies SettingTable;

export type BoxSettingTable = typeof boxSettings;

/** The `Resource…[i]` config settings: fields of resources[i] the reference exposes only as settings. */
export function installResourceReaders(
  settings: Settings<BoxSettingTable>,
  resources: () => readonly BoxResource[],
): void {
  const at = (i: number | undefined): BoxResource => {
    const list = resources();
    const r = i === undefined ? undefined : list[i];
    if (!r) {
      throw new CloudStorageError(
        ErrorCode.InvalidIndex,
        `Resource index ${i} is out of range: resourceCount is ${list.length}.`,
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
  for (const [name, read] of readers) settings.defineReader(name, (i) => read(at(i)));
}
