import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Dropbox's block size for content_hash: 4 MiB. */
export const DROPBOX_HASH_BLOCK = 4 * 1024 * 1024;

/**
 * Dropbox's content hash, computed incrementally: SHA-256 of every 4 MiB block, then SHA-256 of the
 * concatenated block digests. Empty content hashes to SHA-256 of nothing. A block is closed only when more
 * data arrives or at the end, so content of exactly 4 MiB is one block.
 */
export class DropboxContentHasher {
  private readonly overall = createHash('sha256');
  private block: Hash = createHash('sha256');
  private blockFill = 0;

  update(data: Uint8Array): this {
    let offset = 0;
    while (offset < data.length) {
      if (this.blockFill === DROPBOX_HASH_BLOCK) this.closeBlock();
      const take = Math.min(DROPBOX_HASH_BLOCK - this.blockFill, data.length - offset);
      this.block.update(data.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
    }
    return this;
  }

  /** Lowercase hex digest. */
  digest(): string {
    if (this.blockFill > 0) this.closeBlock();
    return this.overall.digest('hex');
  }

  private closeBlock(): void {
    this.overall.update(this.block.digest());
    this.block = createHash('sha256');
    this.blockFill = 0;
  }
}

export type HashName = 'sha1' | 'md5' | 'sha256' | 'dropbox';

interface Hasher {
  update(data: Uint8Array): unknown;
  digest(): string;
}

function makeHasher(name: HashName): Hasher {
  if (name === 'dropbox') return new DropboxContentHasher();
  const h = createHash(name);
  return { update: (d) => h.update(d), digest: () => h.digest('hex') };
}

/**
 * A pass-through stream that hashes what flows through it. Read `digests` after the stream has ended:
 * the hashes cover exactly the bytes that went through (after encryption, when it sits after the cipher).
 */
export class HashingStream extends Transform {
  private readonly hashers: Array<[HashName, Hasher]>;
  private result: Partial<Record<HashName, string>> | undefined;
  bytes = 0;

  constructor(names: readonly HashName[]) {
    super();
    this.hashers = names.map((n) => [n, makeHasher(n)]);
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
  const h = makeHasher(name);
  h.update(data);
  return h.digest();
}
