import { unsafeNameReason } from '../core/safe-name.js';
import { RemoteNotFound, wrongKind } from './errors.js';
import { cleanPath, joinPath } from './paths.js';
import type { Entry, HashName, Quota, UploadResumeState } from './types.js';

/**
 * A name a service listed, as one element of a remote path; undefined (the item is left out of listings)
 * for a name with a separator, `.`/`..` or a control character, so a server can never make a path leave
 * the folder it was listed in. (Drive allows `/` in names; such items cannot be addressed by path.)
 */
export function entryName(name: string): string | undefined {
  return name !== '' && unsafeNameReason(name) === undefined ? name : undefined;
}

/** A service's time stamp (RFC 3339, or milliseconds) as a Date; undefined when empty or not a time. */
export function modTimeOf(value: string | number | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** RFC 3339 in whole seconds (the services that keep seconds refuse or round fractions differently). */
export function secondsIso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The entry at a path when it is of the kind wanted: RemoteNotFound when there is none, else a 409 naming what is there. */
export function expectKind(
  remote: string,
  path: string,
  entry: Entry | undefined,
  kind: 'file' | 'folder',
): Entry {
  if (!entry) throw new RemoteNotFound(remote, cleanPath(path), kind);
  if (entry.kind !== kind) throw wrongKind(remote, entry.path, `is a ${entry.kind}, not a ${kind}`);
  return entry;
}

/** A quota from a service's figures (negative: the service does not say); free = total − used. */
export function quotaOf(total: number, used: number, trashed = -1): Quota {
  return {
    ...(total >= 0 ? { total } : {}),
    ...(used >= 0 ? { used } : {}),
    ...(total >= 0 && used >= 0 ? { free: Math.max(0, total - used) } : {}),
    ...(trashed >= 0 ? { trashed } : {}),
  };
}

/** A class's per-call session state as the interface's resume state (reported only while a session is open). */
export function sessionReporter(
  onResumeState: (state: UploadResumeState) => void,
): (state: { session: string; startByte: number }) => void {
  return (state) => {
    if (state.session) onResumeState({ session: state.session, committed: state.startByte });
  };
}

/** What an adapter reads from one listed item of its service. */
export interface ServiceItem {
  name: string;
  folder: boolean;
  size: number;
  /** The service's time stamp (RFC 3339 or milliseconds); '' or undefined when it has none. */
  modified?: string | number | undefined;
  /** The service's hashes (hex, any case; empty values are left out). */
  hashes?: Partial<Record<HashName, string>>;
  id?: string;
  mimeType?: string;
}

/**
 * An item listed in the folder at `folderPath` as an entry: undefined when its name cannot be a path
 * element (see {@link entryName}); folders have size 0 and no hashes; hashes lower-cased.
 */
export function serviceEntry(folderPath: string, item: ServiceItem): Entry | undefined {
  const name = entryName(item.name);
  if (name === undefined) return undefined;
  const modTime = modTimeOf(item.modified);
  const hashes: Entry['hashes'] = {};
  if (!item.folder) {
    for (const [h, v] of Object.entries(item.hashes ?? {}) as Array<[HashName, string]>) {
      if (v) hashes[h] = v.toLowerCase();
    }
  }
  return {
    path: joinPath(folderPath, name),
    name,
    kind: item.folder ? 'folder' : 'file',
    size: item.folder ? 0 : Math.max(0, item.size),
    ...(modTime ? { modTime } : {}),
    hashes,
    ...(item.id ? { id: item.id } : {}),
    ...(item.mimeType && !item.folder ? { mimeType: item.mimeType } : {}),
  };
}

/** A Google-native document: no bytes of its own (Drive lists them with size 0 and such a MIME type). */
export function isNativeDoc(e: Entry): boolean {
  return e.kind === 'file' && (e.mimeType?.startsWith('application/vnd.google-apps.') ?? false);
}
