import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { contentHashOf } from '../../../src/emulator/dropbox/index.js';
import { apiResult, content, type Harness, headerSafe, rpc, startHarness, upload } from './helpers.js';

/**
 * The wire details the SDK hides, checked with plain HTTP: argument encoding, status codes and exact
 * bodies of errors, offsets and limits of upload sessions, longpoll, ranges.
 */

const MiB = 1024 * 1024;

/** A raw request over node:http, for what undici refuses to send (non-ASCII header bytes, lying lengths). */
function rawRequest(
  url: string,
  headers: Record<string, string | number>,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    // The server may answer and close before the (incomplete) body is written: that is the point.
    req.on('error', () => {});
    req.write(body);
  });
}

describe('Dropbox emulator on the wire', () => {
  let h: Harness;
  let clock = Date.now();

  before(async () => {
    h = await startHarness({ longpollMsPerSecond: 5, sessionLifetimeMs: 60_000, now: () => clock });
  });
  after(() => h.stop());

  describe('Dropbox-API-Arg', () => {
    const name = 'caf\u00e9 \u{1F600}.txt';

    it('takes non-ASCII characters as \\u escapes and answers with an escaped Dropbox-API-Result', async () => {
      const headerValue = headerSafe({ path: `/${name}`, mode: 'add' });
      assert.match(headerValue, /caf\\u00e9 \\ud83d\\ude00\.txt/);
      const up = await content(h, 'files/upload', { path: `/${name}` }, { body: 'hello' });
      assert.equal(up.status, 200);
      assert.equal(up.json().name, name);
      assert.equal(up.json().path_display, `/${name}`);

      const down = await content(h, 'files/download', { path: `/${name.toUpperCase()}` });
      assert.equal(down.status, 200);
      assert.equal(down.text, 'hello');
      const raw = down.headers['dropbox-api-result'] as string;
      assert.match(raw, /^[\x20-\x7e]+$/, 'the result header is ASCII');
      assert.ok(raw.includes('caf\\u00e9 \\ud83d\\ude00.txt'));
      assert.equal(apiResult(down).name, name);
    });

    it('takes the argument as a URL parameter, with the token as one too', async () => {
      const arg = encodeURIComponent(JSON.stringify({ path: `/${name}` }));
      const res = await request(
        `${h.urls.content}/2/files/download?arg=${arg}&authorization=${encodeURIComponent(`Bearer ${h.token}`)}`,
      );
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), 'hello');
    });

    it('refuses raw UTF-8 in the header with a 400 text', async () => {
      const json = JSON.stringify({ path: `/${name}` });
      const res = await rawRequest(
        `${h.urls.content}/2/files/download`,
        {
          authorization: `Bearer ${h.token}`,
          'dropbox-api-arg': Buffer.from(json, 'utf8').toString('latin1'),
        },
        Buffer.alloc(0),
      );
      assert.equal(res.status, 400);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.equal(
        res.text,
        'Error in call to API function "files/download": HTTP header "Dropbox-API-Arg": could not decode input as JSON',
      );
    });

    it('reports a missing argument and bad argument values as Stone does', async () => {
      const missing = await content(h, 'files/download', undefined);
      assert.equal(missing.status, 400);
      assert.equal(
        missing.text,
        'Error in call to API function "files/download": Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".',
      );
      const bad = await content(h, 'files/download', { path: 'no-slash' });
      assert.equal(
        bad.text,
        `Error in call to API function "files/download": HTTP header "Dropbox-API-Arg": path: 'no-slash' did not match pattern '(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/(.|[\\r\\n])*)?)'`,
      );
      const unknown = await content(h, 'files/upload', { path: '/x', colour: 'red' }, { body: 'x' });
      assert.equal(
        unknown.text,
        `Error in call to API function "files/upload": HTTP header "Dropbox-API-Arg": unknown field 'colour'`,
      );
    });
  });

  describe('errors', () => {
    it('answers 409 with the route error union and a prefix-style summary', async () => {
      const res = await rpc(h, 'files/get_metadata', { path: '/nothing/here' });
      assert.equal(res.status, 409);
      assert.equal(res.headers['content-type'], 'application/json');
      const body = res.json();
      assert.deepEqual(body.error, { '.tag': 'path', path: { '.tag': 'not_found' } });
      assert.match(body.error_summary, /^path\/not_found\/\.+$/);
      assert.deepEqual(Object.keys(body), ['error_summary', 'error']);

      const del = await rpc(h, 'files/delete_v2', { path: '/nothing' });
      assert.deepEqual(del.json().error, { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } });

      await rpc(h, 'files/create_folder_v2', { path: '/exists' });
      const again = await rpc(h, 'files/create_folder_v2', { path: '/EXISTS' });
      assert.deepEqual(again.json().error, {
        '.tag': 'path',
        path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } },
      });
      assert.match(again.json().error_summary, /^path\/conflict\/folder\//);
      const renamed = await rpc(h, 'files/create_folder_v2', { path: '/exists', autorename: true });
      assert.equal(renamed.json().metadata.name, 'exists (1)');

      const slash = await rpc(h, 'files/create_folder_v2', { path: '/a//b' });
      assert.deepEqual(slash.json().error, { '.tag': 'path', path: { '.tag': 'malformed_path' } });
      const disallowed = await content(h, 'files/upload', { path: '/dir/Desktop.ini' }, { body: 'x' });
      assert.equal(disallowed.status, 409);
      assert.equal(disallowed.json().error.reason['.tag'], 'disallowed_name');
      assert.match(disallowed.json().error_summary, /^path\/disallowed_name\//);
    });

    it('answers an upload conflict with UploadWriteFailed, keeping the bytes in a session', async () => {
      await upload(h, '/conflict.txt', 'first');
      const res = await content(
        h,
        'files/upload',
        { path: '/conflict.txt', mode: 'add' },
        { body: 'second' },
      );
      assert.equal(res.status, 409);
      const body = res.json();
      assert.match(body.error_summary, /^path\/conflict\/file\//);
      assert.deepEqual(body.error.reason, { '.tag': 'conflict', conflict: { '.tag': 'file' } });
      assert.equal(body.error['.tag'], 'path');
      assert.match(body.error.upload_session_id, /^pid_upload_session:/);
      const finish = await content(
        h,
        'files/upload_session/finish',
        {
          cursor: { session_id: body.error.upload_session_id, offset: 6 },
          commit: { path: '/conflict-kept.txt' },
        },
        { body: '' },
      );
      assert.equal(finish.status, 200);
      assert.equal(finish.json().content_hash, contentHashOf('second'));

      const same = await content(
        h,
        'files/upload',
        { path: '/conflict.txt', mode: 'add' },
        { body: 'first' },
      );
      assert.equal(same.status, 200, 'identical content is not a conflict');
      const renamed = await content(
        h,
        'files/upload',
        { path: '/conflict.txt', mode: 'add', autorename: true },
        { body: 'third' },
      );
      assert.equal(renamed.json().name, 'conflict (1).txt');
      const strict = await content(
        h,
        'files/upload',
        { path: '/conflict.txt', strict_conflict: true },
        { body: 'first' },
      );
      assert.equal(strict.status, 409);
    });

    it('checks content_hash of uploaded data', async () => {
      const wrong = await content(
        h,
        'files/upload',
        { path: '/hash.txt', content_hash: 'a'.repeat(64) },
        { body: 'data' },
      );
      assert.equal(wrong.status, 409);
      assert.deepEqual(wrong.json().error, { '.tag': 'content_hash_mismatch' });
      const right = await content(
        h,
        'files/upload',
        { path: '/hash.txt', content_hash: contentHashOf('data') },
        { body: 'data' },
      );
      assert.equal(right.status, 200);
    });

    it('answers bad input with 400 plain text', async () => {
      const badJson = await rpc(h, 'files/list_folder', undefined, {
        body: '{"path":',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(badJson.status, 400);
      assert.match(String(badJson.headers['content-type']), /^text\/plain/);
      assert.equal(
        badJson.text,
        'Error in call to API function "files/list_folder": request body: could not decode input as JSON',
      );

      const slash = await rpc(h, 'files/list_folder', { path: '/' });
      assert.equal(
        slash.text,
        'Error in call to API function "files/list_folder": request body: path: Specify the root folder as an empty string rather than as "/".',
      );
      const root = await rpc(h, 'files/get_metadata', { path: '' });
      assert.equal(
        root.text,
        'Error in call to API function "files/get_metadata": request body: path: The root folder is unsupported.',
      );
      const limit = await rpc(h, 'files/list_folder', { path: '', limit: 0 });
      assert.equal(
        limit.text,
        'Error in call to API function "files/list_folder": request body: limit: 0 is not within range [1, 2000]',
      );
      const type = await rpc(h, 'files/list_folder', { path: '', recursive: 'yes' });
      assert.equal(
        type.text,
        `Error in call to API function "files/list_folder": request body: recursive: 'yes' is not a valid boolean`,
      );
      const missing = await rpc(h, 'files/copy_v2', { from_path: '/a' });
      assert.equal(
        missing.text,
        `Error in call to API function "files/copy_v2": request body: missing required field 'to_path'`,
      );
      const tag = await rpc(h, 'files/list_revisions', { path: '/a', mode: 'sideways' });
      assert.equal(
        tag.text,
        `Error in call to API function "files/list_revisions": request body: mode: unknown tag 'sideways'`,
      );

      const form = await rpc(h, 'files/list_folder', undefined, {
        body: 'path=',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(
        form.text,
        'Error in call to API function "files/list_folder": Bad HTTP "Content-Type" header: "application/x-www-form-urlencoded".  Expecting one of "application/json", "text/plain; charset=dropbox-cors-hack".',
      );
      const upType = await content(
        h,
        'files/upload',
        { path: '/t.txt' },
        { body: 'x', headers: { 'content-type': 'text/plain' } },
      );
      assert.equal(
        upType.text,
        'Error in call to API function "files/upload": Bad HTTP "Content-Type" header: "text/plain".  Expecting one of "application/octet-stream", "text/plain; charset=dropbox-cors-hack".',
      );
      const noAuth = await rpc(h, 'users/get_current_account', null, { token: null });
      assert.equal(
        noAuth.text,
        'Error in call to API function "users/get_current_account": Must provide HTTP header "Authorization" or URL parameter "authorization".',
      );
      const basic = await rpc(h, 'users/get_current_account', null, {
        token: null,
        headers: { authorization: 'Basic c2VjcmV0' },
      });
      assert.equal(basic.status, 400);
      assert.ok(!basic.text.includes('c2VjcmV0'), 'credentials are not echoed');
    });

    it('answers bad tokens with 401 AuthError JSON', async () => {
      const invalid = await rpc(h, 'users/get_current_account', null, { token: 'sl.not-a-token' });
      assert.equal(invalid.status, 401);
      assert.deepEqual(invalid.json().error, { '.tag': 'invalid_access_token' });
      assert.match(invalid.json().error_summary, /^invalid_access_token\/\.*$/);

      const shortLived = h.dropbox.issueToken({ lifetimeSeconds: 60 }).accessToken;
      clock += 61_000;
      const expired = await rpc(h, 'users/get_current_account', null, { token: shortLived });
      assert.equal(expired.status, 401);
      assert.deepEqual(expired.json().error, { '.tag': 'expired_access_token' });
      assert.match(expired.json().error_summary, /^expired_access_token\//);

      h.server.faults.add({ path: '/2/users/get_current_account', expiredToken: true });
      const injected = await rpc(h, 'users/get_current_account', null);
      assert.deepEqual(injected.json().error, { '.tag': 'expired_access_token' });
      assert.equal((await rpc(h, 'users/get_current_account', null)).status, 200);

      const readOnly = h.dropbox.issueToken({ scopes: ['files.metadata.read'] }).accessToken;
      assert.equal((await rpc(h, 'files/list_folder', { path: '' }, { token: readOnly })).status, 200);
      const denied = await content(
        h,
        'files/upload',
        { path: '/scoped.txt' },
        { body: 'x', token: readOnly },
      );
      assert.equal(denied.status, 401);
      assert.deepEqual(denied.json().error, {
        '.tag': 'missing_scope',
        required_scope: 'files.content.write',
      });

      const revoked = h.dropbox.issueToken().accessToken;
      assert.equal((await rpc(h, 'auth/token/revoke', null, { token: revoked })).text, 'null');
      assert.equal((await rpc(h, 'users/get_current_account', null, { token: revoked })).status, 401);
    });

    it('answers injected rate limits with 429, Retry-After and RateLimitError', async () => {
      h.server.faults.add({ path: '/2/files/list_folder', status: 429, retryAfter: 7 });
      const res = await rpc(h, 'files/list_folder', { path: '' });
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after'], '7');
      const body = res.json();
      assert.deepEqual(body.error, { reason: { '.tag': 'too_many_requests' }, retry_after: 7 });
      assert.match(body.error_summary, /^too_many_requests\//);
      h.server.faults.add({ host: 'content', status: 503 });
      const unavailable = await content(h, 'files/download', { path: '/conflict.txt' });
      assert.equal(unavailable.status, 503);
    });

    it('answers an unknown route with 404', async () => {
      const res = await rpc(h, 'files/no_such_route', {});
      assert.equal(res.status, 404);
    });
  });

  describe('upload sessions', () => {
    it('answers a wrong offset with incorrect_offset and the correct offset', async () => {
      const start = await content(h, 'files/upload_session/start', {}, { body: Buffer.alloc(10, 1) });
      const sessionId = start.json().session_id;
      const wrong = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sessionId, offset: 5 } },
        { body: 'abc' },
      );
      assert.equal(wrong.status, 409);
      assert.deepEqual(wrong.json().error, { '.tag': 'incorrect_offset', correct_offset: 10 });
      assert.match(wrong.json().error_summary, /^incorrect_offset\//);

      const ok = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sessionId, offset: 10 } },
        { body: 'abc' },
      );
      assert.equal(ok.status, 200);
      assert.equal(ok.text, 'null');
      assert.equal(ok.headers['content-type'], 'application/json');
      // The same append again (a retry after a lost answer): the server already has those bytes.
      const retry = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sessionId, offset: 10 } },
        { body: 'abc' },
      );
      assert.deepEqual(retry.json().error, { '.tag': 'incorrect_offset', correct_offset: 13 });

      const finishWrong = await content(
        h,
        'files/upload_session/finish',
        { cursor: { session_id: sessionId, offset: 12 }, commit: { path: '/sess.bin' } },
        { body: '' },
      );
      assert.deepEqual(finishWrong.json().error, {
        '.tag': 'lookup_failed',
        lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 13 },
      });
      assert.match(finishWrong.json().error_summary, /^lookup_failed\/incorrect_offset\//);

      const closed = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sessionId, offset: 13 }, close: true },
        { body: 'z' },
      );
      assert.equal(closed.status, 200);
      const afterClose = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: sessionId, offset: 14 } },
        { body: 'z' },
      );
      assert.deepEqual(afterClose.json().error, { '.tag': 'closed' });
      const done = await content(
        h,
        'files/upload_session/finish',
        { cursor: { session_id: sessionId, offset: 14 }, commit: { path: '/sess.bin' } },
        { body: '' },
      );
      assert.equal(done.status, 200);
      assert.equal(done.json().size, 14);
    });

    it('refuses a body over 150 MiB from its Content-Length, without reading it', async () => {
      const start = await content(h, 'files/upload_session/start', {}, { body: '' });
      const sessionId = start.json().session_id;
      const res = await rawRequest(
        `${h.urls.content}/2/files/upload_session/append_v2`,
        {
          authorization: `Bearer ${h.token}`,
          'content-type': 'application/octet-stream',
          'dropbox-api-arg': JSON.stringify({ cursor: { session_id: sessionId, offset: 0 } }),
          'content-length': 150 * MiB + 1,
        },
        Buffer.alloc(1024),
      );
      assert.equal(res.status, 409);
      assert.deepEqual(JSON.parse(res.text).error, { '.tag': 'payload_too_large' });
      const up = await rawRequest(
        `${h.urls.content}/2/files/upload`,
        {
          authorization: `Bearer ${h.token}`,
          'content-type': 'application/octet-stream',
          'dropbox-api-arg': JSON.stringify({ path: '/huge.bin' }),
          'content-length': 200 * MiB,
        },
        Buffer.alloc(10),
      );
      assert.equal(up.status, 409);
      assert.deepEqual(JSON.parse(up.text).error, { '.tag': 'payload_too_large' });
      // Exactly at the limit is allowed by the header check.
      assert.equal(h.dropbox.state.settings.maxRequestBytes, 150 * MiB);
    });

    it('enforces the request limit on streamed bodies without a length', async () => {
      const small = await startHarness({ maxRequestBytes: 1000 });
      try {
        const res = await request(`${small.urls.content}/2/files/upload`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${small.token}`,
            'content-type': 'application/octet-stream',
            'dropbox-api-arg': JSON.stringify({ path: '/streamed.bin' }),
          },
          body: Readable.from(
            (async function* () {
              for (let i = 0; i < 4; i++) yield Buffer.alloc(500, i);
            })(),
          ),
        });
        assert.equal(res.statusCode, 409);
        assert.deepEqual(((await res.body.json()) as { error: unknown }).error, {
          '.tag': 'payload_too_large',
        });
        assert.equal(
          (await content(small, 'files/upload', { path: '/ok.bin' }, { body: Buffer.alloc(1000) })).status,
          200,
        );
      } finally {
        await small.stop();
      }
    });

    it('expires sessions', async () => {
      const start = await content(h, 'files/upload_session/start', {}, { body: 'abc' });
      clock += 61_000;
      const res = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: start.json().session_id, offset: 3 } },
        { body: 'd' },
      );
      assert.deepEqual(res.json().error, { '.tag': 'not_found' });
    });

    it('runs concurrent sessions with 4 MiB parts in any order', async () => {
      const bad = await content(
        h,
        'files/upload_session/start',
        { session_type: 'concurrent' },
        { body: 'x' },
      );
      assert.deepEqual(bad.json().error, { '.tag': 'concurrent_session_data_not_allowed' });
      const start = await content(
        h,
        'files/upload_session/start',
        { session_type: 'concurrent' },
        { body: '' },
      );
      const id = start.json().session_id;
      const first = randomBytes(4 * MiB);
      const last = randomBytes(1000);
      const odd = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: id, offset: 0 } },
        { body: Buffer.alloc(1000) },
      );
      assert.deepEqual(odd.json().error, { '.tag': 'concurrent_session_invalid_data_size' });
      const misaligned = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: id, offset: 1000 } },
        { body: first },
      );
      assert.deepEqual(misaligned.json().error, { '.tag': 'concurrent_session_invalid_offset' });
      // The last part first, then the first one.
      const closing = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: id, offset: 4 * MiB }, close: true },
        { body: last },
      );
      assert.equal(closing.status, 200, closing.text);
      const early = await content(
        h,
        'files/upload_session/finish',
        { cursor: { session_id: id, offset: 0 }, commit: { path: '/conc.bin' } },
        { body: '' },
      );
      assert.deepEqual(early.json().error, { '.tag': 'concurrent_session_missing_data' });
      assert.equal(
        (
          await content(
            h,
            'files/upload_session/append_v2',
            { cursor: { session_id: id, offset: 0 } },
            { body: first },
          )
        ).status,
        200,
      );
      const done = await content(
        h,
        'files/upload_session/finish',
        { cursor: { session_id: id, offset: 0 }, commit: { path: '/conc.bin' } },
        { body: '' },
      );
      assert.equal(done.status, 200);
      assert.equal(done.json().content_hash, contentHashOf(Buffer.concat([first, last])));
    });
  });

  describe('longpoll', () => {
    it('validates the timeout range', async () => {
      const cursor = (await rpc(h, 'files/list_folder/get_latest_cursor', { path: '' })).json().cursor;
      const res = await rpc(
        h,
        'files/list_folder/longpoll',
        { cursor, timeout: 10 },
        { host: 'notify', token: null },
      );
      assert.equal(res.status, 400);
      assert.equal(
        res.text,
        'Error in call to API function "files/list_folder/longpoll": request body: timeout: 10 is not within range [30, 480]',
      );
      const garbage = await rpc(
        h,
        'files/list_folder/longpoll',
        { cursor: 'nonsense' },
        { host: 'notify', token: null },
      );
      assert.deepEqual(garbage.json().error, { '.tag': 'reset' });
    });

    it('returns changes:false after the timeout when nothing changed in scope', async () => {
      await rpc(h, 'files/create_folder_v2', { path: '/watched' });
      const cursor = (await rpc(h, 'files/list_folder/get_latest_cursor', { path: '/watched' })).json()
        .cursor;
      const poll = rpc(
        h,
        'files/list_folder/longpoll',
        { cursor, timeout: 30 },
        { host: 'notify', token: null },
      );
      await upload(h, '/not-watched.txt', 'elsewhere');
      const res = await poll;
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { changes: false });
    });

    it('wakes up as soon as something changes under the cursor', { timeout: 20_000 }, async () => {
      const slow = await startHarness(); // one second per second: a 480 s poll must be woken early
      try {
        await rpc(slow, 'files/create_folder_v2', { path: '/inbox' });
        const cursor = (await rpc(slow, 'files/list_folder/get_latest_cursor', { path: '/inbox' })).json()
          .cursor;
        const poll = rpc(
          slow,
          'files/list_folder/longpoll',
          { cursor, timeout: 480 },
          { host: 'notify', token: null },
        );
        await new Promise((r) => setTimeout(r, 100));
        await upload(slow, '/inbox/new.txt', 'hello');
        assert.deepEqual((await poll).json(), { changes: true });
        // Already changed: answers at once.
        assert.deepEqual(
          (await rpc(slow, 'files/list_folder/longpoll', { cursor }, { host: 'notify', token: null })).json(),
          {
            changes: true,
          },
        );
      } finally {
        await slow.stop();
      }
    });

    it('adds the configured backoff', async () => {
      h.dropbox.setLongpollBackoff(60);
      try {
        const cursor = (await rpc(h, 'files/list_folder/get_latest_cursor', { path: '' })).json().cursor;
        const res = await rpc(
          h,
          'files/list_folder/longpoll',
          { cursor, timeout: 30 },
          { host: 'notify', token: null },
        );
        assert.deepEqual(res.json(), { changes: false, backoff: 60 });
      } finally {
        h.dropbox.setLongpollBackoff(undefined);
      }
    });

    it('answers reset for cursors invalidated by the emulator', async () => {
      const cursor = (await rpc(h, 'files/list_folder/get_latest_cursor', { path: '' })).json().cursor;
      h.dropbox.resetCursors();
      const res = await rpc(h, 'files/list_folder/continue', { cursor });
      assert.equal(res.status, 409);
      assert.deepEqual(res.json().error, { '.tag': 'reset' });
    });
  });

  describe('downloads', () => {
    const data = randomBytes(5000);
    before(() => upload(h, '/range.bin', data));

    it('serves ranges with 206 and Content-Range', async () => {
      const res = await content(
        h,
        'files/download',
        { path: '/range.bin' },
        { headers: { range: 'bytes=100-199' } },
      );
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], 'bytes 100-199/5000');
      assert.ok(res.body.equals(data.subarray(100, 200)));
      assert.equal(apiResult(res).size, 5000);
      const open = await content(
        h,
        'files/download',
        { path: '/range.bin' },
        { headers: { range: 'bytes=4990-' } },
      );
      assert.ok(open.body.equals(data.subarray(4990)));
      const suffix = await content(
        h,
        'files/download',
        { path: '/range.bin' },
        { headers: { range: 'bytes=-10' } },
      );
      assert.ok(suffix.body.equals(data.subarray(4990)));
      const bad = await content(
        h,
        'files/download',
        { path: '/range.bin' },
        { headers: { range: 'bytes=6000-' } },
      );
      assert.equal(bad.status, 416);
      assert.equal(bad.headers['content-range'], 'bytes */5000');
    });

    it('downloads with GET, by id, by rev, and honours If-None-Match', async () => {
      const meta = (await rpc(h, 'files/get_metadata', { path: '/range.bin' })).json();
      const get = await content(h, 'files/download', { path: meta.id }, { method: 'GET' });
      assert.ok(get.body.equals(data));
      const byRev = await content(h, 'files/download', { path: `rev:${meta.rev}` });
      assert.ok(byRev.body.equals(data));
      const etag = get.headers.etag as string;
      const cached = await content(
        h,
        'files/download',
        { path: '/range.bin' },
        { headers: { 'if-none-match': etag } },
      );
      assert.equal(cached.status, 304);
      const folder = await content(h, 'files/download', { path: '/watched' });
      assert.deepEqual(folder.json().error, { '.tag': 'path', path: { '.tag': 'not_file' } });
    });

    it('resolves id-relative paths', async () => {
      const folder = (await rpc(h, 'files/create_folder_v2', { path: '/base' })).json().metadata;
      const up = await content(h, 'files/upload', { path: `${folder.id}/sub/x.txt` }, { body: 'rel' });
      assert.equal(up.json().path_display, '/base/sub/x.txt');
      const meta = await rpc(h, 'files/get_metadata', { path: `${folder.id}/sub/x.txt` });
      assert.equal(meta.json().id, up.json().id);
    });

    it('gives temporary links that serve the bytes', async () => {
      const res = (await rpc(h, 'files/get_temporary_link', { path: '/range.bin' })).json();
      assert.equal(res.metadata.name, 'range.bin');
      const got = await request(res.link);
      assert.equal(got.statusCode, 200);
      assert.ok(Buffer.from(await got.body.arrayBuffer()).equals(data));
    });
  });
});
