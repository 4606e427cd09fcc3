import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';

/**
 * Resource ids of the Box class carry their type, because Box's numeric ids do not say whether they name a
 * file or a folder and the endpoints differ (`/files/{id}` vs `/folders/{id}`):
 * `f:123` is a file, `d:123` a folder, `d:0` (or an empty id where a folder is expected) the root.
 * Every id the class returns carries the prefix too.
 */
export type BoxItemKind = 'file' | 'folder';

export interface BoxRef {
  kind: BoxItemKind;
  /** Box's own id (digits). */
  id: string;
}

export const ROOT: BoxRef = { kind: 'folder', id: '0' };

/** The prefixed form of a Box id. */
export function formatId(kind: BoxItemKind | 'web_link', id: string): string {
  return `${kind === 'file' ? 'f' : 'd'}:${id}`;
}

/** The API path segment of a reference (`files/123`, `folders/0`). */
export function itemPath(ref: BoxRef): string {
  return `${ref.kind === 'file' ? 'files' : 'folders'}/${ref.id}`;
}

function invalidId(message: string): CloudStorageError {
  return new CloudStorageError(ErrorCode.InvalidRemoteId, message);
}

/**
 * Parses a prefixed id. `expect` says what the method takes: a file, a folder (the empty id is the root),
 * or either (the empty id is the root too). A wrong kind is error 604; `download` reports a folder as 607,
 * as the reference documents for downloadFile.
 */
export function parseId(
  value: string,
  expect: BoxItemKind | 'any' | 'download',
  what = 'resource id',
): BoxRef {
  const text = value.trim();
  if (text === '') {
    if (expect === 'file') throw invalidId(`The ${what} is empty: give a file id such as f:123.`);
    if (expect === 'download') {
      throw new CloudStorageError(
        ErrorCode.IsFolder,
        'The root folder is a folder and cannot be downloaded.',
      );
    }
    return ROOT;
  }
  const m = /^([fd]):(\d+)$/i.exec(text);
  if (!m) {
    const hint = /^\d+$/.test(text) ? ` Write f:${text} for a file or d:${text} for a folder.` : '';
    throw invalidId(
      `"${value}" is not a valid ${what}: Box ids carry their type, f:123 for a file, d:123 for a folder, d:0 for the root.${hint}`,
    );
  }
  const ref: BoxRef = { kind: m[1]!.toLowerCase() === 'f' ? 'file' : 'folder', id: m[2]! };
  if (expect === 'download' && ref.kind === 'folder') {
    throw new CloudStorageError(ErrorCode.IsFolder, `${value} is a folder and cannot be downloaded.`);
  }
  if ((expect === 'file' || expect === 'download') && ref.kind !== 'file') {
    throw invalidId(`${value} is a folder, but the ${what} must be a file (f:…).`);
  }
  if (expect === 'folder' && ref.kind !== 'folder') {
    throw invalidId(`${value} is a file, but the ${what} must be a folder (d:…, or empty for the root).`);
  }
  return ref;
}

/**
 * Box's name rules, checked before any request: 1 to 255 characters, no `/` or `\`, no non-printable
 * ASCII, no trailing whitespace, not `.` or `..`.
 */
export function checkName(name: string, what = 'name'): string {
  const problem =
    name.length === 0
      ? 'it is empty'
      : name.length > 255
        ? `it has ${name.length} characters (Box allows at most 255)`
        : /[/\\]/.test(name)
          ? 'it contains / or \\'
          : /[\x00-\x1f\x7f]/.test(name)
            ? 'it contains a non-printable character'
            : /\s$/.test(name)
              ? 'it ends with whitespace'
              : name === '.' || name === '..'
                ? `"${name}" is reserved`
                : undefined;
  if (problem) throw invalidArgument(`The ${what} "${name}" cannot be used on Box: ${problem}.`);
  return name;
}

/** The value of `ancestor_folder_ids` (or another id-list query parameter) without the prefixes. */
export function stripIdList(value: string): string {
  return value
    .split(',')
    .map((part) => {
      const t = part.trim();
      if (t === '') return t;
      return /^\d+$/.test(t) ? t : parseId(t, 'folder', 'folder id in ancestor_folder_ids').id;
    })
    .join(',');
}

/** The id of a file or folder a method acts on; an empty id (the root, elsewhere) is refused here. */
export function existing(resourceId: string): BoxRef {
  if (resourceId.trim() === '') throw invalidId('The resource id is empty: give f:<id> or d:<id>.');
  return parseId(resourceId, 'any');
}
