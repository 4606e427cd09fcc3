import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../errors.js';
import { fileRangeStream } from '../recycled-chunks.js';

/** What an upload can read from: a local path, bytes, a Node stream or a web stream. */
export type UploadData = Uint8Array | Readable | ReadableStream<Uint8Array>;

/**
 * An upload's bytes, normalised. Files and bytes can be re-read from any offset (for retries, parallel
 * parts and resumes); a stream can be read once, front to back.
 */
export interface UploadSource {
  /** Total size, when known (always for files and bytes). */
  readonly size: number | undefined;
  /** Whether `open` may be called more than once / at any offset. */
  readonly repeatable: boolean;
  /** A description for messages ("file /a/b", "bytes", "stream"). */
  readonly label: string;
  /** The bytes from `start` (inclusive) to `end` (exclusive; default the end). */
  open(start?: number, end?: number): Readable;
}

export async function fileSource(path: string): Promise<UploadSource> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    size = s.size;
  } catch (e) {
    throw new CloudStorageError(
      ErrorCode.LocalFileError,
      `Cannot read local file ${path}: ${(e as Error).message}.`,
      {
        cause: e,
      },
    );
  }
  return {
    size,
    repeatable: true,
    label: `file ${path}`,
    open(start = 0, end = size) {
      if (end <= start) return Readable.from([]);
      return fileRangeStream(path, start, end);
    },
  };
}

export function bytesSource(data: Uint8Array): UploadSource {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    size: buf.length,
    repeatable: true,
    label: 'bytes',
    open(start = 0, end = buf.length) {
      return Readable.from(end > start ? [buf.subarray(start, end)] : []);
    },
  };
}

/**
 * A one-shot stream source. `open(start)` skips `start` bytes first, so resuming an upload from a stream
 * means handing in the same data again from its beginning.
 */
export function streamSource(stream: Readable | ReadableStream<Uint8Array>, size?: number): UploadSource {
  let opened = false;
  return {
    size,
    repeatable: false,
    label: 'stream',
    open(start = 0, end?: number) {
      if (opened) {
        throw new CloudStorageError(
          ErrorCode.StreamError,
          'The upload stream was already read; a stream can be uploaded once.',
        );
      }
      opened = true;
      const node =
        stream instanceof Readable
          ? stream
          : Readable.fromWeb(stream as import('node:stream/web').ReadableStream);
      if (start === 0 && end === undefined) return node;
      // pipe() does not carry errors: a source failing midway must fail the window, not leave it hanging.
      const window = byteWindow(start, end);
      node.once('error', (err) => window.destroy(err));
      return node.pipe(window);
    },
  };
}

/**
 * What an upload reads, from per-call options and the instance's properties: the per-call `localFile` or
 * `data` when given (per-call data wins over the instance's localFile; a per-call `localFile: ''` turns the
 * instance's off), else the instance's localFile, else its resourceData. Hand the result to uploadSource.
 */
export function uploadInput(
  perCall: { localFile?: string | undefined; data?: UploadData | undefined },
  instance: { localFile: string; resourceData: UploadData | undefined },
): { localFile: string; data: UploadData | undefined } {
  if (perCall.localFile) return { localFile: perCall.localFile, data: undefined };
  if (perCall.data !== undefined) return { localFile: '', data: perCall.data };
  if (perCall.localFile === undefined && instance.localFile) {
    return { localFile: instance.localFile, data: undefined };
  }
  return { localFile: '', data: instance.resourceData };
}

/** Normalises what the caller gave: a local file path wins over data, as in the reference classes. */
export async function uploadSource(
  localFile: string | undefined,
  data: UploadData | undefined,
  size?: number,
): Promise<UploadSource> {
  if (localFile) return fileSource(localFile);
  if (data instanceof Uint8Array) return bytesSource(data);
  if (data) return streamSource(data, size);
  return bytesSource(new Uint8Array(0));
}

/** Passes through only bytes [start, end) of what flows in. */
export function byteWindow(start: number, end = Number.POSITIVE_INFINITY): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const from = Math.max(0, start - position);
      const to = Math.min(chunk.length, end - position);
      position += chunk.length;
      done(null, to > from ? chunk.subarray(from, to) : undefined);
    },
  });
}
