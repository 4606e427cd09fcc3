import { unlink } from 'node:fs/promises';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type DownloadSink, type DownloadTarget, openDownloadSink } from './sink.js';

/**
 * Writes a whole response body that cannot be resumed (a thumbnail, a custom request's answer) to a
 * download target, through `transforms` if any; returns the bytes for a `bytes` target.
 * - An error of the body while the file is being opened (nothing reads it yet) is held and thrown here,
 *   instead of going unhandled.
 * - When the file cannot be opened (error 608, an unwritable path), the unread body is destroyed, which
 *   releases its connection.
 * - A new file that fails midway is removed rather than left looking complete; an existing file being
 *   overwritten stays as it was until the new content is complete (openDownloadSink).
 */
export async function deliverBody(
  body: Readable,
  target: DownloadTarget,
  transforms: Transform[] = [],
): Promise<Uint8Array | undefined> {
  // biome-ignore lint/suspicious/noExplicitAny: pipeline's typings cannot express a variable-length chain
  const pipe = pipeline as (...streams: any[]) => Promise<void>;
  if (target.kind === 'bytes') {
    const sink = await openDownloadSink(target);
    await pipe(body, ...transforms, sink.writable);
    return sink.commit();
  }
  if (target.kind === 'stream') {
    await pipe(body, ...transforms, target.writable);
    return undefined;
  }
  let early: unknown;
  body.on('error', (e) => {
    early ??= e;
  });
  let sink: DownloadSink;
  try {
    sink = await openDownloadSink(target);
  } catch (e) {
    body.destroy();
    throw e;
  }
  try {
    if (early) throw early;
    await pipe(body, ...transforms, sink.writable);
    await sink.commit();
  } catch (e) {
    await sink.abort();
    if (sink.createdNew) await unlink(target.path).catch(() => undefined);
    throw early ?? e;
  }
  return undefined;
}
