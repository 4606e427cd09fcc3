import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Harness, raw, sha1, startHarness } from './helpers.js';

/** The emulator's answers carry exactly the fields real B2 answers carry (test/fixtures/b2). */

const recorded = JSON.parse(
  readFileSync(new URL('../../fixtures/b2/recorded-fields.json', import.meta.url), 'utf8'),
) as Record<string, string[]>;
const fields = (o: unknown) => Object.keys(o as object).sort();

describe('B2 emulator answers have the fields recorded from B2', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ absoluteMinimumPartSize: 100 });
  });
  after(() => h.stop());

  it('matches every recorded shape', async () => {
    const v2 = (await h.authorize(2)).body;
    assert.deepEqual(fields(v2), recorded.authorize_v2);
    assert.deepEqual(fields(v2.allowed), recorded.authorize_v2_allowed);
    const v3 = (await h.authorize(3)).body;
    assert.deepEqual(fields(v3), recorded.authorize_v3);
    assert.deepEqual(
      fields((v3.apiInfo as { storageApi: object }).storageApi),
      recorded.authorize_v3_storageApi,
    );

    const bucket = (
      await h.call('b2_create_bucket', {
        accountId: h.b2.accountId,
        bucketName: 'shape-bucket',
        bucketType: 'allPrivate',
      })
    ).body;
    assert.deepEqual(fields(bucket), recorded.bucket);
    const bucketId = bucket.bucketId as string;

    const url = (await h.call('b2_get_upload_url', { bucketId })).body;
    assert.deepEqual(fields(url), recorded.get_upload_url);
    const up = await h.upload(bucketId, 'a.txt', 'a');
    assert.deepEqual(fields(up.body), recorded.upload_file);
    const hide = (await h.call('b2_hide_file', { bucketId, fileName: 'a.txt' })).body;
    assert.deepEqual(fields(hide), recorded.hide_marker);

    const large = (
      await h.call('b2_start_large_file', { bucketId, fileName: 'l.bin', contentType: 'b2/x-auto' })
    ).body;
    assert.deepEqual(fields(large), recorded.upload_file);
    const partUrl = (await h.call('b2_get_upload_part_url', { fileId: large.fileId })).body;
    assert.deepEqual(fields(partUrl), recorded.get_upload_part_url);
    const data = randomBytes(100);
    const part = await raw(partUrl.uploadUrl as string, {
      method: 'POST',
      headers: {
        authorization: partUrl.authorizationToken as string,
        'x-bz-part-number': '1',
        'x-bz-content-sha1': sha1(data),
      },
      body: data,
    });
    assert.deepEqual(fields(JSON.parse(part.bytes.toString())), recorded.part);
    const parts = (await h.call('b2_list_parts', { fileId: large.fileId })).body;
    assert.deepEqual(fields(parts), recorded.list_parts);
    const unfinished = (await h.call('b2_list_unfinished_large_files', { bucketId })).body;
    assert.deepEqual(fields(unfinished), recorded.list_unfinished_large_files);
    const cancel = (await h.call('b2_cancel_large_file', { fileId: large.fileId })).body;
    assert.deepEqual(fields(cancel), recorded.cancel_large_file);

    assert.deepEqual(
      fields((await h.call('b2_list_file_names', { bucketId })).body),
      recorded.list_file_names,
    );
    assert.deepEqual(
      fields((await h.call('b2_list_file_versions', { bucketId })).body),
      recorded.list_file_versions,
    );
    const del = (await h.call('b2_delete_file_version', { fileName: 'a.txt', fileId: hide.fileId })).body;
    assert.deepEqual(fields(del), recorded.delete_file_version);
    const auth = (
      await h.call('b2_get_download_authorization', {
        bucketId,
        fileNamePrefix: '',
        validDurationInSeconds: 10,
      })
    ).body;
    assert.deepEqual(fields(auth), recorded.get_download_authorization);

    const key = (
      await h.call('b2_create_key', {
        accountId: h.b2.accountId,
        keyName: 'shape',
        capabilities: ['listFiles'],
      })
    ).body;
    assert.deepEqual(fields(key), [...recorded.key!, 'applicationKey'].sort());
    const keys = (await h.call<{ keys: unknown[] }>('b2_list_keys', { accountId: h.b2.accountId })).body;
    assert.deepEqual(fields(keys), recorded.list_keys);
    assert.deepEqual(fields(keys.keys[0]), recorded.key);
    const error = (await h.call('b2_get_file_info', { fileId: 'nope' })).body;
    assert.deepEqual(fields(error), recorded.error);
  });
});
