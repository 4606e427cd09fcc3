import { createRequire } from 'node:module';
import { Dropbox, type DropboxAuth } from 'dropbox';
import { request } from 'undici';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import {
  DROPBOX_HOSTS,
  DropboxEmulator,
  type DropboxEmulatorOptions,
} from '../../../src/emulator/dropbox/index.js';

/**
 * Test plumbing: an emulator on loopback ports, a token, the official SDK pointed at it, and small raw
 * HTTP helpers (undici) for what the SDK does not show (headers, status codes, exact bodies).
 */

// The SDK's own HTTP client in Node (it requires node-fetch itself); loaded the same way here.
const nodeFetch = createRequire(import.meta.url)('node-fetch') as (
  url: string,
  init?: unknown,
) => Promise<unknown>;

export interface Harness {
  server: EmulatorServer;
  dropbox: DropboxEmulator;
  token: string;
  urls: { api: string; content: string; notify: string };
  /** The SDK's requests to https://{api,content,notify}.dropboxapi.com, sent to the emulator's ports instead. */
  fetch: (url: string, init?: unknown) => Promise<unknown>;
  sdk(options?: { accessToken?: string; pathRoot?: string; auth?: DropboxAuth }): Dropbox;
  stop(): Promise<void>;
}

export async function startHarness(options: DropboxEmulatorOptions = {}): Promise<Harness> {
  const server = new EmulatorServer();
  const dropbox = new DropboxEmulator(options);
  dropbox.install(server);
  await server.start();
  const urls = dropbox.urls;
  const byHost: Record<string, string> = {
    [DROPBOX_HOSTS.api]: urls.api,
    [DROPBOX_HOSTS.content]: urls.content,
    [DROPBOX_HOSTS.notify]: urls.notify,
    'api.dropbox.com': urls.api,
    'www.dropbox.com': urls.api,
  };
  // The SDK has no base-URL option (it always builds https://<host>.dropboxapi.com/2/...), so its fetch
  // is wrapped: the URL's origin is swapped for the matching emulator host; everything else is untouched.
  const fetch = (url: string, init?: unknown) => {
    const u = new URL(url);
    const base = byHost[u.host];
    if (!base) throw new Error(`unexpected host in SDK request: ${u.host}`);
    return nodeFetch(`${base}${u.pathname}${u.search}`, init);
  };
  const token = dropbox.issueToken().accessToken;
  return {
    server,
    dropbox,
    token,
    urls,
    fetch,
    sdk: (o = {}) =>
      new Dropbox({
        ...(o.auth ? { auth: o.auth } : { accessToken: o.accessToken ?? token }),
        fetch: fetch as never,
        ...(o.pathRoot ? { pathRoot: o.pathRoot } : {}),
      }),
    stop: () => server.stop(),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => any;
}

async function collect(res: Awaited<ReturnType<typeof request>>): Promise<RawResponse> {
  const body = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    headers: res.headers,
    body,
    text: body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')),
  };
}

/** An RPC call: POST JSON to `/2/<route>` on the api (or notify) host. */
export async function rpc(
  h: Harness,
  route: string,
  arg: unknown,
  options: {
    token?: string | null;
    host?: 'api' | 'notify';
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? h.token}`;
  if (arg !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
  const res = await request(`${h.urls[options.host ?? 'api']}/2/${route}`, {
    method: 'POST',
    headers,
    body: options.body ?? (arg === undefined ? undefined : JSON.stringify(arg)),
  });
  return collect(res);
}

/** The SDK's header encoding: JSON with DEL and every non-ASCII UTF-16 unit as \uXXXX. */
export function headerSafe(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A content-host call (upload or download style) with the argument in Dropbox-API-Arg. */
export async function content(
  h: Harness,
  route: string,
  arg: unknown,
  options: {
    body?: Buffer | string;
    headers?: Record<string, string>;
    method?: 'GET' | 'POST';
    token?: string;
  } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token ?? h.token}`,
    ...(arg === undefined ? {} : { 'dropbox-api-arg': headerSafe(arg) }),
    ...(options.body !== undefined ? { 'content-type': 'application/octet-stream' } : {}),
    ...options.headers,
  };
  const res = await request(`${h.urls.content}/2/${route}`, {
    method: options.method ?? 'POST',
    headers,
    body: options.body,
  });
  return collect(res);
}

/** Uploads bytes with files/upload and returns the FileMetadata. */
export async function upload(
  h: Harness,
  path: string,
  data: Buffer | string,
  extra: Record<string, unknown> = {},
) {
  const res = await content(
    h,
    'files/upload',
    { path, mode: 'overwrite', ...extra },
    { body: Buffer.from(data) },
  );
  if (res.status !== 200) throw new Error(`upload ${path}: ${res.status} ${res.text}`);
  return res.json();
}

/** The Dropbox-API-Result header of a download response, decoded. */
export function apiResult(res: RawResponse): any {
  const raw = res.headers['dropbox-api-result'];
  return JSON.parse(Array.isArray(raw) ? raw[0]! : raw!);
}
