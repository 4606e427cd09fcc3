import { lstat } from 'node:fs/promises';
import { type Readable, Transform, type Writable } from 'node:stream';
import type { CallOptions } from './client.js';
import type { Settings, SettingTable } from './config.js';
import { type EncryptionSettings, isEncryptionEnabled } from './crypto/index.js';
import { CloudStorageError, ErrorCode, invalidArgument } from './errors.js';
import { IDEMPOTENT_METHODS } from './http/client.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http/index.js';
import { sleep } from './http/retry.js';
import type { Redactor } from './redact.js';
import {
  type DownloadTarget,
  deliverBody,
  type UploadData,
  type UploadSessionState,
} from './transfer/index.js';

/**
 * The pieces every provider class is built from (see docs/PROVIDERS.md). A provider class is a thin
 * dispatcher; each area module (listing, uploads, downloads, …) is a set of functions that take the
 * provider's context first. The context extends this one with the service's own API object and state.
 */
export interface ProviderContext<Client, S extends SettingTable> {
  /** The class instance: its public properties and collections, and `emit`. */
  client: Client;
  /** The instance's HTTP client (for transfers that do not go through the service's JSON API object). */
  http: HttpClient;
  settings: Settings<S>;
  redactor: Redactor;
  /** The encryption settings in force for one call (validated; secrets registered with the redactor). */
  encryption(overrides?: { encryptionAlgorithm?: number; encryptionPassword?: string }): EncryptionSettings;
  /** Keeps a JSON body for the XPath settings. */
  rememberJson(text: string): void;
}

/** The encryption settings of a call when encryption is on (a password or a key), else undefined. */
export function encryptionInForce(ctx: { encryption(): EncryptionSettings }): EncryptionSettings | undefined {
  const settings = ctx.encryption();
  return isEncryptionEnabled(settings) ? settings : undefined;
}

/**
 * Sends a request, and sends it again after a 429 that the HTTP client did not repeat itself. The client
 * repeats only idempotent requests; but a 429 means the service did not run the request, so a POST (an
 * upload, a new folder, a copy) may go again too, after Retry-After, up to MaxRetries times and when the
 * wait is at most MaxRetryAfter, as long as its body can be sent again (not a one-shot stream).
 * `retryAfterOf` reads the wait from the error (default its Retry-After; 1 s when there is none).
 */
export async function requestRepeatingRateLimited(
  http: HttpClient,
  request: HttpRequest,
  limits: { maxRetries: number; maxRetryAfter: number },
  retryAfterOf: (e: CloudStorageError) => number | undefined = (e) => e.retryAfter,
): Promise<HttpResponse> {
  const idempotent = request.idempotent ?? IDEMPOTENT_METHODS.has(request.method.toUpperCase());
  const body = request.body;
  const repeatable =
    body === undefined ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    typeof body === 'function';
  for (let attempt = 0; ; attempt++) {
    try {
      return await http.request(request);
    } catch (e) {
      const limited = e instanceof CloudStorageError && e.httpStatus === 429;
      if (!limited || idempotent || !repeatable || attempt >= limits.maxRetries) throw e;
      const seconds = retryAfterOf(e) ?? 1;
      if (seconds > limits.maxRetryAfter) throw e;
      await sleep(seconds * 1000, request.signal);
    }
  }
}

/**
 * Splits constructor options into the class's own properties (assigned after `super()`) and the rest (the
 * settings and core options `CloudClient` takes). An option given as `undefined` keeps the default.
 */
export function takeOwnOptions<P extends object>(
  options: object,
  names: ReadonlyArray<keyof P & string>,
): { own: Partial<P>; rest: Record<string, unknown> } {
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...options };
  for (const name of names) {
    if (rest[name] !== undefined) own[name] = rest[name];
    delete rest[name];
  }
  return { own: own as Partial<P>, rest };
}

/**
 * Puts one page of a listing into a collection and fires the collection's event for each item. With
 * accumulation on, a page that continues a listing is appended; otherwise the page replaces the collection.
 */
export function publishPage<T>(
  target: { get(): T[]; set(items: T[]): void },
  page: readonly T[],
  options: { continuing: boolean; accumulate: boolean; emit?: (item: T) => void },
): void {
  if (options.continuing && options.accumulate) target.set([...target.get(), ...page]);
  else target.set([...page]);
  if (options.emit) for (const item of page) options.emit(item);
}

/**
 * A service's JSON answer, parsed; an answer that is not JSON is error 600 naming `who` (`Dropbox
 * files/list_folder`, `Box's answer from <url>`) and the start of what came instead.
 */
export function parseJsonAnswer<T>(text: string, who: string, redactor?: Redactor): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `${who} is not JSON: ${text.slice(0, 200)}`,
      redactor ? { cause: e, redactor } : { cause: e },
    );
  }
}

/**
 * Every item of a paged listing, page after page: `fetch(marker)` gets the page after `marker` ('' the
 * first) and says the marker of the next one ('' after the last). For a class's iterators (`iterateX`),
 * which never touch the instance's collections or markers.
 */
export async function* walkPages<T>(
  fetch: (marker: string) => Promise<{ items: readonly T[]; marker: string }>,
): AsyncGenerator<T> {
  let marker = '';
  do {
    const page = await fetch(marker);
    yield* page.items;
    marker = page.marker;
  } while (marker);
}

/**
 * A new size for a collection (`resourceCount = n`): truncates, or adds blank entries to fill in; a size
 * that is not a whole number ≥ 0 is error 1000 (invalid argument), not silently ignored.
 */
export function resizeCollection<T>(list: T[], n: number, blank: () => T, what: string): T[] {
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`${what} must be a whole number ≥ 0; got ${n}.`);
  const out = list.slice(0, n);
  while (out.length < n) out.push(blank());
  return out;
}

/**
 * Checks a value against an enumerated property or option (`downloadType`, `searchKind`, …) and returns it;
 * anything else is error 1000 (invalid argument) naming the values allowed.
 */
export function enumValue<T extends number | string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  meanings?: Readonly<Record<string, string>>,
): T {
  if (allowed.includes(value as T)) return value as T;
  const list = allowed.map((v) => (meanings?.[String(v)] ? `${v} (${meanings[String(v)]})` : String(v)));
  throw invalidArgument(`${what} must be one of ${list.join(', ')}; got ${JSON.stringify(value)}.`);
}

/** The value type of an enum table: `EnumValue<typeof BoxDownloadType>` is `0 | 1`. */
export type EnumValue<T> = T[keyof T];

/** `resource_type` of every reference class (brtFile / drtFile …): a file or a folder. */
export const ResourceType = { File: 0, Folder: 1 } as const;
export type ResourceTypeValue = EnumValue<typeof ResourceType>;

/**
 * Checks a value against an enum table of the reference (`{ FileContent: 0, FileThumbnail: 1 }`) and
 * returns it; anything else is error 1000 naming each value allowed with its name.
 */
export function enumMember<T extends Readonly<Record<string, number | string>>>(
  value: unknown,
  table: T,
  what: string,
): T[keyof T] {
  const meanings: Record<string, string> = {};
  for (const [name, v] of Object.entries(table)) meanings[String(v)] = name;
  return enumValue(value, Object.values(table) as Array<T[keyof T]>, what, meanings);
}

/** Whether something (a file, a folder, a link) is at a local path; follows no symbolic link. */
export async function localPathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

// ---- per-call options and results of transfers: one convention for every class ------------------------

/**
 * Per-call options of a download (downloadFile): each overrides the instance property of the same name for
 * this call. The bytes go to `stream` when given, else to `localFile`, else to `resourceData` (and `data`).
 */
export interface DownloadOptions extends CallOptions {
  localFile?: string;
  /** Write the bytes to this stream; it is ended when the download is complete. */
  stream?: Writable;
  startByte?: number;
  overwrite?: boolean;
}

/** What downloadFile returns (a class may add fields, such as the resource's metadata). */
export interface DownloadResult {
  /** The file written, when the bytes went to a file. */
  localFile?: string;
  /** The bytes, when neither localFile nor a stream was given (they are also in resourceData). */
  data?: Uint8Array;
  /** Bytes received from the server by this call (the ciphertext for encrypted content). */
  bytesReceived: number;
}

/** Per-call options of an upload (uploadFile, and a class's other content uploads). */
export interface UploadOptions extends CallOptions {
  localFile?: string;
  /** The bytes to upload when no localFile: bytes, a Node stream or a web stream (wins over resourceData). */
  data?: UploadData;
  /** Size of a `data` stream, when known (progress, resumable uploads). */
  size?: number;
  useResumableUpload?: boolean;
  /**
   * Hears this call's upload session and the bytes the service confirmed, each time they change (to keep
   * them and resume in another process; the instance's session property shows only one call's session).
   */
  onSessionState?: (state: UploadSessionState) => void;
}

/** Per-call options of sendCustomRequest: the body goes where a download would. */
export interface CustomRequestOptions extends CallOptions {
  localFile?: string;
  stream?: Writable;
  overwrite?: boolean;
}

/** What sendCustomRequest received. */
export interface CustomResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, when it went to resourceData (neither localFile nor a stream). */
  body?: Uint8Array;
}

/** Where the bytes of one download call go: `options.stream`, else localFile (option, then property), else bytes. */
export function downloadTarget(
  options: { localFile?: string; stream?: Writable; overwrite?: boolean },
  client: { localFile: string; overwrite: boolean },
): DownloadTarget {
  if (options.stream) return { kind: 'stream', writable: options.stream };
  const localFile = options.localFile ?? client.localFile;
  if (localFile) return { kind: 'file', path: localFile, overwrite: options.overwrite ?? client.overwrite };
  return { kind: 'bytes' };
}

/**
 * The offset a download call starts at: the option, else the instance's startByte, except while the
 * instance shows an upload under way (its startByte is then that upload's progress, not ours).
 */
export function downloadStartByte(
  options: { startByte?: number },
  client: { startByte: number },
  showsUpload: boolean,
): number {
  return checkStartByte(options.startByte ?? (showsUpload ? 0 : client.startByte));
}

/** A startByte (of an upload or a download) must be a whole number of bytes ≥ 0: error 1000 otherwise. */
export function checkStartByte(start: number): number {
  if (!Number.isSafeInteger(start) || start < 0) {
    throw invalidArgument(`startByte must be a whole number of bytes ≥ 0; got ${start}.`);
  }
  return start;
}

/** A JSON answer of sendCustomRequest up to this size is also kept for the XPath settings. */
const CUSTOM_JSON_LIMIT = 16 * 1024 * 1024;

/**
 * Delivers a sendCustomRequest answer like a download (a file, a stream or bytes); a JSON body up to 16 MiB
 * is also handed to `keepJson` (the XPath settings) as it passes, without a second read.
 */
export async function deliverCustomResponse(
  body: Readable,
  target: DownloadTarget,
  keepJson: ((text: string) => void) | undefined,
): Promise<Uint8Array | undefined> {
  if (!keepJson) return deliverBody(body, target);
  const kept: Buffer[] = [];
  let size = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size <= CUSTOM_JSON_LIMIT) kept.push(chunk);
      done(null, chunk);
    },
  });
  const result = await deliverBody(body, target, [tee]);
  if (size <= CUSTOM_JSON_LIMIT) keepJson(Buffer.concat(kept).toString('utf8'));
  return result;
}
