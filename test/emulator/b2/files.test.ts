import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Harness, raw, sha1, startHarness } from './helpers.js';

/** Large files and their part rules, listings (prefix, delimiter, start*, paging), versions, hide markers, copies. */

type FileRow = {
  fileName: string;
  fileId: string | null;
  action: string;
  contentLength: number;
  contentSha1: string;
};

describe('B2 emulator: large files', () => {
  let h: Harness;
  let bucketId: string;
  const MIN = 1000;
  before(async () => {
    h = await startHarness({ absoluteMinimumPartSize: MIN, recommendedPartSize: 4000 });
    bucketId = (
      await h.call('b2_create_bucket', {
        accountId: h.b2.accountId,
        bucketName: 'large-bucket',
        bucketType: 'allPrivate',
      })
    ).body.bucketId as string;
  });
  after(() => h.stop());

  const start = async (fileName: string, extra: Record<string, unknown> = {}) =>
    (await h.call('b2_start_large_file', { bucketId, fileName, contentType: 'b2/x-auto', ...extra })).body;
  const partUrl = async (fileId: string) =>
    (await h.call<{ uploadUrl: string; authorizationToken: string }>('b2_get_upload_part_url', { fileId }))
      .body;
  const sendPart = async (
    url: { uploadUrl: string; authorizationToken: string },
    n: number,
    data: Buffer,
    sha = sha1(data),
  ) => {
    const r = await raw(url.uploadUrl, {
      method: 'POST',
      headers: {
        authorization: url.authorizationToken,
        'x-bz-part-number': String(n),
        'x-bz-content-sha1': sha,
      },
      body: data,
    });
    return { status: r.status, body: JSON.parse(r.bytes.toString()) as Record<string, unknown> };
  };

  it('reports the configured part sizes in authorize', async () => {
    const auth = (await h.authorize(2)).body;
    assert.deepEqual([auth.absoluteMinimumPartSize, auth.recommendedPartSize], [MIN, 4000]);
  });

  it('starts, takes parts (replacing a re-sent one), finishes into one file without copying the parts', async () => {
    const started = await start('big/file.bin', { fileInfo: { large_file_sha1: 'abc', Owner: 'me' } });
    assert.deepEqual(
      [started.action, started.contentLength, started.contentSha1, started.contentMd5, started.contentType],
      ['start', 0, 'none', null, 'application/octet-stream'],
    );
    assert.deepEqual(started.fileInfo, { large_file_sha1: 'abc', owner: 'me' });
    const fileId = started.fileId as string;
    const url = await partUrl(fileId);
    const parts = [randomBytes(MIN), randomBytes(MIN + 7), randomBytes(10)];
    assert.equal((await sendPart(url, 1, randomBytes(MIN))).status, 200);
    for (const [i, p] of parts.entries()) {
      const r = await sendPart(url, i + 1, p);
      assert.deepEqual(
        [r.status, r.body.partNumber, r.body.contentSha1, r.body.fileId],
        [200, i + 1, sha1(p), fileId],
      );
    }
    const unfinished = await h.call<{ files: FileRow[] }>('b2_list_unfinished_large_files', { bucketId });
    assert.deepEqual(
      unfinished.body.files.map((f) => [f.fileId, f.action]),
      [[fileId, 'start']],
    );
    const versions = await h.call<{ files: FileRow[] }>('b2_list_file_versions', { bucketId });
    assert.deepEqual(
      versions.body.files.map((f) => f.action),
      ['start'],
    );
    assert.deepEqual((await h.call<{ files: FileRow[] }>('b2_list_file_names', { bucketId })).body.files, []);
    const info = await h.call('b2_get_file_info', { fileId });
    assert.equal(info.status, 400, 'unfinished large files have no file info');
    const diskBefore = await h.b2.state.blobs.diskUsage();
    assert.equal(diskBefore, MIN * 2 + 17, 'the replaced part left the disk');
    const done = await h.call('b2_finish_large_file', { fileId, partSha1Array: parts.map((p) => sha1(p)) });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(
      [
        done.body.action,
        done.body.fileId,
        done.body.contentLength,
        done.body.contentSha1,
        done.body.uploadTimestamp,
      ],
      ['upload', fileId, MIN * 2 + 17, 'none', started.uploadTimestamp],
    );
    assert.equal(
      await h.b2.state.blobs.diskUsage(),
      diskBefore,
      'finishing writes nothing: the file shares the parts',
    );
    const dl = await raw(`${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${fileId}`, {
      headers: { authorization: h.token, range: `bytes=${MIN - 2}-${MIN + 1}` },
    });
    assert.equal(dl.status, 206);
    assert.deepEqual(dl.bytes, Buffer.concat(parts).subarray(MIN - 2, MIN + 2));
    assert.equal(dl.headers['x-bz-content-sha1'], 'none');
    const again = await h.call('b2_finish_large_file', { fileId, partSha1Array: parts.map((p) => sha1(p)) });
    assert.equal(again.status, 400);
    assert.equal((await h.call('b2_get_upload_part_url', { fileId })).status, 400);
  });

  it('enforces the part rules', async () => {
    const fileId = (await start('rules.bin')).fileId as string;
    const url = await partUrl(fileId);
    for (const n of ['0', '10001', 'x']) {
      const r = await raw(url.uploadUrl, {
        method: 'POST',
        headers: {
          authorization: url.authorizationToken,
          'x-bz-part-number': n,
          'x-bz-content-sha1': sha1('abc'),
        },
        body: 'abc',
      });
      assert.equal(r.status, 400, n);
    }
    const wrongSha = await sendPart(url, 1, randomBytes(MIN), sha1('nope'));
    assert.equal(wrongSha.status, 400);
    const small = randomBytes(MIN - 1);
    const last = randomBytes(5);
    await sendPart(url, 1, small);
    await sendPart(url, 3, last);
    const missing = await h.call('b2_finish_large_file', {
      fileId,
      partSha1Array: [sha1(small), sha1(''), sha1(last)],
    });
    assert.deepEqual([missing.status, missing.body.code], [400, 'missing_part']);
    const middle = randomBytes(MIN);
    await sendPart(url, 2, middle);
    const mismatch = await h.call('b2_finish_large_file', {
      fileId,
      partSha1Array: [sha1(small), sha1(last), sha1(middle)],
    });
    assert.deepEqual([mismatch.status, mismatch.body.code], [400, 'part_sha1_mismatch']);
    const tooSmall = await h.call('b2_finish_large_file', {
      fileId,
      partSha1Array: [sha1(small), sha1(middle), sha1(last)],
    });
    assert.deepEqual([tooSmall.status, tooSmall.body.code], [400, 'bad_request']);
    const fewer = await h.call('b2_finish_large_file', { fileId, partSha1Array: [sha1(small)] });
    assert.equal(fewer.status, 400, 'every uploaded part must be listed');
    // Parts listing pages by part number.
    const page1 = await h.call<{ parts: Array<{ partNumber: number }>; nextPartNumber: number | null }>(
      'b2_list_parts',
      {
        fileId,
        maxPartCount: 2,
      },
    );
    assert.deepEqual([page1.body.parts.map((p) => p.partNumber), page1.body.nextPartNumber], [[1, 2], 3]);
    const page2 = await h.call<{ parts: Array<{ partNumber: number }>; nextPartNumber: number | null }>(
      'b2_list_parts',
      {
        fileId,
        startPartNumber: 3,
      },
    );
    assert.deepEqual([page2.body.parts.map((p) => p.partNumber), page2.body.nextPartNumber], [[3], null]);
    const cancelled = await h.call('b2_cancel_large_file', { fileId });
    assert.deepEqual(cancelled.body, { accountId: h.b2.accountId, bucketId, fileId, fileName: 'rules.bin' });
    assert.equal((await sendPart(url, 4, last)).status, 401, 'the part URL died with the file');
    assert.equal((await h.call('b2_list_parts', { fileId })).status, 400);
  });

  it('copies parts from existing files, with ranges', async () => {
    const source = randomBytes(3 * MIN);
    const up = await h.upload(bucketId, 'copy-source.bin', source);
    const fileId = (await start('copied.bin')).fileId as string;
    const p1 = await h.call('b2_copy_part', {
      sourceFileId: up.body.fileId,
      largeFileId: fileId,
      partNumber: 1,
      range: `bytes=0-${MIN * 2 - 1}`,
    });
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.equal(p1.body.contentSha1, sha1(source.subarray(0, MIN * 2)));
    const p2 = await h.call('b2_copy_part', {
      sourceFileId: up.body.fileId,
      largeFileId: fileId,
      partNumber: 2,
    });
    assert.equal(p2.body.contentSha1, sha1(source));
    const bad = await h.call('b2_copy_part', {
      sourceFileId: up.body.fileId,
      largeFileId: fileId,
      partNumber: 3,
      range: `bytes=${MIN * 3}-`,
    });
    assert.deepEqual([bad.status, bad.body.code], [416, 'range_not_satisfiable']);
    const done = await h.call('b2_finish_large_file', {
      fileId,
      partSha1Array: [p1.body.contentSha1, p2.body.contentSha1],
    });
    assert.equal(done.body.contentLength, MIN * 5);
    const dl = await raw(`${h.b2.urls.download}/file/large-bucket/copied.bin`, {
      headers: { authorization: h.token },
    });
    assert.deepEqual(dl.bytes, Buffer.concat([source.subarray(0, MIN * 2), source]));
  });

  it('pages unfinished large files oldest first', async () => {
    const ids: string[] = [];
    for (const name of ['u/c', 'u/a', 'u/b']) ids.push((await start(name)).fileId as string);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { body: { files: FileRow[]; nextFileId: string | null } } = await h.call(
        'b2_list_unfinished_large_files',
        {
          bucketId,
          namePrefix: 'u/',
          maxFileCount: 2,
          ...(next ? { startFileId: next } : {}),
        },
      );
      seen.push(...page.body.files.map((f) => f.fileId!));
      next = page.body.nextFileId;
    } while (next);
    assert.deepEqual(seen, ids);
    const over = await h.call('b2_list_unfinished_large_files', { bucketId, maxFileCount: 101 });
    assert.equal(over.status, 400);
  });
});

describe('B2 emulator: listings, versions, hide markers, copies', () => {
  let h: Harness;
  let bucketId: string;
  const ids: Record<string, string[]> = {};
  before(async () => {
    h = await startHarness();
    bucketId = (
      await h.call('b2_create_bucket', {
        accountId: h.b2.accountId,
        bucketName: 'listing-bucket',
        bucketType: 'allPrivate',
      })
    ).body.bucketId as string;
    const names = [
      'photos/alice.jpg',
      'photos/cats/fluffy.jpg',
      'photos/cats/mittens.jpg',
      'photos/dogs/spot.jpg',
      'photos/lilly.jpg',
      'readme.txt',
      'photos/alice.jpg',
      'zz/only-hidden.txt',
      'photos/lilly.jpg',
    ];
    for (const [i, name] of names.entries()) {
      const r = await h.upload(bucketId, name, `content ${i} of ${name}`);
      assert.equal(r.status, 200);
      ids[name] = [r.body.fileId as string, ...(ids[name] ?? [])];
    }
    await h.call('b2_hide_file', { bucketId, fileName: 'zz/only-hidden.txt' });
  });
  after(() => h.stop());

  const names = async (body: Record<string, unknown>) =>
    (
      await h.call<{ files: FileRow[]; nextFileName: string | null }>('b2_list_file_names', {
        bucketId,
        ...body,
      })
    ).body;
  const versions = async (body: Record<string, unknown>) =>
    (
      await h.call<{ files: FileRow[]; nextFileName: string | null; nextFileId: string | null }>(
        'b2_list_file_versions',
        {
          bucketId,
          ...body,
        },
      )
    ).body;

  it('rolls folders up with a delimiter, under a prefix', async () => {
    const top = await names({ delimiter: '/' });
    assert.deepEqual(
      top.files.map((f) => [f.action, f.fileName]),
      [
        ['folder', 'photos/'],
        ['upload', 'readme.txt'],
      ],
      'a folder whose only name is hidden does not appear',
    );
    const photos = await names({ prefix: 'photos/', delimiter: '/' });
    assert.deepEqual(
      photos.files.map((f) => [f.action, f.fileName]),
      [
        ['upload', 'photos/alice.jpg'],
        ['folder', 'photos/cats/'],
        ['folder', 'photos/dogs/'],
        ['upload', 'photos/lilly.jpg'],
      ],
    );
    const folder = photos.files[1]!;
    assert.deepEqual([folder.fileId, folder.contentLength], [null, 0]);
    const c = await names({ prefix: 'photos/c' });
    assert.deepEqual(
      c.files.map((f) => f.fileName),
      ['photos/cats/fluffy.jpg', 'photos/cats/mittens.jpg'],
    );
    const all = await names({});
    assert.deepEqual(
      all.files.map((f) => f.fileName),
      [
        'photos/alice.jpg',
        'photos/cats/fluffy.jpg',
        'photos/cats/mittens.jpg',
        'photos/dogs/spot.jpg',
        'photos/lilly.jpg',
        'readme.txt',
      ],
    );
    assert.equal(all.files[0]!.fileId, ids['photos/alice.jpg']![0], 'the newest version');
  });

  it('pages names and versions without repeats or gaps, whatever the page size', async () => {
    for (const body of [{}, { delimiter: '/' }, { prefix: 'photos/', delimiter: '/' }]) {
      const whole = (await names({ ...body, maxFileCount: 1000 })).files.map((f) => f.fileName);
      for (const max of [1, 2, 3]) {
        const seen: string[] = [];
        let start: string | null = null;
        do {
          const page = await names({
            ...body,
            maxFileCount: max,
            ...(start ? { startFileName: start } : {}),
          });
          assert.ok(page.files.length <= max);
          seen.push(...page.files.map((f) => f.fileName));
          start = page.nextFileName;
        } while (start);
        assert.deepEqual(seen, whole, `names ${JSON.stringify(body)} by ${max}`);
      }
    }
    const whole = (await versions({ maxFileCount: 1000 })).files.map((f) => `${f.fileName} ${f.fileId}`);
    for (const max of [1, 2, 4]) {
      const seen: string[] = [];
      let start: { name: string | null; id: string | null } = { name: null, id: null };
      do {
        const page = await versions({
          maxFileCount: max,
          ...(start.name ? { startFileName: start.name } : {}),
          ...(start.id ? { startFileId: start.id } : {}),
        });
        seen.push(...page.files.map((f) => `${f.fileName} ${f.fileId}`));
        start = { name: page.nextFileName, id: page.nextFileId };
      } while (start.name);
      assert.deepEqual(seen, whole, `versions by ${max}`);
    }
  });

  it('lists versions newest first within a name, hide markers included', async () => {
    const v = await versions({ prefix: 'photos/alice.jpg' });
    assert.deepEqual(
      v.files.map((f) => f.fileId),
      ids['photos/alice.jpg'],
    );
    const hidden = await versions({ prefix: 'zz/' });
    assert.deepEqual(
      hidden.files.map((f) => [f.action, f.contentSha1]),
      [
        ['hide', sha1('')],
        ['upload', sha1('content 7 of zz/only-hidden.txt')],
      ],
    );
    const fromId = await versions({
      startFileName: 'photos/lilly.jpg',
      startFileId: ids['photos/lilly.jpg']![1],
      maxFileCount: 1,
    });
    assert.deepEqual(
      fromId.files.map((f) => f.fileId),
      [ids['photos/lilly.jpg']![1]],
    );
    const badId = await h.call('b2_list_file_versions', {
      bucketId,
      startFileName: 'a',
      startFileId: 'junk',
    });
    assert.deepEqual([badId.status, badId.body.code], [400, 'invalid_file_id']);
    const badMax = await h.call('b2_list_file_names', { bucketId, maxFileCount: 10001 });
    assert.deepEqual([badMax.status, badMax.body.code], [400, 'out_of_range']);
    const badBucket = await h.call('b2_list_file_names', { bucketId: 'nope' });
    assert.deepEqual([badBucket.status, badBucket.body.code], [400, 'invalid_bucket_id']);
  });

  it('hides: no_such_file, already_hidden; deleting versions rolls back', async () => {
    const none = await h.call('b2_hide_file', { bucketId, fileName: 'never/was.txt' });
    assert.deepEqual([none.status, none.body.code], [400, 'no_such_file']);
    const twice = await h.call('b2_hide_file', { bucketId, fileName: 'zz/only-hidden.txt' });
    assert.deepEqual([twice.status, twice.body.code], [400, 'already_hidden']);
    const newest = ids['photos/lilly.jpg']![0]!;
    const wrongName = await h.call('b2_delete_file_version', {
      fileName: 'photos/alice.jpg',
      fileId: newest,
    });
    assert.deepEqual([wrongName.status, wrongName.body.code], [400, 'file_not_present']);
    await h.call('b2_delete_file_version', { fileName: 'photos/lilly.jpg', fileId: newest });
    const dl = await raw(`${h.b2.urls.download}/file/listing-bucket/photos/lilly.jpg`, {
      headers: { authorization: h.token },
    });
    assert.equal(dl.bytes.toString(), 'content 4 of photos/lilly.jpg');
    const gone = await h.call('b2_get_file_info', { fileId: newest });
    assert.deepEqual([gone.status, gone.body.code], [404, 'not_found']);
    const malformed = await h.call('b2_get_file_info', { fileId: 'bad-id' });
    assert.deepEqual([malformed.status, malformed.body.code], [400, 'bad_request']);
  });

  it('copies files: whole or a range, COPY or REPLACE metadata, across buckets', async () => {
    const source = await h.upload(bucketId, 'copy/src.txt', '0123456789', {
      'x-bz-info-colour': 'green',
      'content-type': 'text/x-custom',
    });
    const srcId = source.body.fileId as string;
    const whole = await h.call('b2_copy_file', { sourceFileId: srcId, fileName: 'copy/whole.txt' });
    assert.deepEqual(
      [whole.body.action, whole.body.contentSha1, whole.body.contentType, whole.body.fileInfo],
      ['copy', sha1('0123456789'), 'text/x-custom', { colour: 'green' }],
    );
    const part = await h.call('b2_copy_file', {
      sourceFileId: srcId,
      fileName: 'copy/part.txt',
      range: 'bytes=2-5',
    });
    assert.deepEqual([part.body.contentLength, part.body.contentSha1], [4, sha1('2345')]);
    const replaced = await h.call('b2_copy_file', {
      sourceFileId: srcId,
      fileName: 'copy/replaced.txt',
      metadataDirective: 'REPLACE',
      contentType: 'text/plain',
      fileInfo: { Mood: 'new' },
    });
    assert.deepEqual([replaced.body.contentType, replaced.body.fileInfo], ['text/plain', { mood: 'new' }]);
    const mixed = await h.call('b2_copy_file', {
      sourceFileId: srcId,
      fileName: 'x',
      contentType: 'text/plain',
    });
    assert.equal(mixed.status, 400, 'COPY takes no contentType');
    const noType = await h.call('b2_copy_file', {
      sourceFileId: srcId,
      fileName: 'x',
      metadataDirective: 'REPLACE',
    });
    assert.equal(noType.status, 400, 'REPLACE needs a contentType');
    const badRange = await h.call('b2_copy_file', {
      sourceFileId: srcId,
      fileName: 'x',
      range: 'bytes=20-30',
    });
    assert.deepEqual([badRange.status, badRange.body.code], [416, 'range_not_satisfiable']);
    const missing = await h.call('b2_copy_file', { sourceFileId: `${srcId}0`, fileName: 'x' });
    assert.deepEqual([missing.status, missing.body.code], [404, 'not_found']);
    const other = (
      await h.call('b2_create_bucket', {
        accountId: h.b2.accountId,
        bucketName: 'copy-target',
        bucketType: 'allPrivate',
      })
    ).body.bucketId as string;
    const across = await h.call('b2_copy_file', {
      sourceFileId: srcId,
      fileName: 'in-other.txt',
      destinationBucketId: other,
    });
    assert.equal(across.body.bucketId, other);
    const listed = await h.call<{ files: FileRow[] }>('b2_list_file_names', { bucketId: other });
    assert.deepEqual(
      listed.body.files.map((f) => [f.fileName, f.action]),
      [['in-other.txt', 'upload']],
      'listings show copies as uploads',
    );
    const dl = await raw(`${h.b2.urls.download}/file/listing-bucket/copy/part.txt`, {
      headers: { authorization: h.token },
    });
    assert.equal(dl.bytes.toString(), '2345');
  });
});
