import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Settings } from '../../../src/core/config.js';
import { type CoreEvents, type LogEvent, TypedEmitter } from '../../../src/core/events.js';
import { HttpClient, type HttpClientOptions } from '../../../src/core/http/client.js';
import type { HttpConnectionOptions } from '../../../src/core/http/options.js';
import { httpSettings } from '../../../src/core/http/settings.js';

export { patternBytes } from '../../helpers/pattern-bytes.js';

const run = promisify(execFile);

/** A request as a test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** performance.now() when the request arrived. */
  at: number;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  index: number,
) => void | Promise<void>;

export interface TestServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP (or HTTPS, with `tls`) server on 127.0.0.1 and a free port. Each request body is read
 * before the handler runs (unless `streamBody` is set), and every request is recorded in `seen`.
 */
export async function startServer(
  handler: Handler,
  options: { tls?: https.ServerOptions; readBody?: boolean } = {},
): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    if (options.readBody !== false) for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const index = seen.length;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at });
    try {
      await handler(req, res, body, index);
    } catch (err) {
      res.destroy(err as Error);
    }
  };
  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestClient {
  client: HttpClient;
  settings: Settings<typeof httpSettings>;
  events: TypedEmitter<CoreEvents>;
  logs: LogEvent[];
  connection: HttpConnectionOptions;
}

/**
 * A client with fast retries (so that tests do not wait for production backoffs), debug logging captured,
 * and a mutable connection options object.
 */
export function makeClient(
  extra: Partial<Omit<HttpClientOptions, 'settings' | 'events' | 'connection'>> & {
    connection?: HttpConnectionOptions;
    settings?: string[];
  } = {},
): TestClient {
  const settings = new Settings(httpSettings);
  settings.config('RetryBaseDelayMs=10');
  settings.config('RetryMaxDelayMs=50');
  for (const line of extra.settings ?? []) settings.config(line);
  const events = new TypedEmitter<CoreEvents>();
  const logs: LogEvent[] = [];
  events.on('log', (e) => logs.push(e));
  const connection: HttpConnectionOptions = { timeout: 10, ...extra.connection };
  const { connection: _c, settings: _s, ...rest } = extra;
  const client = new HttpClient({ settings, events, connection: () => connection, ...rest });
  return { client, settings, events, logs, connection };
}

/** A free TCP port on 127.0.0.1 (for external daemons that take a port on the command line). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something accepts connections on 127.0.0.1:port (or rejects after `ms`). */
export async function waitForPort(port: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts an external daemon and waits for its port; `stop()` kills it. */
export async function startDaemon(
  command: string,
  args: string[],
  port: number,
): Promise<{ process: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${command} did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by the CA, but for another host name (wrong.example), to test host name checks. */
  wrongHostCert: string;
  wrongHostKey: string;
  /** A second CA nobody trusts, for negative tests. */
  otherCaCert: string;
  cleanup(): Promise<void>;
}

/**
 * A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with the openssl CLI
 * in a temporary directory.
 */
export async function makePki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-http-pki-'));
  const f = (name: string) => join(dir, name);
  const ossl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const newCa = async (name: string, cn: string) => {
    await ossl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.pem`),
      '-days',
      '2',
      '-subj',
      `/O=Cloudstorage Tests/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  };
  await newCa('ca', 'Test Root CA');
  await newCa('other-ca', 'Untrusted CA');
  const leaf = async (name: string, cn: string, ext: string) => {
    await ossl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
      '-subj',
      `/O=Cloudstorage Tests/CN=${cn}`,
    );
    await writeFile(f(`${name}.ext`), ext);
    await ossl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    );
  };
  await leaf(
    'server',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await leaf('client', 'test-client', 'extendedKeyUsage=clientAuth\n');
  await leaf('wrong', 'wrong.example', 'subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n');
  const read = (name: string) => readFile(f(name), 'utf8');
  return {
    dir,
    caCert: await read('ca.pem'),
    serverCert: await read('server.pem'),
    serverKey: await read('server.key'),
    clientCert: await read('client.pem'),
    clientKey: await read('client.key'),
    wrongHostCert: await read('wrong.pem'),
    wrongHostKey: await read('wrong.key'),
    otherCaCert: await read('other-ca.pem'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
