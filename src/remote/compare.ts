import type { Readable } from 'node:stream';
import type { HashName } from '../core/transfer/hash.js';
import type { Entry, Remote } from './types.js';

export interface CompareOptions {
  /** Compare the bytes themselves (both files are read) instead of hashes and times. */
  byContent?: boolean;
  signal?: AbortSignal;
}

/** How two files were found the same or different. */
export type Verdict =
  | { same: boolean; by: 'size' | 'content' | 'modTime' | 'sizeOnly' }
  | { same: boolean; by: 'hash'; hash: HashName };

/** A hash name both remotes can give (the first of `a`'s that `b` has too), or undefined. */
export function commonHash(a: Remote, b: Remote): HashName | undefined {
  return a.features.hashes.find((h) => b.features.hashes.includes(h));
}

/**
 * Whether two files hold the same content: different sizes never do; then, by reading both when asked;
 * else by a hash both remotes have (the local disk computes its own on demand); else by size and
 * modification time, equal within the coarser precision of the two remotes; else by size alone.
 */
export async function compareFiles(
  a: Remote,
  ea: Entry,
  b: Remote,
  eb: Entry,
  options: CompareOptions = {},
): Promise<Verdict> {
  if (ea.size !== eb.size) return { same: false, by: 'size' };
  const signal = options.signal ? { signal: options.signal } : {};
  if (options.byContent) {
    const [ra, rb] = await Promise.all([a.read(ea.path, signal), b.read(eb.path, signal)]);
    return { same: await sameBytes(ra, rb), by: 'content' };
  }
  const name = commonHash(a, b);
  if (name) {
    const [ha, hb] = await Promise.all([
      ea.hashes[name] ?? a.hash(ea.path, name, signal),
      eb.hashes[name] ?? b.hash(eb.path, name, signal),
    ]);
    if (ha && hb) return { same: ha === hb, by: 'hash', hash: name };
  }
  if (ea.modTime && eb.modTime) {
    const window = Math.max(a.features.modTimePrecision, b.features.modTimePrecision);
    const delta = Math.abs(ea.modTime.getTime() - eb.modTime.getTime());
    // Times are kept truncated to the precision: 10:00:00.900 becomes 10:00:00 on a whole-second remote.
    return { same: delta < window, by: 'modTime' };
  }
  return { same: true, by: 'sizeOnly' };
}

/** Whether two files hold the same content (see {@link compareFiles}). */
export async function sameFile(
  a: Remote,
  ea: Entry,
  b: Remote,
  eb: Entry,
  options: CompareOptions = {},
): Promise<boolean> {
  return (await compareFiles(a, ea, b, eb, options)).same;
}

/** Whether two streams carry the same bytes, read side by side in constant memory. */
export async function sameBytes(a: Readable, b: Readable): Promise<boolean> {
  const ia = a[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const ib = b[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let ca: Buffer = Buffer.alloc(0);
  let cb: Buffer = Buffer.alloc(0);
  let endA = false;
  let endB = false;
  try {
    for (;;) {
      if (ca.length === 0 && !endA) {
        const r = await ia.next();
        if (r.done) endA = true;
        else ca = asBuffer(r.value);
      }
      if (cb.length === 0 && !endB) {
        const r = await ib.next();
        if (r.done) endB = true;
        else cb = asBuffer(r.value);
      }
      if (ca.length === 0 && cb.length === 0) {
        if (endA && endB) return true;
        continue;
      }
      if (ca.length === 0 || cb.length === 0) {
        if ((ca.length === 0 && endA) || (cb.length === 0 && endB)) return false;
        continue;
      }
      const n = Math.min(ca.length, cb.length);
      if (!ca.subarray(0, n).equals(cb.subarray(0, n))) return false;
      ca = ca.subarray(n);
      cb = cb.subarray(n);
    }
  } finally {
    a.destroy();
    b.destroy();
  }
}

const asBuffer = (v: Uint8Array): Buffer =>
  Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
