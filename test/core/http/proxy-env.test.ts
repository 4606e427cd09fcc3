import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import { hostMatches } from '../../../src/core/http/proxy-env.js';
import {
  freePort,
  makeClient,
  makePki,
  startDaemon,
  startServer,
  type TestPki,
  type TestServer,
} from './helpers.js';

const USER = 'env-user';
const PASSWORD = 'env-Secret-2024';

describe('proxyAutoDetect / firewallAutoDetect: the proxy environment variables, with real proxies', () => {
  let dir: string;
  let tinyproxy: Awaited<ReturnType<typeof startDaemon>>;
  let microsocks: Awaited<ReturnType<typeof startDaemon>>;
  let proxyPort: number;
  let socksPort: number;
  let target: TestServer;
  let secureTarget: TestServer;
  let pki: TestPki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-http-proxyenv-'));
    proxyPort = await freePort();
    const conf = join(dir, 'tinyproxy.conf');
    await writeFile(
      conf,
      [
        `Port ${proxyPort}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'LogLevel Connect',
        'MaxClients 20',
        'Allow 127.0.0.1',
        `BasicAuth ${USER} ${PASSWORD}`,
        'ViaProxyName "cs-env-proxy"',
        '',
      ].join('\n'),
    );
    tinyproxy = await startDaemon('/usr/bin/tinyproxy', ['-d', '-c', conf], proxyPort);
    socksPort = await freePort();
    microsocks = await startDaemon(
      '/usr/bin/microsocks',
      ['-i', '127.0.0.1', '-p', String(socksPort)],
      socksPort,
    );
    const echo = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ via: req.headers.via ?? null, path: req.url }));
    };
    target = await startServer(echo);
    pki = await makePki();
    secureTarget = await startServer(echo, { tls: { cert: pki.serverCert, key: pki.serverKey } });
  });
  after(async () => {
    await tinyproxy?.stop();
    await microsocks?.stop();
    await target?.close();
    await secureTarget?.close();
    await pki?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const proxyUrl = () => `http://${USER}:${PASSWORD}@127.0.0.1:${proxyPort}`;
  const client = (environment: Record<string, string>, connection: object = {}, settings: string[] = []) =>
    makeClient({
      environment,
      settings: ['LogLevel=3', 'MaxRetries=0', ...settings],
      connection: { sslCACerts: pki.caCert, ...connection },
    });
  const via = async (c: ReturnType<typeof client>, url: string) =>
    ((await (await c.client.request({ method: 'GET', url })).json()) as { via: string | null }).via;

  it('uses http_proxy (lower case) and HTTP_PROXY for http URLs, only when proxyAutoDetect is on', async () => {
    for (const name of ['http_proxy', 'HTTP_PROXY']) {
      const on = client({ [name]: proxyUrl() }, { proxyAutoDetect: true });
      assert.match((await via(on, `${target.url}/${name}`)) ?? '', /cs-env-proxy/, name);
      const messages = on.logs.map((l) => l.message).join('\n');
      assert.ok(!messages.includes(PASSWORD), 'the password from the URL is masked in the log');
    }
    const off = client({ http_proxy: proxyUrl() });
    assert.equal(
      await via(off, `${target.url}/off`),
      null,
      'without proxyAutoDetect the environment is ignored',
    );
  });

  it('uses HTTPS_PROXY for https URLs: a CONNECT tunnel the proxy logs', async () => {
    const c = client({ HTTPS_PROXY: proxyUrl() }, { proxyAutoDetect: true });
    assert.equal(await via(c, `${secureTarget.url}/secure`), null);
    assert.match(tinyproxy.output(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${secureTarget.port} `));
    // http_proxy does not apply to an https URL.
    const before = tinyproxy.output().length;
    const other = client({ http_proxy: proxyUrl() }, { proxyAutoDetect: true });
    assert.equal(await via(other, `${secureTarget.url}/direct`), null);
    assert.ok(!tinyproxy.output().slice(before).includes(`CONNECT 127.0.0.1:${secureTarget.port}`));
  });

  it('falls back to ALL_PROXY; a socks5:// URL goes through the SOCKS server', async () => {
    const http = client({ ALL_PROXY: proxyUrl() }, { proxyAutoDetect: true });
    assert.match((await via(http, `${target.url}/all`)) ?? '', /cs-env-proxy/);
    const socks = client({ all_proxy: `socks5h://127.0.0.1:${socksPort}` }, { proxyAutoDetect: true });
    assert.equal(await via(socks, `${target.url}/socks`), null);
    assert.ok(
      socks.logs.some(
        (l) =>
          l.logType === 'FirewallRequest' && l.message.includes(`SOCKS5 CONNECT 127.0.0.1:${target.port}`),
      ),
    );
  });

  it('NO_PROXY (and no_proxy) names hosts reached directly', async () => {
    for (const noProxy of ['127.0.0.1', 'localhost,127.0.0.0/8', '*', `127.0.0.1:${target.port}`]) {
      const c = client({ http_proxy: proxyUrl(), NO_PROXY: noProxy }, { proxyAutoDetect: true });
      assert.equal(await via(c, `${target.url}/np`), null, noProxy);
    }
    const otherPort = client({ http_proxy: proxyUrl(), no_proxy: '127.0.0.1:1' }, { proxyAutoDetect: true });
    assert.match((await via(otherPort, `${target.url}/np`)) ?? '', /cs-env-proxy/);
  });

  it('firewallAutoDetect takes the environment proxy as the firewall (a CONNECT tunnel or SOCKS)', async () => {
    const tunnel = client({ https_proxy: proxyUrl(), http_proxy: proxyUrl() }, { firewallAutoDetect: true });
    assert.equal(await via(tunnel, `${target.url}/fw`), null, 'tunnelled, so the proxy adds no Via');
    assert.ok(
      tunnel.logs.some((l) => l.logType === 'FirewallRequest' && l.message.startsWith('CONNECT 127.0.0.1:')),
    );
    const socks = client({ ALL_PROXY: `socks5://127.0.0.1:${socksPort}` }, { firewallAutoDetect: true });
    assert.equal(await via(socks, `${target.url}/fw-socks`), null);
    assert.ok(
      socks.logs.some((l) => l.logType === 'FirewallRequest' && l.message.includes('SOCKS5 CONNECT')),
    );
  });

  it('a wrong proxy URL in the environment is a clear error', async () => {
    const c = client({ http_proxy: 'ftp://127.0.0.1:21' }, { proxyAutoDetect: true });
    await assert.rejects(c.client.request({ method: 'GET', url: `${target.url}/x` }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.match(err.message, /http_proxy names a ftp:\/\/ proxy/);
      return true;
    });
  });

  it('ProxyExceptionsList bypasses an explicit proxy for the hosts it lists', async () => {
    const explicit = { proxyServer: '127.0.0.1', proxyPort, proxyUser: USER, proxyPassword: PASSWORD };
    const through = client({}, explicit);
    assert.match((await via(through, `${target.url}/pel`)) ?? '', /cs-env-proxy/);
    const bypass = client({}, explicit, ['ProxyExceptionsList=example.com;127.0.0.1']);
    assert.equal(await via(bypass, `${target.url}/pel`), null);
  });
});

describe('the host list syntax of no_proxy and ProxyExceptionsList', () => {
  const m = (url: string, list: string) => hostMatches(new URL(url), list.split(','));
  it('matches names with their subdomains, addresses, blocks and ports', () => {
    assert.ok(m('https://api.box.com/x', 'box.com'));
    assert.ok(m('https://api.box.com/x', '.box.com'));
    assert.ok(m('https://api.box.com/x', '*.box.com'));
    assert.ok(!m('https://notbox.com/x', 'box.com'));
    assert.ok(m('http://10.1.2.3/', '10.0.0.0/8'));
    assert.ok(!m('http://11.1.2.3/', '10.0.0.0/8'));
    assert.ok(m('http://[::1]:8080/', '[::1]:8080'));
    assert.ok(m('http://[::1]:8080/', '::1'));
    assert.ok(!m('http://[::1]:8080/', '[::1]:9090'));
    assert.ok(m('https://a.example/', 'a.example:443'));
    assert.ok(!m('https://a.example/', ''));
  });
});
