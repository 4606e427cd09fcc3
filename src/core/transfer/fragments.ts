import type { Readable } from 'node:stream';
import type { EncryptionRandomness, EncryptionSettings } from '../crypto/index.js';
import { ByteReader, FileReader, type FragmentReader } from './byte-reader.js';
import type { UploadSource } from './source.js';
import { openUploadBytes } from './upload-bytes.js';

/**
 * The hashes an upload session keeps over its data, fed in order as the data is read: the whole data's
 * (every byte, through `skipped` or `update`), and optionally one per fragment (`begin` … `end`).
 */
export interface FragmentHashing {
  /** Bytes read but not part of a fragment to send (the prefix a resume passes over). */
  skipped(bytes: Uint8Array): void;
  /** Bytes of the fragment being read. */
  update(bytes: Uint8Array): void;
  /** A fragment starts at the current position. */
  begin?(): void;
  /** The fragment ends; its own hash, when the service wants one and it could be had. */
  end?(length: number, last: boolean): string | undefined;
}

/** One fragment of an upload session: `length` bytes of the data from `start`, hashed as they were read. */
export interface Fragment {
  readonly start: number;
  readonly length: number;
  /** Whether the data ends with this fragment (an empty fragment: it ended on the previous one). */
  readonly last: boolean;
  /** The fragment's own hash (FragmentHashing.end), undefined when it was not had or the fragment was cut. */
  readonly hash: string | undefined;
  /**
   * The fragment's bytes from `from` (default its start) to its end, as a request body: a factory over the
   * file's range (repeatable, nothing in memory) or the bytes read ahead. Valid until the next `next()`.
   */
  body(from?: number): Uint8Array | (() => Readable);
}

export interface FragmentFeedOptions {
  source: UploadSource;
  /** The local file `source` reads, when it is one: hashed with positioned reads. */
  localFile?: string | undefined;
  /** The data's size as sent (the ciphertext's when encrypting), when known. */
  size: number | undefined;
  fragmentSize: number;
  /** Where the first fragment starts: the bytes before are read through `hashing.skipped`, not sent. */
  from: number;
  hashing: FragmentHashing;
  encryption?: EncryptionSettings | undefined;
  randomness?: EncryptionRandomness | undefined;
}

/**
 * The fragments of an upload session, read (and hashed) one ahead of the one being sent, so that the disk,
 * the hashing and the network overlap. From a repeatable, unencrypted source (a file, bytes) a fragment is
 * only hashed on the way and is sent from its own range of the source: no fragment is in memory. From a
 * stream (or encrypted data) a fragment is read into one of two buffers: at most the fragment being sent and
 * the one read ahead, each once.
 *
 * Opened where the upload starts or resumes; an upload that must go back (the service has less than was
 * sent) closes it and opens a new one from there. Going forward (the service has more) is `skipTo`.
 */
export class FragmentFeed {
  /** Bytes read from the data so far (skipped or in fragments), including the fragment read ahead. */
  private position = 0;
  private ahead: Promise<Fragment & { buffer?: Buffer | undefined }> | undefined;
  private readonly buffers: Buffer[] = [];
  /** The buffer of the fragment handed out last: the one being sent, never read into. */
  private inUse: Buffer | undefined;

  private constructor(
    private readonly options: FragmentFeedOptions,
    private readonly reader: FragmentReader,
    private readonly ranges: boolean,
  ) {}

  /** Opens the data and reads its first `options.from` bytes through `hashing.skipped`. */
  static async open(options: FragmentFeedOptions): Promise<{ feed: FragmentFeed; skipped: number }> {
    const { source, encryption } = options;
    const ranges = source.repeatable && !encryption;
    // A local file is hashed with positioned reads into one buffer, not through a stream of fresh chunks.
    const reader: FragmentReader =
      ranges && options.localFile
        ? await FileReader.open(options.localFile)
        : new ByteReader(ranges ? source.open(0) : openUploadBytes(source, encryption, options.randomness));
    const feed = new FragmentFeed(options, reader, ranges);
    try {
      const skipped = await feed.pass(options.from);
      return { feed, skipped };
    } catch (e) {
      feed.close();
      throw e;
    }
  }

  /** The next fragment (empty and `last` once the data is over), and starts reading the one after it. */
  async next(): Promise<Fragment> {
    const current = await (this.ahead ?? this.read());
    this.ahead = undefined;
    this.inUse = current.buffer;
    if (!current.last) {
      this.ahead = this.read();
      this.ahead.catch(() => undefined);
    }
    return current;
  }

  /**
   * Makes the next fragment start at `position`, past the end of the one handed out last (the service has
   * bytes whose answer was lost): the fragment read ahead is cut there or passed over, and so is the data
   * up to `position`. Returns the position reached: less than asked when the data ends first.
   */
  async skipTo(position: number): Promise<number> {
    const ahead = this.ahead ? await this.ahead : undefined;
    this.ahead = undefined;
    if (ahead && position < ahead.start + ahead.length) {
      const start = Math.max(position, ahead.start);
      this.ahead = Promise.resolve({
        start,
        length: ahead.start + ahead.length - start,
        last: ahead.last,
        hash: start === ahead.start ? ahead.hash : undefined,
        body: (from = start) => ahead.body(from),
        buffer: ahead.buffer,
      });
      return start;
    }
    await this.pass(position - this.position);
    return this.position;
  }

  /** Stops reading and releases the data. */
  close(): void {
    this.ahead = undefined;
    this.reader.close();
  }

  private async pass(n: number): Promise<number> {
    if (n <= 0) return 0;
    const skipped = await this.reader.skip(n, (b) => this.options.hashing.skipped(b));
    this.position += skipped;
    return skipped;
  }

  private async read(): Promise<Fragment & { buffer?: Buffer | undefined }> {
    const { fragmentSize, size, hashing } = this.options;
    const start = this.position;
    hashing.begin?.();
    let length: number;
    let body: Fragment['body'];
    let buffer: Buffer | undefined;
    if (this.ranges) {
      length = await this.reader.skip(fragmentSize, (b) => hashing.update(b));
      const { source } = this.options;
      const end = start + length;
      body =
        (from = start) =>
        () =>
          source.open(from, end);
    } else {
      buffer = this.freeBuffer();
      const bytes = await this.reader.take(fragmentSize, buffer);
      hashing.update(bytes);
      length = bytes.length;
      body = (from = start) => bytes.subarray(from - start);
    }
    this.position += length;
    const last = length < fragmentSize || (size !== undefined && this.position >= size);
    const hash = hashing.end?.(length, last);
    return { start, length, last, hash, body, buffer };
  }

  /** A buffer that the fragment being sent is not in. */
  private freeBuffer(): Buffer {
    const free = this.buffers.find((b) => b !== this.inUse);
    if (free) return free;
    const { fragmentSize, size } = this.options;
    const left = size === undefined ? fragmentSize : size - this.position;
    const fresh = Buffer.allocUnsafe(Math.max(1, Math.min(fragmentSize, left)));
    this.buffers.push(fresh);
    return fresh;
  }
}
