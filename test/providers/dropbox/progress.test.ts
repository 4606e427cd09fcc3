import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ProgressEvent } from '../../../src/core/events.js';
import type { DownloadOptions, Dropbox } from '../../../src/providers/dropbox/index.js';
import { type Env, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

const PASSWORD = 'progress password';
const DATA = randomBytes(600_000);

/** Collects the download progress events of one call. */
async function watched(c: Dropbox, run: () => Promise<unknown>): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const listener = (e: ProgressEvent) => {
    if (e.direction === 1) events.push({ ...e });
  };
  c.on('progress', listener);
  try {
    await run();
  } finally {
    c.off('progress', listener);
  }
  return events;
}

/** Starts at 0, never goes back, moves more than once, and ends at the stored size, which it also gives as the total. */
function checkProgress(events: ProgressEvent[], size: number): void {
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

function sinkInto(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk, _e, done) {
      chunks.push(chunk);
      done();
    },
  });
}

for (const encryption of [false, true]) {
  describe(`downloadFile fires progress (${encryption ? 'encrypted' : 'plain'})`, () => {
    const path = `/progress/${encryption ? 'encrypted' : 'plain'}.bin`;
    let client: Dropbox;
    let stored: number;
    before(async () => {
      client = env.client({
        progressStep: 0,
        ...(encryption ? { encryptionPassword: PASSWORD } : {}),
      });
      await client.uploadFile(path, { data: DATA });
      stored = (await env.client().getResourceInfo(path)).size;
      if (encryption) assert.ok(stored > DATA.length, 'the stored file is the ciphertext');
    });

    const destinations: Array<
      [string, () => DownloadOptions, (o: DownloadOptions, r: unknown) => Promise<Buffer>]
    > = [
      ['bytes', () => ({ localFile: '' }), async (_o, r) => Buffer.from((r as { data: Uint8Array }).data)],
      [
        'a file',
        () => ({
          localFile: join(env.dir, `${encryption ? 'e' : 'p'}-${randomBytes(4).toString('hex')}.bin`),
        }),
        async (o) => readFile(o.localFile!),
      ],
      [
        'a stream',
        () => {
          const chunks: Buffer[] = [];
          return Object.assign({ stream: sinkInto(chunks) }, { chunks });
        },
        async (o) => Buffer.concat((o as { chunks: Buffer[] }).chunks),
      ],
    ];
    for (const [name, options, read] of destinations) {
      test(`to ${name}: increasing byte counts ending at the file size`, async () => {
        const o = options();
        let result: unknown;
        const events = await watched(client, async () => {
          result = await client.downloadFile(path, o);
        });
        assert.deepEqual(await read(o, result), DATA);
        checkProgress(events, stored);
      });
    }
  });
}
