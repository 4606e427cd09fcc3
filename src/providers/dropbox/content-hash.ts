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
  /** The content hash of the fragment being fed, when it started on a block boundary. */
  private own: Hash | undefined;

  /** Feeds bytes: those of the fragment begun, or bytes not sent as a fragment (a resume's prefix). */
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
    this.begin();
    this.update(data);
    return this.end(data.length, last);
  }

  /** A fragment starts here: its bytes follow through `update`, then `end` gives its own hash. */
  begin(): void {
    this.own = this.partial === undefined ? createHash('sha256') : undefined;
  }

  /** The fragment begun last ends after `length` bytes; its own content hash when it could be had. */
  end(length: number, last: boolean): string | undefined {
    const own = this.own;
    this.own = undefined;
    if (!own || !(length % DROPBOX_HASH_BLOCK === 0 || last)) return undefined;
    // It started on a block boundary: its blocks are the file's, their digests went to both hashes.
    if (last && this.partial && this.partialFill > 0) this.closePartial(own);
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

  private closePartial(own = this.own): void {
    const digest = this.partial!.digest();
    this.overall.update(digest);
    own?.update(digest);
    this.partial = undefined;
    this.partialFill = 0;
  }
}
