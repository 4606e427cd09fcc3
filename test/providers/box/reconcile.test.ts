/**
 * Uploads whose outcome is unknown (the answer lost after Box committed, a reset mid-request, a 5xx) are
 * reconciled before they are repeated: the upload finishes by itself, and Box ends up with exactly one
 * file holding the bytes sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_BOX_CLIENT } from '../../../src/emulator/box/index.js';
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

describe('Box abandoned sessions', () => {
  let env: BoxEnv;
  before(async () => {
    env = await startBoxEnv({ config: { minChunkedUploadSize: 100_000, partSizeFor: () => 100_000 } });
  });
  after(() => env.close());

  it('a session upload refused for good deletes the session it made; one stopped by a fault keeps it for a resume', async () => {
    const box = env.box({ retryBaseDelayMs: 1, retryMaxDelayMs: 5, minResumableUploadSize: 100_000 });
    const data = randomBytes(350_000);
    // A part refused (400): nothing will resume this session.
    env.server.faults.add({ host: 'upload', method: 'PUT', path: '/upload_sessions/', status: 400 });
    await assert.rejects(box.uploadFile('refused.bin', '', { data, useResumableUpload: true }));
    const refused = env.server.requestLog.filter(
      (e) => e.method === 'DELETE' && e.path.includes('/upload_sessions/'),
    );
    assert.deepEqual(
      refused.map((e) => e.status),
      [204],
      'the session was deleted',
    );
    assert.equal(box.resumeUrl, '');
    // Every attempt at a part broken: the session stays, and resumeUrl names it.
    env.server.faults.add({
      host: 'upload',
      method: 'PUT',
      path: '/upload_sessions/',
      drop: 'before',
      times: 200,
    });
    await assert.rejects(box.uploadFile('broken.bin', '', { data, useResumableUpload: true }));
    env.server.faults.clear();
    assert.ok(box.resumeUrl, 'kept for a resume');
    const id = await box.uploadFile('broken.bin', '', { data, useResumableUpload: true });
    assert.equal((await box.getResourceInfo(id)).hash, sha1(data));
  });
});

describe('Box early answers', () => {
  let env: BoxEnv;
  before(async () => {
    env = await startBoxEnv();
  });
  after(() => env.close());

  it('a 401 sent before the upload body is read reaches the client: the token is refreshed and the upload goes again, drained or not', async () => {
    const tokens = env.emulator.oauth.issueToken({
      clientId: DEFAULT_BOX_CLIENT.clientId,
      userId: '20000001',
    });
    const box = env.box({
      authorization: '',
      oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
      oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
      oAuthRefreshToken: tokens.refreshToken!,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    const data = randomBytes(4 * 1024 * 1024);
    const cases: Array<[string, FaultSpec]> = [
      // The service's own expired-token answer, given before the body is read; the rest is drained.
      ['expired.bin', { expiredToken: true }],
      // A server that answers 401 and closes with the body unread: the answer may be lost to the reset.
      ['closed.bin', { status: 401, closeUnread: true }],
    ];
    for (const [name, fault] of cases) {
      const since = env.server.requestLog.length;
      env.server.faults.add({ host: 'upload', method: 'POST', path: '/files/content', ...fault });
      const id = await box.uploadFile(name, '', { data });
      assert.equal((await box.getResourceInfo(id)).hash, sha1(data), name);
      const log = env.server.requestLog.slice(since).map((e) => `${e.path} ${e.status}`);
      assert.ok(log.includes('/api/2.0/files/content 401'), `${name}: ${log.join(', ')}`);
      assert.ok(log.includes('/api/2.0/files/content 201'), `${name}: ${log.join(', ')}`);
    }
    // The expired token's 401 was read (the refresh ran), not lost to a reset.
    assert.ok(env.server.requestLog.some((e) => e.path.endsWith('/oauth2/token') && e.status === 200));
  });
});
