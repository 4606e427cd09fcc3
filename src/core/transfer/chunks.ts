import type { Readable } from 'node:stream';

/**
 * Cuts a stream into parts of exactly `partSize` bytes (the last one may be shorter), holding at most one
 * part in memory. Upload sessions need fixed part sizes whatever chunk sizes the source produces.
 */
export async function* fixedSizeParts(
  source: AsyncIterable<Uint8Array> | Readable,
  partSize: number,
): AsyncGenerator<Buffer> {
  if (partSize <= 0) throw new RangeError('partSize must be positive');
  let part = Buffer.allocUnsafe(partSize);
  let fill = 0;
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - fill, chunk.length - offset);
      part.set(chunk.subarray(offset, offset + take), fill);
      fill += take;
      offset += take;
      if (fill === partSize) {
        yield part;
        part = Buffer.allocUnsafe(partSize);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield part.subarray(0, fill);
}

/**
 * Runs `worker` over `items` with at most `concurrency` in flight, in order of arrival. The first failure
 * stops new work, waits for the running ones, and is thrown. Items are pulled lazily, so a generator of
 * parts is never read further ahead than the workers can take.
 */
export async function runParallel<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = (
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]()
  ) as AsyncIterator<T> | Iterator<T>;
  let index = 0;
  let failure: { error: unknown } | undefined;
  let pulling: Promise<unknown> = Promise.resolve();

  // Pulls are serialised: generators must not be advanced concurrently.
  const next = (): Promise<IteratorResult<T> | undefined> => {
    const result = pulling.then(async () => {
      if (failure || signal?.aborted) return undefined;
      return await iterator.next();
    });
    pulling = result.catch(() => undefined);
    return result;
  };

  const lane = async (): Promise<void> => {
    for (;;) {
      let r: IteratorResult<T> | undefined;
      try {
        r = await next();
      } catch (error) {
        // A source that fails (a stream erroring midway) stops the work like a failing worker does.
        failure ??= { error };
        return;
      }
      if (!r || r.done || failure) return;
      const i = index++;
      try {
        await worker(r.value, i);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  };

  // Lanes never reject, so this waits for every running worker.
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure || signal?.aborted) {
    // Release the source (a generator over a file stream closes its file).
    await Promise.resolve((iterator as AsyncIterator<T>).return?.()).catch(() => undefined);
    throw failure ? failure.error : signal!.reason;
  }
}

/**
 * Pulls up to `count` items of `items` ahead of its consumer, so that producing the next item (hashing the
 * next part of a file) overlaps with consuming the current ones (sending parts). An error of the source
 * reaches the consumer at the item where it happened; stopping early stops the source too, and hands the
 * items read ahead but never consumed to `discard` (a spooled part's file is removed).
 */
export async function* readAhead<T>(
  items: AsyncIterable<T>,
  count: number,
  discard?: (item: T) => Promise<void>,
): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  const queue: Array<Promise<IteratorResult<T>>> = [];
  let pulling: Promise<unknown> = Promise.resolve();
  // Pulls are serialised: a generator must not be advanced while it runs.
  const pull = () => {
    const next = pulling.then(() => iterator.next());
    pulling = next.catch(() => undefined);
    queue.push(next);
  };
  let done = false;
  try {
    for (let i = 0; i < Math.max(1, count); i++) pull();
    for (;;) {
      const r = await queue.shift()!;
      if (r.done) {
        done = true;
        return;
      }
      pull();
      yield r.value;
    }
  } finally {
    // Settle what is in flight (so nothing rejects unobserved), then stop the source if it is not done.
    for (const r of await Promise.allSettled(queue)) {
      if (r.status === 'fulfilled' && !r.value.done) await discard?.(r.value.value);
    }
    if (!done) await iterator.return?.();
  }
}
