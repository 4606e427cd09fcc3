import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { createExclusive, discardPendingWrites, tempPathFor } from '../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../errors.js';
import { STREAM_BUFFER_BYTES } from '../stream-buffer.js';

/** One part of a one-shot stream, kept in a temporary file until it has been sent. */
export interface SpooledPart {
  /** Bytes in the part. */
  readonly length: number;
  /** SHA-1 of the part, in hex, computed while it was written. */
  readonly sha1: string;
  /** A new stream over the part's bytes: a part can be sent again after a failed attempt. */
  open(): Readable;
  /** Removes the temporary file (the part has been sent, or the upload gave up). Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Cuts a one-shot stream (a Node or web stream, encrypted data) into parts of exactly `partSize` bytes
 * (the last may be shorter), each written to a temporary file in `dir` (the system's temporary folder when
 * empty) and hashed on the way. An upload that sends several parts at a time, each repeatable after a
 * failure, then costs disk space instead of memory: the memory use stays that of the stream buffers,
 * whatever the part size and the concurrency.
 *
 * The files are created exclusively, readable by the owner only, with unguessable names; the caller
 * releases each part it was given, and the generator removes the part it was filling when it is stopped.
 */
export async function* spooledParts(
  source: AsyncIterable<Uint8Array> | Readable,
  partSize: number,
  dir = '',
): AsyncGenerator<SpooledPart> {
  if (partSize <= 0) throw new RangeError('partSize must be positive');
  const folder = dir || tmpdir();
  let filling: PartWriter | undefined;
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      let offset = 0;
      while (offset < chunk.length) {
        filling ??= await PartWriter.create(folder);
        const take = Math.min(partSize - filling.length, chunk.length - offset);
        await filling.write(chunk.subarray(offset, offset + take));
        offset += take;
        if (filling.length === partSize) {
          const part = await filling.finish();
          filling = undefined;
          yield part;
        }
      }
    }
    if (filling && filling.length > 0) {
      const part = await filling.finish();
      filling = undefined;
      yield part;
    }
  } finally {
    await filling?.discard();
  }
}

/** The temporary file of the part being filled. */
class PartWriter {
  length = 0;
  private readonly hash = createHash('sha1');

  private constructor(
    private readonly path: string,
    private readonly stream: Writable,
  ) {}

  static async create(dir: string): Promise<PartWriter> {
    const path = tempPathFor('upload', dir, 'spool');
    try {
      const handle = await createExclusive(path, 0o600);
      return new PartWriter(path, handle.createWriteStream({ highWaterMark: STREAM_BUFFER_BYTES }));
    } catch (e) {
      throw new CloudStorageError(
        ErrorCode.LocalFileError,
        `Cannot create a temporary file for an upload part in ${dir}: ${(e as Error).message}. Set TempPath to a writable folder with room for UploadConcurrency parts.`,
        { cause: e },
      );
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes);
    this.length += bytes.length;
    if (this.stream.write(bytes)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.stream.off('drain', onDrain);
        reject(this.failure(err));
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  async finish(): Promise<SpooledPart> {
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', (err) => reject(this.failure(err)));
      this.stream.end(() => resolve());
    });
    const { path, length } = this;
    const sha1 = this.hash.digest('hex');
    let released: Promise<void> | undefined;
    return {
      length,
      sha1,
      open: () => createReadStream(path, { highWaterMark: STREAM_BUFFER_BYTES }),
      release: () => {
        released ??= unlink(path).catch(() => undefined);
        return released;
      },
    };
  }

  async discard(): Promise<void> {
    discardPendingWrites(this.stream);
    await unlink(this.path).catch(() => undefined);
  }

  private failure(err: Error): CloudStorageError {
    return new CloudStorageError(
      ErrorCode.LocalFileError,
      `Cannot write an upload part to ${this.path}: ${err.message}. Set TempPath to a writable folder with room for UploadConcurrency parts.`,
      { cause: err },
    );
  }
}
