import { Transform, type TransformCallback } from 'node:stream';
import { inlineHasher, type JobHasher } from './hash-thread.js';

/** Dropbox's block size for content_hash: 4 MiB. */
export const DROPBOX_HASH_BLOCK = 4 * 1024 * 1024;

/**
 * Dropbox's content hash, computed incrementally: SHA-256 of every 4 MiB block, then SHA-256 of the
 * concatenated block digests. Empty content hashes to SHA-256 of nothing. A block is closed only when more
 * data arrives or at the end, so content of exactly 4 MiB is one block. (The same code as the hashing
 * threads of core streamingHash.)
 */
export class DropboxContentHasher {
  private readonly hash = inlineHasher('dropbox');

  update(data: Uint8Array): this {
    this.hash.update(data);
    return this;
  }

  /** Lowercase hex digest. */
  digest(): string {
    return this.hash.digest();
  }
}

export type HashName = 'sha1' | 'md5' | 'sha256' | 'dropbox';

/**
 * A pass-through stream that hashes what flows through it. Read `digests` after the stream has ended:
 * the hashes cover exactly the bytes that went through (after encryption, when it sits after the cipher).
 */
export class HashingStream extends Transform {
  private readonly hashers: Array<[HashName, JobHasher]>;
  private result: Partial<Record<HashName, string>> | undefined;
  bytes = 0;

  constructor(names: readonly HashName[]) {
    super();
    this.hashers = names.map((n) => [n, inlineHasher(n)]);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    for (const [, h] of this.hashers) h.update(chunk);
    done(null, chunk);
  }

  /** Hex digests; available once the stream has finished. */
  get digests(): Partial<Record<HashName, string>> {
    if (!this.result) {
      this.result = {};
      for (const [n, h] of this.hashers) this.result[n] = h.digest();
    }
    return this.result;
  }
}

/** Hashes bytes in one go. */
export function hashBytes(name: HashName, data: Uint8Array): string {
  const h = inlineHasher(name);
  h.update(data);
  return h.digest();
}
