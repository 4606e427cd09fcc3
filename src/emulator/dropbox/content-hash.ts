import { createHash, type Hash } from 'node:crypto';

/** Dropbox hashes content in blocks of exactly 4 MiB. */
export const CONTENT_HASH_BLOCK = 4 * 1024 * 1024;

/**
 * Dropbox's `content_hash`, computed while bytes stream past: SHA-256 of every 4 MiB block, then SHA-256
 * of the concatenated raw block digests, in lowercase hex. A block is only closed when more data arrives
 * (or at the end), so content of exactly 4 MiB is one block, and empty content hashes as SHA-256 of
 * nothing — the same as Dropbox's own reference implementation.
 */
export class ContentHasher {
  private readonly overall = createHash('sha256');
  private block: Hash = createHash('sha256');
  private blockFill = 0;

  update(chunk: Uint8Array): this {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.blockFill === CONTENT_HASH_BLOCK) this.closeBlock();
      const take = Math.min(CONTENT_HASH_BLOCK - this.blockFill, chunk.length - offset);
      this.block.update(chunk.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
    }
    return this;
  }

  /** The lowercase hex content hash of everything seen so far (ends the hasher). */
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

/** The content hash of a byte string (tests, small generated files). */
export function contentHashOf(data: Uint8Array | string): string {
  return new ContentHasher().update(typeof data === 'string' ? Buffer.from(data) : data).digest();
}
