import { request } from 'undici';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import {
  GoogleDriveEmulator,
  type GoogleDriveEmulatorOptions,
} from '../../../src/emulator/googledrive/index.js';

/** Test plumbing: a Drive emulator on loopback ports, a token, and raw HTTP helpers (undici). */

export interface Harness {
  server: EmulatorServer;
  drive: GoogleDriveEmulator;
  token: string;
  api: string;
  stop(): Promise<void>;
}

export async function startHarness(options: GoogleDriveEmulatorOptions = {}): Promise<Harness> {
  const server = new EmulatorServer();
  const drive = new GoogleDriveEmulator(options);
  drive.install(server);
  await server.start();
  return {
    server,
    drive,
    token: drive.issueToken().accessToken,
    api: drive.urls.api,
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

export async function call(
  h: Harness,
  method: string,
  path: string,
  options: {
    query?: Record<string, string | number | boolean>;
    json?: unknown;
    body?: Buffer | string;
    headers?: Record<string, string>;
    token?: string | null;
  } = {},
): Promise<RawResponse> {
  const url = new URL(path.startsWith('http') ? path : `${h.api}${path}`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? h.token}`;
  let body: Buffer | string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json; charset=UTF-8';
  }
  const res = await request(url, { method: method as 'GET', headers, body });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    headers: res.headers,
    body: bytes,
    text: bytes.toString('utf8'),
    json: () => JSON.parse(bytes.toString('utf8')),
  };
}

/** A multipart/related body as Google's clients send it: JSON metadata, then the media. */
export function related(metadata: unknown, media: Buffer | string, mediaType = 'application/octet-stream') {
  const boundary = 'b0undary_x42';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n`,
    ),
    Buffer.from(`--${boundary}\r\nContent-Type: ${mediaType}\r\n\r\n`),
    Buffer.from(media),
    Buffer.from(`\r\n--${boundary}--`),
  ]);
  return { body, contentType: `multipart/related; boundary=${boundary}` };
}

/** The first error reason of a Drive error body. */
export function reasonOf(res: RawResponse): string | undefined {
  return res.json().error?.errors?.[0]?.reason;
}
