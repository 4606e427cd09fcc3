import type { Bucket, FileVersion } from './model.js';
import { compareNames } from './names.js';
import { lowerBound } from './state.js';

/**
 * The walk behind b2_list_file_names and b2_list_file_versions: names in UTF-8 byte order from
 * max(startFileName, prefix), only those under `prefix`; with a delimiter, each name with a further
 * delimiter after the prefix rolls up into one `folder` row and the walk jumps past the folder. The
 * continuation is the first row not returned, so a page never repeats or skips one.
 */

export type Row = { kind: 'folder'; fileName: string } | { kind: 'file'; version: FileVersion };

export interface ListOptions {
  prefix: string;
  delimiter: string | undefined;
  startFileName: string | undefined;
  /** Versions listings: start at this version of `startFileName` (its sequence number), or after it. */
  startSeq: number | undefined;
  max: number;
  /** Every version (b2_list_file_versions), or the newest upload of each name (b2_list_file_names). */
  versions: boolean;
}

export interface ListResult {
  rows: Row[];
  next: { fileName: string; version: FileVersion | undefined } | undefined;
}

/** The version b2_list_file_names and downloads by name see: the newest that is not an unfinished upload. */
export function newestVisible(versions: FileVersion[] | undefined): FileVersion | undefined {
  const v = versions?.find((x) => x.action !== 'start');
  return v?.action === 'upload' ? v : undefined;
}

export function listFiles(bucket: Bucket, o: ListOptions): ListResult {
  const { names } = bucket;
  const rows: Row[] = [];
  const from =
    o.startFileName !== undefined && compareNames(o.startFileName, o.prefix) > 0 ? o.startFileName : o.prefix;
  let i = lowerBound(names, from);
  while (i < names.length) {
    const name = names[i]!;
    if (!name.startsWith(o.prefix)) break;
    if (o.delimiter) {
      const at = name.indexOf(o.delimiter, o.prefix.length);
      if (at >= 0) {
        const folder = name.slice(0, at + o.delimiter.length);
        const end = endOfFolder(names, folder, i);
        if (o.versions || anyVisible(bucket, i, end)) {
          if (rows.length === o.max) return { rows, next: { fileName: folder, version: undefined } };
          rows.push({ kind: 'folder', fileName: folder });
        }
        i = end;
        continue;
      }
    }
    const versions = bucket.files.get(name) ?? [];
    if (o.versions) {
      for (const v of versions) {
        if (name === o.startFileName && o.startSeq !== undefined && v.seq > o.startSeq) continue;
        if (rows.length === o.max) return { rows, next: { fileName: name, version: v } };
        rows.push({ kind: 'file', version: v });
      }
    } else {
      const v = newestVisible(versions);
      if (v) {
        if (rows.length === o.max) return { rows, next: { fileName: name, version: v } };
        rows.push({ kind: 'file', version: v });
      }
    }
    i++;
  }
  return { rows, next: undefined };
}

/** Whether one of the names `from..end` has a version b2_list_file_names shows. */
function anyVisible(bucket: Bucket, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (newestVisible(bucket.files.get(bucket.names[i]!))) return true;
  return false;
}

/** The first index at or after `from` whose name does not start with `folder` (the names are sorted). */
function endOfFolder(names: string[], folder: string, from: number): number {
  let lo = from;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid]!.startsWith(folder)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
