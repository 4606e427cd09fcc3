import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { createExclusive, discardPendingWrites, tempPathFor } from '../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../errors.js';
import { fileRangeStream, releaseChunk } from '../recycled-chunks.js';
import { STREAM_BUFFER_BYTES } from '../stream-buffer.js';
import { streamingHash } from './hash-thread.js';
import type { UploadSource } from './source.js';

/**
 * One part of an upload, hashed as it was read: from a range of a file or of bytes ({@link rangeParts}),
 * or kept in a temporary file until it has been sent ({@link spooledParts}).
 */
export interface HashedPart {
  /** Bytes in the part. */
  readonly length: number;
  /** SHA-1 of the part, in hex, computed while it was written. */
  readonly sha1: string;
  /** A new stream over the part's bytes: a part can be sent again after a failed attempt. */
  open(): Readable;
  /** Frees what holds the part (its temporary file) once it has been sent or given up. Safe to call twice. */
  release(): Promise<void>;
}

/** Hears the SHA-1 (hex) of the whole data once the last part is cut (a commit's whole-file digest). */
export type WholeSha1 = (sha1Hex: string) => void;

/**
 * The parts of a repeatable source (a file, bytes) of exactly `partSize` bytes (the last may be shorter),
 * hashed in one read front to back; each part is sent later from its own range, so nothing is buffered.
 * The part and whole-data SHA-1s are computed on a hashing thread when one is free (core streamingHash):
 * this thread only reads and copies.
 */
export async function* rangeParts(
  source: UploadSource,
  partSize: number,
  whole?: WholeSha1,
): AsyncGenerator<HashedPart> {
  if (partSize <= 0) throw new RangeError('partSize must be positive');
  const hash = streamingHash('sha1', {
    partSize,
    ...(source.size !== undefined ? { expectedBytes: source.size } : {}),
  });
  let index = 0;
  let start = 0;
  let fill = 0;
  const cut = async (length: number): Promise<HashedPart> => {
    const from = start;
    const to = start + length;
    start = to;
    return {
      length,
      sha1: await hash.part(index++),
      open: () => source.open(from, to),
      release: async () => {},
    };
  };
  try {
    for await (const chunk of source.open(0) as AsyncIterable<Uint8Array>) {
      const wait = hash.update(chunk);
      if (wait) await wait;
      releaseChunk(chunk);
      fill += chunk.length;
      while (fill >= partSize) {
        fill -= partSize;
        yield await cut(partSize);
      }
    }
    const digest = await hash.digest();
    if (fill > 0) yield await cut(fill);
    whole?.(digest);
  } finally {
    hash.release();
  }
}

/**
 * Cuts a one-shot stream (a Node or web stream, encrypted data) into parts of exactly `partSize` bytes
 * (the last may be shorter), each written to a temporary file in `dir` (the system's temporary folder when
 * empty) and hashed on the way. An upload that sends several parts at a time, each repeatable after a
 * failure, then costs disk space instead of memory: the memory use stays that of the stream buffers,
 * whatever the part size and the concurrency.
 *
 * The files are created exclusively, readable by the owner only, with unguessable names. The consumer
 * releases each part once sent; when it stops the generator early (a failed upload: `return()`), or the
 * source fails, the generator removes the part it was filling and every part not released yet.
 */
export async function* spooledParts(
  source: AsyncIterable<Uint8Array> | Readable,
  partSize: number,
  dir = '',
  whole?: WholeSha1,
): AsyncGenerator<HashedPart> {
  if (partSize <= 0) throw new RangeError('partSize must be positive');
  const folder = dir || tmpdir();
  // The parts' and the whole data's SHA-1s, on a hashing thread when one is free.
  const hash = streamingHash('sha1', { partSize });
  let index = 0;
  let filling: PartWriter | undefined;
  // Parts handed out and not released yet: when the consumer stops early (a failed upload), they go too.
  const outstanding = new Set<HashedPart>();
  let completed = false;
  const handOut = (spooled: HashedPart): HashedPart => {
    const part: HashedPart = {
      ...spooled,
      release: () => {
        outstanding.delete(part);
        return spooled.release();
      },
    };
    outstanding.add(part);
    return part;
  };
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      const wait = hash.update(chunk);
      if (wait) await wait;
      let offset = 0;
      while (offset < chunk.length) {
        filling ??= await PartWriter.create(folder);
        const take = Math.min(partSize - filling.length, chunk.length - offset);
        await filling.write(chunk.subarray(offset, offset + take));
        offset += take;
        if (filling.length === partSize) {
          const part = handOut(await filling.finish(await hash.part(index++)));
          filling = undefined;
          yield part;
        }
      }
    }
    const digest = await hash.digest();
    if (filling && filling.length > 0) {
      const part = handOut(await filling.finish(await hash.part(index++)));
      filling = undefined;
      yield part;
    }
    whole?.(digest);
    completed = true;
  } finally {
    hash.release();
    await filling?.discard();
    if (!completed) await Promise.all([...outstanding].map((part) => part.release()));
  }
}

/** The temporary file of the part being filled. */
class PartWriter {
  length = 0;

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

  /** Closes the file; `sha1` is the part's digest (hex), computed by the caller's hash. */
  async finish(sha1: string): Promise<HashedPart> {
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', (err) => reject(this.failure(err)));
      this.stream.end(() => resolve());
    });
    const { path, length } = this;
    let released: Promise<void> | undefined;
    return {
      length,
      sha1,
      open: () => fileRangeStream(path, 0, length),
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
