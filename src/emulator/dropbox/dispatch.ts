import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import {
  type EmulatorRequest,
  type EmulatorServer,
  HttpError,
  parseRange,
  sendJson,
  sendStream,
} from '../core/index.js';
import type { Account } from './account.js';
import { authError, badInput, pathRootError } from './errors.js';
import type { DropboxState } from './state.js';
import { headerSafeJson, type StoneType, StoneValidationError, str, type Tagged, union } from './stone.js';

/**
 * The route machinery shared by every Dropbox endpoint: one declaration per route (name, host, style, auth,
 * scope, argument type) and one wrapper that does what Dropbox does before a handler runs — Content-Type
 * checks, the bearer token (header, or `authorization` URL parameter on content routes), the token's scopes,
 * `Dropbox-API-Path-Root`, the argument from the JSON body or the `Dropbox-API-Arg` header / `arg`
 * parameter, strictly decoded — and after: the JSON result, or bytes with a `Dropbox-API-Result` header,
 * ranges, ETag.
 */
export type RouteStyle = 'rpc' | 'upload' | 'download';

export interface RouteContext<A> {
  state: DropboxState;
  req: EmulatorRequest;
  res: ServerResponse;
  route: RouteDef<A>;
  arg: A;
  /** Where the argument came from, as 400 messages name it (`request body`, `HTTP header "Dropbox-API-Arg"`). */
  where: string;
  /** The caller's account (routes with auth `noauth` get none: do not touch it there). */
  account: Account;
}

/** What a download-style handler returns: the result for the header, and how to read the bytes. */
export interface DownloadReply {
  result: unknown;
  contentType: string;
  size: number;
  /** A stream of bytes `start..end` (inclusive). */
  open(start: number, end: number): Readable;
  /** Whether `Range` is honoured (download_zip does not). */
  ranges: boolean;
  etag?: string;
}

// `any` by default so that routes with different argument types fit in one list.
// biome-ignore lint/suspicious/noExplicitAny: see above
export interface RouteDef<A = any> {
  /** `files/list_folder`, `files/copy_v2` (a `:2` Stone route is addressed as `_v2`). */
  name: string;
  host: 'api' | 'content' | 'notify';
  style: RouteStyle;
  auth: 'user' | 'noauth' | 'app, user';
  scope?: string;
  arg: StoneType<A>;
  handler(ctx: RouteContext<A>): unknown;
}

export const defineRoute = <A>(route: RouteDef<A>): RouteDef<A> => route;

/** Scopes that come with another one (a write scope includes its read scope, content includes metadata). */
const IMPLIED: Record<string, string[]> = {
  'files.metadata.write': ['files.metadata.read'],
  'files.content.read': ['files.metadata.read'],
  'files.content.write': ['files.content.read', 'files.metadata.read', 'files.metadata.write'],
  'files.permanent_delete': [
    'files.content.write',
    'files.content.read',
    'files.metadata.read',
    'files.metadata.write',
  ],
  'sharing.write': ['sharing.read'],
  'account_info.write': ['account_info.read'],
};

function hasScope(granted: string[], wanted: string): boolean {
  if (granted.length === 0) return true; // a token without scopes has the app's full access (legacy apps)
  return granted.some((g) => g === wanted || IMPLIED[g]?.includes(wanted));
}

const RPC_TYPES = ['application/json', 'text/plain; charset=dropbox-cors-hack'];
const UPLOAD_TYPES = ['application/octet-stream', 'text/plain; charset=dropbox-cors-hack'];

function contentTypeAllowed(header: string, allowed: string[]): boolean {
  const [media = '', ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  const normalized = [media, ...params].join('; ');
  if (allowed.includes(normalized)) return true;
  // application/json may name its charset; the binary type may carry none.
  return (
    media === 'application/json' && allowed.includes(media) && params.every((p) => p === 'charset=utf-8')
  );
}

const expecting = (allowed: string[]) => allowed.map((t) => `"${t}"`).join(', ');

const pathRootType = union({
  home: null,
  root: str({ pattern: '[-_0-9a-zA-Z:]+' }),
  namespace_id: str({ pattern: '[-_0-9a-zA-Z:]+' }),
});

/** Mounts every route of `routes` on the emulator's hosts. */
export function mountRoutes(server: EmulatorServer, state: DropboxState, routes: RouteDef[]): void {
  for (const route of routes) {
    const router = server.host(route.host).router;
    // An upload refused before its body was read is answered at once; EmulatorServer then reads the rest
    // away (bounded), as Dropbox does, so the answer is not lost to a reset.
    const handler = (req: EmulatorRequest, res: ServerResponse) => handle(state, route, req, res);
    router.post(`/2/${route.name}`, handler);
    if (route.style === 'download') router.get(`/2/${route.name}`, handler);
  }
}

async function handle(
  state: DropboxState,
  route: RouteDef,
  req: EmulatorRequest,
  res: ServerResponse,
): Promise<void> {
  res.setHeader('x-dropbox-request-id', randomBytes(16).toString('hex'));
  const contentType = (req.headers['content-type'] ?? '').trim();

  if (route.style === 'upload' && !contentTypeAllowed(contentType, UPLOAD_TYPES)) {
    throw badInput(
      route.name,
      `Bad HTTP "Content-Type" header: "${contentType}".  Expecting one of ${expecting(UPLOAD_TYPES)}.`,
    );
  }
  if (route.style === 'rpc' && contentType && !contentTypeAllowed(contentType, RPC_TYPES)) {
    throw badInput(
      route.name,
      `Bad HTTP "Content-Type" header: "${contentType}".  Expecting one of ${expecting(RPC_TYPES)}.`,
    );
  }

  const account = route.auth === 'noauth' ? undefined : authenticate(state, route, req);
  if (account) checkPathRoot(route, req, account);

  const { arg, where } = await readArg(route, req, contentType);
  const result = await route.handler({ state, req, res, route, arg, where, account: account as Account });
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  if (route.style === 'download') return sendDownload(req, res, result as DownloadReply);
  sendJson(res, 200, result ?? null);
}

function authenticate(state: DropboxState, route: RouteDef, req: EmulatorRequest): Account {
  const header = req.headers.authorization;
  const fromQuery = route.host === 'content' ? (req.query.get('authorization') ?? undefined) : undefined;
  const value = header ?? fromQuery;
  if (value === undefined) {
    throw badInput(route.name, 'Must provide HTTP header "Authorization" or URL parameter "authorization".');
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  if (!m) {
    // The real answer quotes the value back; credentials must not travel into messages, so only the scheme does.
    const scheme = value.trim().split(/\s+/)[0] ?? '';
    const source = header !== undefined ? 'HTTP header "Authorization"' : 'URL parameter "authorization"';
    throw badInput(
      route.name,
      `Invalid authorization value in ${source}: "${scheme} ...".  Expecting "Bearer <oauth2-access-token>".`,
    );
  }
  const check = state.verifyAccess(req, m[1]);
  if (!check.ok)
    throw authError(check.reason === 'expired' ? 'expired_access_token' : 'invalid_access_token');
  const account = state.accounts.get(check.subject);
  if (!account) throw authError('invalid_access_token');
  if (account.profile.disabled) throw authError('user_suspended');
  if (route.scope && !hasScope(check.scopes, route.scope)) throw authError('missing_scope', route.scope);
  return account;
}

/** `Dropbox-API-Path-Root`: with one namespace per account, every valid form addresses that namespace. */
function checkPathRoot(route: RouteDef, req: EmulatorRequest, account: Account): void {
  const header = req.headers['dropbox-api-path-root'];
  if (header === undefined) return;
  const where = 'HTTP header "Dropbox-API-Path-Root"';
  let raw: unknown;
  try {
    if (/[^\x00-\x7f]/.test(header as string)) throw new Error('not ASCII');
    raw = JSON.parse(header as string);
  } catch {
    throw badInput(route.name, `${where}: could not decode input as JSON`);
  }
  let root: Tagged<string | undefined>;
  try {
    root = pathRootType.decode(raw);
  } catch (e) {
    if (e instanceof StoneValidationError) throw badInput(route.name, `${where}: ${e}`);
    throw e;
  }
  if (root.tag === 'root' && root.value !== account.ns.id) {
    throw pathRootError({ '.tag': 'invalid_root', invalid_root: account.rootInfo }, 'invalid_root/');
  }
  if (root.tag === 'namespace_id' && root.value !== account.ns.id) {
    throw pathRootError({ '.tag': 'no_permission' }, 'no_permission/');
  }
}

async function readArg(
  route: RouteDef,
  req: EmulatorRequest,
  contentType: string,
): Promise<{ arg: unknown; where: string }> {
  let raw: unknown;
  let where: string;
  if (route.style === 'rpc') {
    where = 'request body';
    const text = await req.text(16 * 1024 * 1024);
    if (!contentType && text.length > 0) {
      throw badInput(
        route.name,
        `Bad HTTP "Content-Type" header: "".  Expecting one of ${expecting(RPC_TYPES)}.`,
      );
    }
    if (contentType || text.length > 0) {
      try {
        raw = JSON.parse(text);
      } catch {
        throw badInput(route.name, `${where}: could not decode input as JSON`);
      }
    }
  } else {
    const header = req.headers['dropbox-api-arg'];
    const query = req.query.get('arg');
    const text = typeof header === 'string' ? header : (query ?? undefined);
    where = typeof header === 'string' ? 'HTTP header "Dropbox-API-Arg"' : 'URL parameter "arg"';
    if (text === undefined) {
      if (route.arg.defaultValue === undefined) {
        throw badInput(route.name, 'Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".');
      }
    } else {
      try {
        // A header must be ASCII: non-ASCII characters travel as \uXXXX escapes inside the JSON.
        if (typeof header === 'string' && /[^\x00-\x7f]/.test(text)) throw new Error('not ASCII');
        raw = JSON.parse(text);
      } catch {
        throw badInput(route.name, `${where}: could not decode input as JSON`);
      }
    }
  }
  try {
    return { arg: route.arg.decode(raw), where };
  } catch (e) {
    if (e instanceof StoneValidationError) throw badInput(route.name, `${where}: ${e}`);
    throw e;
  }
}

async function sendDownload(req: EmulatorRequest, res: ServerResponse, reply: DownloadReply): Promise<void> {
  const headers: Record<string, string | number> = {
    'dropbox-api-result': headerSafeJson(reply.result),
    'content-type': reply.contentType,
  };
  if (reply.etag) headers.etag = reply.etag;
  if (reply.ranges) headers['accept-ranges'] = 'bytes';
  if (reply.etag && req.headers['if-none-match'] === reply.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const range = reply.ranges ? parseRange(req.headers.range, reply.size) : undefined;
  if (range === 'invalid') {
    throw new HttpError(
      416,
      'Requested Range Not Satisfiable',
      { dropbox: { kind: 'text' } },
      {
        'content-range': `bytes */${reply.size}`,
      },
    );
  }
  const { start, end } = range ?? { start: 0, end: reply.size - 1 };
  headers['content-length'] = reply.size === 0 ? 0 : end - start + 1;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${reply.size}`;
  await sendStream(res, range ? 206 : 200, reply.open(start, end), headers);
}
