import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type Harness, raw, sha1, startHarness } from './helpers.js';

/** Downloads by id and by name: ranges, B2's headers and overrides, public buckets, download authorizations; errors. */

describe('B2 emulator: downloads', () => {
  let h: Harness;
  let clock = Date.UTC(2026, 5, 1);
  let privateId: string;
  let fileId: string;
  const data = 'abcdefghijklmnopqrstuvwxyz';
  before(async () => {
    h = await startHarness({ now: () => clock });
    privateId = (
      await h.call('b2_create_bucket', {
        accountId: h.b2.accountId,
        bucketName: 'private-dl',
        bucketType: 'allPrivate',
        bucketInfo: { 'Cache-Control': 'max-age=300' },
      })
    ).body.bucketId as string;
    const up = await h.upload(privateId, 'docs/letters.txt', data, {
      'x-bz-info-src_last_modified_millis': '1600000000000',
      'x-bz-info-note': 'caf%C3%A9%20%26%20more',
      'x-bz-info-b2-content-disposition': 'attachment',
      'x-bz-info-b2-content-language': 'en',
    });
    fileId = up.body.fileId as string;
  });
  after(() => h.stop());

  const byName = (
    path: string,
    headers: Record<string, string> = { authorization: h.token },
    method = 'GET',
  ) => raw(`${h.b2.urls.download}/file/${path}`, { method, headers });

  it('sends the file with B2 headers, b2-* info as real headers, the bucket Cache-Control', async () => {
    const r = await byName('private-dl/docs/letters.txt');
    assert.equal(r.status, 200);
    assert.equal(r.bytes.toString(), data);
    assert.equal(r.headers['x-bz-file-id'], fileId);
    assert.equal(r.headers['x-bz-file-name'], 'docs/letters.txt');
    assert.equal(r.headers['x-bz-content-sha1'], sha1(data));
    assert.match(String(r.headers['x-bz-upload-timestamp']), /^\d+$/);
    assert.equal(r.headers['x-bz-info-src_last_modified_millis'], '1600000000000');
    assert.equal(r.headers['x-bz-info-note'], 'caf%C3%A9%20%26%20more');
    assert.equal(r.headers['content-disposition'], 'attachment');
    assert.equal(r.headers['content-language'], 'en');
    assert.equal(r.headers['x-bz-info-b2-content-disposition'], undefined);
    assert.equal(r.headers['cache-control'], 'max-age=300');
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['content-type'], 'text/plain');
  });

  it('answers ranges with 206 and Content-Range, bad ones with 416', async () => {
    const mid = await byName('private-dl/docs/letters.txt', { authorization: h.token, range: 'bytes=5-8' });
    assert.deepEqual(
      [mid.status, mid.bytes.toString(), mid.headers['content-range'], mid.headers['content-length']],
      [206, 'fghi', `bytes 5-8/${data.length}`, '4'],
    );
    assert.equal(mid.headers['x-bz-content-sha1'], sha1(data), 'the whole file SHA-1 even on a range');
    const tail = await byName('private-dl/docs/letters.txt', { authorization: h.token, range: 'bytes=-3' });
    assert.equal(tail.bytes.toString(), 'xyz');
    const open = await byName('private-dl/docs/letters.txt', { authorization: h.token, range: 'bytes=24-' });
    assert.equal(open.bytes.toString(), 'yz');
    const past = await byName('private-dl/docs/letters.txt', {
      authorization: h.token,
      range: 'bytes=26-30',
    });
    assert.equal(past.status, 416);
    assert.equal(JSON.parse(past.bytes.toString()).code, 'range_not_satisfiable');
    assert.equal(past.headers['content-range'], `bytes */${data.length}`);
  });

  it('takes header overrides from the query', async () => {
    const r = await raw(
      `${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${fileId}&b2ContentDisposition=${encodeURIComponent('inline; filename="x.txt"')}&b2ContentType=application%2Fx-test&b2CacheControl=no-cache`,
      { headers: { authorization: h.token } },
    );
    assert.equal(r.headers['content-disposition'], 'inline; filename="x.txt"');
    assert.equal(r.headers['content-type'], 'application/x-test');
    assert.equal(r.headers['cache-control'], 'no-cache');
  });

  it('answers HEAD with the headers only, and by-id as POST with a JSON body', async () => {
    const head = await byName('private-dl/docs/letters.txt', { authorization: h.token }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(data.length));
    assert.equal(head.bytes.length, 0);
    const post = await raw(`${h.b2.urls.download}/b2api/v2/b2_download_file_by_id`, {
      method: 'POST',
      headers: { authorization: h.token, 'content-type': 'application/json' },
      body: JSON.stringify({ fileId }),
    });
    assert.equal(post.bytes.toString(), data);
  });

  it('needs a token for private buckets, none for public ones', async () => {
    const none = await byName('private-dl/docs/letters.txt', {});
    assert.equal(none.status, 401);
    const bad = await byName('private-dl/docs/letters.txt', { authorization: 'nope' });
    assert.deepEqual([bad.status, JSON.parse(bad.bytes.toString()).code], [401, 'bad_auth_token']);
    const noRead = h.b2.createKey({ capabilities: ['listFiles'] });
    const t = (await h.authorize(2, noRead.applicationKeyId, noRead.applicationKey)).body
      .authorizationToken as string;
    assert.equal((await byName('private-dl/docs/letters.txt', { authorization: t })).status, 401);
    const pub = h.b2.createBucket('public-dl', { bucketType: 'allPublic' });
    const v = await h.b2.putFile(pub, 'open/data.bin', 'open data');
    const anon = await byName('public-dl/open/data.bin', {});
    assert.equal(anon.bytes.toString(), 'open data');
    const anonById = await raw(`${h.b2.urls.download}/b2api/v1/b2_download_file_by_id?fileId=${v.fileId}`);
    assert.equal(anonById.bytes.toString(), 'open data');
  });

  it('honours download authorizations: prefix, lifetime, required overrides', async () => {
    const get = async (body: Record<string, unknown>) =>
      (await h.call('b2_get_download_authorization', { bucketId: privateId, ...body })).body;
    const auth = await get({ fileNamePrefix: 'docs/', validDurationInSeconds: 30 });
    assert.deepEqual([auth.bucketId, auth.fileNamePrefix], [privateId, 'docs/']);
    const token = auth.authorizationToken as string;
    assert.equal(
      (await byName(`private-dl/docs/letters.txt?Authorization=${encodeURIComponent(token)}`, {})).status,
      200,
    );
    assert.equal((await byName('private-dl/docs/letters.txt', { authorization: token })).status, 200);
    const byIdWithIt = await raw(`${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${fileId}`, {
      headers: { authorization: token },
    });
    assert.equal(byIdWithIt.status, 401, 'download authorizations work by name only');
    await h.b2.putFile(h.b2.state.buckets.get(privateId)!, 'other/x.txt', 'x');
    assert.equal((await byName('private-dl/other/x.txt', { authorization: token })).status, 401);
    const withOverride = (
      await get({ fileNamePrefix: '', validDurationInSeconds: 30, b2ContentDisposition: 'attachment' })
    ).authorizationToken as string;
    assert.equal((await byName('private-dl/other/x.txt', { authorization: withOverride })).status, 401);
    const repeated = await byName('private-dl/other/x.txt?b2ContentDisposition=attachment', {
      authorization: withOverride,
    });
    assert.equal(repeated.status, 200);
    clock += 31_000;
    const expired = await byName('private-dl/docs/letters.txt', { authorization: token });
    assert.deepEqual(
      [expired.status, JSON.parse(expired.bytes.toString()).code],
      [401, 'expired_auth_token'],
    );
    const bad = await h.call('b2_get_download_authorization', {
      bucketId: privateId,
      fileNamePrefix: '',
      validDurationInSeconds: 604801,
    });
    assert.equal(bad.status, 400);
  });

  it('lets a download cut by an injected reset be resumed with a range', async () => {
    h.server.faults.add({ host: 'download', path: '/file/private-dl/', resetAfterBytes: 10 });
    const got: Buffer[] = [];
    await assert.rejects(async () => {
      const res = await request(`${h.b2.urls.download}/file/private-dl/docs/letters.txt`, {
        headers: { authorization: h.token },
      });
      for await (const chunk of res.body) got.push(chunk as Buffer);
    });
    const head = Buffer.concat(got);
    assert.ok(head.length <= 10);
    const rest = await byName('private-dl/docs/letters.txt', {
      authorization: h.token,
      range: `bytes=${head.length}-`,
    });
    assert.equal(Buffer.concat([head, rest.bytes]).toString(), data);
  });

  it('answers 404 not_found for missing, hidden and deleted files', async () => {
    const missing = await byName('private-dl/docs/nothing.txt');
    assert.deepEqual([missing.status, JSON.parse(missing.bytes.toString()).code], [404, 'not_found']);
    const noBucket = await byName('no-such-bucket/x');
    assert.equal(noBucket.status, 404);
    const hide = await h.call('b2_hide_file', { bucketId: privateId, fileName: 'docs/letters.txt' });
    assert.equal((await byName('private-dl/docs/letters.txt')).status, 404);
    const hiddenById = await raw(
      `${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${hide.body.fileId}`,
      {
        headers: { authorization: h.token },
      },
    );
    assert.equal(hiddenById.status, 404);
    const olderById = await raw(`${h.b2.urls.download}/b2api/v2/b2_download_file_by_id?fileId=${fileId}`, {
      headers: { authorization: h.token },
    });
    assert.equal(olderById.bytes.toString(), data, 'a hidden name still has its versions by id');
  });
});

describe('B2 emulator: errors in B2 JSON', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('answers unknown calls, versions and methods, bad JSON and injected faults as B2 does', async () => {
    const unknown = await h.call('b2_make_coffee', {});
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'not_found']);
    const v5 = await h.call('b2_list_buckets', { accountId: h.b2.accountId }, h.token, 5);
    assert.equal(v5.status, 404);
    const put = await raw(`${h.b2.urls.api}/b2api/v2/b2_list_buckets`, {
      method: 'PUT',
      headers: { authorization: h.token },
    });
    assert.deepEqual([put.status, JSON.parse(put.bytes.toString()).code], [405, 'method_not_allowed']);
    const badJson = await raw(`${h.b2.urls.api}/b2api/v2/b2_list_buckets`, {
      method: 'POST',
      headers: { authorization: h.token },
      body: '{nope',
    });
    assert.deepEqual([badJson.status, JSON.parse(badJson.bytes.toString()).code], [400, 'bad_json']);
    const missing = await h.call('b2_list_buckets', {});
    assert.deepEqual([missing.status, missing.body.code], [400, 'bad_request']);
    for (const [status, code] of [
      [503, 'service_unavailable'],
      [429, 'too_many_requests'],
      [500, 'internal_error'],
    ] as const) {
      h.server.faults.add({ path: '/b2_list_buckets', status, ...(status === 429 ? { retryAfter: 2 } : {}) });
      const r = await h.call('b2_list_buckets', { accountId: h.b2.accountId });
      assert.deepEqual(r.body, { status, code, message: `injected fault: ${status}` });
      if (status === 429) assert.equal(r.headers['retry-after'], '2');
    }
    const ok = await h.call('b2_list_buckets', { accountId: h.b2.accountId });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['cache-control'], 'max-age=0, no-cache, no-store');
  });
});

describe('B2 emulator: X-Bz-Test-Mode', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('fails every second upload, expires every second token check, forces cap_exceeded', async () => {
    const bucketId = h.b2.createBucket('test-mode-bucket').bucketId;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await h.upload(bucketId, `f${i}.txt`, 'x', { 'x-bz-test-mode': 'fail_some_uploads' })).status,
      );
    assert.deepEqual(statuses, [200, 503, 200, 503]);
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await raw(`${h.b2.urls.api}/b2api/v2/b2_list_buckets`, {
        method: 'POST',
        headers: { authorization: h.token, 'x-bz-test-mode': 'expire_some_account_authorization_tokens' },
        body: JSON.stringify({ accountId: h.b2.accountId }),
      });
      codes.push(r.status === 200 ? 200 : JSON.parse(r.bytes.toString()).code);
    }
    assert.deepEqual(codes, [200, 'expired_auth_token', 200, 'expired_auth_token']);
    const capped = await h.upload(bucketId, 'cap.txt', 'x', { 'x-bz-test-mode': 'force_cap_exceeded' });
    assert.deepEqual([capped.status, capped.body.code], [403, 'cap_exceeded']);
  });
});
