import type { HashName } from '../core/transfer/hash.js';
import type { Entry, Remote } from '../remote/types.js';

/** The strongest hash the destination keeps that the source can give (the source may compute it). */
export function commonHash(src: Remote, dst: Remote): HashName | undefined {
  return dst.features.hashes.find((h) => src.features.hashes.includes(h));
}

/**
 * Whether the destination entry holds the source's content: by a hash both sides have (the source's
 * computed when its listing has none), else by size and modification time within the coarser precision.
 */
export async function sameContent(
  src: Remote,
  srcEntry: Entry,
  dst: Remote,
  dstEntry: Entry,
  signal?: AbortSignal,
): Promise<boolean> {
  if (dstEntry.kind !== 'file' || dstEntry.size !== srcEntry.size) return false;
  const hash = commonHash(src, dst);
  const theirs = hash ? dstEntry.hashes[hash] : undefined;
  if (hash && theirs) {
    const ours = srcEntry.hashes[hash] ?? (await src.hash(srcEntry.path, hash, signal ? { signal } : {}));
    if (ours) return ours.toLowerCase() === theirs.toLowerCase();
  }
  if (!srcEntry.modTime || !dstEntry.modTime) return false;
  const precision = Math.max(src.features.modTimePrecision, dst.features.modTimePrecision);
  return Math.abs(srcEntry.modTime.getTime() - dstEntry.modTime.getTime()) < precision;
}
