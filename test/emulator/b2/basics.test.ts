import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, raw, sha1, startHarness } from './helpers.js';

/** Authorize shapes by version, buckets, simple uploads, listing, downloads and deletes over plain HTTP. */

describe('B2 emulator basics', () => {
  let h: Harness;
  let bucketId: string;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('answers b2_authorize_account in the v1/v2 flat shape and the v3/v4 apiInfo shape', async () => {
    const v1 = (await h.authorize(1)).body;
    assert.equal(v1.accountId, h.b2.accountId);
    assert.equal(v1.minimumPartSize, 100_000_000);
    assert.equal(v1.absoluteMinimumPartSize, 5_000_000);
    assert.deepEqual(Object.keys(v1.allowed as object).sort(), ['bucketId', 'capabilities', 'namePrefix']);
    const v2 = (await h.authorize(2)).body;
    assert.equal(v2.apiUrl, h.b2.urls.api);
    assert.equal(v2.downloadUrl, h.b2.urls.download);
    assert.equal((v2.allowed as Record<string, unknown>).bucketName, null);
    assert.equal(v2.recommendedPartSize, 100_000_000);
    const v3 = (await h.authorize(3)).body as { apiInfo: { storageApi: Record<string, unknown> } };
    assert.equal('allowed' in v3, false);
    assert.equal(v3.apiInfo.storageApi.infoType, 'storageApi');
    assert.equal(v3.apiInfo.storageApi.apiUrl, h.b2.urls.api);
    assert.equal(v3.apiInfo.storageApi.bucketId, null);
    assert.ok((v3.apiInfo.storageApi.capabilities as string[]).includes('writeFiles'));
    const v4 = (await h.authorize(4)).body as {
      apiInfo: { storageApi: { allowed: Record<string, unknown> } };
    };
    assert.equal(v4.apiInfo.storageApi.allowed.buckets, null);
    assert.ok((v4.apiInfo.storageApi.allowed.capabilities as string[]).includes('listKeys'));
  });

  it('refuses bad credentials with 401 unauthorized in B2 JSON', async () => {
    const r = await h.authorize(2, h.b2.accountId, 'wrong');
    assert.equal(r.status, 401);
    assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message', 'status']);
    assert.equal(r.body.code, 'unauthorized');
    assert.equal(r.body.status, 401);
    assert.match(String(r.headers['content-type']), /^application\/json/);
  });

  it('creates a bucket, uploads, lists, downloads and deletes a version', async () => {
    const created = await h.call('b2_create_bucket', {
      accountId: h.b2.accountId,
      bucketName: 'basics-bucket',
      bucketType: 'allPrivate',
    });
    assert.equal(created.status, 200);
    bucketId = created.body.bucketId as string;
    const up = await h.upload(bucketId, 'docs/a b.txt', 'hello world');
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.contentSha1, sha1('hello world'));
    assert.equal(up.body.contentType, 'text/plain');
    assert.equal(up.body.fileName, 'docs/a b.txt');
    assert.equal('size' in up.body, false);
    const v1 = await h.call<{ files: Array<Record<string, unknown>> }>(
      'b2_list_file_names',
      { bucketId },
      h.token,
      1,
    );
    assert.equal(v1.body.files[0]!.size, 11, 'v1 file objects also carry the deprecated size');
    const names = await h.call<{ files: Array<Record<string, unknown>> }>('b2_list_file_names', { bucketId });
    assert.deepEqual(
      names.body.files.map((f) => f.fileName),
      ['docs/a b.txt'],
    );
    const byName = await raw(`${h.b2.urls.download}/file/basics-bucket/docs/a%20b.txt`, {
      headers: { authorization: h.token },
    });
    assert.equal(byName.status, 200);
    assert.equal(byName.bytes.toString(), 'hello world');
    assert.equal(byName.headers['x-bz-file-id'], up.body.fileId);
    const byId = await raw(`${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${up.body.fileId}`, {
      headers: { authorization: h.token },
    });
    assert.equal(byId.bytes.toString(), 'hello world');
    const del = await h.call('b2_delete_file_version', { fileName: 'docs/a b.txt', fileId: up.body.fileId });
    assert.deepEqual(del.body, { fileId: up.body.fileId, fileName: 'docs/a b.txt' });
    const gone = await raw(`${h.b2.urls.download}/file/basics-bucket/docs/a%20b.txt`, {
      headers: { authorization: h.token },
    });
    assert.equal(gone.status, 404);
    assert.equal(JSON.parse(gone.bytes.toString()).code, 'not_found');
  });
});
