import type { Settings } from '../../core/config.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../core/http/index.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import { parseJsonAnswer, requestRepeatingRateLimited } from '../../core/provider.js';
import type { Redactor } from '../../core/redact.js';
import { boxErrorMapper } from './errors.js';
import type { BoxSettingTable } from './settings.js';

export type BoxSettings = Settings<BoxSettingTable>;

/** A request to Box: a path under the API or upload base URL, or an absolute URL (session endpoints). */
export interface BoxRequest extends Omit<HttpRequest, 'url'> {
  /** Path under the base URL (`/files/123`), or an absolute URL. */
  path: string;
  /** Which base URL a relative path is under (default the API). */
  host?: 'api' | 'upload';
  /** What the call is about (`f:123`), for error messages. */
  subject?: string;
}

/**
 * The Box calls every area of the class (listing, uploads, metadata, …) makes: the base URLs (ApiUrl,
 * UploadUrl), JSON requests and answers, Box's error mapping, and the 429 policy below.
 */
export class BoxApi {
  constructor(
    private readonly http: HttpClient,
    private readonly settings: BoxSettings,
    private readonly redactor: Redactor,
    private readonly remember: (json: string) => void,
    /** The user an admin (or service account) token acts for (Box's `As-User` header); '' for none. */
    private readonly asUser: () => string = () => '',
  ) {}

  get apiUrl(): string {
    return trimTrailingSlashes(this.settings.get('ApiUrl'));
  }

  get uploadUrl(): string {
    return trimTrailingSlashes(this.settings.get('UploadUrl'));
  }

  url(path: string, host: 'api' | 'upload' = 'api'): string {
    if (/^https?:\/\//i.test(path)) return path;
    return `${host === 'upload' ? this.uploadUrl : this.apiUrl}${path}`;
  }

  /**
   * Sends a request; error responses become CloudStorageErrors (Box's codes mapped, see errors.ts). A 429
   * is sent again even for a POST (core requestRepeatingRateLimited): Box did not run the request.
   */
  request(req: BoxRequest): Promise<HttpResponse> {
    const { path, host, subject, ...rest } = req;
    const asUser = this.asUser();
    if (asUser) rest.headers = { ...rest.headers, 'as-user': asUser };
    return requestRepeatingRateLimited(
      this.http,
      { mapError: boxErrorMapper(this.redactor, subject), ...rest, url: this.url(path, host) },
      { maxRetries: this.settings.get('MaxRetries'), maxRetryAfter: this.settings.get('MaxRetryAfter') },
    );
  }

  /** Sends a request and parses its JSON answer (undefined for an empty body, such as a 204). */
  async json<T>(req: BoxRequest): Promise<T> {
    return this.parse<T>(await this.request(req));
  }

  /** Reads a response's JSON body (remembered for the XPath settings); undefined when it is empty. */
  async parse<T>(response: HttpResponse): Promise<T> {
    const text = await response.text();
    if (text.trim() === '') return undefined as T;
    this.remember(text);
    return parseJsonAnswer<T>(text, `Box's answer from ${response.url}`, this.redactor);
  }
}
