/**
 * Absolute URLs in the Box emulator's answers name the host the client used: under Box's own names
 * (api.box.com, upload.box.com, dl.boxcloud.com, app.box.com) when the request came under one, through a
 * proxy that says X-Forwarded-Host/-Proto, and on 127.0.0.1 with each listener's port otherwise. Each URL
 * is then followed the way a proxy would (to the listener of its host, with that Host header).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;

const BOX_NAMES: Record<string, 'api' | 'upload' | 'download'> = {
  'api.box.com': 'api',
  'app.box.com': 'api',
  'upload.box.com': 'upload',
  'dl.boxcloud.com': 'download',
};

describe('Box emulator: absolute URLs follow the host the request came to', () => {
  let h: BoxHarness;
  let fileId = '';

  before(async () => {
    h = await startBox({ config: { minChunkedUploadSize: 10, partSizeFor: () => 8 } });
    const boundary = 'b0undary';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n{"name":"u.txt","parent":{"id":"0"}}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="u.txt"\r\n\r\nhello urls\r\n--${boundary}--\r\n`,
    );
    const res = await h.api('/api/2.0/files/content', {
      host: 'upload',
      method: 'POST',
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    fileId = (((await res.json()) as Json).entries as Json[])[0]!.id as string;
  });
  after(() => h.close());

  /** A request to a listener, with extra headers (a Host the client used, a proxy's X-Forwarded-*). */
  async function call(
    listener: 'api' | 'upload' | 'download',
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ) {
    const res = await request(`${h.box.urls[listener]}${path}`, {
      method: (init.method ?? 'GET') as 'GET',
      headers: { authorization: `Bearer ${h.token}`, ...init.headers },
      body: init.body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, json: () => JSON.parse(text) as Json };
  }

  /** Follows an absolute URL on a Box name as a proxy would: to the listener that serves that name. */
  async function follow(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ) {
    const u = new URL(url);
    const listener = BOX_NAMES[u.hostname];
    assert.ok(listener, `a Box host name: ${url}`);
    return call(listener, `${u.pathname}${u.search}`, {
      ...init,
      headers: { host: u.host, ...init.headers },
    });
  }

  async function urlsFor(headers: Record<string, string>, uploadHeaders = headers) {
    const session = await call('upload', '/api/2.0/files/upload_sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...uploadHeaders },
      body: JSON.stringify({ folder_id: '0', file_size: 12, file_name: `s-${Math.random()}.bin` }),
    });
    assert.equal(session.status, 201);
    const download = await call('api', `/2.0/files/${fileId}/content`, { headers });
    assert.equal(download.status, 302);
    const shared = await call('api', `/2.0/files/${fileId}?fields=shared_link`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ shared_link: { access: 'open' } }),
    });
    const preflight = await call('api', '/2.0/files/content', {
      method: 'OPTIONS',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: 'new.txt', parent: { id: '0' } }),
    });
    return {
      endpoints: session.json().session_endpoints as Record<string, string>,
      location: download.headers.location as string,
      link: shared.json().shared_link as Record<string, string>,
      uploadUrl: preflight.json().upload_url as string,
    };
  }

  it('a client of api.box.com gets upload.box.com, dl.boxcloud.com and app.box.com URLs, and they work', async () => {
    const got = await urlsFor({ host: 'api.box.com' }, { host: 'upload.box.com' });
    for (const url of Object.values(got.endpoints))
      assert.match(url, /^https:\/\/upload\.box\.com\/api\/2\.0\//);
    assert.match(got.location, /^https:\/\/dl\.boxcloud\.com\/d\/1\/[^/]+\/download$/);
    assert.match(got.link.url!, /^https:\/\/app\.box\.com\/s\/[0-9a-f]+$/);
    assert.match(got.link.download_url!, /^https:\/\/app\.box\.com\/shared\/static\/[0-9a-f]+\.txt$/);
    assert.match(got.uploadUrl, /^https:\/\/upload\.box\.com\/api\/2\.0\/files\/content\?/);

    const bytes = await follow(got.location);
    assert.equal(bytes.status, 200);
    const viaLink = await follow(got.link.download_url!);
    assert.equal(viaLink.status, 200);
    const part = Buffer.from('01234567');
    const put = await follow(got.endpoints.upload_part!, {
      method: 'PUT',
      body: part,
      headers: {
        'content-range': 'bytes 0-7/12',
        digest: `sha=${createHash('sha1').update(part).digest('base64')}`,
      },
    });
    assert.equal(put.status, 200);
    const status = await follow(got.endpoints.status!);
    assert.equal(status.status, 200);
    assert.equal(status.json().type, 'upload_session');
  });

  it('a proxy that says X-Forwarded-Host / X-Forwarded-Proto gets URLs on those names and scheme', async () => {
    const headers = { 'x-forwarded-host': 'api.box.com', 'x-forwarded-proto': 'http' };
    const got = await urlsFor(headers);
    assert.match(
      got.endpoints.commit!,
      /^http:\/\/upload\.box\.com\/api\/2\.0\/files\/upload_sessions\/[0-9A-F]+\/commit$/,
    );
    assert.match(got.location, /^http:\/\/dl\.boxcloud\.com\//);
    assert.match(got.link.url!, /^http:\/\/app\.box\.com\/s\//);
  });

  it('a client of 127.0.0.1 still gets 127.0.0.1 URLs on the right ports, and they work', async () => {
    const got = await urlsFor({});
    for (const url of Object.values(got.endpoints))
      assert.ok(url.startsWith(`${h.box.urls.upload}/api/2.0/`));
    assert.ok(got.location.startsWith(`${h.box.urls.download}/d/1/`));
    assert.ok(got.link.download_url!.startsWith(`${h.box.urls.api}/shared/static/`));
    const res = await fetch(got.location);
    assert.equal(await res.text(), 'hello urls');
    const status = await fetch(got.endpoints.status!, { headers: { authorization: `Bearer ${h.token}` } });
    assert.equal(status.status, 200);
  });
});
