/**
 * Uploads whose outcome is unknown (the answer lost after B2 stored the file, a reset, a 5xx) are
 * reconciled before they are repeated: b2_upload_file makes a new version each time, so a blind repeat
 * would store the file twice; a lost start or finish of a large file is found on B2. The bucket ends up
 * with exactly one version holding the bytes sent, and no unfinished large file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FaultSpec } from '../../../src/emulator/core/index.js';
import type { BackblazeB2 } from '../../../src/providers/b2/index.js';
import { type Env, randomData, startEnv } from './helpers.js';

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describe('B2 uploads reconcile an unknown outcome before repeating', () => {
  let env: Env;
  let b2: BackblazeB2;
  let bucket: { id: string; name: string };
  const small = randomData(300_000);
  const big = randomData(11 * 1024 * 1024);

  before(async () => {
    env = await startEnv();
    b2 = env.client({ retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
    await b2.authorize();
    b2.config('FragmentSize=5242880');
    b2.config('SimpleUploadLimit=6000000');
    bucket = env.bucket();
  });
  after(() => env.stop());

  async function uploadThrough(fault: FaultSpec, name: string, data: Buffer) {
    env.server.faults.add(fault);
    const id = await b2.uploadFile(bucket.id, name, { data });
    assert.equal(env.server.faults.pending, 0, 'the fault was met');
    const versions = (await b2.listFileVersions(bucket.id)).files.filter((f) => f.name === name);
    assert.deepEqual(
      versions.map((f) => f.id),
      [id],
      'exactly one version',
    );
    assert.equal((await b2.getFileInfo(id)).size, data.length);
    assert.deepEqual(
      (await b2.listMultipartUploads(bucket.id)).files.map((f) => f.name),
      [],
      'no unfinished large file',
    );
    return id;
  }

  test('b2_upload_file: an answer lost after B2 stored it is found, not stored twice', async () => {
    const id = await uploadThrough({ path: 'b2_upload_file', drop: 'after' }, 'lost.bin', small);
    assert.equal((await b2.getFileInfo(id)).sha1Hash, sha1(small));
  });

  test('b2_upload_file: a reset mid-request, a drop before it ran, a 503: sent again to a fresh URL', async () => {
    await uploadThrough({ path: 'b2_upload_file', resetRequestAfterBytes: 5000 }, 'reset.bin', small);
    await uploadThrough({ path: 'b2_upload_file', drop: 'before' }, 'before.bin', small);
    await uploadThrough({ path: 'b2_upload_file', status: 503 }, 'unavailable.bin', small);
  });

  test('large file: a lost start is continued, a lost finish is found finished', async () => {
    await uploadThrough({ path: 'b2_start_large_file', drop: 'after' }, 'start.bin', big);
    await uploadThrough({ path: 'b2_finish_large_file', drop: 'after' }, 'finish.bin', big);
    await uploadThrough({ path: 'b2_finish_large_file', status: 500 }, 'finish-500.bin', big);
  });
});
