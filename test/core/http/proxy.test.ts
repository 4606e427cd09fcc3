import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import {
  freePort,
  makeClient,
  makePki,
  startDaemon,
  startServer,
  type TestPki,
  type TestServer,
} from './helpers.js';

const PROXY_USER = 'tp-user';
const PROXY_PASSWORD = 'tp-Secret-4711';

/** Every log line and error message of these tests is checked for the passwords too. */
function assertNoSecrets(texts: string[], secrets: string[]): void {
  for (const text of texts) for (const s of secrets) assert.ok(!text.includes(s), `secret leaked: ${text}`);
}

describe('through a real HTTP proxy (tinyproxy)', () => {
  let dir: string;
  let proxy: Awaited<ReturnType<typeof startDaemon>>;
  let proxyPort: number;
  let target: TestServer;
  let secureTarget: TestServer;
  let pki: TestPki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-http-tinyproxy-'));
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
        `BasicAuth ${PROXY_USER} ${PROXY_PASSWORD}`,
        'ViaProxyName "cs-test-proxy"',
        '',
      ].join('\n'),
    );
    proxy = await startDaemon('/usr/bin/tinyproxy', ['-d', '-c', conf], proxyPort);
    const echo = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ via: req.headers.via ?? null, path: req.url }));
    };
    target = await startServer(echo);
    pki = await makePki();
    secureTarget = await startServer(echo, { tls: { cert: pki.serverCert, key: pki.serverKey } });
  });
  after(async () => {
    await proxy?.stop();
    await target?.close();
    await secureTarget?.close();
    await pki?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const withProxy = (user: string | undefined, password: string | undefined, extra: object = {}) =>
    makeClient({
      settings: ['LogLevel=3', 'MaxRetries=0'],
      connection: {
        proxyServer: '127.0.0.1',
        proxyPort,
        ...(user ? { proxyUser: user } : {}),
        ...(password ? { proxyPassword: password } : {}),
        ...extra,
      },
    });

  it('forwards an http request with Basic credentials (the target sees the proxy Via header)', async () => {
    const { client, logs } = withProxy(PROXY_USER, PROXY_PASSWORD);
    const res = await client.request({ method: 'GET', url: `${target.url}/forwarded?x=1` });
    const body = await res.json<{ via: string | null; path: string }>();
    assert.match(body.via ?? '', /cs-test-proxy/);
    assert.equal(body.path, '/forwarded?x=1');
    // The request line went to the proxy as an absolute URI.
    assert.ok(
      logs.some(
        (l) =>
          l.logType === 'RequestHeaders' && l.message.startsWith(`GET ${target.url}/forwarded?x=1 HTTP/1.1`),
      ),
    );
    assertNoSecrets(
      logs.map((l) => l.message),
      [PROXY_PASSWORD, Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')],
    );
  });

  it('tunnels with CONNECT when proxySSL=3, and for https targets', async () => {
    const { client, logs } = withProxy(PROXY_USER, PROXY_PASSWORD, { proxySSL: 3, sslCACerts: pki.caCert });
    const res = await client.request({ method: 'GET', url: `${target.url}/tunnelled` });
    // Inside a tunnel the proxy does not touch the request, so no Via header.
    assert.deepEqual(await res.json(), { via: null, path: '/tunnelled' });
    const secure = await client.request({ method: 'GET', url: `${secureTarget.url}/secure` });
    assert.deepEqual(await secure.json(), { via: null, path: '/secure' });
    // The proxy saw both CONNECTs.
    const output = proxy.output();
    assert.match(output, new RegExp(`CONNECT 127\\.0\\.0\\.1:${target.port} `));
    assert.match(output, new RegExp(`CONNECT 127\\.0\\.0\\.1:${secureTarget.port} `));
    assert.ok(logs.some((l) => l.logType === 'ProxyRequest' && l.message.startsWith('CONNECT 127.0.0.1:')));
    assert.ok(logs.some((l) => l.logType === 'ProxyResponse' && /^HTTP\/1\.\d 200/.test(l.message)));
    assertNoSecrets(
      logs.map((l) => l.message),
      [PROXY_PASSWORD],
    );
  });

  it('works as a tunnelling firewall (firewallType 1) too', async () => {
    const { client, logs } = makeClient({
      settings: ['LogLevel=3'],
      connection: {
        firewallType: 1,
        firewallHost: '127.0.0.1',
        firewallPort: proxyPort,
        firewallUser: PROXY_USER,
        firewallPassword: PROXY_PASSWORD,
      },
    });
    const res = await client.request({ method: 'GET', url: `${target.url}/through-firewall` });
    assert.deepEqual(await res.json(), { via: null, path: '/through-firewall' });
    assert.ok(
      logs.some((l) => l.logType === 'FirewallRequest' && l.message.startsWith('CONNECT 127.0.0.1:')),
    );
    assertNoSecrets(
      logs.map((l) => l.message),
      [PROXY_PASSWORD],
    );
  });

  it('says so when the proxy itself cannot be reached', async () => {
    const port = await freePort();
    for (const mode of [0, 3] as const) {
      const { client } = makeClient({
        connection: { proxyServer: '127.0.0.1', proxyPort: port, proxySSL: mode },
      });
      await assert.rejects(client.request({ method: 'GET', url: `${target.url}/x` }), (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.code, 118);
        assert.match(err.message, new RegExp(`Could not connect to the proxy 127\\.0\\.0\\.1:${port}`));
        return true;
      });
    }
  });

  it('fails with a clear proxy error (118) for wrong or missing credentials, both ways', async () => {
    for (const mode of [0, 3] as const) {
      const wrong = withProxy(PROXY_USER, 'not-the-password', { proxySSL: mode });
      await assert.rejects(
        wrong.client.request({ method: 'GET', url: `${target.url}/x` }),
        (err: unknown) => {
          assert.ok(err instanceof CloudStorageError);
          assert.equal(err.code, 118);
          assert.match(err.message, /rejected the credentials.*proxyUser and proxyPassword/);
          assert.ok(!err.message.includes('not-the-password'));
          return true;
        },
      );
      const none = withProxy(undefined, undefined, { proxySSL: mode });
      await assert.rejects(none.client.request({ method: 'GET', url: `${target.url}/x` }), (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.code, 118);
        assert.match(err.message, /requires authentication/);
        return true;
      });
    }
  });
});

describe('through a real SOCKS5 server (microsocks)', () => {
  let target: TestServer;
  const daemons: Array<Awaited<ReturnType<typeof startDaemon>>> = [];
  let openPort: number;
  let authPort: number;

  before(async () => {
    target = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${req.url}`);
    });
    openPort = await freePort();
    daemons.push(
      await startDaemon('/usr/bin/microsocks', ['-i', '127.0.0.1', '-p', String(openPort)], openPort),
    );
    authPort = await freePort();
    daemons.push(
      await startDaemon(
        '/usr/bin/microsocks',
        ['-i', '127.0.0.1', '-p', String(authPort), '-u', 'sockuser', '-P', 'sock-Pass-0815'],
        authPort,
      ),
    );
  });
  after(async () => {
    for (const d of daemons) await d.stop();
    await target?.close();
  });

  it('connects without authentication', async () => {
    const { client, logs } = makeClient({
      settings: ['LogLevel=3'],
      connection: { firewallType: 3, firewallHost: '127.0.0.1', firewallPort: openPort },
    });
    const res = await client.request({ method: 'GET', url: `${target.url}/open` });
    assert.equal(await res.text(), 'hello /open');
    // The connection to the target came from the SOCKS server, which logged it.
    assert.ok(
      logs.some(
        (l) =>
          l.logType === 'FirewallRequest' && l.message.includes(`SOCKS5 CONNECT 127.0.0.1:${target.port}`),
      ),
    );
    assert.ok(logs.some((l) => l.logType === 'FirewallResponse' && /established/.test(l.message)));
  });

  it('connects with a user name and password, and fails clearly with wrong ones', async () => {
    const ok = makeClient({
      settings: ['LogLevel=3'],
      connection: {
        firewallType: 3,
        firewallHost: '127.0.0.1',
        firewallPort: authPort,
        firewallUser: 'sockuser',
        firewallPassword: 'sock-Pass-0815',
      },
    });
    const res = await ok.client.request({ method: 'GET', url: `${target.url}/auth` });
    assert.equal(await res.text(), 'hello /auth');

    const bad = makeClient({
      settings: ['LogLevel=3'],
      connection: {
        firewallType: 3,
        firewallHost: '127.0.0.1',
        firewallPort: authPort,
        firewallUser: 'sockuser',
        firewallPassword: 'wrong-Pass-1234',
      },
    });
    await assert.rejects(bad.client.request({ method: 'GET', url: `${target.url}/auth` }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 118);
      assert.match(err.message, /SOCKS5 server 127\.0\.0\.1:\d+ did not connect us/);
      assert.ok(!err.message.includes('wrong-Pass-1234'));
      return true;
    });
    // Without credentials the server refuses too: it really enforces authentication.
    const anonymous = makeClient({
      connection: { firewallType: 3, firewallHost: '127.0.0.1', firewallPort: authPort },
    });
    await assert.rejects(
      anonymous.client.request({ method: 'GET', url: `${target.url}/auth` }),
      (err: unknown) => err instanceof CloudStorageError && err.code === 118,
    );
    assertNoSecrets(
      [...ok.logs, ...bad.logs].map((l) => l.message),
      ['sock-Pass-0815', 'wrong-Pass-1234'],
    );
  });

  it('fails with a clear error when the SOCKS server is not there', async () => {
    const port = await freePort();
    const { client } = makeClient({
      connection: { firewallType: 3, firewallHost: '127.0.0.1', firewallPort: port },
    });
    await assert.rejects(
      client.request({ method: 'GET', url: `${target.url}/x` }),
      (err: unknown) =>
        err instanceof CloudStorageError && err.code === 118 && /firewallHost/.test(err.message),
    );
  });
});

/**
 * A minimal SOCKS4/4A server (no Debian package provides one): reads the CONNECT request, records it, connects
 * to the destination and relays. Enough to check what the client sends for firewallType 2 and 10.
 */
async function startSocks4(): Promise<{
  port: number;
  requests: Array<{ user: string; host: string; port: number }>;
  close: () => Promise<void>;
}> {
  const net = await import('node:net');
  const requests: Array<{ user: string; host: string; port: number }> = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 9) return;
      const userEnd = buf.indexOf(0, 8);
      if (userEnd < 0) return;
      const ip = [...buf.subarray(4, 8)].join('.');
      let host = ip;
      let end = userEnd + 1;
      if (ip.startsWith('0.0.0.') && ip !== '0.0.0.0') {
        const nameEnd = buf.indexOf(0, end);
        if (nameEnd < 0) return;
        host = buf.subarray(end, nameEnd).toString();
        end = nameEnd + 1;
      }
      client.off('data', onData);
      const port = buf.readUInt16BE(2);
      requests.push({ user: buf.subarray(8, userEnd).toString(), host, port });
      const upstream = net.connect(port, host === 'localhost' ? '127.0.0.1' : host, () => {
        client.write(Buffer.from([0, 0x5a, 0, 0, 0, 0, 0, 0]));
        if (buf.length > end) upstream.write(buf.subarray(end));
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as import('node:net').AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('through a SOCKS4 / SOCKS4A server', () => {
  let target: TestServer;
  let socks: Awaited<ReturnType<typeof startSocks4>>;
  before(async () => {
    target = await startServer((req, res) => {
      res.writeHead(200);
      res.end(`v4 ${req.url}`);
    });
    socks = await startSocks4();
  });
  after(async () => {
    await socks?.close();
    await target?.close();
  });

  it('SOCKS4 (type 2) sends the resolved IPv4 address; SOCKS4A (type 10) the host name', async () => {
    const v4 = makeClient({
      connection: {
        firewallType: 2,
        firewallHost: '127.0.0.1',
        firewallPort: socks.port,
        firewallUser: 'alice',
      },
    });
    const res = await v4.client.request({ method: 'GET', url: `http://localhost:${target.port}/four` });
    assert.equal(await res.text(), 'v4 /four');
    assert.deepEqual(socks.requests.at(-1), { user: 'alice', host: '127.0.0.1', port: target.port });

    const v4a = makeClient({
      connection: { firewallType: 10, firewallHost: '127.0.0.1', firewallPort: socks.port },
    });
    const res4a = await v4a.client.request({ method: 'GET', url: `http://localhost:${target.port}/four-a` });
    assert.equal(await res4a.text(), 'v4 /four-a');
    assert.deepEqual(socks.requests.at(-1), { user: '', host: 'localhost', port: target.port });
  });
});

describe('a request forwarded by an HTTP proxy', () => {
  it('names the target, not the proxy, in its Host header (RFC 9112 §3.2.2)', async () => {
    // A minimal forward proxy that records what it received: the absolute-form request line and Host.
    const proxy = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    try {
      const { client } = makeClient({
        settings: ['MaxRetries=0'],
        connection: { proxyServer: '127.0.0.1', proxyPort: Number(new URL(proxy.url).port) },
      });
      const res = await client.request({ method: 'GET', url: 'http://files.example.test:8123/a/b?c=1' });
      assert.equal(await res.text(), 'ok');
      const seen = proxy.seen[0];
      assert.ok(seen, 'the proxy saw the request');
      assert.equal(seen.url, 'http://files.example.test:8123/a/b?c=1');
      assert.equal(seen.headers.host, 'files.example.test:8123');
    } finally {
      await proxy.close();
    }
  });
});
