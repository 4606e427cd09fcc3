import type { ServerResponse } from 'node:http';
import type { EmulatorRequest, EmulatorServer } from '../core/index.js';
import { sendJson } from '../core/index.js';
import { b2Error, badRequest, unauthorized } from './errors.js';
import type { Account, ApplicationKey, Bucket, TokenRecord } from './model.js';
import type { B2State } from './state.js';

/**
 * The machinery of the JSON calls (`/b2api/v1..v4/b2_*` on the api host): arguments from a JSON body (POST)
 * or the query string (GET), the account token checked in B2's order (known → not expired → capability →
 * bucket → name prefix), the answer as JSON.
 */

export interface Caller {
  token: string;
  account: Account;
  key: ApplicationKey;
  capabilities: ReadonlySet<string>;
}

export interface CallContext {
  state: B2State;
  server: EmulatorServer;
  req: EmulatorRequest;
  res: ServerResponse;
  /** The API version of the path: 1 to 4. */
  version: number;
  args: Args;
  /** The caller, by its account token. */
  caller: Caller;
}

export interface B2Call {
  /** The capability the key needs; omitted: none beyond a valid token. */
  capability?: string;
  /** Returns the JSON answer, or undefined when it answered itself. */
  handle(ctx: CallContext): unknown | Promise<unknown>;
}

export const SUPPORTED_VERSIONS = new Set(['v1', 'v2', 'v3', 'v4']);

/**
 * Mounts the calls under every version's path, after b2_authorize_account (the one call without an
 * account token, whose handler gets the request and answers JSON).
 */
export function mountCalls(
  server: EmulatorServer,
  state: B2State,
  authorize: (state: B2State, server: EmulatorServer, req: EmulatorRequest, version: number) => unknown,
  calls: Record<string, B2Call>,
): void {
  const api = server.host('api').router;
  const authorizeHandler = (req: EmulatorRequest, res: ServerResponse) => {
    req.body.resume();
    sendB2Json(res, authorize(state, server, req, parseVersion(req.params.version!)));
  };
  api.get('/b2api/:version/b2_authorize_account', authorizeHandler);
  api.post('/b2api/:version/b2_authorize_account', authorizeHandler);
  const handler = async (req: EmulatorRequest, res: ServerResponse) => {
    const version = parseVersion(req.params.version!);
    const call = calls[req.params.call!];
    if (!call) throw b2Error(404, 'not_found', `unknown API call ${req.params.call}`);
    const args = new Args(await readArgs(req));
    const caller = authenticate(state, req);
    if (call.capability) requireCapability(caller, call.capability);
    const result = await call.handle({ state, server, req, res, version, args, caller });
    if (result !== undefined && !res.headersSent) sendB2Json(res, result);
  };
  api.post('/b2api/:version/:call', handler);
  api.get('/b2api/:version/:call', handler);
}

export function parseVersion(segment: string): number {
  if (!SUPPORTED_VERSIONS.has(segment)) throw b2Error(404, 'not_found', `unsupported API version ${segment}`);
  return Number(segment.slice(1));
}

/** B2's JSON answers carry these headers. */
export function sendB2Json(res: ServerResponse, value: unknown): void {
  sendJson(res, 200, value, { 'cache-control': 'max-age=0, no-cache, no-store' });
}

async function readArgs(req: EmulatorRequest): Promise<Record<string, unknown>> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const out: Record<string, unknown> = {};
    for (const key of new Set(req.query.keys())) {
      const all = req.query.getAll(key);
      out[key] = all.length > 1 ? all : all[0];
    }
    return out;
  }
  const text = await req.text(1024 * 1024);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw b2Error(400, 'bad_json', 'the request body is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw b2Error(400, 'bad_json', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Typed access to a call's arguments; `null` counts as absent, and query-string values are converted. */
export class Args {
  constructor(readonly raw: Record<string, unknown>) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  str(name: string): string {
    const v = this.optStr(name);
    if (v === undefined) throw badRequest(`required field ${name} is missing`);
    return v;
  }

  optStr(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
    return v;
  }

  int(name: string, fallback?: number): number {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') {
      if (fallback === undefined) throw badRequest(`required field ${name} is missing`);
      return fallback;
    }
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badRequest(`${name} must be an integer`);
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw[name];
    if (v === undefined || v === null) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw badRequest(`${name} must be true or false`);
  }

  /** An array (JSON), or in a query string a JSON array or a comma-separated list. */
  array(name: string): unknown[] | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    if (typeof v === 'string') {
      if (v.startsWith('[')) {
        try {
          const parsed = JSON.parse(v);
          if (Array.isArray(parsed)) return parsed;
        } catch {}
      }
      return v === '' ? [] : v.split(',');
    }
    throw badRequest(`${name} must be an array`);
  }

  strings(name: string): string[] | undefined {
    const a = this.array(name);
    if (a?.some((x) => typeof x !== 'string')) throw badRequest(`${name} must be an array of strings`);
    return a as string[] | undefined;
  }

  object(name: string): Record<string, unknown> | undefined {
    let v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {}
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw badRequest(`${name} must be an object`);
    return v as Record<string, unknown>;
  }
}

/** The account token of the `Authorization` header, checked. */
export function authenticate(state: B2State, req: EmulatorRequest): Caller {
  const token = req.headers.authorization;
  if (!token) throw b2Error(401, 'missing_auth_token', 'the Authorization header is missing');
  const record = state.tokens.get(token);
  if (record?.kind !== 'account') throw b2Error(401, 'bad_auth_token', 'invalid authorization token');
  return callerOf(state, req, record);
}

export function callerOf(
  state: B2State,
  req: EmulatorRequest,
  record: Extract<TokenRecord, { kind: 'account' }>,
): Caller {
  const key = state.keys.get(record.keyId);
  const account = state.accounts.get(record.accountId);
  if (!key || !account) throw b2Error(401, 'bad_auth_token', 'the application key of this token was deleted');
  const now = state.now();
  if (
    req.fault?.expiredToken ||
    state.testModeFails(req.headers['x-bz-test-mode'], 'expire_some_account_authorization_tokens') ||
    record.expiresAt <= now ||
    (key.expirationTimestamp !== null && key.expirationTimestamp <= now)
  )
    throw b2Error(401, 'expired_auth_token', 'authorization token has expired');
  return { token: record.token, account, key, capabilities: new Set(key.capabilities) };
}

export function requireCapability(caller: Caller, capability: string): void {
  if (!caller.capabilities.has(capability))
    throw unauthorized(`the application key lacks the ${capability} capability`);
}

/** The key may use this bucket. */
export function requireBucket(caller: Pick<Caller, 'key'>, bucketId: string): void {
  if (caller.key.bucketIds && !caller.key.bucketIds.includes(bucketId))
    throw unauthorized(`the application key is not allowed to use bucket ${bucketId}`);
}

/** The key may use this file name. */
export function requireName(caller: Pick<Caller, 'key'>, fileName: string): void {
  const prefix = caller.key.namePrefix;
  if (prefix && !fileName.startsWith(prefix))
    throw unauthorized(`the application key only allows file names starting with ${prefix}`);
}

/** A bucket of the caller's account that the key may use; `code` is B2's code for a missing bucket. */
export function callerBucket(ctx: CallContext, bucketId: string, code = 'bad_bucket_id'): Bucket {
  requireBucket(ctx.caller, bucketId);
  const bucket = ctx.state.buckets.get(bucketId);
  if (!bucket || bucket.accountId !== ctx.caller.account.accountId)
    throw b2Error(400, code, `Bucket ${bucketId} does not exist`);
  return bucket;
}
