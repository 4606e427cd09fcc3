import type { Settings } from '../../core/config.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { AuthProvider, HttpClient, HttpRequest, HttpResponse } from '../../core/http/index.js';
import { requestRepeatingRateLimited } from '../../core/provider.js';
import { B2ApiError, B2ErrorCode, errorBodyOf, isAuthTokenError } from './errors.js';
import { API_VERSION, type B2SettingTable } from './settings.js';
import type { AuthorizeAccountResponse, UploadUrl } from './wire.js';

/**
 * The B2 native API over the class's HttpClient (api-specs/b2/B2-NATIVE-API.md):
 * - `b2_authorize_account` on the realm (AuthURL) with HTTP Basic;
 * - every other JSON call as POST `{APIURL}/b2api/v2/<op>`, the account token as Authorization (no scheme);
 * - downloads from DownloadURL; uploads to the upload URLs B2 hands out, each with its own token.
 *
 * The account token comes from {@link B2Session}, the HttpClient's AuthProvider: it authorizes when there
 * is no token yet, and again when B2 answers 401 expired_auth_token / bad_auth_token (then the request is
 * sent once more), so a job that outlives the 24-hour token goes on.
 */

/** Read-only calls: the HttpClient may repeat them after a 429/5xx or a dropped connection. */
const IDEMPOTENT = new Set([
  'b2_list_buckets',
  'b2_list_file_names',
  'b2_list_file_versions',
  'b2_list_unfinished_large_files',
  'b2_list_parts',
  'b2_list_keys',
  'b2_get_file_info',
  'b2_get_upload_url',
  'b2_get_upload_part_url',
  'b2_get_download_authorization',
]);

export interface CallOptions {
  signal: AbortSignal;
}

/**
 * Holds the account authorization: authorizes on first use and after B2 says the token expired. Several
 * requests failing at once share one authorization.
 */
export class B2Session implements AuthProvider {
  private pending: Promise<void> | undefined;

  constructor(
    private readonly authorizeAccount: (signal?: AbortSignal) => Promise<void>,
    private readonly token: () => string,
  ) {}

  /** Authorizes when there is no token yet. */
  async ensure(signal?: AbortSignal): Promise<void> {
    if (!this.token()) await this.renew(signal);
  }

  /** One authorization for every caller that needs it now. */
  renew(signal?: AbortSignal): Promise<void> {
    this.pending ??= this.authorizeAccount(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  async authorizationHeader(signal?: AbortSignal): Promise<string | undefined> {
    await this.ensure(signal);
    return this.token() || undefined;
  }

  async handleUnauthorized(response: { status: number; bodyText: string }): Promise<boolean> {
    const code = errorBodyOf(response.bodyText)?.code;
    if (!isAuthTokenError(response.status, code)) return false;
    try {
      await this.renew();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new B2ApiError(
        B2ErrorCode.AuthTokenExpired,
        `The B2 authorization token expired (or is not valid) and authorizing again failed: ${why}`,
        { httpStatus: response.status, b2Code: code ?? '', cause: e },
      );
    }
    return true;
  }
}

export class B2Api {
  constructor(
    private readonly http: HttpClient,
    private readonly settings: Settings<B2SettingTable>,
    private readonly session: B2Session,
    private readonly rememberJson: (text: string) => void,
  ) {}

  /** `{APIURL}/b2api/v2/<op>`; authorizes first when needed (APIURL comes from authorization). */
  async url(op: string, signal?: AbortSignal): Promise<string> {
    await this.session.ensure(signal);
    return `${trimSlash(this.settings.get('APIURL'))}/b2api/${API_VERSION}/${op}`;
  }

  /** `{DownloadURL}` (authorizing first when it is not known). */
  async downloadBase(signal?: AbortSignal): Promise<string> {
    if (!this.settings.get('DownloadURL')) await this.session.ensure(signal);
    return trimSlash(this.settings.get('DownloadURL'));
  }

  /** b2_authorize_account with the key id and key (HTTP Basic); never retried on a 401. */
  async authorizeAccount(
    keyId: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<AuthorizeAccountResponse> {
    const basic = Buffer.from(`${keyId}:${key}`, 'utf8').toString('base64');
    const response = await this.http.request({
      method: 'GET',
      url: `${trimSlash(this.settings.get('AuthURL'))}/b2api/${API_VERSION}/b2_authorize_account`,
      headers: { Authorization: `Basic ${basic}` },
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    return parseJson<AuthorizeAccountResponse>(text, 'b2_authorize_account');
  }

  /**
   * A JSON call; its answer is also kept for the XPath settings. A 429 is sent again even for a call that
   * changes something (core requestRepeatingRateLimited): B2 did not run it.
   */
  async call<T>(op: string, body: Record<string, unknown>, options: CallOptions): Promise<T> {
    const response = await requestRepeatingRateLimited(
      this.http,
      {
        method: 'POST',
        url: await this.url(op, options.signal),
        json: dropUndefined(body),
        signal: options.signal,
        idempotent: IDEMPOTENT.has(op),
      },
      { maxRetries: this.settings.get('MaxRetries'), maxRetryAfter: this.settings.get('MaxRetryAfter') },
    );
    const text = await response.text();
    this.rememberJson(text);
    return parseJson<T>(text, op);
  }

  /** b2_get_upload_url. */
  uploadUrl(bucketId: string, signal: AbortSignal): Promise<UploadUrl> {
    return this.call<UploadUrl>('b2_get_upload_url', { bucketId }, { signal });
  }

  /** b2_get_upload_part_url. */
  uploadPartUrl(fileId: string, signal: AbortSignal): Promise<UploadUrl> {
    return this.call<UploadUrl>('b2_get_upload_part_url', { fileId }, { signal });
  }

  /** A raw request (uploads to upload URLs, downloads, sendCustomRequest). */
  send(request: HttpRequest): Promise<HttpResponse> {
    return this.http.request(request);
  }
}

export function trimSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

function dropUndefined(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (v !== undefined) out[k] = v;
  return out;
}

export function parseJson<T>(text: string, op: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `B2 ${op} answered with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}
