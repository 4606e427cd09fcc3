import { invalidArgument } from '../core/errors.js';

/**
 * Paths of the common interface: relative to the remote's root, `/`-separated, `''` the root. A path is
 * cleaned once where it enters (`cleanPath`); adapters join and split clean paths only.
 */

/** Why one path element is refused, or undefined when it is a plain name. Linear, no regex. */
function badElement(element: string): string | undefined {
  if (element === '.' || element === '..') return `it has a "${element}" element`;
  for (let i = 0; i < element.length; i++) {
    const c = element.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return 'it contains a control character';
    if (c === 0x5c) return 'it contains a backslash (write folders with /)';
  }
  return undefined;
}

/**
 * A path in its clean form: no leading, trailing or doubled slash. An absolute path (`/x`), a `.` or `..`
 * element, a backslash or a control character is error 1000: a remote path never leaves its root.
 */
export function cleanPath(path: string): string {
  if (path.startsWith('/')) {
    throw invalidArgument(
      `The remote path ${JSON.stringify(path)} is absolute: write it relative to the remote's root (without the leading /).`,
    );
  }
  const elements = path.split('/').filter((e) => e !== '');
  for (const element of elements) {
    const reason = badElement(element);
    if (reason) throw invalidArgument(`The remote path ${JSON.stringify(path)} is not valid: ${reason}.`);
  }
  return elements.join('/');
}

/** `a/b` + `c/d` = `a/b/c/d`; the root joins as nothing. Both parts must be clean. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** The folder and the last element of a clean path: `a/b/c` → [`a/b`, `c`]; the root → [``, ``]. */
export function splitPath(path: string): [parent: string, name: string] {
  const at = path.lastIndexOf('/');
  return at < 0 ? ['', path] : [path.slice(0, at), path.slice(at + 1)];
}

/** The elements of a clean path (none for the root). */
export function pathElements(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

/** Whether `path` is `folder` itself or below it (clean paths). */
export function isWithin(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}

/** `path` relative to `folder` (which contains it): `a/b/c` within `a` → `b/c`. */
export function relativeTo(path: string, folder: string): string {
  if (folder === '') return path;
  return path === folder ? '' : path.slice(folder.length + 1);
}
