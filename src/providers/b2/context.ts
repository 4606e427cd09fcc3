import type { ProviderContext } from '../../core/provider.js';
import type { UploadSessions } from '../../core/transfer/index.js';
import type { TokenPool } from '../../core/transfer/token-pool.js';
import type { B2Api, B2Session } from './api.js';
import type { BackblazeB2 } from './b2.js';
import type { B2SettingTable } from './settings.js';
import type { UploadUrl } from './wire.js';

/**
 * What the area modules (buckets, keys, uploads, multipart, listing, files, downloads, custom) get from the
 * class: its public state, the B2 calls, the HTTP client for transfers, the settings, the account session,
 * the pool of upload URLs, and the automatic multipart uploads under way.
 */
export interface B2Context extends ProviderContext<BackblazeB2, B2SettingTable> {
  api: B2Api;
  session: B2Session;
  /** Upload URLs with their tokens: keyed `bucket:<id>` (simple uploads) and `file:<id>` (parts). */
  uploadUrls: TokenPool<UploadUrl>;
  /** The automatic multipart uploads of the instance (per-call state, mirrored to ResumableUploadState/startByte). */
  largeUploads: UploadSessions<'resumableUploadState'>;
  /** The key pair FragmentSize and SimpleUploadLimit were last set for (they are set once per key pair). */
  sizing: { keyPair: string };
}
