import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { CloudStorageError } from '../../../src/core/errors.js';
import type { SslServerAuthenticationEvent } from '../../../src/core/events.js';
import { makeClient, makePki, startServer, type TestPki, type TestServer } from './helpers.js';

describe('TLS', () => {
  let pki: TestPki;
  let server: TestServer;
  let wrongHost: TestServer;
  let mutual: TestServer;

  before(async () => {
    pki = await makePki();
    const hello = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${peer?.subject?.CN ?? 'anonymous'}`);
    };
    server = await startServer(hello, { tls: { cert: pki.serverCert, key: pki.serverKey } });
    wrongHost = await startServer(hello, { tls: { cert: pki.wrongHostCert, key: pki.wrongHostKey } });
    mutual = await startServer(hello, {
      tls: {
        cert: pki.serverCert,
        key: pki.serverKey,
        ca: pki.caCert,
        requestCert: true,
        rejectUnauthorized: true,
      },
    });
  });
  after(async () => {
    await server?.close();
    await wrongHost?.close();
    await mutual?.close();
    await pki?.cleanup();
  });

  const capture = (client: ReturnType<typeof makeClient>) => {
    const seen: Array<SslServerAuthenticationEvent & { acceptBefore: boolean }> = [];
    client.events.on('sslServerAuthentication', (e) => seen.push({ ...e, acceptBefore: e.accept }));
    return seen;
  };

  it('rejects a certificate from an unknown CA by default, with a clear SSL error', async () => {
    const c = makeClient();
    const seen = capture(c);
    await assert.rejects(c.client.request({ method: 'GET', url: server.url }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 280);
      assert.match(
        err.message,
        /certificate of 127\.0\.0\.1 \(CN=localhost, O=Cloudstorage Tests\) was rejected/,
      );
      assert.match(err.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      assert.match(err.message, /SSLCACerts/);
      return true;
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.acceptBefore, false);
    assert.equal(server.seen.length, 0);
  });

  it('lets an sslServerAuthentication listener accept it, with the certificate details', async () => {
    const c = makeClient();
    const seen = capture(c);
    c.events.on('sslServerAuthentication', (e) => {
      e.accept = true;
    });
    const status: string[] = [];
    c.events.on('sslStatus', (e) => status.push(e.message));
    const res = await c.client.request({ method: 'GET', url: `${server.url}/x` });
    assert.equal(await res.text(), 'hello anonymous');
    assert.equal(seen.length, 1);
    const event = seen[0]!;
    assert.equal(event.acceptBefore, false);
    assert.equal(event.certSubject, 'CN=localhost, O=Cloudstorage Tests');
    assert.equal(event.certIssuer, 'CN=Test Root CA, O=Cloudstorage Tests');
    assert.match(event.status, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    assert.ok(Buffer.from(event.certEncoded).equals(new X509Certificate(pki.serverCert).raw));
    assert.ok(status.some((m) => /TLSv1\.[23]/.test(m)));
  });

  it('accepts the server when its CA is given (SSLCACerts setting or sslCACerts option)', async () => {
    const bySetting = makeClient();
    bySetting.settings.config(`SSLCACerts=${pki.caCert}`);
    const seen = capture(bySetting);
    assert.equal(
      await (await bySetting.client.request({ method: 'GET', url: server.url })).text(),
      'hello anonymous',
    );
    assert.deepEqual(
      seen.map((e) => [e.status, e.acceptBefore]),
      [['OK', true]],
    );
    const byOption = makeClient({ connection: { sslCACerts: [pki.otherCaCert, pki.caCert] } });
    assert.equal(
      (await byOption.client.request({ method: 'GET', url: `https://localhost:${server.port}/` })).status,
      200,
    );
  });

  it('still checks the host name when the CA is trusted', async () => {
    const c = makeClient({ connection: { sslCACerts: pki.caCert } });
    const seen = capture(c);
    await assert.rejects(c.client.request({ method: 'GET', url: wrongHost.url }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      assert.equal(err.code, 280);
      assert.match(err.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
      return true;
    });
    assert.match(seen[0]!.status, /does not match/);
  });

  it('a listener can also refuse a certificate that passed the checks', async () => {
    const c = makeClient({ connection: { sslCACerts: pki.caCert } });
    c.events.on('sslServerAuthentication', (e) => {
      e.accept = false;
    });
    await assert.rejects(
      c.client.request({ method: 'GET', url: server.url }),
      (err: unknown) =>
        err instanceof CloudStorageError && err.code === 280 && /listener rejected it/.test(err.message),
    );
  });

  it('sslAcceptServerCert accepts exactly that certificate (by SHA-256 fingerprint or PEM)', async () => {
    const der = new X509Certificate(pki.serverCert).raw;
    const fingerprint = createHash('sha256')
      .update(der)
      .digest('hex')
      .toUpperCase()
      .replace(/(..)(?=.)/g, '$1:');
    const byFingerprint = makeClient({ connection: { sslAcceptServerCert: fingerprint } });
    assert.equal((await byFingerprint.client.request({ method: 'GET', url: server.url })).status, 200);
    const byPem = makeClient({ connection: { sslAcceptServerCert: pki.serverCert } });
    assert.equal((await byPem.client.request({ method: 'GET', url: server.url })).status, 200);
    // Another certificate's fingerprint does not help.
    const other = makeClient({ connection: { sslAcceptServerCert: pki.wrongHostCert } });
    await assert.rejects(
      other.client.request({ method: 'GET', url: server.url }),
      (err: unknown) => err instanceof CloudStorageError && err.code === 280,
    );
  });

  it('presents a client certificate for mutual TLS', async () => {
    const withCert = makeClient({
      connection: { sslCACerts: pki.caCert, sslCert: { cert: pki.clientCert, key: pki.clientKey } },
    });
    const res = await withCert.client.request({ method: 'GET', url: mutual.url });
    assert.equal(await res.text(), 'hello test-client');

    const without = makeClient({ connection: { sslCACerts: pki.caCert }, settings: ['MaxRetries=0'] });
    await assert.rejects(without.client.request({ method: 'GET', url: mutual.url }), (err: unknown) => {
      assert.ok(err instanceof CloudStorageError);
      // TLS 1.3 sends the server's refusal after the handshake: an alert (276), a reset (10054) or a plain close (1120).
      assert.ok([276, 10054, 1120].includes(Number(err.code)), `code ${err.code}: ${err.message}`);
      return true;
    });
    assert.equal(mutual.seen.length, 1);
  });
});
