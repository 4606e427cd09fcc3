/**
 * New files whose upload has an unknown outcome (the answer lost after Drive stored it, a reset, a 5xx)
 * are reconciled before they are repeated: Drive takes many files of one name, so a blind repeat would
 * make a duplicate; the folder ends up with exactly one file with the bytes sent.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FaultSpec } from '../../../src/emulator/core/index.js';
import type { GoogleDrive } from '../../../src/providers/googledrive/index.js';
import { type Env, startEnv } from './helpers.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('Google Drive uploads reconcile an unknown outcome before repeating', () => {
  let env: Env;
  let drive: GoogleDrive;
  const small = randomBytes(300_000);
  const big = randomBytes(2_500_000);

  before(async () => {
    env = await startEnv();
    drive = env.client({ retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
  });
  after(() => env.stop());

  async function uploadThrough(fault: FaultSpec, name: string, data: Buffer, resumable: boolean) {
    env.server.faults.add({ method: 'POST', path: '/upload/drive/v3/files', ...fault });
    const id = await drive.uploadFile(name, '', { data, useResumableUpload: resumable });
    assert.equal(env.server.faults.pending, 0, 'the fault was met');
    drive.resourceMarker = '';
    do await drive.listResources();
    while (drive.resourceMarker);
    const named = drive.resources.filter((r) => r.name === name);
    assert.deepEqual(
      named.map((r) => r.id),
      [id],
      'exactly one file',
    );
    assert.equal(named[0]!.md5Checksum, md5(data));
  }

  test('multipart: an answer lost after Drive stored the file is found, not sent again (no duplicate)', async () => {
    await uploadThrough({ drop: 'after' }, 'lost.bin', small, false);
  });

  test('multipart: a reset mid-request, a drop before it ran, a 503: sent again', async () => {
    await uploadThrough({ resetRequestAfterBytes: 5000 }, 'reset.bin', small, false);
    await uploadThrough({ drop: 'before' }, 'before.bin', small, false);
    await uploadThrough({ status: 503 }, 'unavailable.bin', small, false);
  });

  test('resumable: a lost answer to the session start makes a new session, and one file', async () => {
    await uploadThrough({ drop: 'after' }, 'start.bin', big, true);
  });
});
