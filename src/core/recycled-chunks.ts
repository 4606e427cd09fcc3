import { type FileHandle, open } from 'node:fs/promises';
import { type Duplex, Readable } from 'node:stream';
import { CloudStorageError, ErrorCode } from './errors.js';
import { STREAM_BUFFER_BYTES } from './stream-buffer.js';

/**
 * File reads into buffers that are used again once a socket has written them.
 *
 * Reading a file into fresh buffers costs a page fault for every 4 KiB the first time each buffer is
 * touched, and the dead buffers pile up as external memory until V8's next scavenge: on an upload that is
 * about as much system time as the sending itself, and tens of MiB of peak RSS (bench/platform.ts, "Node
 * http upload, reused buffers"). A buffer can be filled again only when nothing will read the bytes it
 * holds, and only the socket knows when it has written them: a Writable's `write` callback runs once the
 * chunk has been handled in full. undici does not pass one, so the connections the transport makes are
 * marked with {@link recycleWrittenChunks}, which adds the callback for the chunks this module handed out;
 * a consumer that reads a chunk synchronously (a hash) says so with {@link releaseChunk}.
 *
 * The rule that keeps this safe: a buffer is refilled only after a socket's write callback ran, without an
 * error, for the very chunk (the same object) it was handed out as, or after its one consumer released it. A chunk that goes anywhere else (a
 * cipher, gzip, a re-chunker that slices it, an HTTP/2 stream, a user's stream, a hash that is never
 * sent) is never recycled; its buffer is garbage like any other, and the reader allocates a new one. So a
 * reader never waits for a buffer and never hands out a buffer something may still read.
 */

/** Chunks handed out by {@link fileRangeStream}, and what returns each one's buffer to its reader. */
const recycled = new WeakMap<object, () => void>();
const marked = new WeakSet<Duplex>();

/** At most this many idle buffers are kept by a reader (a few MiB, for its lifetime only). */
const KEEP = 8;

/**
 * Makes `socket` hand back the chunks of {@link fileRangeStream} once it has written them. Other writes
 * pass through untouched. Idempotent.
 */
export function recycleWrittenChunks(socket: Duplex): void {
  if (marked.has(socket)) return;
  marked.add(socket);
  const write = socket.write;
  socket.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]): boolean {
    const recycle = typeof chunk === 'object' && chunk !== null ? recycled.get(chunk) : undefined;
    if (!recycle) return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    recycled.delete(chunk as object);
    const callback = rest.find((a) => typeof a === 'function') as ((err?: Error | null) => void) | undefined;
    const encoding = typeof rest[0] === 'string' ? rest[0] : undefined;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, (err?: Error | null) => {
      // A failed write may still be referenced below (a destroyed socket's pending write): never reuse it.
      if (!err) recycle();
      callback?.(err);
    });
  } as Duplex['write'];
}

/**
 * For a consumer that has used `chunk` up (a hash that copied it in): its buffer may be refilled. Call it
 * only when nothing holds the chunk any more; a chunk that did not come from {@link fileRangeStream} is
 * left alone.
 */
export function releaseChunk(chunk: Uint8Array): void {
  const recycle = recycled.get(chunk);
  if (!recycle) return;
  recycled.delete(chunk);
  recycle();
}

/**
 * The bytes of `path` from `start` (inclusive) to `end` (exclusive), read by position into buffers of
 * `chunkBytes` that come back for the next reads once a marked socket has written them. A file that ends
 * before `end` is error 611 (it changed while it was being read).
 */
export function fileRangeStream(
  path: string,
  start: number,
  end: number,
  chunkBytes = STREAM_BUFFER_BYTES,
): Readable {
  let handle: FileHandle | undefined;
  let position = start;
  const idle: Buffer[] = [];
  let done = false;
  return new Readable({
    highWaterMark: chunkBytes,
    construct(callback) {
      open(path, 'r').then(
        (h) => {
          handle = h;
          callback();
        },
        (e: Error) => callback(fileError(path, e.message, e)),
      );
    },
    read() {
      if (position >= end) {
        this.push(null);
        return;
      }
      const buffer = idle.pop() ?? Buffer.allocUnsafeSlow(chunkBytes);
      handle!.read(buffer, 0, Math.min(buffer.length, end - position), position).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            this.destroy(
              fileError(
                path,
                `it ended at byte ${position}, before byte ${end}: it changed while it was read`,
              ),
            );
            return;
          }
          position += bytesRead;
          const chunk = buffer.subarray(0, bytesRead);
          recycled.set(chunk, () => {
            if (!done && idle.length < KEEP) idle.push(buffer);
          });
          this.push(chunk);
        },
        (e: Error) => this.destroy(fileError(path, e.message, e)),
      );
    },
    destroy(err, callback) {
      done = true;
      idle.length = 0;
      const h = handle;
      handle = undefined;
      if (!h) callback(err);
      else
        h.close().then(
          () => callback(err),
          () => callback(err),
        );
    },
  });
}

function fileError(path: string, detail: string, cause?: unknown) {
  return new CloudStorageError(ErrorCode.LocalFileError, `Cannot read local file ${path}: ${detail}.`, {
    cause,
  });
}
