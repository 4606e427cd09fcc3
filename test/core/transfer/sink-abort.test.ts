import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { openDownloadSink } from '../../../src/core/transfer/sink.js';

test('a download sink given up keeps a partial file that no longer grows once abort() returns', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-sink-'));
  try {
    const path = join(dir, 'partial.bin');
    const sink = await openDownloadSink({ kind: 'file', path, overwrite: false });
    // A large write is still under way when the download fails.
    sink.writable.write(Buffer.alloc(64 * 1024 * 1024, 7));
    await sink.abort();
    const seen = (await stat(path)).size;
    await delay(300);
    assert.equal((await stat(path)).size, seen, 'the partial file grew after abort() returned');
    // And it can be resumed from exactly that size.
    const resumed = await openDownloadSink({ kind: 'file', path, overwrite: false }, seen);
    await resumed.commit();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
