import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import type { B2Metadata } from './types.js';

/**
 * B2's rules for names, checked before a request is sent, and its percent-encoding
 * (api-specs/b2/B2-NATIVE-API.md §4.6–4.9). No regular expression here sees more than a name the caller
 * gave, and none can backtrack.
 */

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** A file name per the reference's rules; error 604 naming the rule broken. */
export function checkFileName(name: string, what = 'fileName'): string {
  const problem = fileNameProblem(name);
  if (problem) throw new CloudStorageError(ErrorCode.InvalidRemoteId, `${what} "${name}" ${problem}.`);
  return name;
}

function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (utf8Length(name) > 1024) return 'is longer than 1024 bytes (UTF-8)';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c === 127) return 'contains a control character (below 32, or DEL)';
    if (c === 92) return 'contains a backslash';
  }
  if (name.startsWith('/') || name.endsWith('/')) return 'begins or ends with "/"';
  if (name.includes('//')) return 'contains "//"';
  for (const segment of name.split('/')) {
    if (utf8Length(segment) > 250) return 'has a part between slashes longer than 250 bytes (UTF-8)';
  }
  return undefined;
}

/** A bucket name: 6–63 letters, digits and "-", not starting with "b2-". Error 604 otherwise. */
export function checkBucketName(name: string): string {
  let problem: string | undefined;
  if (name.length < 6 || name.length > 63) problem = 'must be 6 to 63 characters long';
  else if (!/^[A-Za-z0-9-]+$/.test(name)) problem = 'may hold only letters, digits and "-"';
  else if (name.toLowerCase().startsWith('b2-')) problem = 'must not start with "b2-" (reserved by B2)';
  if (problem) throw new CloudStorageError(ErrorCode.InvalidRemoteId, `Bucket name "${name}" ${problem}.`);
  return name;
}

/** The bucket info and file info names B2 defines under its reserved `b2-` prefix. */
const B2_INFO_NAMES = new Set([
  'b2-content-disposition',
  'b2-content-language',
  'b2-expires',
  'b2-cache-control',
  'b2-content-encoding',
]);

/** A metadata item name: at most 50 of letters, digits, "-" and "_"; `b2-` only for the names B2 defines. */
export function checkMetadataName(name: string): string {
  if (name.length === 0 || name.length > 50 || !/^[A-Za-z0-9_-]+$/.test(name)) {
    throw invalidArgument(`Metadata name "${name}" must be 1 to 50 letters, digits, "-" or "_".`);
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('b2-') && !B2_INFO_NAMES.has(lower)) {
    throw invalidArgument(
      `Metadata name "${name}" uses the prefix "b2-", which B2 reserves for ${[...B2_INFO_NAMES].join(', ')}.`,
    );
  }
  return name;
}

/** The metadata collection as B2 info (names checked; a repeated name keeps its last value). */
export function infoObject(items: readonly B2Metadata[], clientModifiedTime = ''): Record<string, string> {
  const info: Record<string, string> = {};
  // ClientModifiedTime goes first, as the reference says.
  if (clientModifiedTime) info.src_last_modified_millis = clientModifiedTime.trim();
  for (const item of items) info[checkMetadataName(item.name)] = item.value;
  return info;
}

/** Percent-encoding of a file name for X-Bz-File-Name and download paths: UTF-8, "/" kept. */
export function encodeFileName(name: string): string {
  return encodeURIComponent(name).replaceAll('%2F', '/');
}

/** Percent-encoding of an X-Bz-Info-* value. */
export function encodeInfoValue(value: string): string {
  return encodeURIComponent(value);
}

/** The `range` property: `start-` or `start-end` (bytes, inclusive); '' for none. Error 1000 otherwise. */
export function parseRange(range: string): { start: number; end: number | undefined } | undefined {
  const text = range.trim();
  if (text === '') return undefined;
  const m = /^(?:bytes=)?(\d{1,16})-(\d{1,16})?$/.exec(text);
  const start = m ? Number(m[1]) : Number.NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : undefined;
  if (!m || (end !== undefined && end < start)) {
    throw invalidArgument(`range must be "start-" or "start-end" (bytes, inclusive); got "${range}".`);
  }
  return { start, end };
}
