import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { CloudStorageError, ErrorCode, invalidArgument } from '../core/errors.js';
import type { ReadOptions } from './types.js';

/** Checks a read's offset and length (whole numbers ≥ 0); error 1000 otherwise. */
export function readWindow(options: ReadOptions = {}): { offset: number; length: number | undefined } {
  const offset = options.offset ?? 0;
  const length = options.length;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidArgument(`The read offset must be a whole number of bytes ≥ 0; got ${offset}.`);
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw invalidArgument(`The read length must be a whole number of bytes ≥ 0; got ${length}.`);
  }
  return { offset, length };
}

/**
 * A class download (`downloadFile` with a stream target, from `offset`, asking for `length` bytes when the
 * class can send a Range with an end) turned into a Readable of at most `length` bytes. The class writes into a Writable that forwards with back-pressure; once `length` bytes have
 * passed, or when the reader goes away, the download is aborted (the rest never crosses the network).
 * A download that fails before it ends destroys the Readable with its error. With the file's `size`, a read
 * past its end is empty without a request.
 */
export function downloadAsReadable(
  download: (
    sink: Writable,
    window: { offset: number; length: number | undefined },
    signal: AbortSignal,
  ) => Promise<unknown>,
  options: ReadOptions = {},
  size: number | undefined = undefined,
): Readable {
  const { offset, length } = readWindow(options);
  // Nothing to read (past the end, or no bytes asked): no request at all.
  if (length === 0 || (size !== undefined && offset >= size)) return Readable.from([]);
  const out = new PassThrough();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let remaining = length ?? Number.POSITIVE_INFINITY;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    out.end();
    stop.abort();
  };
  out.once('close', () => {
    if (!done) {
      done = true;
      stop.abort();
    }
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, callback) {
      if (done) return callback();
      const part = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= part.length;
      const more = out.write(part);
      if (remaining === 0) {
        finish();
        return callback();
      }
      if (more) callback();
      else out.once('drain', () => callback());
    },
    final(callback) {
      finish();
      callback();
    },
  });
  if (remaining === 0) finish();
  else {
    download(sink, { offset, length }, signal).then(
      () => finish(),
      (e) => {
        if (done) return;
        done = true;
        out.destroy(e instanceof Error ? e : new CloudStorageError(ErrorCode.ServerError, String(e)));
      },
    );
  }
  return out;
}

/** A pass-through that reports the bytes gone through so far (the progress of a write). */
export function countingStream(onProgress: ((bytes: number) => void) | undefined): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      bytes += chunk.length;
      onProgress?.(bytes);
      callback(null, chunk);
    },
  });
}

/** The data of a write with its progress counted, errors of the source carried over. */
export function withProgress(data: Readable, onProgress: ((bytes: number) => void) | undefined): Readable {
  if (!onProgress) return data;
  const counted = countingStream(onProgress);
  data.once('error', (e) => counted.destroy(e));
  return data.pipe(counted);
}
