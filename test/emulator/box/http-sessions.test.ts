/**
 * Box upload sessions over plain HTTP: the limits Box documents (20 MB minimum, server-chosen part size,
 * 7-day life), part rules (alignment, exact size, SHA-1 Digest), the parts listing, the commit's digest and
 * its optional 202 "processing" phase, abort, expiry and new-version sessions. Most cases run on an
 * emulator configured with a tiny part size so that they stay fast; the defaults are checked separately.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type BoxHarness, pseudoRandomBytes, startBox } from './helpers.js';

type Json = Record<string, unknown>;

const sha1b64 = (b: Buffer) => createHash('sha1').update(b).digest('base64');
const sha1hex = (b: Buffer) => createHash('sha1').update(b).digest('hex');

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

async function expectError(res: Response, status: number, code: string): Promise<Json> {
  assert.equal(res.status, status);
  const body = await json(res);
  assert.equal(body.type, 'error');
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(res.headers.get('box-request-id'), body.request_id);
  return body;
}

const PART = 1024;

describe('Box upload sessions over HTTP', () => {
  let h: BoxHarness;
  let now = Date.now();

  before(async () => {
    h = await startBox(
      {
        now: () => now,
        config: { minChunkedUploadSize: 2000, partSizeFor: () => PART },
      },
      30 * 86_400,
    );
  });
  after(() => h.close());

  async function createSession(body: Json, path = '/api/2.0/files/upload_sessions'): Promise<Response> {
    return h.api(path, { host: 'upload', method: 'POST', body: JSON.stringify(body) });
  }

  async function newSession(name: string, size: number): Promise<Json> {
    const res = await createSession({ folder_id: '0', file_size: size, file_name: name });
    assert.equal(res.status, 201);
    return json(res);
  }

  function putPart(session: Json, content: Buffer, start: number, end = start + PART - 1, digest?: string) {
    const endpoints = session.session_endpoints as Record<string, string>;
    const bytes = content.subarray(start, end + 1);
    return fetch(endpoints.upload_part!, {
      method: 'PUT',
      body: bytes,
      headers: {
        authorization: `Bearer ${h.token}`,
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${start}-${end}/${content.length}`,
        digest: `sha=${digest ?? sha1b64(bytes)}`,
      },
    });
  }

  async function uploadAll(session: Json, content: Buffer): Promise<Json[]> {
    const parts: Json[] = [];
    for (let start = 0; start < content.length; start += PART) {
      const res = await putPart(session, content, start, Math.min(start + PART, content.length) - 1);
      assert.equal(res.status, 200);
      parts.push((await json(res)).part as Json);
    }
    return parts;
  }

  function commit(session: Json, parts: Json[], digest: string, extra: Record<string, string> = {}) {
    const endpoints = session.session_endpoints as Record<string, string>;
    return fetch(endpoints.commit!, {
      method: 'POST',
      body: JSON.stringify({ parts, attributes: { content_modified_at: '2024-01-02T03:04:05Z' } }),
      headers: {
        authorization: `Bearer ${h.token}`,
        'content-type': 'application/json',
        digest: `sha=${digest}`,
        ...extra,
      },
    });
  }

  it('creates a session with absolute endpoints, a server-chosen part size and a 7-day expiry', async () => {
    const session = await newSession('shape.bin', 5000);
    assert.equal(session.type, 'upload_session');
    assert.match(String(session.id), /^[0-9A-F]{32}$/);
    assert.equal(session.part_size, PART);
    assert.equal(session.total_parts, 5);
    assert.equal(session.num_parts_processed, 0);
    const expires = Date.parse(String(session.session_expires_at));
    assert.ok(Math.abs(expires - (now + 7 * 86_400_000)) < 2000);
    const endpoints = session.session_endpoints as Record<string, string>;
    const base = `${h.box.urls.upload}/api/2.0/files/upload_sessions/${session.id}`;
    assert.deepEqual(endpoints, {
      upload_part: base,
      commit: `${base}/commit`,
      abort: base,
      list_parts: `${base}/parts`,
      status: base,
      log_event: `${base}/log`,
    });
  });

  it('refuses bad session requests with Box codes', async () => {
    await expectError(await createSession({ file_size: 5000, file_name: 'a' }), 400, 'missing_destination');
    await expectError(
      await createSession({ folder_id: 'x', file_size: 5000, file_name: 'a' }),
      400,
      'invalid_folder_id',
    );
    await expectError(await createSession({ folder_id: '0', file_name: 'a' }), 400, 'missing_file_size');
    await expectError(
      await createSession({ folder_id: '0', file_size: 'big', file_name: 'a' }),
      400,
      'invalid_file_size',
    );
    await expectError(
      await createSession({ folder_id: '0', file_size: 1999, file_name: 'a' }),
      400,
      'file_size_too_small',
    );
    await expectError(await createSession({ folder_id: '0', file_size: 5000 }), 400, 'missing_file_name');
    await expectError(
      await createSession({ folder_id: '0', file_size: 5000, file_name: 'a/b' }),
      400,
      'item_name_invalid',
    );
    await expectError(
      await createSession({ folder_id: '987654', file_size: 5000, file_name: 'a' }),
      404,
      'invalid_parameter',
    );
  });

  it('enforces part alignment and size, and checks each part against its SHA-1 Digest', async () => {
    const content = pseudoRandomBytes(3000, 4);
    const session = await newSession('rules.bin', content.length);
    // Not a multiple of the part size.
    await expectError(
      await putPart(session, content, 100, 100 + PART - 1),
      416,
      'requested_range_not_satisfiable',
    );
    // A non-final part that is not exactly part_size.
    await expectError(await putPart(session, content, 0, 499), 416, 'requested_range_not_satisfiable');
    // A final part that runs past the file.
    await expectError(await putPart(session, content, 2048, 3071), 416, 'requested_range_not_satisfiable');
    // Wrong digest.
    const bad = await expectError(
      await putPart(session, content, 0, PART - 1, sha1b64(Buffer.from('x'))),
      412,
      'precondition_failed',
    );
    assert.ok(bad.context_info);
    // No Digest at all.
    const endpoints = session.session_endpoints as Record<string, string>;
    await expectError(
      await fetch(endpoints.upload_part!, {
        method: 'PUT',
        body: content.subarray(0, PART),
        headers: { authorization: `Bearer ${h.token}`, 'content-range': `bytes 0-${PART - 1}/3000` },
      }),
      400,
      'bad_request',
    );
    // A good part answers with a hex sha1 (the Digest was base64).
    const ok = await putPart(session, content, 0);
    assert.equal(ok.status, 200);
    const part = (await json(ok)).part as Json;
    assert.equal(part.offset, 0);
    assert.equal(part.size, PART);
    assert.equal(part.sha1, sha1hex(content.subarray(0, PART)));
    assert.match(String(part.part_id), /^[0-9A-F]{8}$/);
    // Parts are immutable: the same bytes again answer the same part; other bytes are a conflict.
    const again = (await json(await putPart(session, content, 0))).part as Json;
    assert.equal(again.part_id, part.part_id);
    const other = Buffer.from(content);
    other[5] ^= 0xff;
    await expectError(await putPart(session, other, 0), 409, 'conflict');
    // Parts may come in any order; the last one may be short.
    assert.equal((await putPart(session, content, 2048, 2999)).status, 200);
    const status = await json(
      await h.api(`/api/2.0/files/upload_sessions/${session.id}`, { host: 'upload' }),
    );
    assert.equal(status.num_parts_processed, 2);
    assert.equal(status.total_parts, 3);
  });

  it('lists parts in offset order with offset paging', async () => {
    const content = pseudoRandomBytes(4500, 8);
    const session = await newSession('list.bin', content.length);
    const parts = await uploadAll(session, content);
    const listUrl = (session.session_endpoints as Record<string, string>).list_parts!;
    const all = await json(await fetch(listUrl, { headers: { authorization: `Bearer ${h.token}` } }));
    assert.equal(all.total_count, 5);
    assert.deepEqual(all.entries, parts);
    const page = await json(
      await fetch(`${listUrl}?offset=1&limit=2`, { headers: { authorization: `Bearer ${h.token}` } }),
    );
    assert.equal(page.total_count, 5);
    assert.deepEqual(page.entries, parts.slice(1, 3));
  });

  it('commits with the whole-file digest, after a configurable 202 "processing" answer', async () => {
    const content = pseudoRandomBytes(3500, 12);
    h.box.config.commitAcceptedResponses = 1;
    const session = await newSession('commit.bin', content.length);
    h.box.config.commitAcceptedResponses = 0;
    const parts = await uploadAll(session, content);

    // Parts that do not match the uploaded ones.
    await expectError(await commit(session, parts.slice(1), sha1b64(content)), 400, 'parts_mismatch');
    await expectError(
      await commit(session, [{ ...parts[0], part_id: 'DEADBEEF' }, ...parts.slice(1)], sha1b64(content)),
      400,
      'parts_mismatch',
    );

    const accepted = await commit(session, parts, sha1b64(content));
    assert.equal(accepted.status, 202);
    assert.equal(accepted.headers.get('retry-after'), '1');
    assert.equal(await accepted.text(), '');

    const wrong = await expectError(
      await commit(session, parts, sha1b64(Buffer.from('nope'))),
      400,
      'digest_mismatch',
    );
    assert.match(String(wrong.message), /^File digest was incorrect\. Actual: .+ Expected: .+$/);

    const done = await commit(session, parts, sha1b64(content));
    assert.equal(done.status, 201);
    const file = ((await json(done)).entries as Json[])[0]!;
    assert.equal(file.name, 'commit.bin');
    assert.equal(file.size, content.length);
    assert.equal(file.sha1, sha1hex(content));
    assert.match(String(file.content_modified_at), /^2024-01-0\dT\d\d:04:05[+-]\d\d:\d\d$/);
    const location = (await h.api(`/2.0/files/${file.id}/content`)).headers.get('location')!;
    assert.ok(Buffer.from(await (await fetch(location)).arrayBuffer()).equals(content));
    // Committing again answers the same file; aborting a committed session is fine.
    const repeat = await commit(session, parts, sha1b64(content));
    assert.equal(((await json(repeat)).entries as Json[])[0]!.id, file.id);
    const abortUrl = (session.session_endpoints as Record<string, string>).abort!;
    assert.equal(
      (await fetch(abortUrl, { method: 'DELETE', headers: { authorization: `Bearer ${h.token}` } })).status,
      204,
    );
  });

  it('refuses a commit whose name was taken meanwhile, with the conflict', async () => {
    const content = pseudoRandomBytes(2500, 13);
    const session = await newSession('taken.bin', content.length);
    const parts = await uploadAll(session, content);
    const other = await newSession('other.bin', content.length);
    const otherParts = await uploadAll(other, content);
    // Rename a committed file to the name the first session wants.
    const committed = ((await json(await commit(other, otherParts, sha1b64(content)))).entries as Json[])[0]!;
    await h.api(`/2.0/files/${committed.id}`, { method: 'PUT', body: JSON.stringify({ name: 'TAKEN.bin' }) });
    const clash = await expectError(await commit(session, parts, sha1b64(content)), 409, 'item_name_in_use');
    assert.equal(((clash.context_info as Json).conflicts as Json).id, committed.id);
  });

  it('aborts a session (its parts are freed) and expires sessions', async () => {
    const content = pseudoRandomBytes(3000, 14);
    const before = await h.server.blobs.diskUsage();
    const session = await newSession('abort.bin', content.length);
    await uploadAll(session, content);
    assert.equal(await h.server.blobs.diskUsage(), before + content.length);
    const abortUrl = (session.session_endpoints as Record<string, string>).abort!;
    assert.equal(
      (await fetch(abortUrl, { method: 'DELETE', headers: { authorization: `Bearer ${h.token}` } })).status,
      204,
    );
    assert.equal(await h.server.blobs.diskUsage(), before);
    await expectError(
      await fetch(abortUrl, { headers: { authorization: `Bearer ${h.token}` } }),
      404,
      'not_found',
    );

    const expiring = await newSession('expire.bin', content.length);
    await putPart(expiring, content, 0);
    now += 7 * 86_400_000 + 1000;
    try {
      await expectError(await putPart(expiring, content, PART), 404, 'not_found');
      await expectError(
        await h.api(`/api/2.0/files/upload_sessions/${expiring.id}`, { host: 'upload' }),
        404,
        'not_found',
      );
      assert.equal(await h.server.blobs.diskUsage(), before);
    } finally {
      now -= 7 * 86_400_000 + 1000;
    }
  });

  it('uploads a new version through a file session (and on the /2.0 upload prefix)', async () => {
    const v1 = pseudoRandomBytes(2200, 15);
    const s1 = await newSession('versioned.bin', v1.length);
    const file = ((await json(await commit(s1, await uploadAll(s1, v1), sha1b64(v1)))).entries as Json[])[0]!;
    const v2 = pseudoRandomBytes(2600, 16);
    const res = await createSession(
      { file_size: v2.length, file_name: 'versioned-2.bin' },
      `/2.0/files/${file.id}/upload_sessions`,
    );
    assert.equal(res.status, 201);
    const s2 = await json(res);
    const parts = await uploadAll(s2, v2);
    await expectError(
      await commit(s2, parts, sha1b64(v2), { 'if-match': 'stale' }),
      412,
      'precondition_failed',
    );
    const done = await commit(s2, parts, sha1b64(v2), { 'if-match': String(file.etag) });
    assert.equal(done.status, 201);
    const updated = ((await json(done)).entries as Json[])[0]!;
    assert.equal(updated.id, file.id);
    assert.equal(updated.name, 'versioned-2.bin');
    assert.equal(updated.sha1, sha1hex(v2));
    const versions = await json(await h.api(`/2.0/files/${file.id}/versions`));
    assert.equal(versions.total_count, 1);
    assert.equal((versions.entries as Json[])[0]!.sha1, sha1hex(v1));
  });
});

describe('Box upload session defaults', () => {
  let h: BoxHarness;
  before(async () => {
    h = await startBox({ user: { maxUploadSize: 500 * 1024 ** 3 } });
  });
  after(() => h.close());

  it('uses a 20,000,000-byte minimum and 8 MiB parts, larger for huge files', async () => {
    const create = (size: number) =>
      h.api('/api/2.0/files/upload_sessions', {
        host: 'upload',
        method: 'POST',
        body: JSON.stringify({ folder_id: '0', file_size: size, file_name: `f${size}` }),
      });
    const small = await create(19_999_999);
    assert.equal(small.status, 400);
    assert.equal((await json(small)).code, 'file_size_too_small');
    const ok = await json(await create(20_000_000));
    assert.equal(ok.part_size, 8 * 1024 * 1024);
    assert.equal(ok.total_parts, 3);
    const huge = await json(await create(200 * 1024 ** 3));
    assert.ok((huge.part_size as number) > 8 * 1024 * 1024);
    assert.ok((huge.total_parts as number) <= 10_000);
    assert.equal((huge.total_parts as number) * (huge.part_size as number) >= 200 * 1024 ** 3, true);
  });
});
