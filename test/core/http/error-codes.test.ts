import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError, ErrorCode } from '../../../src/core/errors.js';
import { classifyTransportError } from '../../../src/core/http/errors.js';
import { freePort, makeClient, makePki, startServer, type TestPki, type TestServer } from './helpers.js';

/** A raw TCP server on 127.0.0.1 that does `onSocket` with every connection. */
async function rawServer(onSocket: (s: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function failure(promise: Promise<unknown>): Promise<CloudStorageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CloudStorageError, `not a CloudStorageError: ${String(err)}`);
    return err;
  }
  assert.fail('the request succeeded');
}

describe('connection failures carry the reference TCP/IP and SSL codes', () => {
  let pki: TestPki;
  let untrusted: TestServer;
  before(async () => {
    pki = await makePki();
    untrusted = await startServer((_req, res) => void res.end('never'), {
      tls: { cert: pki.serverCert, key: pki.serverKey },
    });
  });
  after(async () => {
    await untrusted?.close();
    await pki?.cleanup();
  });

  it('a refused port is 10061', async () => {
    const port = await freePort();
    const { client } = makeClient({ settings: ['MaxRetries=0'] });
    const err = await failure(client.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }));
    assert.equal(err.code, ErrorCode.ConnectionRefused);
    assert.equal(err.code, 10061);
    assert.match(err.message, /Connection refused/);
    assert.equal(classifyTransportError(err), 'refused');
  });

  it('a server that accepts and then resets the connection is 10054', async () => {
    const server = await rawServer((s) => s.once('data', () => s.resetAndDestroy()));
    try {
      const { client } = makeClient({ settings: ['MaxRetries=0'] });
      const err = await failure(client.request({ method: 'GET', url: `${server.url}/reset` }));
      assert.equal(err.code, 10054, err.message);
      assert.match(err.message, /reset/);
      assert.equal(classifyTransportError(err), 'dropped');
    } finally {
      await server.close();
    }
  });

  it('a server that closes the connection mid-answer is 1120 (dropped by the remote host)', async () => {
    const server = await rawServer((s) =>
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part')),
    );
    try {
      const { client } = makeClient({ settings: ['MaxRetries=0'] });
      const err = await failure(client.request({ method: 'GET', url: `${server.url}/short` }));
      assert.equal(err.code, 1120, err.message);
      assert.equal(classifyTransportError(err), 'dropped');
    } finally {
      await server.close();
    }
  });

  it('a host name that cannot exist (.invalid) is 11001, answered without asking any DNS server', async () => {
    const { client } = makeClient({ settings: ['MaxRetries=0'] });
    const err = await failure(client.request({ method: 'GET', url: 'http://no-such-host.invalid/' }));
    assert.equal(err.code, ErrorCode.HostNotFound);
    assert.equal(err.code, 11001);
    assert.match(err.message, /Host not found/);
  });

  it('ConnectionTimeout firing while connecting is 10060', async () => {
    // Accepts TCP connections and never says a word: the TLS handshake cannot finish.
    const server = await rawServer(() => undefined);
    try {
      const { client } = makeClient({ settings: ['ConnectionTimeout=1', 'MaxRetries=0'] });
      const err = await failure(
        client.request({ method: 'GET', url: server.url.replace('http:', 'https:') }),
      );
      assert.equal(err.code, 10060, err.message);
    } finally {
      await server.close();
    }
  });

  it('a TLS server whose certificate nobody trusts is 280 (certificate rejected)', async () => {
    const { client } = makeClient({ settings: ['MaxRetries=0'] });
    const err = await failure(client.request({ method: 'GET', url: untrusted.url }));
    assert.equal(err.code, ErrorCode.SslCertificateRejected);
    assert.equal(err.code, 280);
    assert.match(err.message, /rejected/);
  });

  it('a server that does not speak TLS where TLS is expected is 276 (handshake failed)', async () => {
    const server = await rawServer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    try {
      const { client } = makeClient({ settings: ['MaxRetries=0'] });
      const err = await failure(
        client.request({ method: 'GET', url: server.url.replace('http:', 'https:') }),
      );
      assert.equal(err.code, 276, err.message);
    } finally {
      await server.close();
    }
  });

  it('the retry policy keys on the codes: a GET whose connection was reset once is sent again', async () => {
    let connections = 0;
    const server = await rawServer((s) => {
      connections++;
      if (connections === 1) s.once('data', () => s.resetAndDestroy());
      else s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
    });
    try {
      const { client } = makeClient();
      const res = await client.request({ method: 'GET', url: `${server.url}/again` });
      assert.equal(await res.text(), 'ok');
      assert.equal(connections, 2);
    } finally {
      await server.close();
    }
  });
});
