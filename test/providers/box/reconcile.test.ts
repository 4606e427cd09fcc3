/**
 * Uploads whose outcome is unknown (the answer lost after Box committed, a reset mid-request, a 5xx) are
 * reconciled before they are repeated: the upload finishes by itself, and Box ends up with exactly one
 * file holding the bytes sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FaultSpec } from '../../../src/emulator/core/index.js';
import type { Box } from '../../../src/providers/box/index.js';
import { type BoxEnv, sha1, startBoxEnv } from './helpers.js';

describe('Box uploads reconcile an unknown outcome before repeating', () => {
  let env: BoxEnv;
  let box: Box;
  const small = randomBytes(300_000);
  const big = randomBytes(21 * 1024 * 1024);

  before(async () => {
    env = await startBoxEnv();
    box = env.box({ retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
  });
  after(() => env.close());

  async function filesNamed(name: string): Promise<string[]> {
    await box.listResources('');
    return box.resources.filter((r) => r.name === name).map((r) => r.id);
  }

  async function uploadThrough(fault: FaultSpec, name: string, data: Buffer, resumable: boolean) {
    env.server.faults.add({ host: 'upload', ...fault });
    const id = await box.uploadFile(name, '', { data, useResumableUpload: resumable });
    assert.equal(env.server.faults.pending, 0, 'the fault was met');
    assert.deepEqual(await filesNamed(name), [id], 'exactly one file');
    assert.equal((await box.getResourceInfo(id)).hash, sha1(data));
    return id;
  }

  it('simple upload: the answer lost after Box stored the file is found, not sent again (no 409)', async () => {
    const since = env.server.requestLog.length;
    await uploadThrough(
      { method: 'POST', path: '/files/content', drop: 'after' },
      'dropped-after.bin',
      small,
      false,
    );
    const posts = env.server.requestLog.slice(since).filter((e) => e.path === '/api/2.0/files/content');
    assert.deepEqual(
      posts.map((e) => e.outcome),
      ['dropped'],
      'sent once',
    );
  });

  it('simple upload: a reset mid-request, a drop before Box ran it, a stall past the timeout: sent again', async () => {
    await uploadThrough(
      { method: 'POST', path: '/files/content', resetRequestAfterBytes: 100_000 },
      'reset-request.bin',
      small,
      false,
    );
    await uploadThrough(
      { method: 'POST', path: '/files/content', drop: 'before' },
      'dropped-before.bin',
      small,
      false,
    );
    const quick = env.box({ retryBaseDelayMs: 1, retryMaxDelayMs: 5, timeout: 1 });
    env.server.faults.add({ host: 'upload', method: 'POST', path: '/files/content', stall: 'after' });
    const id = await quick.uploadFile('stalled.bin', '', { data: small });
    assert.deepEqual(await filesNamed('stalled.bin'), [id]);
  });

  it('session: a lost answer to the session creation, and to the commit, still ends in one file', async () => {
    await uploadThrough(
      { method: 'POST', path: /\/files\/upload_sessions$/, drop: 'after' },
      'lost-create.bin',
      big,
      true,
    );
    const since = env.server.requestLog.length;
    await uploadThrough({ method: 'POST', path: /\/commit$/, drop: 'after' }, 'lost-commit.bin', big, true);
    const commits = env.server.requestLog.slice(since).filter((e) => e.path.endsWith('/commit'));
    // The session was still there, so the commit went again (Box answers a repeated commit with the file).
    assert.deepEqual(
      commits.map((e) => e.outcome),
      ['dropped', 'answered'],
    );
    await uploadThrough({ method: 'POST', path: /\/commit$/, status: 503 }, 'commit-503.bin', big, true);
  });
});
