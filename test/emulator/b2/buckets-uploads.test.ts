import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Harness, raw, sha1, startHarness } from './helpers.js';

/** Bucket rules (names, uniqueness, limits, revisions, settings) and simple uploads (headers, SHA-1 modes, faults). */

describe('B2 emulator: buckets', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const create = (bucketName: string, extra: Record<string, unknown> = {}, token = h.token) =>
    h.call(
      'b2_create_bucket',
      { accountId: h.b2.accountId, bucketName, bucketType: 'allPrivate', ...extra },
      token,
    );

  it('checks bucket names: 6-63 letters, digits and dashes, no b2- prefix', async () => {
    for (const name of [
      'short',
      'x'.repeat(64),
      'b2-reserved',
      'under_score',
      'dot.ted-name',
      'spa ce-name',
    ]) {
      const r = await create(name);
      assert.deepEqual([r.status, r.body.code], [400, 'bad_request'], name);
    }
    for (const name of ['sixsix', 'y'.repeat(63), 'Mixed-Case-9'])
      assert.equal((await create(name)).status, 200, name);
  });

  it('keeps names unique across accounts, ignoring case', async () => {
    const other = h.b2.addAccount('0000000ther1', 'K000otherAccountMasterKey000000');
    const token = (await h.authorize(2, other.accountId, other.masterKey)).body.authorizationToken as string;
    const r = await h.call(
      'b2_create_bucket',
      { accountId: other.accountId, bucketName: 'MIXED-case-9', bucketType: 'allPublic' },
      token,
    );
    assert.deepEqual(
      [r.status, r.body.code, r.body.message],
      [400, 'duplicate_bucket_name', 'Bucket name is already in use.'],
    );
    // Its own listing does not show the first account's buckets.
    const listed = await h.call<{ buckets: unknown[] }>(
      'b2_list_buckets',
      { accountId: other.accountId },
      token,
    );
    assert.deepEqual(listed.body.buckets, []);
    // Nor may it name the first account in its calls.
    assert.equal((await h.call('b2_list_buckets', { accountId: h.b2.accountId }, token)).status, 401);
  });

  it('allows 100 buckets per account', async () => {
    const listed = await h.call<{ buckets: unknown[] }>('b2_list_buckets', { accountId: h.b2.accountId });
    for (let i = listed.body.buckets.length; i < 100; i++)
      assert.equal((await create(`limit-${i}-bucket`)).status, 200);
    const r = await create('one-too-many');
    assert.deepEqual([r.status, r.body.code], [400, 'too_many_buckets']);
    const all = await h.call<{ buckets: Array<{ bucketName: string; bucketId: string }> }>(
      'b2_list_buckets',
      {
        accountId: h.b2.accountId,
      },
    );
    assert.equal(all.body.buckets.length, 100);
    const names = all.body.buckets.map((b) => b.bucketName);
    assert.deepEqual(names, [...names].sort());
    for (const b of all.body.buckets.filter((x) => x.bucketName.startsWith('limit-')))
      assert.equal(
        (await h.call('b2_delete_bucket', { accountId: h.b2.accountId, bucketId: b.bucketId })).status,
        200,
      );
  });

  it('stores bucketInfo, CORS and lifecycle rules; updates bump the revision and honour ifRevisionIs', async () => {
    const corsRules = [
      {
        corsRuleName: 'downloadFromAnyOrigin',
        allowedOrigins: ['https'],
        allowedHeaders: ['range'],
        allowedOperations: ['b2_download_file_by_id', 'b2_download_file_by_name'],
        exposeHeaders: ['x-bz-content-sha1'],
        maxAgeSeconds: 3600,
      },
    ];
    const lifecycleRules = [
      { fileNamePrefix: 'logs/', daysFromUploadingToHiding: 7, daysFromHidingToDeleting: 1 },
    ];
    const made = await create('settings-bucket', { bucketInfo: { team: 'blue' }, corsRules, lifecycleRules });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.deepEqual(made.body.bucketInfo, { team: 'blue' });
    assert.deepEqual(made.body.corsRules, corsRules);
    assert.deepEqual(made.body.lifecycleRules, lifecycleRules);
    const bucketId = made.body.bucketId as string;
    const revision = made.body.revision as number;
    const update = (body: Record<string, unknown>) =>
      h.call('b2_update_bucket', { accountId: h.b2.accountId, bucketId, ...body });
    const u1 = await update({
      bucketType: 'allPublic',
      bucketInfo: { team: 'red', 'Cache-Control': 'max-age=60' },
      ifRevisionIs: revision,
    });
    assert.equal(u1.status, 200);
    assert.equal(u1.body.revision, revision + 1);
    assert.equal(u1.body.bucketType, 'allPublic');
    assert.deepEqual(u1.body.corsRules, corsRules, 'omitted settings stay');
    const stale = await update({ bucketInfo: {}, ifRevisionIs: revision });
    assert.deepEqual([stale.status, stale.body.code], [409, 'conflict']);
    assert.deepEqual((await update({ lifecycleRules: [] })).body.lifecycleRules, []);
    const badType = await update({ bucketType: 'snapshot' });
    assert.equal(badType.status, 400);
    const tooMuchInfo = await update({
      bucketInfo: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])),
    });
    assert.equal(tooMuchInfo.status, 400);
  });

  it('filters b2_list_buckets by id, name and type', async () => {
    const all = await h.call<{
      buckets: Array<{ bucketName: string; bucketId: string; bucketType: string }>;
    }>('b2_list_buckets', { accountId: h.b2.accountId, bucketTypes: ['all'] });
    const pub = await h.call<{ buckets: Array<{ bucketType: string }> }>('b2_list_buckets', {
      accountId: h.b2.accountId,
      bucketTypes: ['allPublic'],
    });
    assert.deepEqual(
      pub.body.buckets.map((b) => b.bucketType),
      all.body.buckets.filter((b) => b.bucketType === 'allPublic').map((b) => b.bucketType),
    );
    assert.ok(pub.body.buckets.length >= 1);
    const byName = await h.call<{ buckets: Array<{ bucketId: string }> }>('b2_list_buckets', {
      accountId: h.b2.accountId,
      bucketName: 'SIXSIX',
    });
    assert.equal(byName.body.buckets.length, 1);
    const none = await h.call<{ buckets: unknown[] }>('b2_list_buckets', {
      accountId: h.b2.accountId,
      bucketId: 'nope',
    });
    assert.deepEqual(none.body.buckets, []);
    const bad = await h.call('b2_list_buckets', {
      accountId: h.b2.accountId,
      bucketTypes: ['all', 'allPublic'],
    });
    assert.equal(bad.status, 400);
    // The same call as GET with query parameters.
    const get = await raw(
      `${h.b2.urls.api}/b2api/v2/b2_list_buckets?accountId=${h.b2.accountId}&bucketName=sixsix`,
      {
        headers: { authorization: h.token },
      },
    );
    assert.equal(JSON.parse(get.bytes.toString()).buckets.length, 1);
  });

  it('refuses to delete a bucket with file versions', async () => {
    const bucketId = (await create('nonempty-bucket')).body.bucketId as string;
    const up = await h.upload(bucketId, 'f.txt', 'x');
    const r = await h.call('b2_delete_bucket', { accountId: h.b2.accountId, bucketId });
    assert.deepEqual([r.status, r.body.code], [400, 'cannot_delete_non_empty_bucket']);
    await h.call('b2_delete_file_version', { fileName: 'f.txt', fileId: up.body.fileId });
    const ok = await h.call('b2_delete_bucket', { accountId: h.b2.accountId, bucketId });
    assert.equal(ok.status, 200);
    const gone = await h.call('b2_delete_bucket', { accountId: h.b2.accountId, bucketId });
    assert.deepEqual([gone.status, gone.body.code], [400, 'bad_bucket_id']);
  });
});

describe('B2 emulator: simple uploads', () => {
  let h: Harness;
  let bucketId: string;
  let url: { uploadUrl: string; authorizationToken: string };
  before(async () => {
    h = await startHarness();
    bucketId = (
      await h.call('b2_create_bucket', {
        accountId: h.b2.accountId,
        bucketName: 'upload-bucket',
        bucketType: 'allPrivate',
      })
    ).body.bucketId as string;
  });
  after(() => h.stop());

  const newUrl = async () => {
    url = (await h.call<{ uploadUrl: string; authorizationToken: string }>('b2_get_upload_url', { bucketId }))
      .body;
    return url;
  };
  const post = async (headers: Record<string, string>, body: Buffer | string, target = url) => {
    const r = await raw(target.uploadUrl, {
      method: 'POST',
      headers: { authorization: target.authorizationToken, 'content-type': 'text/plain', ...headers },
      body,
    });
    return {
      status: r.status,
      body: JSON.parse(r.bytes.toString()) as Record<string, unknown>,
      headers: r.headers,
    };
  };

  it('hands out an upload URL on the upload host, built from the request host', async () => {
    const r = await newUrl();
    assert.ok(r.uploadUrl.startsWith(`${h.b2.urls.upload}/b2api/v2/b2_upload_file/${bucketId}/`));
    // A client that reached the emulator under another name gets that name back, with each host's port.
    const apiPort = new URL(h.b2.urls.api).port;
    const viaName = await raw(`${h.b2.urls.api}/b2api/v2/b2_get_upload_url`, {
      method: 'POST',
      headers: { authorization: h.token, host: `b2.example.test:${apiPort}` },
      body: JSON.stringify({ bucketId }),
    });
    const uploadPort = new URL(h.b2.urls.upload).port;
    assert.ok(
      JSON.parse(viaName.bytes.toString()).uploadUrl.startsWith(`http://b2.example.test:${uploadPort}/`),
    );
    const auth = await raw(`${h.b2.urls.api}/b2api/v2/b2_authorize_account`, {
      headers: {
        host: `b2.example.test:${apiPort}`,
        authorization: `Basic ${Buffer.from(`${h.b2.accountId}:${h.b2.masterKey}`).toString('base64')}`,
      },
    });
    const body = JSON.parse(auth.bytes.toString());
    assert.equal(body.apiUrl, `http://b2.example.test:${apiPort}`);
    assert.equal(body.downloadUrl, `http://b2.example.test:${new URL(h.b2.urls.download).port}`);
  });

  it('checks the SHA-1: given, wrong, hex_digits_at_end, do_not_verify', async () => {
    await newUrl();
    const data = 'some content';
    const ok = await post({ 'x-bz-file-name': 'given.txt', 'x-bz-content-sha1': sha1(data) }, data);
    assert.equal(ok.body.contentSha1, sha1(data));
    const wrong = await post({ 'x-bz-file-name': 'wrong.txt', 'x-bz-content-sha1': sha1('other') }, data);
    assert.deepEqual(
      [wrong.status, wrong.body.code, wrong.body.message],
      [400, 'bad_request', 'Sha1 did not match data received'],
    );
    const atEnd = await post(
      { 'x-bz-file-name': 'at-end.txt', 'x-bz-content-sha1': 'hex_digits_at_end' },
      data + sha1(data),
    );
    assert.equal(atEnd.status, 200, JSON.stringify(atEnd.body));
    assert.deepEqual([atEnd.body.contentLength, atEnd.body.contentSha1], [data.length, sha1(data)]);
    const badEnd = await post(
      { 'x-bz-file-name': 'bad-end.txt', 'x-bz-content-sha1': 'hex_digits_at_end' },
      data + sha1('x'),
    );
    assert.equal(badEnd.status, 400);
    const unverified = await post(
      { 'x-bz-file-name': 'unverified.txt', 'x-bz-content-sha1': 'do_not_verify' },
      data,
    );
    assert.equal(unverified.body.contentSha1, `unverified:${sha1(data)}`);
    const dl = await raw(`${h.b2.urls.download}/file/upload-bucket/unverified.txt`, {
      headers: { authorization: h.token },
    });
    assert.equal(dl.headers['x-bz-content-sha1'], `unverified:${sha1(data)}`);
    const names = await h.call<{ files: Array<{ fileName: string }> }>('b2_list_file_names', { bucketId });
    assert.deepEqual(
      names.body.files.map((f) => f.fileName),
      ['at-end.txt', 'given.txt', 'unverified.txt'],
    );
    const missing = await post({ 'x-bz-file-name': 'nosha.txt' }, data);
    assert.equal(missing.status, 400);
  });

  it('decodes percent-encoded names (+ is a space) and checks name rules', async () => {
    await newUrl();
    const r = await post(
      { 'x-bz-file-name': 'a+b%2Bc/%E8%87%AA%E7%94%B1.txt', 'x-bz-content-sha1': 'do_not_verify' },
      'x',
    );
    assert.equal(r.body.fileName, 'a b+c/自由.txt');
    const dl = await raw(`${h.b2.urls.download}/file/upload-bucket/a%20b%2Bc/%E8%87%AA%E7%94%B1.txt`, {
      headers: { authorization: h.token },
    });
    assert.equal(dl.status, 200);
    assert.equal(dl.headers['x-bz-file-name'], 'a%20b%2Bc/%E8%87%AA%E7%94%B1.txt');
    for (const bad of ['', 'ctrl%01char', 'del%7F', 'x'.repeat(1025), '%ZZ', '%C3%28', 'caf\u00e9']) {
      const e = await post({ 'x-bz-file-name': bad, 'x-bz-content-sha1': 'do_not_verify' }, 'x');
      assert.deepEqual([e.status, e.body.code], [400, 'bad_request'], bad);
    }
  });

  it('stores X-Bz-Info-* (lower-cased, decoded; at most 10; b2-* names checked) and b2/x-auto types', async () => {
    await newUrl();
    const info: Record<string, string> = {
      'x-bz-info-src_last_modified_millis': '1700000000000',
      'X-Bz-Info-Colour': 'sky%20blue',
      'x-bz-info-b2-content-disposition': 'attachment%3B%20filename%3D%22r.pdf%22',
    };
    const r = await post(
      {
        'x-bz-file-name': 'report.pdf',
        'x-bz-content-sha1': 'do_not_verify',
        'content-type': 'b2/x-auto',
        ...info,
      },
      '%PDF',
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.contentType, 'application/pdf');
    assert.deepEqual(r.body.fileInfo, {
      src_last_modified_millis: '1700000000000',
      colour: 'sky blue',
      'b2-content-disposition': 'attachment; filename="r.pdf"',
    });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`x-bz-info-k${i}`, 'v']));
    const tooMany = await post(
      { 'x-bz-file-name': 'many.txt', 'x-bz-content-sha1': 'do_not_verify', ...eleven },
      'x',
    );
    assert.equal(tooMany.status, 400);
    const reserved = await post(
      { 'x-bz-file-name': 'b2.txt', 'x-bz-content-sha1': 'do_not_verify', 'x-bz-info-b2-unknown': 'v' },
      'x',
    );
    assert.equal(reserved.status, 400);
    const auto = await post(
      { 'x-bz-file-name': 'noext', 'x-bz-content-sha1': 'do_not_verify', 'content-type': 'b2/x-auto' },
      'x',
    );
    assert.equal(auto.body.contentType, 'application/octet-stream');
  });

  it('needs Content-Length (no chunked uploads) and a Content-Type', async () => {
    await newUrl();
    const chunked = await new Promise<{ status: number; body: Record<string, unknown> }>(
      (resolve, reject) => {
        const u = new URL(url.uploadUrl);
        const req = httpRequest(
          u,
          {
            method: 'POST',
            headers: {
              authorization: url.authorizationToken,
              'x-bz-file-name': 'chunked.txt',
              'content-type': 'text/plain',
              'x-bz-content-sha1': 'do_not_verify',
              'transfer-encoding': 'chunked',
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }),
            );
          },
        );
        req.on('error', reject);
        req.end('chunk');
      },
    );
    assert.deepEqual([chunked.status, chunked.body.code], [400, 'bad_request']);
    const r = await raw(url.uploadUrl, {
      method: 'POST',
      headers: {
        authorization: url.authorizationToken,
        'x-bz-file-name': 'notype.txt',
        'x-bz-content-sha1': 'do_not_verify',
      },
      body: 'x',
    });
    assert.equal(r.status, 400);
  });

  it('refuses a second upload on a URL that is busy (auth_token_limit)', async () => {
    await newUrl();
    // Start an upload that sends its headers and half its body, then hold it.
    const first = httpRequest(new URL(url.uploadUrl), {
      method: 'POST',
      headers: {
        authorization: url.authorizationToken,
        'x-bz-file-name': 'slow.txt',
        'content-type': 'text/plain',
        'x-bz-content-sha1': 'do_not_verify',
        'content-length': 10,
      },
    });
    const firstDone = new Promise<number>((resolve) =>
      first.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      }),
    );
    first.write('12345');
    // Wait until the emulator holds the URL busy.
    const held = h.b2.state.uploadUrls.get(url.uploadUrl.split('/').pop()!)!;
    while (!held.busy) await new Promise((r) => setTimeout(r, 5));
    const second = await post({ 'x-bz-file-name': 'second.txt', 'x-bz-content-sha1': 'do_not_verify' }, 'x');
    assert.deepEqual([second.status, second.body.code], [400, 'auth_token_limit']);
    first.end('67890');
    assert.equal(await firstDone, 200);
    // Free again afterwards.
    const third = await post({ 'x-bz-file-name': 'third.txt', 'x-bz-content-sha1': 'do_not_verify' }, 'x');
    assert.equal(third.status, 200);
  });

  it('answers 503 when the knob says the pod is busy, and the URL stays dead', async () => {
    const dead = await newUrl();
    h.b2.failNextUploads(1, 'file');
    const busy = await post(
      { 'x-bz-file-name': 'busy.txt', 'x-bz-content-sha1': 'do_not_verify' },
      'x',
      dead,
    );
    assert.deepEqual([busy.status, busy.body.code], [503, 'service_unavailable']);
    const still = await post(
      { 'x-bz-file-name': 'busy.txt', 'x-bz-content-sha1': 'do_not_verify' },
      'x',
      dead,
    );
    assert.equal(still.status, 503);
    const fresh = await newUrl();
    const ok = await post({ 'x-bz-file-name': 'busy.txt', 'x-bz-content-sha1': 'do_not_verify' }, 'x', fresh);
    assert.equal(ok.status, 200);
  });

  it('refuses wrong tokens on upload URLs and uploads past the storage cap', async () => {
    const u = await newUrl();
    const wrongToken = await raw(u.uploadUrl, {
      method: 'POST',
      headers: {
        authorization: h.token,
        'x-bz-file-name': 'w.txt',
        'content-type': 'text/plain',
        'x-bz-content-sha1': 'do_not_verify',
      },
      body: 'x',
    });
    assert.deepEqual(
      [wrongToken.status, JSON.parse(wrongToken.bytes.toString()).code],
      [401, 'bad_auth_token'],
    );
    h.b2.setStorageCap(0);
    const capped = await post({ 'x-bz-file-name': 'cap.txt', 'x-bz-content-sha1': 'do_not_verify' }, 'x');
    assert.deepEqual([capped.status, capped.body.code], [403, 'cap_exceeded']);
    h.b2.setStorageCap(undefined);
  });
});
