/**
 * Uploads whose outcome is unknown (the answer lost after Dropbox committed, a reset mid-request, a 5xx)
 * are reconciled before they are repeated: the upload finishes by itself (a lost finish answer is found as
 * the committed file, not error 609), and the folder holds exactly one file with the bytes sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DropboxContentHasher } from '../../../src/core/transfer/index.js';
import type { FaultSpec } from '../../../src/emulator/core/index.js';
import type { Dropbox } from '../../../src/providers/dropbox/index.js';
import { type Env, randomData, startEnv } from './helpers.js';

const contentHash = (data: Buffer) => new DropboxContentHasher().update(data).digest();

describe('Dropbox uploads reconcile an unknown outcome before repeating', () => {
  let env: Env;
  let dropbox: Dropbox;
  const small = randomData(300_000);
  const big = randomData(2_500_000);

  before(async () => {
    env = await startEnv();
    dropbox = env.client({ retryBaseDelayMs: 1, retryMaxDelayMs: 5, fragmentSize: 1024 * 1024 });
    await dropbox.createFolder('/r');
  });
  after(() => env.stop());

  async function uploadThrough(fault: FaultSpec, name: string, data: Buffer, resumable: boolean) {
    env.server.faults.add({ host: 'content', ...fault });
    const path = `/r/${name}`;
    const id = await dropbox.uploadFile(path, { data, useResumableUpload: resumable });
    assert.equal(env.server.faults.pending, 0, 'the fault was met');
    await dropbox.listResources('/r');
    const named = dropbox.resources.filter((r) => r.name === name);
    assert.deepEqual(
      named.map((r) => r.id),
      [id],
      'exactly one file',
    );
    assert.equal(named[0]!.hash, contentHash(data));
  }

  const uploads = (since: number, route: string) =>
    env.server.requestLog.slice(since).filter((e) => e.path === `/2/${route}`);

  test('files/upload: an answer lost after the commit is found, not sent again', async () => {
    const since = env.server.requestLog.length;
    await uploadThrough({ path: '/2/files/upload', drop: 'after' }, 'lost.bin', small, false);
    assert.deepEqual(
      uploads(since, 'files/upload').map((e) => e.outcome),
      ['dropped'],
    );
  });

  test('files/upload: a reset mid-request, a drop before it ran, a 500: sent again', async () => {
    await uploadThrough({ path: '/2/files/upload', resetRequestAfterBytes: 1000 }, 'reset.bin', small, false);
    await uploadThrough({ path: '/2/files/upload', drop: 'before' }, 'before.bin', small, false);
    await uploadThrough({ path: '/2/files/upload', status: 500 }, 'five-hundred.bin', small, false);
  });

  test('sessions: a lost start, a lost append, a lost finish (no 609) all end in one file', async () => {
    await uploadThrough({ path: '/2/files/upload_session/start', drop: 'after' }, 'start.bin', big, true);
    await uploadThrough(
      { path: '/2/files/upload_session/append_v2', drop: 'after' },
      'append.bin',
      big,
      true,
    );
    const since = env.server.requestLog.length;
    await uploadThrough({ path: '/2/files/upload_session/finish', drop: 'after' }, 'finish.bin', big, true);
    assert.deepEqual(
      uploads(since, 'files/upload_session/finish').map((e) => e.outcome),
      ['dropped'],
      'finished once',
    );
  });
});
