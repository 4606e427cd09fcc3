import { CloudStorageError, ErrorCode } from './errors.js';

/**
 * Names a server sends (a file name, an export extension) that the library puts into a local path. A
 * server may choose the last component of a path, never a directory: a name with a path separator, `.`
 * or `..`, or a control character is refused, so a hostile or broken server cannot make the library
 * write outside the folder the caller chose. (`a..b` is a plain name: dots lead nowhere without a separator.)
 */

/** Why `name` is not a plain file-name component, or undefined when it is one. Linear, no regex. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '.' || name === '..') return `it is "${name}"`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2f || c === 0x5c) return 'it contains a path separator';
    // C0 controls, DEL and C1 controls: nothing a file name needs, and a way to confuse terminals and logs.
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return 'it contains a control character';
  }
  return undefined;
}

/**
 * `name` as it is when it is a plain file-name component (see {@link unsafeNameReason}); otherwise error
 * 600 naming what was sent. `what` says what the name is (`the export extension`, `the file name`).
 * An empty name passes: the caller decides what an empty extension or name means.
 */
export function checkServerName(name: string, what: string): string {
  const reason = unsafeNameReason(name);
  if (reason === undefined) return name;
  const shown = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
  throw new CloudStorageError(
    ErrorCode.ServerError,
    `The server sent ${what} ${shown}, which is not a plain file name (${reason}); it was refused and nothing was written. A real service never sends this: check that the service URL points to the service you meant.`,
  );
}
