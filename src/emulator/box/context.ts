import type { ServerResponse } from 'node:http';
import type { BlobStore, EmulatorRequest, Router } from '../core/index.js';
import type { OAuthAuthorizationServer } from '../core/oauth/index.js';
import { authenticate } from './auth.js';
import { badRequest, REQUEST_ID_HEADER, requestIdOf } from './errors.js';
import type { FileRecord } from './model.js';
import type { EmulatorUrls, Shapes } from './shapes.js';
import type { BoxStore } from './state.js';

/** Box's chunked-upload part size: 8 MiB, doubled while the file would need more than 10,000 parts. */
export function defaultPartSize(fileSize: number): number {
  let size = 8 * 1024 * 1024;
  while (Math.ceil(fileSize / size) > 10_000) size *= 2;
  return size;
}

/**
 * Knobs of the emulator that tests (or `cloudstorage serve` users) change at run time. Every one defaults
 * to what the real service does.
 */
export interface BoxEmulatorConfig {
  /** Lifetime of an upload session (Box: 7 days). */
  sessionLifetimeMs: number;
  /** Smallest file an upload session accepts (Box: "20MB"; 20,000,000 bytes here, the lenient reading). */
  minChunkedUploadSize: number;
  /** The `part_size` the server picks for a session. */
  partSizeFor: (fileSize: number) => number;
  /** How many times each new session's commit answers `202 Accepted` + Retry-After before it commits. */
  commitAcceptedResponses: number;
  commitRetryAfterSeconds: number;
  /** How many thumbnail requests per file version answer `202` + Retry-After before the image comes. */
  thumbnailPendingResponses: number;
  thumbnailRetryAfterSeconds: number;
  /** How many download requests per new version answer `202` + Retry-After before the redirect. */
  downloadPendingResponses: number;
  downloadRetryAfterSeconds: number;
  /** Lifetime of the signed download URLs the 302 points at (Box: 15 minutes). */
  downloadUrlLifetimeMs: number;
  /** Search looks into the content of text files up to this size. */
  searchContentMaxBytes: number;
  /** Offset of the rendered timestamps from UTC, in minutes (Box renders Pacific time). */
  timezoneOffsetMinutes: number;
}

export function defaultConfig(): BoxEmulatorConfig {
  return {
    sessionLifetimeMs: 7 * 86_400_000,
    minChunkedUploadSize: 20_000_000,
    partSizeFor: defaultPartSize,
    commitAcceptedResponses: 0,
    commitRetryAfterSeconds: 1,
    thumbnailPendingResponses: 0,
    thumbnailRetryAfterSeconds: 1,
    downloadPendingResponses: 0,
    downloadRetryAfterSeconds: 1,
    downloadUrlLifetimeMs: 15 * 60_000,
    searchContentMaxBytes: 1024 * 1024,
    timezoneOffsetMinutes: -480,
  };
}

/**
 * Everything a route handler needs. Each user (the owner, who is also the service account, and each app
 * user or managed user) has a file tree of its own: a request's context is that of the user it acts for.
 */
export interface BoxContext {
  /** The file tree of the user the request acts for (the owner's outside requests). */
  store: BoxStore;
  shapes: Shapes;
  /** The context of one user's requests: that user's tree, made on first use. */
  forUser(userId: string): BoxContext;
  /** Every user's tree, for what crosses them (signed download URLs, shared links, metadata templates). */
  allStores(): BoxStore[];
  blobs: BlobStore;
  config: BoxEmulatorConfig;
  oauth: OAuthAuthorizationServer;
  urls: () => EmulatorUrls;
  /** Signs a short-lived download URL path segment. */
  signDownload: (fileId: string, versionId: string) => string;
}

export interface BoxCall {
  req: EmulatorRequest;
  res: ServerResponse;
  /** The user the access token acts for (empty for public routes). */
  userId: string;
  /** The context of that user (its file tree). */
  ctx: BoxContext;
}

export type BoxHandler = (call: BoxCall) => unknown | Promise<unknown>;

/**
 * Adds a Box route: every response gets `box-request-id`, and unless `public` is set the bearer token is
 * checked first (Box's 401 otherwise).
 */
export function route(
  router: Router,
  ctx: BoxContext,
  method: string,
  path: string,
  handler: BoxHandler,
  options: { public?: boolean } = {},
): void {
  router.add(method, path, async (req, res) => {
    res.setHeader(REQUEST_ID_HEADER, requestIdOf(req));
    const userId = options.public ? '' : authenticate(ctx.oauth, ctx.store.users, req);
    await handler({ req, res, userId, ctx: userId ? ctx.forUser(userId) : ctx });
  });
}

/** Sends Box JSON with a status. */
export function sendBox(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends an empty response (204, 202, 304, 302). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/** Reads a JSON object body (empty body → `{}`); anything but an object is a 400 `bad_request`. */
export async function readJsonObject(
  req: EmulatorRequest,
  limit = 1024 * 1024,
): Promise<Record<string, unknown>> {
  const text = (await req.text(limit)).trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('Invalid input: the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Invalid input: the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A header's single value. */
export function header(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A file in any user's tree (signed URLs and shared links are not tied to the caller). */
export function findFileAnywhere(
  ctx: BoxContext,
  test: (file: FileRecord) => boolean,
): FileRecord | undefined {
  for (const store of ctx.allStores()) {
    for (const item of store.items.values()) if (item.type === 'file' && test(item)) return item;
  }
  return undefined;
}
