import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Env, randomData, startEnv } from './helpers.js';

const MiB = 1024 * 1024;

/**
 * The proxy properties on BackblazeB2: every request (authorize, the JSON calls, uploads to the upload
 * URLs B2 hands out, downloads) goes through a forward HTTP proxy on loopback that asks for Basic
 * credentials.
 */
describe('BackblazeB2 through an HTTP proxy', () => {
  let env: Env;
  let proxy: Server;
  let port = 0;
  const seen: string[] = [];
  before(async () => {
    env = await startEnv();
    proxy = createServer((req, res) => {
      const expected = `Basic ${Buffer.from('proxy-user:proxy-secret').toString('base64')}`;
      if (req.headers['proxy-authorization'] !== expected) {
        res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' });
        res.end();
        return;
      }
      const target = new URL(req.url ?? '/');
      seen.push(target.pathname);
      // RFC 9112 3.2.2: a proxy replaces Host with the authority of an absolute-form target.
      const headers = { ...req.headers, host: target.host };
      delete headers['proxy-authorization'];
      const upstream = httpRequest(target, { method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as AddressInfo).port;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    await env.stop();
  });

  test('authorize, a large upload in parallel parts and a download all go through the proxy', async () => {
    const b2 = env.client({
      proxyServer: '127.0.0.1',
      proxyPort: port,
      proxyUser: 'proxy-user',
      proxyPassword: 'proxy-secret',
    });
    const bucket = env.bucket();
    await b2.authorize();
    b2.config('FragmentSize=5242880');
    b2.config('SimpleUploadLimit=6000000');
    const data = randomData(11 * MiB);
    const id = await b2.uploadFile(bucket.id, 'proxied.bin', { data });
    const back = await b2.downloadFile(bucket.name, 'proxied.bin');
    assert.ok(Buffer.from(back.data!).equals(data));
    for (const what of [
      'b2_authorize_account',
      'b2_start_large_file',
      'b2_get_upload_part_url',
      'b2_upload_part',
      'b2_finish_large_file',
      '/file/',
    ]) {
      assert.ok(
        seen.some((p) => p.includes(what)),
        `${what} went through the proxy`,
      );
    }
    assert.equal(seen.filter((p) => p.includes('b2_upload_part')).length, 3);
    void id;
  });
});
