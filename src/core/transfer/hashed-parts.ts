import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { createExclusive, discardPendingWrites, tempPathFor } from '../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../errors.js';
import { STREAM_BUFFER_BYTES } from '../stream-buffer.js';
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

/** The whole data's bytes as they are read, in order (a whole-file digest next to the parts' ones). */
export type ChunkObserver = (chunk: Uint8Array) => void;

/**
 * The parts of a repeatable source (a file, bytes) of exactly `partSize` bytes (the last may be shorter),
 * hashed in one read front to back; each part is sent later from its own range, so nothing is buffered.
 */
export async function* rangeParts(
  source: UploadSource,
  partSize: number,
  observe?: ChunkObserver,
): AsyncGenerator<HashedPart> {
  if (partSize <= 0) throw new RangeError('partSize must be positive');
  let start = 0;
  let length = 0;
  let hash = createHash('sha1');
  const cut = (): HashedPart => {
    const from = start;
    const to = start + length;
    const part = {
      length,
      sha1: hash.digest('hex'),
      open: () => source.open(from, to),
      release: async () => {},
    };
    start = to;
    length = 0;
    hash = createHash('sha1');
    return part;
  };
  for await (const chunk of source.open(0) as AsyncIterable<Uint8Array>) {
    observe?.(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - length, chunk.length - offset);
      hash.update(chunk.subarray(offset, offset + take));
      length += take;
      offset += take;
      if (length === partSize) yield cut();
    }
  }
  if (length > 0) yield cut();
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
  observe?: ChunkObserver,
): AsyncGenerator<HashedPart> {
  if (partSize <= 0) throw new RangeError('partSize must be positive');
  const folder = dir || tmpdir();
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
      observe?.(chunk);
      let offset = 0;
      while (offset < chunk.length) {
        filling ??= await PartWriter.create(folder);
        const take = Math.min(partSize - filling.length, chunk.length - offset);
        await filling.write(chunk.subarray(offset, offset + take));
        offset += take;
        if (filling.length === partSize) {
          const part = handOut(await filling.finish());
          filling = undefined;
          yield part;
        }
      }
    }
    if (filling && filling.length > 0) {
      const part = handOut(await filling.finish());
      filling = undefined;
      yield part;
    }
    completed = true;
  } finally {
    await filling?.discard();
    if (!completed) await Promise.all([...outstanding].map((part) => part.release()));
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

  async finish(): Promise<HashedPart> {
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
