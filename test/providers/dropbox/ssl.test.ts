import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { Dropbox, type DropboxOptions } from '../../../src/providers/dropbox/index.js';
import { makePki, type TestPki } from '../../core/http/helpers.js';
import { rejection } from './helpers.js';

/**
 * The reference's SSL properties on the Dropbox class: a client certificate from a PEM or PFX store
 * (selected by subject) or given encoded, the server certificate read back, and a pinned server
 * certificate; against an HTTPS server on loopback that requires a client certificate from its CA.
 */
let pki: TestPki;
let server: Server;
let base: string;

before(async () => {
  pki = await makePki();
  server = createServer(
    { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client: peer?.subject.split('\n').find((l) => l.startsWith('CN=')) ?? '' }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await writeFile(join(pki.dir, 'client-with-key.pem'), `${pki.clientCert}${pki.clientKey}`);
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-in',
      join(pki.dir, 'client.pem'),
      '-inkey',
      join(pki.dir, 'client.key'),
      '-out',
      join(pki.dir, 'client.p12'),
      '-passout',
      'pass:pfx-password',
    ],
    { stdio: 'ignore' },
  );
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await pki.cleanup();
});

function client(options: DropboxOptions = {}): Dropbox {
  return new Dropbox({ apiBaseUrl: base, authorization: 'Bearer x', sslCACerts: pki.caCert, ...options });
}

async function who(c: Dropbox): Promise<string> {
  try {
    const r = await c.sendCustomRequest('POST', '/whoami', '');
    return JSON.parse(Buffer.from(r.body!).toString()).client;
  } finally {
    await c.close();
  }
}

describe('SSL properties', () => {
  test('no client certificate: the server refuses the connection', async () => {
    const err = await rejection(who(client({ maxRetries: 0 })));
    assert.ok(err instanceof Error);
  });

  test('a PEM file store (6), selected by subject', async () => {
    const c = client({
      sslCertStoreType: 6,
      sslCertStore: join(pki.dir, 'client-with-key.pem'),
      sslCertSubject: 'CN=test-client',
    });
    assert.equal(await who(c), 'CN=test-client');
  });

  test('a PFX file store (2) with its password, any subject; automatic detection (99)', async () => {
    const pfx = join(pki.dir, 'client.p12');
    assert.equal(
      await who(
        client({
          sslCertStoreType: 2,
          sslCertStore: pfx,
          sslCertStorePassword: 'pfx-password',
          sslCertSubject: '*',
        }),
      ),
      'CN=test-client',
    );
    assert.equal(
      await who(
        client({
          sslCertStoreType: 99,
          sslCertStore: pfx,
          sslCertStorePassword: 'pfx-password',
          sslCertSubject: '*',
        }),
      ),
      'CN=test-client',
    );
    const blob = await readFile(pfx);
    assert.equal(
      await who(
        client({
          sslCertStoreType: 3,
          sslCertStore: blob,
          sslCertStorePassword: 'pfx-password',
          sslCertSubject: '*',
        }),
      ),
      'CN=test-client',
    );
  });

  test('sslCertEncoded (a PEM with its key) needs no store', async () => {
    assert.equal(
      await who(client({ sslCertEncoded: `${pki.clientCert}${pki.clientKey}` })),
      'CN=test-client',
    );
  });

  test('a subject that does not match is 272 (cannot find the certificate); a Windows store is 601', async () => {
    const mismatch = await rejection(
      who(
        client({
          sslCertStoreType: 7,
          sslCertStore: `${pki.clientCert}${pki.clientKey}`,
          sslCertSubject: 'CN=someone-else',
        }),
      ),
    );
    assert.equal(mismatch.code, 272);
    const windows = await rejection(who(client({ sslCertStoreType: 0, sslCertSubject: 'CN=test-client' })));
    assert.equal(windows.code, 601);
  });

  test('sslServerCertEncoded holds the server certificate; sslAcceptServerCertEncoded pins it', async () => {
    const c = client({ sslCertEncoded: `${pki.clientCert}${pki.clientKey}` });
    await c.sendCustomRequest('POST', '/whoami', '');
    assert.deepEqual(Buffer.from(c.sslServerCertEncoded), new X509Certificate(pki.serverCert).raw);
    await c.close();
    // Without the CA, the server certificate is refused unless pinned.
    const untrusted = new Dropbox({
      apiBaseUrl: base,
      authorization: 'Bearer x',
      sslCertEncoded: `${pki.clientCert}${pki.clientKey}`,
    });
    assert.ok(await rejection(who(untrusted)));
    const pinned = new Dropbox({
      apiBaseUrl: base,
      authorization: 'Bearer x',
      sslCertEncoded: `${pki.clientCert}${pki.clientKey}`,
    });
    pinned.sslAcceptServerCertEncoded = pki.serverCert;
    assert.equal(pinned.sslAcceptServerCert, pki.serverCert);
    assert.equal(await who(pinned), 'CN=test-client');
  });
});
