import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import { DigestSession, parseChallenges } from '../../../src/core/http/digest.js';
import {
  freePort,
  makeClient,
  makePki,
  startDaemon,
  startServer,
  type TestPki,
  type TestServer,
} from './helpers.js';

const USER = 'alice';
const PASSWORD = 'wonder-Land-7';
const SQUID = '/usr/sbin/squid';

describe('Digest proxy authentication against a real squid with its digest helper', () => {
  let dir: string;
  let squid: Awaited<ReturnType<typeof startDaemon>>;
  let port: number;
  let target: TestServer;
  let secureTarget: TestServer;
  let pki: TestPki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-http-squid-'));
    port = await freePort();
    await writeFile(join(dir, 'passwd'), `${USER}:${PASSWORD}\n`);
    const conf = join(dir, 'squid.conf');
    await writeFile(
      conf,
      [
        `http_port 127.0.0.1:${port}`,
        `pid_filename ${dir}/squid.pid`,
        `cache_log ${dir}/cache.log`,
        `access_log stdio:${dir}/access.log`,
        'cache_store_log none',
        'cache deny all',
        'cache_mem 1 MB',
        `coredump_dir ${dir}`,
        'netdb_filename none',
        'pinger_enable off',
        'dns_nameservers 127.0.0.1',
        'shutdown_lifetime 0 seconds',
        'visible_hostname cs-test-squid',
        `auth_param digest program /usr/lib/squid/digest_file_auth ${dir}/passwd`,
        'auth_param digest realm cs-test-realm',
        'auth_param digest children 1 startup=1 idle=1',
        'auth_param digest nonce_max_count 50',
        'acl authed proxy_auth REQUIRED',
        'http_access allow authed',
        'http_access deny all',
        '',
      ].join('\n'),
    );
    // Started as root, squid runs as the "proxy" user, which must be able to write its files.
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'proxy']).toString().trim());
      for (const f of ['', 'passwd', 'squid.conf']) await chown(join(dir, f), uid, -1);
    }
    squid = await startDaemon(SQUID, ['-N', '-f', conf], port);
    const echo = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          via: req.headers.via ?? null,
          path: req.url,
          proxyAuth: req.headers['proxy-authorization'] ?? null,
        }),
      );
    };
    target = await startServer(echo);
    pki = await makePki();
    secureTarget = await startServer(echo, { tls: { cert: pki.serverCert, key: pki.serverKey } });
  });
  after(async () => {
    await squid?.stop();
    await target?.close();
    await secureTarget?.close();
    await pki?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const accessLog = async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n');
  const denials = async (needle: string) =>
    (await accessLog()).filter((l) => l.includes('TCP_DENIED/407') && l.includes(needle)).length;
  const withDigest = (password = PASSWORD, extra: object = {}) =>
    makeClient({
      settings: ['LogLevel=3', 'MaxRetries=0'],
      connection: {
        proxyServer: '127.0.0.1',
        proxyPort: port,
        proxyAuthScheme: 1,
        proxyUser: USER,
        proxyPassword: password,
        sslCACerts: pki.caCert,
        ...extra,
      },
    });

  it('forwards http requests: one 407, then the nonce is reused with a growing nc', async () => {
    const { client, logs } = withDigest();
    for (let i = 0; i < 3; i++) {
      const res = await client.request({ method: 'GET', url: `${target.url}/fwd-${i}` });
      const body = await res.json<{ via: string | null; proxyAuth: string | null }>();
      assert.match(body.via ?? '', /cs-test-squid/, 'the request went through squid');
      assert.equal(body.proxyAuth, null, 'squid does not pass the credentials on');
    }
    // squid authenticated all three as alice, and challenged only the first.
    const served = (await accessLog()).filter((l) => / alice /.test(l) && l.includes(`${target.url}/fwd-`));
    assert.equal(served.length, 3);
    assert.equal(await denials(`${target.url}/fwd-`), 1);
    const all = logs.map((l) => l.message).join('\n');
    assert.ok(!all.includes(PASSWORD));
  });

  it('a POST with a body is sent again after the challenge, body and all', async () => {
    const { client } = withDigest();
    const res = await client.request({ method: 'POST', url: `${target.url}/post`, body: 'payload' });
    assert.equal(res.status, 200);
    assert.equal(
      target.seen
        .filter((r) => r.url === '/post')
        .at(-1)
        ?.body.toString(),
      'payload',
    );
  });

  it('opens CONNECT tunnels (http with proxySSL=3, and https): one 407, later tunnels authenticate at once', async () => {
    const { client, logs } = withDigest(PASSWORD, { proxySSL: 3 });
    const plain = await client.request({ method: 'GET', url: `${target.url}/tunnelled` });
    assert.equal((await plain.json<{ via: string | null }>()).via, null, 'inside a tunnel squid adds no Via');
    const secure = await client.request({ method: 'GET', url: `${secureTarget.url}/secure` });
    assert.equal((await secure.json<{ path: string }>()).path, '/secure');
    // squid logs a tunnel when it ends: close ours, then wait for both entries.
    await client.destroy();
    let connects: string[] = [];
    for (let i = 0; i < 100; i++) {
      connects = (await accessLog()).filter((l) => l.includes(' CONNECT 127.0.0.1:') && / alice /.test(l));
      if (connects.length >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(connects.some((l) => l.includes(`CONNECT 127.0.0.1:${target.port}`) && / alice /.test(l)));
    assert.ok(
      connects.some((l) => l.includes(`CONNECT 127.0.0.1:${secureTarget.port}`) && / alice /.test(l)),
    );
    assert.equal(await denials(`CONNECT 127.0.0.1:${target.port}`), 1, 'the first tunnel was challenged');
    assert.equal(await denials(`CONNECT 127.0.0.1:${secureTarget.port}`), 0, 'the second reused the nonce');
    const sent = logs.filter((l) => l.logType === 'ProxyRequest').map((l) => l.message);
    assert.ok(
      sent.some((m) => /Proxy-Authorization: /.test(m)),
      'the tunnel request carried credentials',
    );
    assert.ok(!sent.join('\n').includes(PASSWORD));
  });

  it('a wrong password is a clear proxy error (118), both ways; no credentials say what the proxy asks for', async () => {
    for (const mode of [0, 3] as const) {
      const { client } = withDigest('not-the-password', { proxySSL: mode });
      await assert.rejects(client.request({ method: 'GET', url: `${target.url}/wrong` }), (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.code, 118);
        assert.equal(err.httpStatus, 407);
        assert.match(err.message, /rejected the credentials/);
        assert.ok(!err.message.includes('not-the-password'));
        return true;
      });
    }
    const anonymous = makeClient({
      settings: ['MaxRetries=0'],
      connection: { proxyServer: '127.0.0.1', proxyPort: port, proxyAuthScheme: 1, proxySSL: 3 },
    });
    await assert.rejects(
      anonymous.client.request({ method: 'GET', url: `${target.url}/none` }),
      (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.code, 118);
        assert.match(err.message, /requires authentication.*digest/);
        return true;
      },
    );
  });

  it('NTLM (4) stays unsupported, and says why', async () => {
    const { client } = withDigest(PASSWORD, { proxyAuthScheme: 4 });
    await assert.rejects(client.request({ method: 'GET', url: `${target.url}/ntlm` }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 601);
      assert.match(err.message, /NTLM.*not supported/);
      return true;
    });
  });
});

describe('Digest responses (RFC 7616 section 3.9.1 examples)', () => {
  const challenge = (algorithm: string) =>
    parseChallenges(
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", Basic realm="other"`,
    );
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

  it('computes the MD5 and SHA-256 responses of the RFC', () => {
    for (const [algorithm, response] of [
      ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
      ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
    ] as const) {
      const [digest, basic] = challenge(algorithm);
      assert.equal(digest?.scheme, 'digest');
      assert.equal(basic?.scheme, 'basic');
      const session = new DigestSession('Mufasa', 'Circle of Life', 'test');
      assert.ok(session.accept(digest!));
      const header = session.authorization('GET', '/dir/index.html', cnonce);
      assert.match(header, new RegExp(`response="${response}"`));
      assert.match(header, /qop=auth, nc=00000001/);
      assert.match(header, /opaque="FQhe/);
    }
  });

  it('counts the uses of a nonce; the same nonce again without stale means the credentials were refused', () => {
    const [digest] = challenge('MD5');
    const session = new DigestSession('Mufasa', 'Circle of Life', 'test');
    session.accept(digest!);
    session.authorization('GET', '/a');
    assert.match(session.authorization('GET', '/b'), /nc=00000002/);
    assert.equal(session.accept(digest!), false);
    const [stale] = parseChallenges(
      'Digest realm="http-auth@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", qop="auth", stale=true',
    );
    assert.equal(session.accept(stale!), true);
    assert.match(session.authorization('GET', '/c'), /nc=00000001/);
  });

  it('refuses what it cannot answer (auth-int only, unknown algorithms) with 601', () => {
    const session = new DigestSession('u', 'p', 'The proxy x');
    const [intOnly] = parseChallenges('Digest realm="r", nonce="n", qop="auth-int"');
    assert.throws(
      () => session.accept(intOnly!),
      (e: unknown) => e instanceof CloudStorageError && e.code === 601,
    );
    const [sha1] = parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-1');
    assert.throws(
      () => session.accept(sha1!),
      (e: unknown) => e instanceof CloudStorageError && e.code === 601,
    );
  });
});
