import type { Settings } from '../../core/config.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../core/http/index.js';
import { backoffDelay, sleep } from '../../core/http/retry.js';
import type { Redactor } from '../../core/redact.js';
import { googleDriveErrorMapper, isRateLimited } from './errors.js';
import type { GoogleDriveSettingTable } from './settings.js';

/** A request to Drive: a path under the API or upload base URL, or an absolute URL (a session URI). */
export interface DriveRequest extends Omit<HttpRequest, 'url'> {
  /** Path under the base URL (`/files/abc`), or an absolute URL. */
  path: string;
  /** Which base URL a relative path is under (default the API). */
  host?: 'api' | 'upload';
}

/**
 * Whether a failed Drive request is worth sending again, and after how long (ms); undefined: give up.
 *
 * Drive's throttling answers (429, and 403 with `userRateLimitExceeded` / `rateLimitExceeded`) mean it did
 * not run the request, so any request goes again, with backoff (or Retry-After), while its body can be sent
 * again. The HttpClient already repeated an idempotent 429 itself; every other 403 is final.
 */
export function shouldRetry(
  e: unknown,
  request: HttpRequest,
  attempt: number,
  settings: Settings<GoogleDriveSettingTable>,
): number | undefined {
  if (!isRateLimited(e)) return undefined;
  const idempotent =
    request.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].includes(request.method.toUpperCase());
  if (e.httpStatus === 429 && idempotent) return undefined;
  const body = request.body;
  const repeatable =
    body === undefined ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    typeof body === 'function';
  if (!repeatable || attempt >= settings.get('MaxRetries')) return undefined;
  if (e.retryAfter !== undefined) {
    return e.retryAfter <= settings.get('MaxRetryAfter') ? e.retryAfter * 1000 : undefined;
  }
  return backoffDelay(attempt, {
    baseDelayMs: settings.get('RetryBaseDelayMs'),
    maxDelayMs: settings.get('RetryMaxDelayMs'),
  });
}

/**
 * What every area of the GoogleDrive class uses to talk to Drive: the base URLs, requests with Drive's
 * error mapping and its retry rule (shouldRetry), JSON answers (kept for the XPath settings).
 */
export class GoogleDriveApi {
  constructor(
    readonly http: HttpClient,
    readonly settings: Settings<GoogleDriveSettingTable>,
    readonly redactor: Redactor,
    private readonly remember: (json: string) => void,
  ) {}

  get apiUrl(): string {
    return this.settings.get('ApiUrl').replace(/\/+$/, '');
  }

  get uploadUrl(): string {
    return this.settings.get('UploadUrl').replace(/\/+$/, '');
  }

  url(path: string, host: 'api' | 'upload' = 'api'): string {
    if (/^https?:\/\//i.test(path)) return path;
    return `${host === 'upload' ? this.uploadUrl : this.apiUrl}${path}`;
  }

  /** Sends a request; error responses become GoogleDriveApiErrors; throttled requests go again. */
  async send(req: DriveRequest): Promise<HttpResponse> {
    const { path, host, ...rest } = req;
    const request: HttpRequest = {
      mapError: googleDriveErrorMapper(this.redactor),
      ...rest,
      url: this.url(path, host),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.http.request(request);
      } catch (e) {
        const wait = shouldRetry(e, request, attempt, this.settings);
        if (wait === undefined) throw e;
        await sleep(wait, request.signal);
      }
    }
  }

  /** Sends a request and parses its JSON answer (undefined for an empty body, such as a 204). */
  async json<T>(req: DriveRequest): Promise<T> {
    return this.parse<T>(await this.send(req));
  }

  /** Reads a response's JSON body (remembered for the XPath settings); undefined when it is empty. */
  async parse<T>(response: HttpResponse): Promise<T> {
    const text = await response.text();
    if (text.trim() === '') return undefined as T;
    this.remember(text);
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new CloudStorageError(
        ErrorCode.ServerError,
        `Drive's answer from ${this.redactor.redact(response.url)} is not JSON: ${text.slice(0, 200)}`,
        { cause: e, redactor: this.redactor },
      );
    }
  }
}

/** A path segment: ids are opaque strings, so they are always encoded. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
