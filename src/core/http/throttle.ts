import { type Readable, Transform } from 'node:stream';
import { sleep } from './retry.js';

/**
 * MaxTransferRate: bodies move at most `bytesPerSecond`. The pace is kept against the start of the body
 * (not per chunk), so a slow start is not paid for twice, and the wait is never longer than the excess.
 */
class Pace {
  private readonly start = performance.now();
  private moved = 0;
  constructor(private readonly bytesPerSecond: number) {}
  /** Milliseconds to wait after `bytes` more moved. */
  delayAfter(bytes: number): number {
    this.moved += bytes;
    const due = (this.moved / this.bytesPerSecond) * 1000;
    return Math.max(0, due - (performance.now() - this.start));
  }
}

/** A pause to await after each chunk of a request body, or undefined when there is no limit. */
export function throttledUpload(
  bytesPerSecond: number,
  signal: AbortSignal,
): ((bytes: number) => Promise<void>) | undefined {
  if (bytesPerSecond <= 0) return undefined;
  const pace = new Pace(bytesPerSecond);
  return async (bytes) => {
    const wait = pace.delayAfter(bytes);
    if (wait >= 1) await sleep(wait, signal);
  };
}

/** A response body that flows at most `bytesPerSecond` (back-pressure does the rest), or the body itself. */
export function throttled(body: Readable, bytesPerSecond: number): Readable {
  if (bytesPerSecond <= 0) return body;
  const pace = new Pace(bytesPerSecond);
  const out = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const wait = pace.delayAfter(chunk.length);
      if (wait < 1) callback(null, chunk);
      else setTimeout(() => callback(null, chunk), wait);
    },
  });
  body.once('error', (err) => out.destroy(err));
  out.once('close', () => {
    if (!body.destroyed) body.destroy();
  });
  return body.pipe(out);
}
