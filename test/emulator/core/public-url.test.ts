/**
 * The public base URL of a host role: from Host, X-Forwarded-Host/-Proto or Forwarded, mapped to the
 * service's real names when the request came under one, else to the request's host with the role's port;
 * over real sockets through EmulatorServer, including code far from the handler (AsyncLocalStorage).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { EmulatorServer, requestOrigin, sendJson } from '../../../src/emulator/core/index.js';

describe('requestOrigin', () => {
  it('reads X-Forwarded-Host/-Proto first, then Forwarded, then Host', () => {
    assert.deepEqual(requestOrigin({ host: '127.0.0.1:8080' }), {
      host: '127.0.0.1:8080',
      hostname: '127.0.0.1',
      port: '8080',
      proto: undefined,
    });
    const fwd = requestOrigin({
      host: '127.0.0.1:1',
      'x-forwarded-host': 'API.Box.com, proxy.internal',
      'x-forwarded-proto': 'https,http',
    });
    assert.equal(fwd?.hostname, 'api.box.com');
    assert.equal(fwd?.port, '');
    assert.equal(fwd?.proto, 'https');
    const rfc = requestOrigin({ host: 'x', forwarded: 'for=1.2.3.4;host="upload.box.com:8443";proto=https' });
    assert.deepEqual([rfc?.hostname, rfc?.port, rfc?.proto], ['upload.box.com', '8443', 'https']);
    assert.equal(requestOrigin({ host: '[::1]:9' })?.hostname, '[::1]');
  });

  it('refuses what is not a host name, so that nothing else reaches a Location header', () => {
    for (const host of [
      'evil.com/path',
      'a b',
      'user@host',
      'host:99999',
      '',
      'x\r\nSet-Cookie: a=b',
      'a..b',
    ]) {
      assert.equal(requestOrigin({ host }), undefined, JSON.stringify(host));
    }
    assert.equal(requestOrigin({}), undefined);
    assert.equal(requestOrigin({ host: 'h', 'x-forwarded-proto': 'gopher' })?.proto, undefined);
  });

  it('refuses an overlong Host at once and reads a long valid one', () => {
    const host = `${'a-'.repeat(100_000)}!`;
    assert.equal(requestOrigin({ host }), undefined);
    assert.equal(requestOrigin({ host: `${'a.'.repeat(140)}a:1` })?.port, '1');
  });
});

describe('EmulatorServer.publicUrl', () => {
  const server = new EmulatorServer();

  before(async () => {
    server.publicName('api', 'api.example.com');
    server.publicName('upload', 'upload.example.com');
    server.publicName('pages', 'www.example.com', 'api');
    const links = async () => {
      await new Promise((r) => setImmediate(r));
      // Built far from the request object: the server finds the request in progress.
      return {
        api: server.publicUrl('api'),
        upload: server.publicUrl('upload'),
        pages: server.publicUrl('pages'),
      };
    };
    server
      .host('api')
      .router.get('/links', async (req, res) =>
        sendJson(res, 200, { ...(await links()), direct: req.publicUrl('upload') }),
      );
    server.host('upload').router.get('/ping', (_req, res) => sendJson(res, 200, { pong: true }));
    await server.start();
  });
  after(() => server.stop());

  async function links(headers: Record<string, string> = {}): Promise<Record<string, string>> {
    const res = await request(`${server.url('api')}/links`, { headers });
    return (await res.body.json()) as Record<string, string>;
  }

  const port = (name: string) => new URL(server.url(name)).port;

  it('answers 127.0.0.1 URLs, with each role on its own listener, to a client of 127.0.0.1', async () => {
    const got = await links();
    assert.deepEqual(got, {
      api: server.url('api'),
      upload: server.url('upload'),
      pages: server.url('api'),
      direct: server.url('upload'),
    });
    const ping = await request(`${got.upload}/ping`);
    assert.deepEqual(await ping.body.json(), { pong: true });
  });

  it('keeps the host name the client used (localhost, a machine name) with the role ports', async () => {
    const got = await links({ host: `localhost:${port('api')}` });
    assert.equal(got.upload, `http://localhost:${port('upload')}`);
    assert.equal(got.pages, `http://localhost:${port('api')}`);
  });

  it('maps every role to the service names when the request came under one of them', async () => {
    assert.deepEqual(await links({ host: 'api.example.com' }), {
      api: 'https://api.example.com',
      upload: 'https://upload.example.com',
      pages: 'https://www.example.com',
      direct: 'https://upload.example.com',
    });
    // Any of the names counts, and a proxy's scheme and non-default port are kept.
    const viaProxy = await links({
      'x-forwarded-host': 'www.example.com:8443',
      'x-forwarded-proto': 'https',
    });
    assert.equal(viaProxy.upload, 'https://upload.example.com:8443');
    const plain = await links({ 'x-forwarded-host': 'api.example.com:80', 'x-forwarded-proto': 'http' });
    assert.equal(plain.upload, 'http://upload.example.com');
    const rfc = await links({ forwarded: 'host=api.example.com;proto=http' });
    assert.equal(rfc.api, 'http://api.example.com');
  });

  it('falls back to the listener URL when the Host is unusable, and outside any request', async () => {
    assert.equal((await links({ 'x-forwarded-host': 'bad/host' })).upload, server.url('upload'));
    assert.equal(server.publicUrl('upload'), server.url('upload'));
    assert.equal(server.publicUrl('pages'), server.url('api'));
  });
});
