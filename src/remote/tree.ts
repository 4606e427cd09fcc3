import type { Entry } from './types.js';

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
