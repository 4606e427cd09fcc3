import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ProgressEvent } from '../../src/core/events.js';
import type { DownloadOptions, DownloadResult } from '../../src/core/provider.js';

/**
 * Checks shared by the class tests of every service: the download destinations of the one transfer
 * convention (docs/PROVIDERS.md) and the progress events every transfer fires.
 */

interface Emitter {
  on(event: 'progress', listener: (e: ProgressEvent) => void): unknown;
  off(event: 'progress', listener: (e: ProgressEvent) => void): unknown;
}

/** The download progress events fired while `run` runs. */
export async function downloadProgress(
  client: Emitter,
  run: () => Promise<unknown>,
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const listener = (e: ProgressEvent) => {
    if (e.direction === 1) events.push({ ...e });
  };
  client.on('progress', listener);
  try {
    await run();
  } finally {
    client.off('progress', listener);
  }
  return events;
}

/** Starts at 0, never goes back, moves in steps, and ends at `size`, which it also gives as the total. */
export function assertProgressTo(events: ProgressEvent[], size: number): void {
  assert.ok(events.length >= 3, `only ${events.length} progress events`);
  assert.equal(events[0]!.bytesTransferred, 0);
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i]!.bytesTransferred >= events[i - 1]!.bytesTransferred, 'progress went back');
  }
  assert.ok(new Set(events.map((e) => e.bytesTransferred)).size >= 3, 'progress did not move in steps');
  const last = events.at(-1)!;
  assert.equal(last.bytesTransferred, size);
  assert.equal(last.totalBytes, size);
  assert.equal(last.percentDone, 100);
}

/**
 * The three destinations of a download: bytes, a file (in `dir()`, a new name each time), a stream. Each
 * gives the per-call options and reads back what arrived, checking the result says where it went.
 */
export function downloadDestinations(
  dir: () => string,
  tag: string,
): Array<{
  name: string;
  options: () => DownloadOptions;
  read: (options: DownloadOptions, result: DownloadResult) => Promise<Buffer>;
}> {
  let n = 0;
  const chunks = new WeakMap<DownloadOptions, Buffer[]>();
  return [
    {
      name: 'bytes',
      options: () => ({ localFile: '' }),
      read: async (_o, r) => {
        assert.equal(r.localFile, undefined);
        return Buffer.from(r.data!);
      },
    },
    {
      name: 'a file',
      options: () => ({ localFile: join(dir(), `${tag}-${++n}.bin`) }),
      read: async (o, r) => {
        assert.equal(r.localFile, o.localFile);
        assert.equal(r.data, undefined);
        return readFile(o.localFile!);
      },
    },
    {
      name: 'a stream',
      options: () => {
        const received: Buffer[] = [];
        const o: DownloadOptions = {
          stream: new Writable({
            write(chunk, _e, done) {
              received.push(chunk);
              done();
            },
          }),
        };
        chunks.set(o, received);
        return o;
      },
      read: async (o, r) => {
        assert.equal(r.data, undefined);
        assert.ok(o.stream!.writableEnded, 'the stream is ended when the download completes');
        return Buffer.concat(chunks.get(o)!);
      },
    },
  ];
}
