import type { Readable } from 'node:stream';
import type { CloudStorageError } from '../errors.js';

/**
 * The contract between the HTTP client (core/http) and its users (core/auth, the providers). Kept in its
 * own file so that both sides can be written against it independently.
 */

/** A request body. Only repeatable bodies (string, bytes, a factory) can be retried or redirected. */
export type HttpBody =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  /** Called once per attempt; lets a streamed body (a file range, say) be retried. */
  | (() => Readable | Promise<Readable>);

export interface HttpRequest {
  method: string;
  /** Absolute URL. Query parameters in `query` are appended. */
  url: string | URL;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined> | Array<[string, string]>;
  /** Raw body; see also `json` and `form`. */
  body?: HttpBody;
  /** Serialised as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Serialised as `application/x-www-form-urlencoded`. */
  form?: Record<string, string | undefined>;
  /** Length of `body` when it is a stream, for Content-Length and progress. */
  bodyLength?: number;
  /**
   * Whether the request may be sent again after a failure. Defaults to true for GET/HEAD/PUT/DELETE/OPTIONS
   * and false for POST/PATCH; a provider sets it for POSTs that are safe to repeat.
   */
  idempotent?: boolean;
  /** Whether to attach the Authorization header from the client's auth provider (default true). */
  authenticate?: boolean;
  /** Overrides the FollowRedirects setting for this request (0 never, 1 always, 2 same scheme). */
  followRedirects?: 0 | 1 | 2;
  /** Per-call abort; combined with the client's interrupt(). */
  signal?: AbortSignal;
  /** Progress reporting for this request: which way the payload flows and how much was done before. */
  progress?: {
    direction: 0 | 1;
    /** Bytes already transferred before this request (for ProgressAbsolute after a resume). */
    offset?: number;
    /** Total payload size including `offset`, when known. */
    total?: number;
    /**
     * A reporter shared by several requests that make one transfer (a resumed download, an upload in
     * parts). Its owner starts and finishes it; the request only advances it. Without one, the request
     * reports its own start and end.
     */
    tracker?: ProgressReporter;
  };
  /** Leave the response body as a stream (for downloads); otherwise it is read into memory. */
  stream?: boolean;
  /** Status codes that are not errors for this call (by default 2xx, and 3xx when redirects are off). */
  okStatus?: (status: number) => boolean;
  /** Timeout for this call in seconds (0 = none), instead of the connection's `timeout`. */
  timeout?: number;
  /** Turns an error response of this call into the provider's error, instead of the client's mapper. */
  mapError?: ErrorMapper;
}

/** What an error response said, for a provider to build its own error from. Secrets are already masked. */
export interface HttpErrorInfo {
  method: string;
  /** The URL of the request that failed (after redirects), redacted. */
  url: string;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** The start of the body (up to 64 KiB), decoded as UTF-8 and redacted. */
  bodyText: string;
  requestId: string | undefined;
  /** Seconds, from Retry-After. */
  retryAfter: number | undefined;
}

/** Returns the provider's error for an error response, or undefined to let the client build a generic one. */
export type ErrorMapper = (info: HttpErrorInfo) => CloudStorageError | undefined;

/** Receives the payload progress of one transfer; see HttpRequest.progress.tracker. */
export interface ProgressReporter {
  readonly direction: 0 | 1;
  /** Fires the opening progress event (once). */
  start(): void;
  /** Counts payload bytes. */
  advance(bytes: number): void;
  /** Fires the closing progress event (once). */
  finish(): void;
  /** Sets the total when it was unknown until the response headers came (Content-Length). */
  learnTotal(total: number): void;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Headers as received, names in their original case, in order. */
  rawHeaders: Array<[string, string]>;
  /** The final URL after redirects. */
  url: string;
  /** The body as a stream when `stream: true` was asked; otherwise already consumed (see `bytes`). */
  body: Readable;
  /** The whole body (only when not streaming). */
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

/**
 * Supplies the Authorization header. The OAuth machinery implements it; a provider can wrap it.
 */
export interface AuthProvider {
  /** The header value to send ("Bearer …"), or undefined for none. May refresh an expired token first. */
  authorizationHeader(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Called once after a 401 on an authenticated request. Returns true when a fresh token was obtained and
   * the request should be sent again (once).
   */
  handleUnauthorized(response: {
    status: number;
    headers: Record<string, string>;
    bodyText: string;
  }): Promise<boolean>;
  /**
   * Whether the last renewal adopted a token another client had put in a shared store, rather than one just
   * issued: such a token may have been revoked or expired since, so one more 401 earns one more renewal.
   */
  adoptedSharedToken?(): boolean;
}
