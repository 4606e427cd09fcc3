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

  it('matches the documented shapes of the other calls, nested objects, listings, downloads and errors', async () => {
    const { accountId } = h.b2;
    const call = async (name: string, body: unknown, status = 200) => {
      const r = await h.call(name, body);
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    /** A file version with the lock and encryption objects of a version that has them. */
    const version = (v: Record<string, unknown>, action: string) => {
      assert.deepEqual(fields(v), recorded.upload_file, `${action} version`);
      assert.equal(v.action, action);
      for (const k of ['contentLength', 'uploadTimestamp']) assert.ok(Number.isInteger(v[k]), k);
      const retention = v.fileRetention as Record<string, unknown>;
      assert.deepEqual(fields(retention), recorded.file_retention);
      assert.deepEqual(fields(retention.value), recorded.file_retention_value);
      assert.deepEqual(fields(v.legalHold), recorded.legal_hold);
      assert.deepEqual(fields(v.serverSideEncryption), recorded.server_side_encryption);
    };
    const bucketShape = (b: Record<string, unknown>) => {
      assert.deepEqual(fields(b), recorded.bucket);
      assert.ok(Number.isInteger(b.revision));
      const sse = b.defaultServerSideEncryption as Record<string, unknown>;
      assert.deepEqual(fields(sse), recorded.bucket_default_server_side_encryption);
      assert.deepEqual(fields(sse.value), recorded.server_side_encryption);
      const lock = b.fileLockConfiguration as { value: Record<string, unknown> };
      assert.deepEqual(fields(lock), recorded.bucket_file_lock_configuration);
      assert.deepEqual(fields(lock.value), recorded.bucket_file_lock_value);
      assert.deepEqual(fields(lock.value.defaultRetention), recorded.default_retention);
    };

    const created = await call('b2_create_bucket', {
      accountId,
      bucketName: 'more-shapes',
      bucketType: 'allPrivate',
    });
    bucketShape(created);
    const bucketId = created.bucketId as string;
    const updated = await call('b2_update_bucket', { accountId, bucketId, bucketInfo: { a: 'b' } });
    bucketShape(updated);
    assert.equal(updated.revision, (created.revision as number) + 1, 'revision bumps on update');
    const listed = await call('b2_list_buckets', { accountId, bucketName: 'more-shapes' });
    assert.deepEqual(fields(listed), recorded.list_buckets);
    bucketShape((listed.buckets as Record<string, unknown>[])[0]!);
    assert.deepEqual((await call('b2_list_buckets', { accountId, bucketName: 'no-such' })).buckets, []);

    const up = (await h.upload(bucketId, 'dir/a.txt', 'hello', { 'x-bz-info-color': 'red' })).body;
    version(up, 'upload');
    version(await call('b2_get_file_info', { fileId: up.fileId }), 'upload');
    const copy = await call('b2_copy_file', {
      sourceFileId: up.fileId,
      fileName: 'dir/b.txt',
      range: 'bytes=0-1',
    });
    version(copy, 'copy');
    assert.equal(copy.contentLength, 2);
    assert.equal(copy.contentSha1, sha1('he'));

    const large = await call('b2_start_large_file', {
      bucketId,
      fileName: 'big.bin',
      contentType: 'b2/x-auto',
    });
    version(large, 'start');
    assert.equal(large.contentSha1, 'none');
    assert.equal(large.contentMd5, null);
    const partUrl = await call('b2_get_upload_part_url', { fileId: large.fileId });
    const data = randomBytes(100);
    await raw(partUrl.uploadUrl as string, {
      method: 'POST',
      headers: {
        authorization: partUrl.authorizationToken as string,
        'x-bz-part-number': '1',
        'x-bz-content-sha1': sha1(data),
      },
      body: data,
    });
    const copied = await call('b2_copy_part', {
      sourceFileId: up.fileId,
      largeFileId: large.fileId,
      partNumber: 2,
    });
    assert.deepEqual(fields(copied), recorded.part);
    assert.deepEqual(fields(copied.serverSideEncryption), recorded.server_side_encryption);
    const finished = await call('b2_finish_large_file', {
      fileId: large.fileId,
      partSha1Array: [sha1(data), sha1('hello')],
    });
    version(finished, 'upload');
    assert.equal(finished.contentLength, 105);
    assert.equal(finished.contentSha1, 'none');
    assert.equal(finished.contentMd5, null);
    assert.equal(finished.uploadTimestamp, large.uploadTimestamp, 'finish keeps the start time');

    const hide = await call('b2_hide_file', { bucketId, fileName: 'dir/b.txt' });
    assert.deepEqual(fields(hide), recorded.hide_marker);
    assert.equal(hide.contentSha1, sha1(''));
    const versions = await call('b2_list_file_versions', { bucketId });
    for (const v of versions.files as Record<string, unknown>[]) {
      if (v.action === 'hide') assert.deepEqual(fields(v), recorded.hide_marker);
      else version(v, 'upload'); // a copy is listed as an upload
    }
    const names = await call('b2_list_file_names', { bucketId, delimiter: '/' });
    const folder = (names.files as Record<string, unknown>[]).find((f) => f.action === 'folder')!;
    assert.ok(folder, 'a folder row');
    for (const k of recorded.folder_documented!) assert.ok(k in folder, `folder row has ${k}`);
    assert.deepEqual(
      [folder.fileName, folder.fileId, folder.contentLength, folder.contentType, folder.contentSha1],
      ['dir/', null, 0, null, null],
    );

    const byName = await raw(`${h.b2.urls.download}/file/more-shapes/dir/a.txt`, {
      headers: { authorization: h.token, range: 'bytes=1-2' },
    });
    assert.equal(byName.status, 206);
    for (const k of [...recorded.download_headers!, 'content-range'])
      assert.ok(k in byName.headers, `download: ${k}`);
    assert.equal(byName.headers['x-bz-info-color'], 'red');
    assert.equal(byName.headers['content-range'], 'bytes 1-2/5');
    const byId = await raw(`${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${up.fileId}`, {
      headers: { authorization: h.token },
    });
    for (const k of recorded.download_headers!) assert.ok(k in byId.headers, `download by id: ${k}`);

    const key = await call('b2_create_key', { accountId, keyName: 'gone', capabilities: ['listFiles'] });
    const deleted = await call('b2_delete_key', { applicationKeyId: key.applicationKeyId });
    assert.deepEqual(fields(deleted), recorded.key);
    await call('b2_delete_file_version', { fileName: 'dir/b.txt', fileId: hide.fileId });

    // Errors: the same three fields everywhere, `status` equal to the HTTP status.
    const errors: [string, unknown, number, string][] = [
      ['b2_delete_bucket', { accountId, bucketId }, 400, 'cannot_delete_non_empty_bucket'],
      ['b2_delete_bucket', { accountId, bucketId: '1234567' }, 400, 'bad_bucket_id'],
      [
        'b2_create_bucket',
        { accountId, bucketName: 'more-shapes', bucketType: 'allPrivate' },
        400,
        'duplicate_bucket_name',
      ],
      ['b2_update_bucket', { accountId, bucketId, bucketInfo: {}, ifRevisionIs: 1 }, 409, 'conflict'],
      ['b2_hide_file', { bucketId, fileName: 'none' }, 400, 'no_such_file'],
      ['b2_delete_file_version', { fileName: 'none', fileId: up.fileId }, 400, 'file_not_present'],
      ['b2_cancel_large_file', { fileId: 'bad-id' }, 400, 'bad_request'],
    ];
    for (const [name, body, status, code] of errors) {
      const e = await call(name, body, status);
      assert.deepEqual(fields(e), recorded.error, name);
      assert.equal(e.status, status);
      assert.equal(e.code, code, name);
    }
    const badToken = await h.call('b2_list_buckets', { accountId }, 'not-a-token');
    assert.deepEqual([badToken.status, badToken.body.code], [401, 'bad_auth_token']);
    const badKey = await h.authorize(2, 'nope', 'nope');
    assert.equal(badKey.status, 401);
    assert.deepEqual(fields(badKey.body), recorded.error);
    for (const k of recorded.unauthorized_headers!) assert.ok(k in badKey.headers, `authorize 401: ${k}`);
  });
});
