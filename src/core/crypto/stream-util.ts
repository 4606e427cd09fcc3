import { Transform, type TransformCallback } from 'node:stream';
import { asCryptoError, decryptionFailed } from './errors.js';

/** A FIFO of byte chunks that hands out exact lengths without copying more than it must. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes and returns the first `n` bytes (n ≤ length). */
  take(n: number): Uint8Array {
    if (n > this.length) throw new RangeError('ByteQueue underflow');
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    this.length -= n;
    return out;
  }

  /** The first `n` bytes without removing them. */
  peek(n: number): Uint8Array {
    const out = this.take(Math.min(n, this.length));
    this.chunks.unshift(out);
    this.length += out.length;
    return out;
  }

  takeAll(): Uint8Array {
    return this.take(this.length);
  }
}

/**
 * Cuts a byte stream into the fixed-size blocks of a chunked format and runs many blocks per write
 * into one output buffer: a 1 MiB write becomes sixteen 64 KiB blocks and one push, the blocks read
 * in place from the written chunk. Only a block that spans two writes is copied (into one reused
 * staging buffer), and only what is left over at the end of a write is kept, as a copy.
 */
export class BlockCutter {
  private readonly staging: Uint8Array;
  private held = 0;
  /** Whether the last `cut` stopped at a block its callback refused. */
  stopped = false;

  /**
   * @param inBlock  input bytes per block
   * @param outBlock output bytes per block
   * @param keepLast hold a complete block back until more data arrives, for formats whose last
   *                 block is processed differently (age's final-chunk flag)
   */
  constructor(
    private readonly inBlock: number,
    private readonly outBlock: number,
    private readonly keepLast: boolean,
  ) {
    this.staging = new Uint8Array(inBlock);
  }

  /**
   * Runs `each(input, output)` on every block that `chunk` completes; returns their outputs in order.
   * `each` returns false to stop at a block (one that fails authentication): the outputs of the blocks
   * before it are returned and {@link stopped} is set; the cutter must not be used again.
   */
  cut(chunk: Uint8Array, each: (input: Uint8Array, output: Uint8Array) => boolean): Buffer {
    const { inBlock, outBlock, staging } = this;
    const total = this.held + chunk.length;
    const blocks = this.keepLast ? Math.max(0, Math.ceil(total / inBlock) - 1) : Math.floor(total / inBlock);
    const out = Buffer.allocUnsafe(blocks * outBlock);
    let used = 0;
    for (let i = 0; i < blocks; i++) {
      let input: Uint8Array;
      if (this.held) {
        used = inBlock - this.held;
        staging.set(chunk.subarray(0, used), this.held);
        this.held = 0;
        input = staging;
      } else {
        input = chunk.subarray(used, used + inBlock);
        used += inBlock;
      }
      if (!each(input, out.subarray(i * outBlock, (i + 1) * outBlock))) {
        this.stopped = true;
        return out.subarray(0, i * outBlock);
      }
    }
    staging.set(chunk.subarray(used), this.held);
    this.held += chunk.length - used;
    return out;
  }

  /** The bytes not yet cut: the last block at the end of the stream (0 to `inBlock` bytes). */
  rest(): Uint8Array {
    const rest = this.staging.subarray(0, this.held);
    this.held = 0;
    return rest;
  }
}

export interface CryptoStreamOptions {
  /**
   * For decryption: the exact number of ciphertext bytes expected (the size the service reports).
   * A stream that ends short is then a truncation error even where the format itself could not tell
   * (rclone's format at a block boundary, a stream cipher anywhere).
   */
  ciphertextSize?: number;
}

/**
 * Base of every encrypting and decrypting stream: async hooks for data and end, errors turned into
 * CloudStorageErrors, and (when decrypting) an optional check of the total input length.
 */
export abstract class CryptoTransform extends Transform {
  private received = 0;

  constructor(
    protected readonly decrypting: boolean,
    private readonly expectedInput?: number,
  ) {
    super();
  }

  protected abstract onData(chunk: Uint8Array): void | Promise<void>;
  protected abstract onEnd(): void | Promise<void>;

  /** Output bytes still to drop from the front: seekable decryption starts in the middle of a chunk. */
  protected skip = 0;

  protected output(data: Uint8Array): void {
    if (this.skip) {
      const drop = Math.min(this.skip, data.length);
      this.skip -= drop;
      data = data.subarray(drop);
    }
    if (data.length) this.push(Buffer.from(data.buffer, data.byteOffset, data.length));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    let result: void | Promise<void>;
    try {
      result = this.onData(chunk);
    } catch (e) {
      callback(asCryptoError(e, this.decrypting));
      return;
    }
    if (result instanceof Promise)
      result.then(
        () => callback(),
        (e) => callback(asCryptoError(e, this.decrypting)),
      );
    else callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedInput !== undefined && this.received !== this.expectedInput) {
      callback(
        decryptionFailed(
          `Received ${this.received} bytes of encrypted data where ${this.expectedInput} were expected: the transfer ` +
            'was truncated or this is not the file it should be.',
        ),
      );
      return;
    }
    Promise.resolve()
      .then(() => this.onEnd())
      .then(
        () => callback(),
        (e) => callback(asCryptoError(e, this.decrypting)),
      );
  }
}
