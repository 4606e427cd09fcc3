import { finished, Readable } from 'node:stream';

/**
 * How many bytes a stream on a transfer path holds before it pushes back (its highWaterMark). Node's
 * default, 16 KiB, is smaller than one chunk of a socket or of a file read (64 KiB), so every chunk made
 * the stream full: the socket was paused and resumed, and the disk write waited for, once per chunk, and
 * the network and the disk took turns instead of working at the same time. A megabyte lets both run while
 * memory stays small and bounded (a few of these per transfer).
 */
export const STREAM_BUFFER_BYTES = 1024 * 1024;

/**
 * The chunks of a stream one by one, as they were pushed, for a `for await` on a transfer path. Node's own
 * iterator reads in paused mode, where each read joins every chunk the stream holds into one new buffer:
 * behind a stream with a large buffer that is a copy of each byte and a fresh allocation of up to the
 * buffer's size per read. Here the stream flows, at most `ahead` chunks wait for the consumer (then the
 * stream is paused until they are taken), and a failure of the stream is thrown at once. Leaving the loop
 * early destroys the stream, as Node's iterator does.
 */
export async function* chunksOf<T = Buffer>(stream: Readable, ahead = 2): AsyncGenerator<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: Error | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onData = (chunk: T) => {
    queue.push(chunk);
    if (queue.length >= ahead && !paused) {
      paused = true;
      stream.pause();
    }
    notify();
  };
  const stopWatching = finished(stream, (err) => {
    if (err) failure = err;
    else ended = true;
    notify();
  });
  stream.on('data', onData);
  stream.resume();
  try {
    for (;;) {
      if (failure) throw failure;
      if (queue.length > 0) {
        const chunk = queue.shift() as T;
        if (paused && queue.length < ahead) {
          paused = false;
          stream.resume();
        }
        yield chunk;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('data', onData);
    stopWatching();
    if (!ended && !stream.destroyed) stream.destroy();
  }
}

/**
 * A stream of `head`, then the chunks of `body` as they come (none joined), then `tail`: the body of a
 * multipart request around a file's bytes. Destroying it destroys `body`.
 */
export function framedStream(head: Buffer, body: Readable, tail: Buffer): Readable {
  const framed = Readable.from(
    (async function* () {
      yield head;
      yield* chunksOf(body);
      yield tail;
    })(),
    { objectMode: false, highWaterMark: STREAM_BUFFER_BYTES },
  );
  // Stopped before the body was read to its end (even before it began): the body is not needed any more.
  framed.once('close', () => {
    if (!body.readableEnded && !body.destroyed) body.destroy();
  });
  return framed;
}
