import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getFips, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type tls from 'node:tls';
import zlib from 'node:zlib';
import { CloudClient, type CloudClientOptions, coreSettings } from '../../../src/core/client.js';
import { Settings } from '../../../src/core/config.js';
import { CloudStorageError } from '../../../src/core/errors.js';
import type { CoreEvents } from '../../../src/core/events.js';
import { httpSettings } from '../../../src/core/http/settings.js';
import { freePort, makeClient, makePki, startServer, type TestPki, type TestServer } from './helpers.js';

/** Every generic config setting of the four reference classes (HTTP, TCPClient, SSL, Socket, Base). */
const REFERENCE_GENERIC_SETTINGS = [
  // HTTP
  'AcceptEncoding',
  'AllowHTTPCompression',
  'AllowHTTPFallback',
  'Append',
  'Authorization',
  'BytesTransferred',
  'ChunkSize',
  'CompressHTTPRequest',
  'EncodeURL',
  'FollowRedirects',
  'GetOn302Redirect',
  'HTTP2HeadersWithoutIndexing',
  'HTTPVersion',
  'IfModifiedSince',
  'KeepAlive',
  'KerberosSPN',
  'LogLevel',
  'MaxRedirectAttempts',
  'NegotiatedHTTPVersion',
  'OtherHeaders',
  'ProxyAuthorization',
  'ProxyAuthScheme',
  'ProxyPassword',
  'ProxyPort',
  'ProxyServer',
  'ProxyUser',
  'SentHeaders',
  'StatusCode',
  'StatusLine',
  'TransferredData',
  'TransferredDataLimit',
  'TransferredHeaders',
  'TransferredRequest',
  'UseChunkedEncoding',
  'UseIDNs',
  'UsePlatformHTTPClient',
  'UseProxyAutoConfigURL',
  'UserAgent',
  // TCPClient
  'ConnectionTimeout',
  'FirewallAutoDetect',
  'FirewallHost',
  'FirewallPassword',
  'FirewallPort',
  'FirewallType',
  'FirewallUser',
  'KeepAliveInterval',
  'KeepAliveTime',
  'Linger',
  'LingerTime',
  'LocalHost',
  'LocalPort',
  'MaxLineLength',
  'MaxTransferRate',
  'ProxyExceptionsList',
  'TCPKeepAlive',
  'TcpNoDelay',
  'UseIPv6',
  // SSL
  'LogSSLPackets',
  'OpenSSLCADir',
  'OpenSSLCAFile',
  'OpenSSLCipherList',
  'OpenSSLPrngSeedData',
  'ReuseSSLSession',
  'SSLCACertFilePaths',
  'SSLCACerts',
  'SSLCheckCRL',
  'SSLCheckOCSP',
  'SSLCipherStrength',
  'SSLClientCACerts',
  'SSLEnableRenegotiation',
  'SSLEnabledCipherSuites',
  'SSLEnabledProtocols',
  'SSLIncludeCertChain',
  'SSLKeyLogFile',
  'SSLNegotiatedCipher',
  'SSLNegotiatedCipherStrength',
  'SSLNegotiatedCipherSuite',
  'SSLNegotiatedKeyExchange',
  'SSLNegotiatedKeyExchangeStrength',
  'SSLNegotiatedVersion',
  'SSLSecurityFlags',
  'SSLServerCACerts',
  'TLS12SignatureAlgorithms',
  'TLS12SupportedGroups',
  'TLS13KeyShareGroups',
  'TLS13SignatureAlgorithms',
  'TLS13SupportedGroups',
  // Socket
  'AbsoluteTimeout',
  'FirewallData',
  'InBufferSize',
  'OutBufferSize',
  // Base
  'BuildInfo',
  'CodePage',
  'LicenseInfo',
  'MaskSensitive',
  'MaskSensitiveData',
  'ProcessIdleEvents',
  'SelectWaitMillis',
  'UseFIPSCompliantAPI',
  'UseInternalSecurityAPI',
];

/** Settings that cannot work on Node, with a value the reference allows. */
const NOT_ON_NODE: Array<[string, string]> = [
  ['Append', 'True'],
  ['CodePage', '1252'],
  ['EncodeURL', 'False'],
  ['HTTP2HeadersWithoutIndexing', 'authorization'],
  ['HTTPVersion', '1.0'],
  ['HTTPVersion', '3.0'],
  ['InBufferSize', '65536'],
  ['KeepAliveInterval', '1000'],
  ['KerberosSPN', 'HTTP/host'],
  ['Linger', 'False'],
  ['LingerTime', '5'],
  ['LogSSLPackets', 'True'],
  ['OpenSSLPrngSeedData', 'seed'],
  ['OutBufferSize', '65536'],
  ['ProcessIdleEvents', 'True'],
  ['SelectWaitMillis', '5'],
  ['SSLCheckCRL', '1'],
  ['SSLCheckOCSP', '2'],
  ['UseIDNs', 'False'],
  ['UseInternalSecurityAPI', 'True'],
  ['UsePlatformHTTPClient', 'True'],
  ['UseProxyAutoConfigURL', 'True'],
];

/** A minimal class on the core, to reach the settings and properties the way Box and Dropbox do. */
class Probe extends CloudClient<CoreEvents, typeof coreSettings> {
  constructor(options: CloudClientOptions<typeof coreSettings> = {}) {
    super(coreSettings, options, { oauthService: {} });
  }
  get(url: string) {
    return this.run({}, async (signal) =>
      (await this.http.request({ method: 'GET', url, signal, authenticate: false })).text(),
    );
  }
}

describe('the reference generic settings: every name is known', () => {
  it('each class knows every generic name (none is "unknown")', () => {
    const probe = new Probe();
    const missing = REFERENCE_GENERIC_SETTINGS.filter((name) => !probe.settings.has(name));
    assert.deepEqual(missing, []);
    for (const name of REFERENCE_GENERIC_SETTINGS) {
      const read = () => probe.config(name);
      assert.doesNotThrow(read, name);
    }
  });

  it('the ones that cannot work on Node fail with 601 and say why, never "unknown setting"', () => {
    const settings = new Settings(httpSettings);
    for (const [name, value] of NOT_ON_NODE) {
      assert.throws(
        () => settings.config(`${name}=${value}`),
        (err: unknown) => {
          assert.ok(err instanceof CloudStorageError, name);
          assert.equal(err.code, 601, `${name}: ${err.message}`);
          assert.match(err.message, /not supported on Node\.js: .{20,}/);
          assert.doesNotMatch(err.message, /Unknown/);
          return true;
        },
      );
      // The default stays acceptable, so code that sets it explicitly runs.
      const def = settings.config(name);
      assert.equal(settings.config(`${name}=${def}`), '');
    }
  });

  it('MaskSensitive (as Dropbox spells it) is MaskSensitiveData', () => {
    const settings = new Settings(httpSettings);
    assert.equal(settings.config('MaskSensitive'), 'True');
    assert.throws(() => settings.config('MaskSensitive=False'), /always masked/);
  });

  it('the proxy, firewall and local settings are the properties under their config names', () => {
    const probe = new Probe();
    probe.config('ProxyServer=proxy.example');
    probe.config('ProxyPort=3128');
    probe.config('ProxyAuthScheme=1');
    probe.config('FirewallType=3');
    probe.config('FirewallAutoDetect=True');
    probe.config('LocalHost=127.0.0.1');
    assert.equal(probe.proxyServer, 'proxy.example');
    assert.equal(probe.proxyPort, 3128);
    assert.equal(probe.proxyAuthScheme, 1);
    assert.equal(probe.firewallType, 3);
    assert.equal(probe.firewallAutoDetect, true);
    assert.equal(probe.localHost, '127.0.0.1');
    probe.proxyUser = 'someone';
    assert.equal(probe.config('ProxyUser'), 'someone');
    assert.throws(() => probe.config('FirewallType=5'), /FirewallType/);
  });

  it('BuildInfo and LicenseInfo say what runs', () => {
    const { client } = makeClient();
    const info = client.settings.config('BuildInfo');
    assert.match(info, new RegExp(`Node ${process.versions.node}`));
    assert.match(info, /OpenSSL/);
    assert.match(client.settings.config('LicenseInfo'), /MIT/);
  });

  it('UseFIPSCompliantAPI asks for FIPS mode, and says how to get it when Node is not in it', async () => {
    const server = await startServer((_q, res) => void res.end('ok'));
    try {
      const { client } = makeClient({ settings: ['UseFIPSCompliantAPI=True', 'MaxRetries=0'] });
      const attempt = client.request({ method: 'GET', url: server.url });
      if (getFips() === 1) assert.equal((await attempt).status, 200);
      else
        await assert.rejects(
          attempt,
          (e: unknown) => e instanceof CloudStorageError && e.code === 601 && /--enable-fips/.test(e.message),
        );
    } finally {
      await server.close();
    }
  });
});

describe('HTTP settings over real sockets', () => {
  /** A server that counts TCP connections. */
  async function countingServer(handler: http.RequestListener) {
    let connections = 0;
    const ports: number[] = [];
    const server = http.createServer(handler);
    server.on('connection', (s) => {
      connections++;
      ports.push(s.remotePort ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      connections: () => connections,
      ports,
      close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
    };
  }

  it('KeepAlive: on, three requests share one connection; off, each has its own (Connection: close)', async () => {
    const seen: string[] = [];
    const server = await countingServer((req, res) => {
      seen.push(String(req.headers.connection ?? ''));
      res.end('ok');
    });
    try {
      // (undici may open a second connection while the first is being released; never one per request.)
      const on = makeClient();
      for (let i = 0; i < 5; i++) await (await on.client.request({ method: 'GET', url: server.url })).text();
      const pooled = server.connections();
      assert.ok(pooled < 5, `${pooled} connections for 5 requests`);
      const off = makeClient({ settings: ['KeepAlive=False'] });
      for (let i = 0; i < 3; i++) await (await off.client.request({ method: 'GET', url: server.url })).text();
      assert.equal(server.connections(), pooled + 3);
      assert.deepEqual(seen.slice(5), ['close', 'close', 'close']);
      await on.client.close();
    } finally {
      await server.close();
    }
  });

  it('AllowHTTPCompression / AcceptEncoding: gzip, deflate and br answers are decoded; off, none is asked for', async () => {
    const text = JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => `item-${i}`) });
    const server = await startServer((req, res) => {
      const accept = String(req.headers['accept-encoding'] ?? '');
      const pick = ['br', 'gzip', 'deflate'].find((e) => accept.split(/,\s*/).includes(e));
      const body = Buffer.from(text);
      if (!pick) return void res.end(body);
      const encoded =
        pick === 'br'
          ? zlib.brotliCompressSync(body)
          : pick === 'gzip'
            ? zlib.gzipSync(body)
            : zlib.deflateSync(body);
      res.writeHead(200, { 'content-encoding': pick, 'content-type': 'application/json' });
      res.end(encoded);
    });
    try {
      for (const [accept, expected] of [
        ['gzip, deflate', 'gzip'],
        ['deflate', 'deflate'],
        ['br', 'br'],
      ] as const) {
        const { client } = makeClient({ settings: [`AcceptEncoding=${accept}`] });
        const res = await client.request({ method: 'GET', url: `${server.url}/${expected}` });
        assert.equal(res.headers['content-encoding'], expected);
        assert.equal(await res.text(), text);
        assert.equal(server.seen.at(-1)?.headers['accept-encoding'], accept);
      }
      const { client } = makeClient({ settings: ['AllowHTTPCompression=False'] });
      assert.equal(await (await client.request({ method: 'GET', url: server.url })).text(), text);
      assert.equal(server.seen.at(-1)?.headers['accept-encoding'], undefined);
    } finally {
      await server.close();
    }
  });

  it('CompressHTTPRequest gzips PUT and POST bodies; UseChunkedEncoding sends chunked in ChunkSize pieces', async () => {
    const server = await startServer((_req, res) => void res.end('ok'));
    try {
      const body = 'x'.repeat(50_000);
      const gz = makeClient({ settings: ['CompressHTTPRequest=True'] });
      await gz.client.request({ method: 'POST', url: `${server.url}/gz`, body });
      const got = server.seen.at(-1)!;
      assert.equal(got.headers['content-encoding'], 'gzip');
      assert.ok(got.body.length < body.length);
      assert.equal(zlib.gunzipSync(got.body).toString(), body);

      const chunked = makeClient({ settings: ['UseChunkedEncoding=True', 'ChunkSize=1000'] });
      await chunked.client.request({ method: 'PUT', url: `${server.url}/chunked`, body });
      const put = server.seen.at(-1)!;
      assert.equal(put.headers['transfer-encoding'], 'chunked');
      assert.equal(put.headers['content-length'], undefined);
      assert.equal(put.body.toString(), body);
    } finally {
      await server.close();
    }
  });

  it('IfModifiedSince and UserAgent are sent', async () => {
    const server = await startServer((_req, res) => void res.end('ok'));
    try {
      const date = 'Sat, 29 Oct 2017 19:43:31 GMT';
      const { client } = makeClient({ settings: [`IfModifiedSince=${date}`, 'UserAgent=PortedApp/2.0'] });
      await client.request({ method: 'GET', url: server.url });
      assert.equal(server.seen.at(-1)?.headers['if-modified-since'], date);
      assert.equal(server.seen.at(-1)?.headers['user-agent'], 'PortedApp/2.0');
    } finally {
      await server.close();
    }
  });

  it('MaxTransferRate holds a download and an upload to the rate (never faster)', async () => {
    const size = 300_000;
    const server = await startServer((_req, res) => void res.end(Buffer.alloc(size, 7)));
    try {
      const { client } = makeClient({ settings: ['MaxTransferRate=500000'] });
      let started = performance.now();
      const res = await client.request({ method: 'GET', url: server.url });
      assert.equal((await res.bytes()).length, size);
      // 300 kB at 500 kB/s cannot take less than 0.6 s (a lower bound: a slow machine only adds to it).
      assert.ok(performance.now() - started >= 550, `download took ${performance.now() - started} ms`);
      started = performance.now();
      await client.request({ method: 'PUT', url: server.url, body: Buffer.alloc(size, 1) });
      assert.ok(performance.now() - started >= 550, `upload took ${performance.now() - started} ms`);
    } finally {
      await server.close();
    }
  });
});

describe('TCP settings over real sockets', () => {
  it('LocalHost and LocalPort bind the connection (the server sees that port)', async () => {
    let remote: { address?: string; port?: number } = {};
    const server = await startServer((req, res) => {
      remote = { address: req.socket.remoteAddress, port: req.socket.remotePort };
      res.end('ok');
    });
    try {
      const port = await freePort();
      const { client } = makeClient({
        settings: [`LocalPort=${port}`],
        connection: { localHost: '127.0.0.1' },
      });
      await (await client.request({ method: 'GET', url: server.url })).text();
      assert.deepEqual(remote, { address: '127.0.0.1', port });
      await client.close();
    } finally {
      await server.close();
    }
  });

  it('TCPKeepAlive and KeepAliveTime set the keep-alive timer the kernel shows (ss)', async () => {
    const server = await startServer((_req, res) => void res.end('ok'));
    const timers = (): string => {
      const out = execFileSync('ss', [
        '-tno',
        'state',
        'established',
        `( dport = :${server.port} )`,
      ]).toString();
      return out.split('\n').slice(1).join('\n');
    };
    try {
      const on = makeClient({ settings: ['KeepAliveTime=45000'] });
      await (await on.client.request({ method: 'GET', url: server.url })).text();
      assert.match(timers(), /timer:\(keepalive,4[345]sec/);
      await on.client.destroy();
      const off = makeClient({ settings: ['TCPKeepAlive=False'] });
      await (await off.client.request({ method: 'GET', url: server.url })).text();
      const shown = timers();
      assert.match(shown, /127\.0\.0\.1:\d+/, 'the pooled connection is still open');
      assert.doesNotMatch(shown, /keepalive/);
      await off.client.destroy();
    } finally {
      await server.close();
    }
  });

  it('UseIPv6: 0 IPv4 only, 1 IPv6 only, 2 IPv6 first; for a server on ::1 reached as localhost', async () => {
    const server = http.createServer((_req, res) => res.end('v6'));
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const port = (server.address() as AddressInfo).port;
    const url = `http://localhost:${port}/`;
    try {
      const v4 = makeClient({ settings: ['MaxRetries=0'] });
      await assert.rejects(
        v4.client.request({ method: 'GET', url }),
        (e: unknown) => e instanceof CloudStorageError && e.code === 10061,
      );
      for (const mode of [1, 2]) {
        const { client } = makeClient({ settings: [`UseIPv6=${mode}`] });
        assert.equal(await (await client.request({ method: 'GET', url })).text(), 'v6');
        await client.close();
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('FirewallData lines go with CONNECT to a tunnelling firewall', async () => {
    const target = await startServer((_req, res) => void res.end('through'));
    const heads: string[] = [];
    const tunnel = net.createServer((client) => {
      client.once('data', (head) => {
        heads.push(head.toString('latin1'));
        const upstream = net.connect(target.port, '127.0.0.1', () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          client.pipe(upstream).pipe(client);
        });
        upstream.on('error', () => client.destroy());
      });
      client.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => tunnel.listen(0, '127.0.0.1', resolve));
    try {
      const { client } = makeClient({
        settings: ['FirewallData=X-Firewall-Token: abc123\r\nX-Team: storage'],
        connection: {
          firewallType: 1,
          firewallHost: '127.0.0.1',
          firewallPort: (tunnel.address() as AddressInfo).port,
        },
      });
      assert.equal(await (await client.request({ method: 'GET', url: target.url })).text(), 'through');
      assert.match(heads[0] ?? '', /^CONNECT 127\.0\.0\.1:\d+ HTTP\/1\.1\r\n/);
      assert.match(heads[0] ?? '', /\r\nX-Firewall-Token: abc123\r\nX-Team: storage\r\n/);
      await client.destroy();
    } finally {
      await target.close();
      await new Promise<void>((resolve) => tunnel.close(() => resolve()));
    }
  });
});

describe('SSL settings over real TLS connections', () => {
  let pki: TestPki;
  let dir: string;
  const servers: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    pki = await makePki();
    dir = await mkdtemp(join(tmpdir(), 'cs-ssl-settings-'));
  });
  after(async () => {
    for (const s of servers) await s.close();
    await pki?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** An HTTPS server with the test PKI; `options` tunes its TLS. Answers with what it negotiated. */
  async function tlsServer(options: https.ServerOptions = {}): Promise<TestServer & { reused: boolean[] }> {
    const reused: boolean[] = [];
    const server = await startServer(
      (req, res) => {
        const socket = req.socket as tls.TLSSocket;
        res.end(JSON.stringify({ version: socket.getProtocol(), suite: socket.getCipher().standardName }));
      },
      { tls: { cert: pki.serverCert, key: pki.serverKey, ...options } },
    );
    servers.push(server);
    return Object.assign(server, { reused });
  }
  const ca = () => ({ connection: { sslCACerts: pki.caCert } });

  it('SSLNegotiated* read what the handshake chose, as the server saw it', async () => {
    const server = await tlsServer();
    const { client } = makeClient({ ...ca(), settings: ['TLS13SupportedGroups=ecdhe_secp384r1'] });
    const seen = JSON.parse(await (await client.request({ method: 'GET', url: server.url })).text());
    const s = client.settings;
    assert.equal(s.config('SSLNegotiatedVersion'), seen.version);
    assert.equal(s.config('SSLNegotiatedVersion'), 'TLSv1.3');
    assert.equal(s.config('SSLNegotiatedCipherSuite'), seen.suite);
    assert.match(s.config('SSLNegotiatedCipher'), /^(AES_(128|256)_GCM|CHACHA20_POLY1305)$/);
    assert.match(s.config('SSLNegotiatedCipherStrength'), /^(128|256)$/);
    assert.equal(s.config('SSLNegotiatedKeyExchange'), 'ECDHE');
    assert.equal(s.config('SSLNegotiatedKeyExchangeStrength'), '384', 'the group TLS13SupportedGroups chose');
    await client.close();
  });

  it('SSLEnabledProtocols sets the TLS versions; OpenSSLCipherList the TLS 1.2 cipher', async () => {
    const tls12 = await tlsServer({ maxVersion: 'TLSv1.2' });
    const only13 = makeClient({ ...ca(), settings: ['SSLEnabledProtocols=12288', 'MaxRetries=0'] });
    await assert.rejects(
      only13.client.request({ method: 'GET', url: tls12.url }),
      (e: unknown) => e instanceof CloudStorageError && e.code === 276,
    );
    const c = makeClient({
      ...ca(),
      settings: ['SSLEnabledProtocols=3072', 'OpenSSLCipherList=ECDHE-RSA-AES128-GCM-SHA256'],
    });
    const seen = JSON.parse(await (await c.client.request({ method: 'GET', url: tls12.url })).text());
    assert.equal(seen.version, 'TLSv1.2');
    assert.equal(seen.suite, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(c.client.settings.config('SSLNegotiatedCipherSuite'), seen.suite);
    assert.equal(c.client.settings.config('SSLNegotiatedCipher'), 'AES_128_GCM');
    assert.throws(() => c.client.settings.config('SSLEnabledProtocols=48'), /SSL 2 and SSL 3/);
    await c.client.close();
  });

  it('SSLCipherStrength refuses a weaker cipher (276)', async () => {
    const server = await tlsServer({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    const { client } = makeClient({ ...ca(), settings: ['SSLCipherStrength=256', 'MaxRetries=0'] });
    await assert.rejects(
      client.request({ method: 'GET', url: server.url }),
      (e: unknown) =>
        e instanceof CloudStorageError && e.code === 276 && /SSLCipherStrength=256/.test(e.message),
    );
  });

  it('OpenSSLCAFile, OpenSSLCADir and SSLServerCACerts add trusted CAs', async () => {
    const server = await tlsServer();
    const none = makeClient({ settings: ['MaxRetries=0'] });
    await assert.rejects(
      none.client.request({ method: 'GET', url: server.url }),
      (e: unknown) => e instanceof CloudStorageError && e.code === 280,
    );
    const caDir = join(dir, 'cas');
    await import('node:fs/promises').then((fs) => fs.mkdir(caDir));
    await writeFile(join(caDir, 'test-root.pem'), pki.caCert);
    const caFile = join(dir, 'bundle.pem');
    await writeFile(caFile, pki.caCert);
    for (const setting of [
      `OpenSSLCAFile=${caFile}`,
      `OpenSSLCADir=${caDir}`,
      `SSLServerCACerts=${pki.caCert}`,
      `SSLCACertFilePaths=/nonexistent.pem;${caFile}`,
    ]) {
      const { client } = makeClient({ settings: [setting] });
      assert.equal((await client.request({ method: 'GET', url: server.url })).status, 200, setting);
      await client.close();
    }
  });

  it('SSLSecurityFlags: 0x10 accepts an unknown CA, 0x80000000 a wrong host name; each only that', async () => {
    const server = await tlsServer();
    const wrongHost = await tlsServer({ cert: pki.wrongHostCert, key: pki.wrongHostKey });
    const unknownCa = makeClient({ settings: ['SSLSecurityFlags=16'] });
    assert.equal((await unknownCa.client.request({ method: 'GET', url: server.url })).status, 200);
    const hostOnly = makeClient({ ...ca(), settings: ['SSLSecurityFlags=2147483648'] });
    assert.equal((await hostOnly.client.request({ method: 'GET', url: wrongHost.url })).status, 200);
    const strict = makeClient({ ...ca(), settings: ['SSLSecurityFlags=16', 'MaxRetries=0'] });
    await assert.rejects(
      strict.client.request({ method: 'GET', url: wrongHost.url }),
      (e: unknown) => e instanceof CloudStorageError && e.code === 280,
    );
    await unknownCa.client.close();
    await hostOnly.client.close();
  });

  it('SSLKeyLogFile gets the session secrets (NSS key log lines)', async () => {
    const server = await tlsServer();
    const file = join(dir, 'keys.log');
    const { client } = makeClient({ ...ca(), settings: [`SSLKeyLogFile=${file}`] });
    await (await client.request({ method: 'GET', url: server.url })).text();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    assert.ok(
      lines.some((l) => /^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]+$/.test(l)),
      lines.join('\n'),
    );
    await client.close();
  });

  it('ReuseSSLSession resumes the session on the next connection; off, it does not', async () => {
    const resumed: boolean[] = [];
    const server = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, (req, res) => {
      resumed.push((req.socket as tls.TLSSocket).isSessionReused());
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      for (const reuse of ['True', 'False']) {
        const { client } = makeClient({ ...ca(), settings: ['KeepAlive=False', `ReuseSSLSession=${reuse}`] });
        for (let i = 0; i < 2; i++) await (await client.request({ method: 'GET', url })).text();
        await client.close();
      }
      assert.deepEqual(resumed, [false, true, false, false]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('HTTPVersion=2.0 speaks HTTP/2 (NegotiatedHTTPVersion), falls back unless AllowHTTPFallback is off', async () => {
    const h2 = http2.createSecureServer(
      { cert: pki.serverCert, key: pki.serverKey, allowHTTP1: true },
      (req, res) => {
        res.end(`http ${req.httpVersion}`);
      },
    );
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    const h2url = `https://127.0.0.1:${(h2.address() as AddressInfo).port}/`;
    const h1 = await tlsServer();
    try {
      const { client } = makeClient({ ...ca(), settings: ['HTTPVersion=2.0'] });
      assert.equal(await (await client.request({ method: 'GET', url: h2url })).text(), 'http 2.0');
      assert.equal(client.settings.config('NegotiatedHTTPVersion'), '2.0');
      await (await client.request({ method: 'GET', url: h1.url })).text();
      assert.equal(client.settings.config('NegotiatedHTTPVersion'), '1.1');
      await client.destroy();
      const strict = makeClient({
        ...ca(),
        settings: ['HTTPVersion=2.0', 'AllowHTTPFallback=False', 'MaxRetries=0'],
      });
      await assert.rejects(
        strict.client.request({ method: 'GET', url: h1.url }),
        (e: unknown) => e instanceof CloudStorageError && e.code === 276 && /HTTP\/2/.test(e.message),
      );
      const plain = makeClient({ settings: ['HTTPVersion=2.0'] });
      await assert.rejects(
        plain.client.request({ method: 'GET', url: 'http://127.0.0.1:1/' }),
        (e: unknown) => e instanceof CloudStorageError && e.code === 151,
      );
      const h11 = makeClient({ ...ca() });
      assert.equal(await (await h11.client.request({ method: 'GET', url: h2url })).text(), 'http 1.1');
      await h11.client.close();
    } finally {
      await new Promise<void>((resolve) => h2.close(() => resolve()));
    }
  });

  it('the sslServerCert* properties expand the server certificate; SSLIncludeCertChain puts the chain in the event', async () => {
    const server = await tlsServer({ cert: `${pki.serverCert}\n${pki.caCert}` });
    const probe = new Probe({ sslCACerts: pki.caCert });
    let encoded: Uint8Array = new Uint8Array(0);
    probe.on('sslServerAuthentication', (e) => {
      encoded = e.certEncoded;
    });
    await probe.get(server.url);
    const x509 = new X509Certificate(pki.serverCert);
    assert.equal(probe.sslServerCertSubject, 'CN=localhost, O=Cloudstorage Tests');
    assert.equal(probe.sslServerCertIssuer, 'CN=Test Root CA, O=Cloudstorage Tests');
    assert.equal(probe.sslServerCertSerialNumber, x509.serialNumber);
    assert.equal(probe.sslServerCertFingerprintSHA256, x509.fingerprint256.replace(/:/g, '').toLowerCase());
    assert.equal(probe.sslServerCertFingerprintSHA1, x509.fingerprint.replace(/:/g, '').toLowerCase());
    assert.match(probe.sslServerCertFingerprint, /^[0-9a-f]{32}$/);
    assert.match(probe.sslServerCertSubjectAltNames, /DNS:localhost/);
    assert.match(probe.sslServerCertSubjectAltNames, /IP Address:127\.0\.0\.1/);
    assert.equal(probe.sslServerCertExtendedKeyUsage, '1.3.6.1.5.5.7.3.1');
    assert.match(probe.sslServerCertEffectiveDate, /^\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d$/);
    assert.equal(
      new Date(x509.validTo).getFullYear(),
      Number(probe.sslServerCertExpirationDate.slice(7, 11)),
    );
    assert.equal(probe.sslServerCertPublicKeyAlgorithm, 'RSA');
    assert.equal(probe.sslServerCertPublicKeyLength, 2048);
    assert.equal(probe.sslServerCertSignatureAlgorithm, 'sha256WithRSAEncryption');
    assert.equal(Buffer.from(probe.sslServerCertPublicKey, 'base64').length > 256, true);
    assert.equal(encoded.length, x509.raw.length, 'by default the event has the leaf only');
    await probe.close();
    const withChain = new Probe({ sslCACerts: pki.caCert });
    withChain.config('SSLIncludeCertChain=True');
    withChain.on('sslServerAuthentication', (e) => {
      encoded = e.certEncoded;
    });
    await withChain.get(server.url);
    const caRaw = new X509Certificate(pki.caCert).raw;
    assert.deepEqual(Buffer.from(encoded), Buffer.concat([x509.raw, caRaw]));
    await withChain.close();
  });
});
