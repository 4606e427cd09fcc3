import type { ServerResponse } from 'node:http';
import { type EmulatorRequest, type EmulatorServer, HttpError, sendJson } from '../core/index.js';
import { OAuthAuthorizationServer } from '../core/oauth/index.js';
import { driveError, invalidParameter } from './errors.js';
import { applyFields, checkFields, type FieldMask, parseFields } from './fields.js';
import type { DriveUser } from './model.js';
import { publicOrigin } from './shapes.js';
import type { DriveState } from './state.js';

/** Everything a route needs; one per emulator. */
export interface DriveContext {
  state: DriveState;
  oauth: OAuthAuthorizationServer;
  server: EmulatorServer;
}

/** One API call: the request, its response, the signed-in user and where the client reached us. */
export interface DriveCall {
  req: EmulatorRequest;
  res: ServerResponse;
  me: DriveUser;
  ctx: DriveContext;
  origin: string;
  /** Whether the token's scopes allow changes (drive.readonly and drive.metadata.readonly do not). */
  canWrite: boolean;
}

export type DriveHandler = (call: DriveCall) => unknown | Promise<unknown>;

const READ_ONLY_SCOPES = new Set([
  'https://www.googleapis.com/auth/drive.readonly',
  'https://www.googleapis.com/auth/drive.metadata.readonly',
  'https://www.googleapis.com/auth/drive.photos.readonly',
  'https://www.googleapis.com/auth/drive.metadata',
]);

/** Checks the bearer token (header, or the `access_token` parameter as Google allows) and finds the user. */
export function authenticate(ctx: DriveContext, req: EmulatorRequest): { me: DriveUser; canWrite: boolean } {
  const token =
    req.bearerToken() ?? req.query.get('access_token') ?? req.query.get('oauth_token') ?? undefined;
  let check = ctx.oauth.verifyToken(token);
  if (check.ok && req.fault?.expiredToken) check = { ok: false, reason: 'expired', description: 'expired' };
  if (!check.ok) {
    const message =
      check.reason === 'missing'
        ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
        : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.';
    throw driveError(
      401,
      check.reason === 'missing' ? 'required' : 'authError',
      message,
      { location: 'Authorization', locationType: 'header' },
      {
        'www-authenticate': OAuthAuthorizationServer.wwwAuthenticate(check, 'https://accounts.google.com/'),
      },
    );
  }
  const me = ctx.state.userByPermissionId(check.subject);
  if (!me) throw driveError(401, 'authError', 'The user of this token no longer exists.');
  const canWrite = check.scopes.length === 0 || check.scopes.some((s) => !READ_ONLY_SCOPES.has(s));
  return { me, canWrite };
}

/** Wraps a handler with authentication (every Drive route needs it). */
export function authed(ctx: DriveContext, handler: DriveHandler) {
  return async (req: EmulatorRequest, res: ServerResponse) => {
    const { me, canWrite } = authenticate(ctx, req);
    return handler({ req, res, me, ctx, origin: publicOrigin(req), canWrite });
  };
}

export function requireWrite(call: DriveCall): void {
  if (!call.canWrite)
    throw driveError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {});
}

/** A boolean query parameter (`true`/`false`); anything else is Drive's 400. */
export function boolParam(req: EmulatorRequest, name: string, fallback = false): boolean {
  const v = req.query.get(name);
  if (v === null || v === '') return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidParameter(`Invalid boolean value for ${name}: ${v}`, name);
}

export function intParam(
  req: EmulatorRequest,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = req.query.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalidParameter(`Invalid value '${v}'. Values must be within the range: [${min}, ${max}]`, name);
  return n;
}

/** The mask of `fields` (or the method's default), checked against the response's schema. */
export function maskOf(req: EmulatorRequest, schema: string, fallback: string | undefined): FieldMask | true {
  const text = req.query.get('fields');
  if (text === null || text === '') {
    if (fallback === undefined) return true;
    return parseFields(fallback);
  }
  const mask = parseFields(text);
  checkFields(mask, schema, text);
  return mask;
}

/** Sends a resource shaped by the request's `fields`. */
export function sendResource(
  call: DriveCall,
  value: Record<string, unknown>,
  schema: string,
  fallback: string | undefined,
  status = 200,
): void {
  const mask = maskOf(call.req, schema, fallback);
  sendJson(call.res, status, applyFields(value, mask));
}

/** Reads a JSON object body (an empty body is `{}`). */
export async function jsonBody(req: EmulatorRequest): Promise<Record<string, unknown>> {
  const text = (await req.text(4 * 1024 * 1024)).trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw driveError(400, 'parseError', 'Parse Error');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw driveError(400, 'parseError', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export function noContent(res: ServerResponse): void {
  res.writeHead(204, { 'content-length': 0 });
  res.end();
}

export { HttpError };

export const FILE_DEFAULT = 'kind,id,name,mimeType';
export const FILE_LIST_DEFAULT = `kind,incompleteSearch,nextPageToken,files(${FILE_DEFAULT})`;
