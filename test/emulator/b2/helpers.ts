import { createHash } from 'node:crypto';
import { request } from 'undici';
import { B2Emulator, type B2EmulatorOptions } from '../../../src/emulator/b2/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';

/** Test plumbing: a B2 emulator on loopback ports and plain-HTTP helpers for its calls. */

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface Harness {
  server: EmulatorServer;
  b2: B2Emulator;
  /** Authorizes with Basic auth (default: the master key) at `/b2api/v<version>/b2_authorize_account`. */
  authorize(version?: number, keyId?: string, key?: string): Promise<Reply>;
  /** A master-key account token (v2). */
  token: string;
  apiUrl: string;
  /** POSTs a JSON call (`b2_list_buckets`) with a token. */
  call<T = Record<string, unknown>>(
    name: string,
    body: unknown,
    token?: string,
    version?: number,
  ): Promise<Reply<T>>;
  /** b2_get_upload_url + b2_upload_file of `data` as `fileName`. */
  upload(
    bucketId: string,
    fileName: string,
    data: Buffer | string,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  stop(): Promise<void>;
}

export const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

export async function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, bytes };
}

export async function startHarness(options: B2EmulatorOptions = {}): Promise<Harness> {
  const server = new EmulatorServer();
  const b2 = new B2Emulator(options);
  b2.install(server);
  await server.start();
  const api = b2.urls.api;
  const authorize = async (version = 2, keyId = b2.accountId, key = b2.masterKey): Promise<Reply> => {
    const r = await raw(`${api}/b2api/v${version}/b2_authorize_account`, {
      headers: { authorization: `Basic ${Buffer.from(`${keyId}:${key}`).toString('base64')}` },
    });
    return { status: r.status, headers: r.headers, body: JSON.parse(r.bytes.toString()) };
  };
  const auth = await authorize(2);
  const token = auth.body.authorizationToken as string;
  const call = async <T>(name: string, body: unknown, tok = token, version = 2): Promise<Reply<T>> => {
    const r = await raw(`${api}/b2api/v${version}/${name}`, {
      method: 'POST',
      headers: { authorization: tok, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, headers: r.headers, body: JSON.parse(r.bytes.toString()) as T };
  };
  const upload = async (
    bucketId: string,
    fileName: string,
    data: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const u = await call<{ uploadUrl: string; authorizationToken: string }>('b2_get_upload_url', {
      bucketId,
    });
    const r = await raw(u.body.uploadUrl, {
      method: 'POST',
      headers: {
        authorization: u.body.authorizationToken,
        'x-bz-file-name': encodeURIComponent(fileName).replace(/%2F/g, '/'),
        'content-type': 'b2/x-auto',
        'x-bz-content-sha1': sha1(data),
        ...headers,
      },
      body: data,
    });
    return { status: r.status, headers: r.headers, body: JSON.parse(r.bytes.toString()) };
  };
  return {
    server,
    b2,
    authorize,
    token,
    apiUrl: auth.body.apiUrl as string,
    call,
    upload,
    stop: () => server.stop(),
  };
}
