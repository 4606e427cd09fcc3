import { CloudStorageError, ErrorCode } from '../../core/errors.js';

/**
 * How a resource is named in a call: a path (`/a/b.txt`), an id (`id:…`), a path relative to a folder id
 * (`id:…/a/b.txt`), a revision (`rev:…`), a namespace path (`ns:123/a`), or `""` for the root. Each method
 * accepts some of these forms, as its reference documentation says; the others fail before any request.
 *
 * Normalisation is lenient where Dropbox is strict but the intent is plain: `"/"` is the root, a trailing
 * slash is dropped, and a bare relative path (`docs/a.txt`, as in the reference's own examples) gets its
 * leading slash. Dropbox itself compares paths case-insensitively; nothing here changes case.
 */
export type AddressKind = 'root' | 'path' | 'id' | 'idPath' | 'rev' | 'ns';

export interface Address {
  kind: AddressKind;
  /** The value to send to Dropbox. */
  value: string;
}

const LABEL: Record<AddressKind, string> = {
  root: 'the root ("")',
  path: 'a path ("/folder/name")',
  id: 'an id ("id:…")',
  idPath: 'an id-relative path ("id:…/name")',
  rev: 'a revision ("rev:…")',
  ns: 'a namespace path ("ns:…")',
};

export function classify(input: string): Address {
  if (input === '' || input === '/') return { kind: 'root', value: '' };
  if (input.startsWith('id:')) {
    const slash = input.indexOf('/');
    if (slash < 0) return { kind: 'id', value: input };
    const trimmed = trimTrailingSlash(input);
    return trimmed.length === slash ? { kind: 'id', value: trimmed } : { kind: 'idPath', value: trimmed };
  }
  if (input.startsWith('rev:')) return { kind: 'rev', value: input };
  if (input.startsWith('ns:')) return { kind: 'ns', value: trimTrailingSlash(input) };
  const path = input.startsWith('/') ? input : `/${input}`;
  return { kind: 'path', value: trimTrailingSlash(path) };
}

function trimTrailingSlash(s: string): string {
  let end = s.length;
  while (end > 1 && s[end - 1] === '/') end--;
  return s.slice(0, end);
}

/** Forms each kind of argument accepts (`ns:` paths go wherever paths go: Dropbox takes them). */
export const ACCEPTS = {
  folder: ['root', 'path', 'idPath', 'id', 'ns'],
  resource: ['path', 'idPath', 'id', 'ns'],
  readable: ['path', 'idPath', 'id', 'rev', 'ns'],
  file: ['path', 'idPath', 'id', 'ns'],
  writePath: ['path', 'idPath', 'ns'],
  uploadTarget: ['path', 'idPath', 'id', 'ns'],
  linkScope: ['root', 'path', 'idPath', 'id', 'rev', 'ns'],
} as const satisfies Record<string, readonly AddressKind[]>;

/** Checks and normalises one resource argument; throws 604 when the form is not accepted. */
export function address(input: string, accepts: readonly AddressKind[], what: string): Address {
  if (typeof input !== 'string') {
    throw new CloudStorageError(ErrorCode.InvalidRemoteId, `${what} must be a string; got ${typeof input}.`);
  }
  const a = classify(input);
  if (!accepts.includes(a.kind)) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `${what} "${input}" is ${LABEL[a.kind]}, which this method does not take; use ${accepts
        .map((k) => LABEL[k])
        .join(', ')}.`,
    );
  }
  return a;
}

/** A revision id for files/restore: `rev:abc123…` or the bare hex. */
export function revisionId(input: string): string {
  const rev = input.startsWith('rev:') ? input.slice(4) : input;
  if (!/^[0-9a-f]{9,}$/.test(rev)) {
    throw new CloudStorageError(
      ErrorCode.InvalidRemoteId,
      `"${input}" is not a revision id: Dropbox revisions are 9 or more lower-case hex digits (optionally after "rev:").`,
    );
  }
  return rev;
}

/** The last component of a path (for names in messages and export file names). */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}
