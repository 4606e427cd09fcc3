import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, pipeline, type Readable, Transform } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../errors.js';

/**
 * Anything that takes bytes to hash: node's Hash, a content hasher, a {@link StreamingHash} (whose update
 * may return a promise: the next bytes wait for it).
 */
export interface ByteHasher {
  update(data: Uint8Array): unknown;
}

/** Feeds bytes to a hasher; a promise when the hasher asks the caller to wait (a thread behind). */
function feed(hasher: ByteHasher, data: Uint8Array): Promise<unknown> | undefined {
  const r = hasher.update(data);
  return r instanceof Promise ? r : undefined;
}

/** Bytes per chunk handed on by {@link hashTap}. */
const COALESCE_BYTES = 1024 * 1024;

/**
 * A pass-through that feeds every byte to a hash on the way to a download's destination, chunk by chunk as
 * they come (a file sink writes the queued chunks with one `writev`, so joining them here would only copy
 * every byte once more). Without a hasher (nothing to check), a plain pass-through. A function is asked
 * for the hasher when the first bytes arrive (a download that learns from its answer's headers whether
 * there is anything to check); if it gives none, the bytes pass unhashed.
 */
export function hashTap(hasher: ByteHasher | (() => ByteHasher | undefined) | undefined): Transform {
  if (!hasher) return new PassThrough({ highWaterMark: 4 * COALESCE_BYTES });
  let chosen: ByteHasher | undefined | null = typeof hasher === 'function' ? null : hasher;
  return new Transform({
    highWaterMark: 4 * COALESCE_BYTES,
    transform(chunk: Buffer, _enc, done) {
      if (chosen === null) chosen = (hasher as () => ByteHasher | undefined)();
      if (!chosen) {
        done(null, chunk);
        return;
      }
      const wait = feed(chosen, chunk);
      if (wait) wait.then(() => done(null, chunk), done);
      else done(null, chunk);
    },
  });
}

/**
 * A pass-through that hashes the bytes of an upload and hands them on in chunks of about 1 MiB (a stream
 * of small chunks is sent with a sixteenth of the socket writes; a chunk of 1 MiB or more passes as it is).
 */
function coalescingHashTap(hasher: ByteHasher): Transform {
  let parts: Buffer[] = [];
  let fill = 0;
  const flush = () => {
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, fill);
    parts = [];
    fill = 0;
    return out;
  };
  return new Transform({
    highWaterMark: 4 * COALESCE_BYTES,
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      parts.push(chunk);
      fill += chunk.length;
      done(null, fill >= COALESCE_BYTES ? flush() : undefined);
    },
    flush(done) {
      done(null, fill > 0 ? flush() : undefined);
    },
  });
}

/**
 * Feeds the first `length` bytes of a local file to a hash: a resumed download hashes what it already has,
 * so the whole file can be checked at the end. Fewer bytes than `length` is error 609.
 */
export async function hashFilePrefix(path: string, length: number, hasher: ByteHasher): Promise<void> {
  if (length <= 0) return;
  let read = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
    await feed(hasher, chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  if (read !== length) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `Cannot resume: ${path} has ${read} bytes, fewer than startByte (${length}).`,
    );
  }
}

/** A hash that can also say its digest (node's Hash as `(h) => h.digest('hex')`, a content hasher). */
export interface DigestHasher extends ByteHasher {
  digest(): string;
}

/** A node:crypto hash (`sha1`, `md5`, …) as a {@link DigestHasher} with a hex digest. */
export function hexHasher(algorithm: string): DigestHasher {
  const hash = createHash(algorithm);
  return { update: (b) => hash.update(b), digest: () => hash.digest('hex') };
}

/**
 * The bytes of an upload, opened afresh for each attempt through a new hash: `sent()` is the digest of
 * what the latest attempt handed on, once that attempt read its data to the end (undefined before). After
 * an unknown outcome, it is what the service's copy must hash to for the upload to count as done (see
 * core `sendReconciled`); with encryption each attempt is new ciphertext, so it is the last one's.
 */
export function hashEachAttempt(
  open: () => Readable,
  newHasher: () => DigestHasher,
): { open: () => Readable; sent: () => string | undefined } {
  let digest: string | undefined;
  return {
    open: () => {
      digest = undefined;
      const hasher = newHasher();
      const tap = coalescingHashTap(hasher);
      tap.once('end', () => {
        digest = hasher.digest();
      });
      pipeline(open(), tap, () => undefined);
      return tap;
    },
    sent: () => digest,
  };
}
