import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, raw, startHarness } from './helpers.js';

/** Tokens, application keys and their restrictions, enforced on every call; expiry. */

describe('B2 emulator: authorization and application keys', () => {
  let h: Harness;
  let clock = Date.UTC(2026, 0, 1);
  let notesBucket: string;
  let otherBucket: string;
  before(async () => {
    h = await startHarness({ now: () => clock });
    const mk = async (bucketName: string) =>
      (await h.call('b2_create_bucket', { accountId: h.b2.accountId, bucketName, bucketType: 'allPrivate' }))
        .body.bucketId as string;
    notesBucket = await mk('keys-notes');
    otherBucket = await mk('keys-other');
    await h.upload(notesBucket, 'notes/a.txt', 'a');
    await h.upload(notesBucket, 'secret/b.txt', 'b');
  });
  after(() => h.stop());

  const createKey = async (body: Record<string, unknown>, version = 2) =>
    h.call('b2_create_key', { accountId: h.b2.accountId, keyName: 'test-key', ...body }, h.token, version);

  it('accepts the account id or the master key id, and refuses a wrong key', async () => {
    assert.equal((await h.authorize(2, h.b2.accountId, h.b2.masterKey)).status, 200);
    const bad = await h.authorize(2, 'nobody', h.b2.masterKey);
    assert.deepEqual([bad.status, bad.body.code], [401, 'unauthorized']);
    const noHeader = await raw(`${h.b2.urls.api}/b2api/v2/b2_authorize_account`);
    assert.equal(noHeader.status, 401);
  });

  it('shows a restricted key in each version shape', async () => {
    const key = (
      await createKey({
        capabilities: ['listFiles', 'readFiles'],
        bucketId: notesBucket,
        namePrefix: 'notes/',
      })
    ).body;
    const id = key.applicationKeyId as string;
    const secret = key.applicationKey as string;
    const v1 = (await h.authorize(1, id, secret)).body.allowed;
    assert.deepEqual(v1, {
      bucketId: notesBucket,
      capabilities: ['listFiles', 'readFiles'],
      namePrefix: 'notes/',
    });
    const v2 = (await h.authorize(2, id, secret)).body.allowed as Record<string, unknown>;
    assert.equal(v2.bucketName, 'keys-notes');
    const v3 = (await h.authorize(3, id, secret)).body.apiInfo as { storageApi: Record<string, unknown> };
    assert.equal(v3.storageApi.bucketId, notesBucket);
    assert.equal(v3.storageApi.bucketName, 'keys-notes');
    assert.equal(v3.storageApi.namePrefix, 'notes/');
    const v4 = (await h.authorize(4, id, secret)).body.apiInfo as {
      storageApi: { allowed: Record<string, unknown> };
    };
    assert.deepEqual(v4.storageApi.allowed.buckets, [{ id: notesBucket, name: 'keys-notes' }]);
  });

  it('enforces capability, bucket and name prefix with 401 unauthorized', async () => {
    const key = (
      await createKey({
        capabilities: ['listBuckets', 'listFiles', 'readFiles', 'writeFiles', 'deleteFiles'],
        bucketId: notesBucket,
        namePrefix: 'notes/',
      })
    ).body;
    const token = (await h.authorize(2, key.applicationKeyId as string, key.applicationKey as string)).body
      .authorizationToken as string;
    const expect401 = async (name: string, body: unknown, version = 2) => {
      const r = await h.call(name, body, token, version);
      assert.deepEqual([r.status, r.body.code], [401, 'unauthorized'], `${name} ${JSON.stringify(r.body)}`);
    };
    // Another bucket.
    await expect401('b2_get_upload_url', { bucketId: otherBucket });
    await expect401('b2_list_file_names', { bucketId: otherBucket, prefix: 'notes/' });
    // Outside the prefix.
    await expect401('b2_list_file_names', { bucketId: notesBucket });
    await expect401('b2_list_file_versions', { bucketId: notesBucket, prefix: 'secret/' });
    await expect401('b2_start_large_file', {
      bucketId: notesBucket,
      fileName: 'secret/x',
      contentType: 'b2/x-auto',
    });
    await expect401('b2_hide_file', { bucketId: notesBucket, fileName: 'secret/b.txt' });
    // A capability it lacks.
    await expect401('b2_create_bucket', {
      accountId: h.b2.accountId,
      bucketName: 'nope-bucket',
      bucketType: 'allPrivate',
    });
    await expect401('b2_list_keys', { accountId: h.b2.accountId });
    // b2_list_buckets must name the bucket (v2+); v1 filters instead.
    await expect401('b2_list_buckets', { accountId: h.b2.accountId });
    const named = await h.call<{ buckets: Array<{ bucketId: string }> }>(
      'b2_list_buckets',
      { accountId: h.b2.accountId, bucketName: 'keys-notes' },
      token,
    );
    assert.deepEqual(
      named.body.buckets.map((b) => b.bucketId),
      [notesBucket],
    );
    const v1 = await h.call<{ buckets: Array<{ bucketId: string }> }>(
      'b2_list_buckets',
      { accountId: h.b2.accountId },
      token,
      1,
    );
    assert.deepEqual(
      v1.body.buckets.map((b) => b.bucketId),
      [notesBucket],
    );
    // v1 narrows a broader listing to the key's prefix instead of refusing it.
    const v1List = await h.call<{ files: Array<{ fileName: string }> }>(
      'b2_list_file_names',
      { bucketId: notesBucket },
      token,
      1,
    );
    assert.deepEqual(
      v1List.body.files.map((f) => f.fileName),
      ['notes/a.txt'],
    );
    // Allowed: its prefix, its bucket.
    const ok = await h.call<{ files: Array<{ fileName: string }> }>(
      'b2_list_file_names',
      { bucketId: notesBucket, prefix: 'notes/' },
      token,
    );
    assert.deepEqual(
      ok.body.files.map((f) => f.fileName),
      ['notes/a.txt'],
    );
    // The upload URL it gets refuses names outside the prefix too.
    const url = (await h.call('b2_get_upload_url', { bucketId: notesBucket }, token)).body;
    const up = await raw(url.uploadUrl as string, {
      method: 'POST',
      headers: {
        authorization: url.authorizationToken as string,
        'x-bz-file-name': 'secret/c.txt',
        'content-type': 'text/plain',
        'x-bz-content-sha1': 'do_not_verify',
      },
      body: 'c',
    });
    assert.equal(up.status, 401);
    assert.equal(JSON.parse(up.bytes.toString()).code, 'unauthorized');
    // Downloads outside the prefix.
    const dl = await raw(`${h.b2.urls.download}/file/keys-notes/secret/b.txt`, {
      headers: { authorization: token },
    });
    assert.equal(dl.status, 401);
  });

  it('validates b2_create_key', async () => {
    const bad = async (body: Record<string, unknown>) => {
      const r = await createKey(body);
      assert.deepEqual([r.status, r.body.code], [400, 'bad_request'], JSON.stringify(r.body));
    };
    await bad({ capabilities: [] });
    await bad({ capabilities: ['flyToTheMoon'] });
    await bad({ capabilities: ['listFiles'], keyName: 'no spaces allowed' });
    await bad({ capabilities: ['listFiles'], keyName: 'x'.repeat(101) });
    await bad({ capabilities: ['listFiles'], validDurationInSeconds: 0 });
    await bad({ capabilities: ['listFiles'], validDurationInSeconds: 86_400_001 });
    await bad({ capabilities: ['writeKeys'], bucketId: notesBucket });
    const v4 = await createKey({ capabilities: ['listFiles'], bucketIds: [notesBucket, otherBucket] }, 4);
    assert.deepEqual(v4.body.bucketIds, [notesBucket, otherBucket]);
    assert.equal('bucketId' in v4.body, false);
    // Only v4 can describe a key of several buckets.
    const id = v4.body.applicationKeyId as string;
    const secret = v4.body.applicationKey as string;
    const v3 = await h.authorize(3, id, secret);
    assert.deepEqual([v3.status, v3.body.code], [401, 'unsupported']);
    const ok = (await h.authorize(4, id, secret)).body.apiInfo as {
      storageApi: { allowed: { buckets: unknown[] } };
    };
    assert.deepEqual(ok.storageApi.allowed.buckets, [
      { id: notesBucket, name: 'keys-notes' },
      { id: otherBucket, name: 'keys-other' },
    ]);
    const listedV2 = await h.call<{ keys: Array<Record<string, unknown>> }>('b2_list_keys', {
      accountId: h.b2.accountId,
    });
    const shown = listedV2.body.keys.find((k) => k.applicationKeyId === id)!;
    assert.equal(shown.bucketId, notesBucket, 'v2 shows the first bucket of a v4 key');
  });

  it('pages b2_list_keys and never lists the master key', async () => {
    const all = await h.call<{ keys: Array<{ applicationKeyId: string }> }>('b2_list_keys', {
      accountId: h.b2.accountId,
      maxKeyCount: 1000,
    });
    assert.ok(all.body.keys.length >= 3);
    assert.equal(
      all.body.keys.some((k) => k.applicationKeyId === h.b2.accountId),
      false,
    );
    const seen: string[] = [];
    let start: string | null = null;
    do {
      const page: {
        body: { keys: Array<{ applicationKeyId: string }>; nextApplicationKeyId: string | null };
      } = await h.call('b2_list_keys', {
        accountId: h.b2.accountId,
        maxKeyCount: 2,
        ...(start ? { startApplicationKeyId: start } : {}),
      });
      seen.push(...page.body.keys.map((k) => k.applicationKeyId));
      start = page.body.nextApplicationKeyId;
    } while (start);
    assert.deepEqual(
      seen,
      all.body.keys.map((k) => k.applicationKeyId),
    );
  });

  it('stops tokens of a deleted key', async () => {
    const key = (await createKey({ capabilities: ['listBuckets'] })).body;
    const token = (await h.authorize(2, key.applicationKeyId as string, key.applicationKey as string)).body
      .authorizationToken as string;
    assert.equal((await h.call('b2_list_buckets', { accountId: h.b2.accountId }, token)).status, 200);
    const deleted = await h.call('b2_delete_key', { applicationKeyId: key.applicationKeyId });
    assert.equal(deleted.body.applicationKeyId, key.applicationKeyId);
    assert.equal('applicationKey' in deleted.body, false);
    const after = await h.call('b2_list_buckets', { accountId: h.b2.accountId }, token);
    assert.deepEqual([after.status, after.body.code], [401, 'bad_auth_token']);
    const again = await h.authorize(2, key.applicationKeyId as string, key.applicationKey as string);
    assert.equal(again.status, 401);
    const master = await h.call('b2_delete_key', { applicationKeyId: h.b2.accountId });
    assert.equal(master.status, 400);
  });

  it('answers missing and unknown tokens', async () => {
    const none = await raw(`${h.b2.urls.api}/b2api/v2/b2_list_buckets`, {
      method: 'POST',
      body: JSON.stringify({ accountId: h.b2.accountId }),
    });
    assert.equal(JSON.parse(none.bytes.toString()).code, 'missing_auth_token');
    const bad = await h.call('b2_list_buckets', { accountId: h.b2.accountId }, 'not-a-token');
    assert.deepEqual([bad.status, bad.body.code], [401, 'bad_auth_token']);
  });

  it('expires tokens after their lifetime, with the knob, and for expiring keys', async () => {
    const fresh = (await h.authorize(2)).body.authorizationToken as string;
    const list = (token: string) => h.call('b2_list_buckets', { accountId: h.b2.accountId }, token);
    assert.equal((await list(fresh)).status, 200);
    clock += 24 * 3600_000;
    const expired = await list(fresh);
    assert.deepEqual([expired.status, expired.body.code], [401, 'expired_auth_token']);

    const renewed = (await h.authorize(2)).body.authorizationToken as string;
    const url = (await h.call('b2_get_upload_url', { bucketId: notesBucket }, renewed)).body;
    h.b2.expireAllTokens();
    assert.equal((await list(renewed)).body.code, 'expired_auth_token');
    const up = await raw(url.uploadUrl as string, {
      method: 'POST',
      headers: {
        authorization: url.authorizationToken as string,
        'x-bz-file-name': 'notes/late.txt',
        'content-type': 'text/plain',
        'x-bz-content-sha1': 'do_not_verify',
      },
      body: 'late',
    });
    assert.deepEqual([up.status, JSON.parse(up.bytes.toString()).code], [401, 'expired_auth_token']);

    const master = (await h.authorize(2)).body.authorizationToken as string;
    const shortKey = (
      await h.call(
        'b2_create_key',
        {
          accountId: h.b2.accountId,
          keyName: 'short',
          capabilities: ['listBuckets'],
          validDurationInSeconds: 60,
        },
        master,
      )
    ).body;
    const auth = (
      await h.authorize(3, shortKey.applicationKeyId as string, shortKey.applicationKey as string)
    ).body;
    assert.equal(auth.applicationKeyExpirationTimestamp, clock + 60_000);
    clock += 61_000;
    assert.equal((await list(auth.authorizationToken as string)).body.code, 'expired_auth_token');
    assert.equal(
      (await h.authorize(2, shortKey.applicationKeyId as string, shortKey.applicationKey as string)).status,
      401,
    );
  });

  it('honours an injected expiredToken fault', async () => {
    const token = (await h.authorize(2)).body.authorizationToken as string;
    h.server.faults.add({ path: '/b2_list_buckets', expiredToken: true });
    const r = await h.call('b2_list_buckets', { accountId: h.b2.accountId }, token);
    assert.deepEqual([r.status, r.body.code], [401, 'expired_auth_token']);
    assert.equal((await h.call('b2_list_buckets', { accountId: h.b2.accountId }, token)).status, 200);
  });
});
