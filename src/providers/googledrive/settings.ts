import { coreSettings } from '../../core/client.js';
import { bool, int, readOnly, type SettingTable, str } from '../../core/config.js';

/** Drive's granularity for resumable-upload chunks: every chunk but the last is a multiple of 256 KiB. */
export const UPLOAD_CHUNK_GRANULARITY = 256 * 1024;
/** The reference default FragmentSize: 10 MiB (a multiple of 256 KiB). */
export const DEFAULT_FRAGMENT_SIZE = 10 * 1024 * 1024;

const indexed = (description: string) => readOnly(description, { indexed: true });

const url = (value: string) => {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'use an http(s) URL.';
  } catch {
    return 'use an absolute URL such as https://www.googleapis.com/drive/v3.';
  }
};

/** `ext,mime/type` or one of the named formats. */
const exportFormat = (names: readonly string[]) => (value: string) => {
  const v = value.trim().toLowerCase();
  if (names.includes(v)) return undefined;
  const comma = v.indexOf(',');
  if (
    comma > 0 &&
    /^[a-z0-9]{1,16}$/.test(v.slice(0, comma)) &&
    /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(v.slice(comma + 1))
  )
    return undefined;
  return `use one of ${names.join(', ')}, or "extension,mime/type" (such as "md,text/markdown").`;
};

/**
 * The GoogleDrive class's config settings, by their reference names, plus two of ours (marked "ours"): the
 * base URLs of the metadata and upload APIs, to point the class at the emulator (or a proxy).
 */
export const googleDriveOnlySettings = {
  AccumulatePages: bool(
    true,
    'Append each further page of a listing to its collection; off: every page replaces it.',
  ),
  DocsExportFormat: str(
    'docx',
    'Format of Google Docs downloaded with no MIME type: docx, epub, htm/html, odt, pdf, rtf, txt, zip, or "ext,mime/type".',
    { validate: exportFormat(['docx', 'epub', 'htm', 'html', 'odt', 'pdf', 'rtf', 'txt', 'zip']) },
  ),
  SheetsExportFormat: str(
    'xlsx',
    'Format of Google Sheets downloaded with no MIME type: csv, ods, pdf, tsv, xlsx, zip, or "ext,mime/type".',
    { validate: exportFormat(['csv', 'ods', 'pdf', 'tsv', 'xlsx', 'zip']) },
  ),
  SlidesExportFormat: str(
    'pptx',
    'Format of Google Slides downloaded with no MIME type: odp, pdf, pptx, txt, or "ext,mime/type".',
    { validate: exportFormat(['odp', 'pdf', 'pptx', 'txt']) },
  ),
  DrawingsExportFormat: str(
    'png',
    'Format of Google Drawings downloaded with no MIME type: jpg/jpeg, pdf, png, svg, or "ext,mime/type".',
    { validate: exportFormat(['jpg', 'jpeg', 'pdf', 'png', 'svg']) },
  ),
  FragmentSize: int(
    DEFAULT_FRAGMENT_SIZE,
    'Bytes per request of a resumable upload; a multiple of 256 KiB (262144), as Drive requires.',
    {
      min: UPLOAD_CHUNK_GRANULARITY,
      validate: (n: number) =>
        n % UPLOAD_CHUNK_GRANULARITY === 0
          ? undefined
          : `use a multiple of 262144 bytes (256 KiB), such as ${Math.max(1, Math.round(n / UPLOAD_CHUNK_GRANULARITY)) * UPLOAD_CHUNK_GRANULARITY}.`,
    },
  ),
  IconLink: indexed('Icon URL of resources[i] (iconLink).'),
  NormalizedFileName: indexed(
    'Name of resources[i] with the extension of its export format added (Google-native files only).',
  ),
  ResourceKey: indexed('Drive resource key of resources[i] (resourceKey), for link-shared items.'),
  IncludeAllFields: bool(false, 'On: RequestedFields becomes "*" (every field); off: "default".'),
  RequestedFields: str(
    'default',
    'Drive\'s "fields" for info and list calls: "default" (the class\'s own), "*" (all), or a mask such as files(id,name). A "fields" query parameter wins.',
  ),
  IncludeFolderProperties: bool(false, 'createFolder also sends the metadata of resources[0].'),
  ListResourcesMode: int(
    0,
    'listResources and listChildren: 0 files and folders, 1 files only, 2 folders only.',
    {
      min: 0,
      max: 2,
    },
  ),
  MaxResults: int(
    -1,
    'Page size of listResources, listChildren and listChanges (1-1000); -1: the server default.',
    {
      min: 1,
      max: 1000,
      allowed: [-1],
    },
  ),
  MaxPermissionResults: int(-1, 'Page size of listPermissions (1-100); -1: the server default.', {
    min: 1,
    max: 100,
    allowed: [-1],
  }),
  MaxSharedDriveResults: int(-1, 'Page size of listSharedDrives (1-100); -1: the server default (10).', {
    min: 1,
    max: 100,
    allowed: [-1],
  }),
  RevisionId: str(
    '',
    'A revision of the file: downloadFile downloads it, getResourceInfo describes it and deleteResource deletes it. Clear it afterwards.',
  ),
  SearchIncomplete: readOnly(
    '"True" when the last listing was incomplete (AllDrives scope; incompleteSearch).',
  ),
  TransferOwnership: bool(
    false,
    'Must be on for updatePermissions to give the owner role (the old owner becomes a writer).',
  ),
  UseDomainAdminAccess: bool(
    false,
    'Send permissions and shared-drive calls with domain-administrator access (useDomainAdminAccess).',
  ),
  // ---- ours ----
  ApiUrl: str(
    'https://www.googleapis.com/drive/v3',
    'Ours: base URL of the Drive API (metadata, downloads).',
    {
      validate: url,
    },
  ),
  UploadUrl: str('https://www.googleapis.com/upload/drive/v3', 'Ours: base URL of Drive uploads.', {
    validate: url,
  }),
} satisfies SettingTable;

export const googleDriveSettings = { ...coreSettings, ...googleDriveOnlySettings } satisfies SettingTable;
export type GoogleDriveSettingTable = typeof googleDriveSettings;
