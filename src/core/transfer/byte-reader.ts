import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../errors.js';

/**
 * Pulls exact amounts out of a stream: `take(n)` gives the next n bytes as one buffer (fewer only at the
 * end), `skip(n)` passes over n bytes. Upload sessions read their fragments with it (FragmentFeed).
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Buffer | undefined;
  private done = false;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(private readonly stream: Readable) {
    this.iterator = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }

  /**
   * The next `n` bytes (fewer at the end of the stream; empty when it is over), in `into` when it is given
   * and big enough (an upload session reuses one buffer for all its fragments), else in a new buffer.
   */
  async take(n: number, into?: Buffer): Promise<Buffer> {
    const out = into && into.length >= n ? into : Buffer.allocUnsafe(n);
    let fill = 0;
    while (fill < n) {
      const chunk = await this.next(n - fill);
      if (!chunk) break;
      chunk.copy(out, fill);
      fill += chunk.length;
    }
    this.position += fill;
    return out.subarray(0, fill);
  }

  /** Passes over `n` bytes (fewer if the stream ends first); returns how many were skipped. */
  async skip(n: number, onBytes?: (b: Buffer) => void): Promise<number> {
    let left = n;
    while (left > 0) {
      const chunk = await this.next(left);
      if (!chunk) break;
      onBytes?.(chunk);
      left -= chunk.length;
    }
    this.position += n - left;
    return n - left;
  }

  /** Stops reading and releases the stream. */
  close(): void {
    this.done = true;
    this.stream.destroy();
  }

  /** Up to `max` bytes from the stream, or undefined at its end. */
  private async next(max: number): Promise<Buffer | undefined> {
    let chunk = this.pending;
    this.pending = undefined;
    while (!chunk || chunk.length === 0) {
      if (this.done) return undefined;
      const r = await this.iterator.next();
      if (r.done) {
        this.done = true;
        return undefined;
      }
      chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
    if (chunk.length > max) {
      this.pending = chunk.subarray(max);
      return chunk.subarray(0, max);
    }
    return chunk;
  }
}

/**
 * The same over a local file, read with positioned reads straight into the caller's buffer (`skip`: into
 * one reused scratch buffer): no stream, no fresh chunk per read, so hashing a file leaves no garbage.
 */
export class FileReader {
  position = 0;
  private readonly scratch = Buffer.allocUnsafe(1024 * 1024);

  private constructor(private readonly file: FileHandle) {}

  static async open(path: string): Promise<FileReader> {
    try {
      return new FileReader(await open(path, 'r'));
    } catch (e) {
      throw new CloudStorageError(
        ErrorCode.LocalFileError,
        `Cannot read local file ${path}: ${(e as Error).message}.`,
        {
          cause: e,
        },
      );
    }
  }

  async take(n: number, into?: Buffer): Promise<Buffer> {
    const out = into && into.length >= n ? into : Buffer.allocUnsafe(n);
    let fill = 0;
    while (fill < n) {
      const { bytesRead } = await this.file.read(out, fill, n - fill, this.position + fill);
      if (bytesRead === 0) break;
      fill += bytesRead;
    }
    this.position += fill;
    return out.subarray(0, fill);
  }

  async skip(n: number, onBytes?: (b: Buffer) => void): Promise<number> {
    let left = n;
    while (left > 0) {
      const piece = await this.take(Math.min(left, this.scratch.length), this.scratch);
      if (piece.length === 0) break;
      onBytes?.(piece);
      left -= piece.length;
    }
    return n - left;
  }

  close(): void {
    void this.file.close().catch(() => {});
  }
}

/** What an upload session reads its fragments from. */
export type FragmentReader = Pick<ByteReader, 'position' | 'take' | 'skip' | 'close'>;
