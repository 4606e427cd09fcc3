import type { Settings } from '../../core/config.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type {
  HttpBody,
  HttpClient,
  HttpRequest,
  HttpResponse,
  ProgressReporter,
} from '../../core/http/index.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import { parseJsonAnswer, requestRepeatingRateLimited } from '../../core/provider.js';
import { DropboxApiError } from './errors.js';
import type { DropboxSettingTable } from './settings.js';
import type { FullAccount } from './wire.js';

/**
 * The three kinds of Dropbox calls over the class's HttpClient (see api-specs/PROTOCOLS.md B1):
 * - RPC: POST JSON to `https://api.dropboxapi.com/2/<route>`, JSON back;
 * - upload: POST bytes to the content host, the argument as JSON in `Dropbox-API-Arg`, JSON back;
 * - download: POST to the content host, the argument in `Dropbox-API-Arg`, bytes back with the result as
 *   JSON in `Dropbox-API-Result`.
 *
 * Also here: `Dropbox-API-Path-Root` (the PathRoot setting), and 429 for requests the HttpClient does not
 * repeat itself: a 429 means Dropbox did not run the request, so it is sent again after `Retry-After`
 * whatever the route, as long as the body can be sent again.
 */
export type DropboxHost = 'api' | 'content' | 'notify';

export interface CallContext {
  signal: AbortSignal;
}

export interface RpcOptions extends CallContext {
  host?: DropboxHost;
  /** Read-only routes: the HttpClient may repeat them after a dropped connection or a 5xx. */
  idempotent?: boolean;
  /** Per-request timeout in seconds (long-poll). */
  timeout?: number;
  /** False for the long-poll, which takes no Authorization. */
  authenticate?: boolean;
  /** Send no Dropbox-API-Path-Root (the call that finds the root namespace). */
  noPathRoot?: boolean;
}

export interface UploadCallOptions extends CallContext {
  body: HttpBody;
  length: number | undefined;
  idempotent?: boolean;
  progress?: { tracker?: ProgressReporter; total?: number; offset?: number };
}

/** JSON made "HTTP-header-safe": DEL and every non-ASCII UTF-16 unit as a \uXXXX escape. */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Decodes a `Dropbox-API-Result` header: ASCII JSON with escapes, or raw UTF-8 (read as latin1 by HTTP). */
export function parseResultHeader<T>(value: string | undefined, route: string): T {
  if (value === undefined) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `Dropbox ${route} answered without a Dropbox-API-Result header.`,
    );
  }
  const text = /[\u0080-\u00ff]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `Dropbox ${route} answered with a Dropbox-API-Result header that is not JSON.`,
    );
  }
}

export class DropboxApi {
  constructor(
    private readonly http: HttpClient,
    private readonly settings: Settings<DropboxSettingTable>,
    private readonly rememberJson: (text: string) => void,
  ) {}

  url(host: DropboxHost, route: string): string {
    const base =
      host === 'api'
        ? this.settings.get('ApiBaseUrl')
        : host === 'content'
          ? this.settings.get('ContentBaseUrl')
          : this.settings.get('NotifyBaseUrl');
    return `${trimTrailingSlashes(base)}/2/${route}`;
  }

  /** An RPC call; its JSON answer is also kept for the XPath settings. */
  async rpc<T>(route: string, arg: unknown, options: RpcOptions): Promise<T> {
    const host = options.host ?? 'api';
    const headers = host === 'notify' || options.noPathRoot ? {} : await this.pathRootHeaders(options.signal);
    const response = await this.send({
      method: 'POST',
      url: this.url(host, route),
      headers,
      // Routes without an argument take the literal body `null`.
      json: arg === undefined ? null : arg,
      signal: options.signal,
      ...(options.idempotent ? { idempotent: true } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      ...(options.authenticate === false ? { authenticate: false } : {}),
    });
    const text = await response.text();
    this.rememberJson(text);
    return parseJsonAnswer<T>(text, `Dropbox's answer to ${route}`);
  }

  /** An upload-style call: `body` is the data, `arg` goes in Dropbox-API-Arg; answers JSON. */
  async upload<T>(route: string, arg: unknown, options: UploadCallOptions): Promise<T> {
    const headers = {
      ...(await this.pathRootHeaders(options.signal)),
      'Dropbox-API-Arg': headerSafeJson(arg),
      'Content-Type': 'application/octet-stream',
    };
    const response = await this.send({
      method: 'POST',
      url: this.url('content', route),
      headers,
      body: options.body,
      ...(options.length !== undefined ? { bodyLength: options.length } : {}),
      signal: options.signal,
      ...(options.idempotent ? { idempotent: true } : {}),
      ...(options.progress ? { progress: { direction: 0 as const, ...options.progress } } : {}),
    });
    const text = await response.text();
    this.rememberJson(text);
    return parseJsonAnswer<T>(text, `Dropbox's answer to ${route}`);
  }

  /** The request of a download-style call, for HttpClient.download (which adds Range and resumes). */
  async downloadRequest(route: string, arg: unknown, signal: AbortSignal): Promise<HttpRequest> {
    return {
      method: 'POST',
      url: this.url('content', route),
      headers: {
        ...(await this.pathRootHeaders(signal)),
        'Dropbox-API-Arg': headerSafeJson(arg),
      },
      signal,
      // Downloads change nothing: safe to repeat.
      idempotent: true,
      // Every transfer fires progress (HttpClient.download resumes it across reconnections).
      progress: { direction: 1 },
    };
  }

  /** A raw request, sent again after a 429 (core requestRepeatingRateLimited); for sendCustomRequest and the calls above. */
  send(request: HttpRequest): Promise<HttpResponse> {
    return requestRepeatingRateLimited(
      this.http,
      request,
      { maxRetries: this.settings.get('MaxRetries'), maxRetryAfter: this.settings.get('MaxRetryAfter') },
      (e) => e.retryAfter ?? (e instanceof DropboxApiError ? retryAfterInBody(e) : undefined),
    );
  }

  /** `Dropbox-API-Path-Root` per the PathRoot setting ("root" needs the root namespace: fetched once). */
  async pathRootHeaders(signal: AbortSignal): Promise<Record<string, string>> {
    const setting = this.settings.get('PathRoot').trim();
    if (setting === '') return {};
    if (setting.toLowerCase() === 'home')
      return { 'Dropbox-API-Path-Root': headerSafeJson({ '.tag': 'home' }) };
    if (setting.toLowerCase() === 'root') {
      let root = this.settings.get('AccountRootNamespace');
      if (!root) {
        const account = await this.rpc<FullAccount>('users/get_current_account', undefined, {
          signal,
          idempotent: true,
          noPathRoot: true,
        });
        root = account.root_info.root_namespace_id;
        this.settings.set('AccountRootNamespace', root, true);
        this.settings.set('AccountHomeNamespace', account.root_info.home_namespace_id, true);
        this.settings.set('AccountHomePath', account.root_info.home_path ?? '', true);
      }
      return { 'Dropbox-API-Path-Root': headerSafeJson({ '.tag': 'root', root }) };
    }
    return { 'Dropbox-API-Path-Root': headerSafeJson({ '.tag': 'namespace_id', namespace_id: setting }) };
  }
}

function retryAfterInBody(e: DropboxApiError): number | undefined {
  const v = e.error?.retry_after;
  return typeof v === 'number' && v >= 0 ? v : undefined;
}
