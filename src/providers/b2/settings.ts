import { coreSettings } from '../../core/client.js';
import { bool, int, readOnly, type SettingTable, str } from '../../core/config.js';

/** The API version the class speaks (APIVersion). */
export const API_VERSION = 'v2';
/** The reference's FragmentSize range: 5 MiB to 2 GiB - 1. */
export const MIN_FRAGMENT_SIZE = 5 * 1024 * 1024;
export const MAX_FRAGMENT_SIZE = 2_147_483_647;
/** The reference's SimpleUploadLimit maximum: 5 GiB. */
export const MAX_SIMPLE_UPLOAD = 5 * 1024 * 1024 * 1024;
/** B2's recommended part size, the FragmentSize before the first authorize. */
export const DEFAULT_FRAGMENT_SIZE = 100_000_000;

const millis = (value: string) =>
  value === '' || /^\d{1,16}$/.test(value.trim())
    ? undefined
    : 'use milliseconds since the Unix epoch (digits), or "" for none.';

const revision = (value: string) =>
  value === '' || /^\d{1,16}$/.test(value.trim())
    ? undefined
    : 'use a bucket revision number, or "" for none.';

const url = (value: string) => {
  if (value === '') return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'use an http(s) URL.';
  } catch {
    return 'use an absolute URL such as https://f002.backblazeb2.com.';
  }
};

/**
 * The BackblazeB2 class's config settings, by their reference names (the encryption, XPath, progress, raw
 * data and temp-file settings come from core), plus a few of our own (marked "ours").
 */
export const b2OnlySettings = {
  AccumulatePages: bool(
    true,
    'Append each further page of a listing to the collection; off: every page replaces it.',
  ),
  APIURL: readOnly('The base URL of every call except uploads and downloads (set by authorize).'),
  APIVersion: readOnly(`The B2 API version the class uses (${API_VERSION}).`),
  ClientModifiedTime: str(
    '',
    'Milliseconds since the epoch: sent as the src_last_modified_millis info item by uploadFile, startMultipartUpload and (with SendMetadataOnCopy) copyFile.',
    { validate: millis },
  ),
  DownloadAuthToken: str(
    '',
    'A download authorization token used by downloadFile instead of the account token (with the matching DownloadURL).',
  ),
  DownloadURL: str('', 'The base URL of downloads (set by authorize).', { validate: url }),
  FragmentSize: int(
    DEFAULT_FRAGMENT_SIZE,
    'Part size of the automatic multipart upload; set from account_rec_part_size by the first authorize of a key pair.',
    { min: MIN_FRAGMENT_SIZE, max: MAX_FRAGMENT_SIZE },
  ),
  IfRevision: str('', 'updateBucket succeeds only if the bucket has this revision.', { validate: revision }),
  ListWithMetadata: bool(false, 'Fire metadataList for the info items of listed buckets and files.'),
  MaxAppKeyResults: int(-1, 'Page size of listAppKeys (1-10000); -1: the server default (100).', {
    min: 1,
    max: 10000,
    allowed: [-1],
  }),
  MaxPartResults: int(-1, 'Page size of listParts (1-1000); -1: the server default (100).', {
    min: 1,
    max: 1000,
    allowed: [-1],
  }),
  MaxResults: int(
    -1,
    'Page size of listFiles and listFileVersions (1-10000); -1: the server default (100).',
    { min: 1, max: 10000, allowed: [-1] },
  ),
  ResumableUploadState: str(
    '',
    'The state of an automatic multipart upload under way: with startByte, resumes it (also from another process).',
  ),
  SendMetadataOnCopy: bool(
    false,
    'copyFile sends contentType, the metadata and ClientModifiedTime (when any is set) instead of copying the source’s.',
  ),
  SimpleUploadLimit: int(
    2 * DEFAULT_FRAGMENT_SIZE,
    'Largest upload sent in one request; bigger ones are multipart. 0: always multipart; -1: never.',
    { min: -1, max: MAX_SIMPLE_UPLOAD },
  ),
  // ---- ours ----
  AuthURL: str(
    'https://api.backblazeb2.com',
    'Ours: where b2_authorize_account is called (point it at an emulator).',
    { validate: url },
  ),
  UploadConcurrency: int(4, 'Ours: parts of a multipart upload sent at the same time.', { min: 1, max: 64 }),
  MaxUploadAttempts: int(
    5,
    'Ours: upload URLs tried for one upload or part before giving up (B2 asks clients to take a new one after 408, 5xx or a broken connection).',
    { min: 1, max: 100 },
  ),
} satisfies SettingTable;

export const b2Settings = { ...coreSettings, ...b2OnlySettings } satisfies SettingTable;
export type B2SettingTable = typeof b2Settings;
