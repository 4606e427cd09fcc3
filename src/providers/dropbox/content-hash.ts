import { createHash, type Hash } from 'node:crypto';
import { DROPBOX_HASH_BLOCK } from '../../core/transfer/index.js';

/**
 * The whole-file Dropbox content hash of an upload session, plus the content hash of each fragment (which
 * Dropbox checks per append request), computed with one SHA-256 pass where possible.
 *
 * A content hash is SHA-256 over the SHA-256 digests of 4 MiB blocks. When a fragment starts on a block
 * boundary of the file and is whole blocks long (or is the last one), its blocks are the file's blocks: the
 * block digests are computed once and serve both hashes. Otherwise the fragment's own hash is not computed
 * (the append goes without one) and the file hash is updated byte-wise; the whole-file check at the end
 * still covers every byte.
 */
export class SessionHasher {
  private readonly overall = createHash('sha256');
  /** Bytes fed so far (the file offset of the next byte). */
  private position = 0;
  /** A block in progress, when the data stopped mid-block. */
  private partial: Hash | undefined;
  private partialFill = 0;
  private finished: string | undefined;

  /** Feeds bytes that are not sent as a fragment of their own (the skipped prefix of a resume). */
  update(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      if (!this.partial) {
        this.partial = createHash('sha256');
        this.partialFill = 0;
      }
      const take = Math.min(DROPBOX_HASH_BLOCK - this.partialFill, data.length - offset);
      this.partial.update(data.subarray(offset, offset + take));
      this.partialFill += take;
      offset += take;
      if (this.partialFill === DROPBOX_HASH_BLOCK) this.closePartial();
    }
    this.position += data.length;
  }

  /**
   * Feeds one fragment; returns its own content hash when it could be had for free (see the class
   * comment), else undefined.
   */
  fragment(data: Uint8Array, last: boolean): string | undefined {
    const aligned = this.partial === undefined && (data.length % DROPBOX_HASH_BLOCK === 0 || last);
    if (!aligned) {
      this.update(data);
      return undefined;
    }
    const own = createHash('sha256');
    for (let at = 0; at < data.length; at += DROPBOX_HASH_BLOCK) {
      const digest = createHash('sha256')
        .update(data.subarray(at, Math.min(data.length, at + DROPBOX_HASH_BLOCK)))
        .digest();
      own.update(digest);
      this.overall.update(digest);
    }
    this.position += data.length;
    return own.digest('hex');
  }

  get bytes(): number {
    return this.position;
  }

  /** The whole-file content hash (lowercase hex). */
  digest(): string {
    if (this.finished === undefined) {
      if (this.partial && this.partialFill > 0) this.closePartial();
      this.finished = this.overall.digest('hex');
    }
    return this.finished;
  }

  private closePartial(): void {
    this.overall.update(this.partial!.digest());
    this.partial = undefined;
    this.partialFill = 0;
  }
}
