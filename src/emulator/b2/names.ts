import { badRequest } from './errors.js';

/** B2's string rules: percent-encoding of names and info values, file, bucket and info-key names. */

/** Bytes B2 leaves unencoded (its string-encoding page): letters, digits and `._-/~!$'()*;=:@`. */
const SAFE = new Set(
  Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/~!$'()*;=:@"),
);

/** Percent-encodes a string the way B2 sends `X-Bz-File-Name` and `X-Bz-Info-*` back. */
export function b2Encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.has(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Decodes a percent-encoded value as B2 does: `+` is a space (a literal plus must come as `%2B`), the bytes
 * must be UTF-8. Undefined when malformed.
 */
export function b2Decode(value: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25) {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b) bytes.push(0x20);
    else if (c < 0x80) bytes.push(c);
    // Raw bytes above ASCII: B2 wants them percent-encoded.
    else return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** A file name: 1–1024 UTF-8 bytes, no control characters, no DEL. Throws 400 otherwise. */
export function checkFileName(name: unknown, field = 'fileName'): string {
  if (typeof name !== 'string' || name.length === 0) throw badRequest(`${field} is required`);
  if (Buffer.byteLength(name, 'utf8') > 1024) throw badRequest(`${field} is longer than 1024 bytes`);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c === 127) throw badRequest(`${field} contains a control character (code ${c})`);
  }
  return name;
}

/** Bucket names: 6–63 letters, digits and dashes, not starting with `b2-`. Returns the reason it is bad. */
export function bucketNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'bucketName is required';
  if (name.length < 6 || name.length > 63) return 'bucket names must be 6 to 63 characters long';
  if (!/^[A-Za-z0-9-]+$/.test(name)) return 'bucket names may only contain letters, digits and "-"';
  if (name.toLowerCase().startsWith('b2-')) return 'bucket names starting with "b2-" are reserved';
  return undefined;
}

/** The `b2-*` file info keys B2 defines, and the download header each becomes. */
export const B2_INFO_HEADERS: Record<string, string> = {
  'b2-content-disposition': 'content-disposition',
  'b2-content-language': 'content-language',
  'b2-expires': 'expires',
  'b2-cache-control': 'cache-control',
  'b2-content-encoding': 'content-encoding',
};

const INFO_KEY = /^[A-Za-z0-9\-_.`~!#$%^&*'|+]+$/;

/**
 * Checks a file info collection (≤ 10 items; keys ≤ 50 bytes of B2's token characters; only the defined
 * `b2-` keys) and returns it with lower-case keys, as B2 stores it.
 */
export function checkFileInfo(info: unknown): Record<string, string> {
  if (info === undefined || info === null) return {};
  if (typeof info !== 'object' || Array.isArray(info)) throw badRequest('fileInfo must be an object');
  const entries = Object.entries(info as Record<string, unknown>);
  if (entries.length > 10) throw badRequest('too many file info items: at most 10 are allowed');
  const out: Record<string, string> = {};
  for (const [rawKey, value] of entries) {
    if (typeof value !== 'string') throw badRequest(`file info value of ${rawKey} must be a string`);
    if (Buffer.byteLength(rawKey) > 50 || !INFO_KEY.test(rawKey))
      throw badRequest(`file info name is not valid: ${rawKey}`);
    const key = rawKey.toLowerCase();
    if (key.startsWith('b2-') && !(key in B2_INFO_HEADERS))
      throw badRequest(`file info name ${rawKey} is reserved: b2- names must be one of the defined ones`);
    out[key] = value;
  }
  return out;
}

/** Name plus file info must fit B2's header budget. */
export function checkHeaderBudget(fileName: string, info: Record<string, string>): void {
  let size = Buffer.byteLength(fileName);
  for (const [k, v] of Object.entries(info)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > 7000) throw badRequest('file name and file info together exceed 7000 bytes');
}

const MIME: Record<string, string> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  htm: 'text/html',
  html: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  mjs: 'application/javascript',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  tar: 'application/x-tar',
  bz2: 'application/x-bzip2',
  '7z': 'application/x-7z-compressed',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  mp3: 'audio/mpeg',
  wav: 'audio/x-wav',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
};

/** What `b2/x-auto` resolves to: the type of the name's extension, else `application/octet-stream`. */
export function autoContentType(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'application/octet-stream';
  return MIME[base.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** Orders names as B2 does: by their UTF-8 bytes (code point order). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}
