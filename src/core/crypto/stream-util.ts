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

  protected output(data: Uint8Array): void {
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
