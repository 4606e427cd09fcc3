import { cleanPath } from './paths.js';
import type { Entry, ListOptions } from './types.js';

/**
 * The entries of a folder, or (recursive) of the whole tree below it, depth first with each folder before
 * its contents, from a one-level listing. Adapters whose service lists one folder at a time use this for
 * `list(path, { recursive })`.
 */
export async function* walkTree(
  listFolder: (path: string, signal?: AbortSignal) => AsyncIterable<Entry>,
  path: string,
  recursive: boolean,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  for await (const entry of listFolder(path, signal)) {
    signal?.throwIfAborted();
    yield entry;
    if (recursive && entry.kind === 'folder') yield* walkTree(listFolder, entry.path, true, signal);
  }
}

/** `Remote.list` from a one-level listing: the path cleaned, `recursive` by {@link walkTree}. */
export function listTree(
  listFolder: (path: string, signal?: AbortSignal) => AsyncIterable<Entry>,
  path: string,
  options: ListOptions = {},
): AsyncIterable<Entry> {
  return walkTree(listFolder, cleanPath(path), options.recursive ?? false, options.signal);
}
