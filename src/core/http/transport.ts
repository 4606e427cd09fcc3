import { appendFileSync } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { CloudStorageError, ErrorCode } from '../errors.js';
import type { CoreEvents, TypedEmitter } from '../events.js';
import { recycleWrittenChunks } from '../recycled-chunks.js';
import type { Redactor } from '../redact.js';
import { type DigestSession, digestChallenge, parseChallenges } from './digest.js';
import { HttpErrorCode } from './errors.js';
import type { HttpLogger } from './log.js';
import type { ProxySSL } from './options.js';
import { type IpPreference, lookupFor, resolveHost } from './resolve.js';
import {
  describeSession,
  sessionInfo,
  type TlsSessionInfo,
  type TlsSettings,
  tlsConnectOptions,
  verifyServer,
} from './tls.js';
import { httpConnect, type TunnelReply } from './tunnel.js';
import { Agent, Pool } from './undici.js';

/** An HTTP proxy (the reference `proxy_*` properties), resolved from the connection options. */
export interface ProxyConfig {
  host: string;
  port: number;
  /** The Proxy-Authorization header value, when credentials are configured. */
  authorization?: string;
  /** Digest credentials (proxyAuthScheme 1): the header is computed from the proxy's challenge. */
  digest?: { user: string; password: string };
  mode: ProxySSL;
}

/** A "firewall" (the reference `firewall_*` properties): a CONNECT tunnel or a SOCKS server. */
export interface FirewallConfig {
  type: 1 | 2 | 3 | 10;
  host: string;
  port: number;
  user?: string;
  password?: string;
}

/** How each TCP connection is made (the reference's TCPClient settings). */
export interface SocketSettings {
  /** LocalHost: the local address to bind to. */
  localAddress?: string;
  /** LocalPort: the local port to bind to; 0 = any. */
  localPort?: number;
  /** UseIPv6. */
  ipPreference: IpPreference;
  /** TcpNoDelay: send small writes at once (Nagle's algorithm off). */
  noDelay: boolean;
  /** TCPKeepAlive and KeepAliveTime (ms before the first probe). */
  keepAlive: boolean;
  keepAliveTimeMs: number;
}

export interface TransportConfig {
  proxy?: ProxyConfig;
  firewall?: FirewallConfig;
  tls: TlsSettings;
  /** 0 = no limit. */
  connectTimeoutMs: number;
  socket: SocketSettings;
  /** HTTPVersion=2.0: offer h2 by ALPN; `allowFallback` (AllowHTTPFallback) lets HTTP/1.1 answer. */
  http2?: { allowFallback: boolean };
  /** FirewallData: extra header lines for CONNECT to a tunnelling firewall. */
  firewallData?: string;
  /** SSLKeyLogFile: where TLS secrets are appended. */
  keyLogFile?: string;
  /** ReuseSSLSession. */
  reuseTlsSessions: boolean;
}

export interface TransportHooks {
  emitter: TypedEmitter<CoreEvents>;
  redactor: Redactor;
  logger: HttpLogger;
  /** The Digest session of a proxy (kept by the client, so a nonce outlives a Transport). */
  digestSession(proxy: ProxyConfig): DigestSession;
  /** Told about every TLS connection to a server, for the SSLNegotiated* settings. */
  tlsSession?(info: TlsSessionInfo): void;
}

/** Where one request goes: which pool, which origin and path, and what the route adds to the headers. */
export interface Route {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  headers: Array<[string, string]>;
  /** "forward": the request is sent to the proxy with an absolute URI; "tunnel": through CONNECT. */
  proxy: 'forward' | 'tunnel' | undefined;
}

interface Target {
  host: string;
  port: number;
  tls: boolean;
}

/** Keep-alive connections idle longer than this are closed. */
const KEEP_ALIVE_MS = 30_000;

/**
 * The connection layer: keep-alive pools per origin (an undici Agent) whose connections are made by our own
 * connect function, so that SOCKS servers, CONNECT tunnels, the ConnectionTimeout and the TLS checks with
 * the sslServerAuthentication event all apply the same way whichever route a request takes.
 *
 * (undici's ProxyAgent and Socks5ProxyAgent do the TLS step themselves, with no way to hook the certificate
 * decision or to log the proxy exchange, and Socks5ProxyAgent has no SOCKS4; hence the connector here.)
 *
 * A Transport is immutable: when the connection options change, the client builds a new one and closes the
 * old one once its requests are done.
 */
export class Transport {
  private readonly agent: Agent;
  /** TLS sessions to resume (ReuseSSLSession), by host:port; only sessions whose server passed the checks. */
  private readonly tlsSessions = new Map<string, Buffer>();
  /** The ALPN protocol of the last connection to each host:port. */
  private readonly alpn = new Map<string, string>();
  private forwardPool: Pool | undefined;

  constructor(
    readonly config: TransportConfig,
    readonly key: string,
    private readonly hooks: TransportHooks,
  ) {
    const tunnelThrough = config.proxy;
    this.agent = new Agent({
      keepAliveTimeout: KEEP_ALIVE_MS,
      ...(config.http2 ? { allowH2: true } : {}),
      // Our own Deadline handles the timeout property; undici's timers would fire with other codes.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (opts, callback) => {
        const target = targetOf(opts.hostname, opts.port, opts.protocol);
        this.connect(target, tunnelThrough).then(
          (socket) => {
            recycleWrittenChunks(socket);
            callback(null, socket as net.Socket);
          },
          (err: Error) => callback(err, null),
        );
      },
    });
  }

  /** Picks the dispatcher for a URL: direct (maybe through a SOCKS server or tunnel) or through the proxy. */
  route(url: URL, method: string): Route {
    const proxy = this.config.proxy;
    const path = `${url.pathname}${url.search}`;
    if (proxy && forwards(proxy.mode, url.protocol === 'https:')) {
      const headers: Array<[string, string]> = [];
      const authorization = this.proxyAuthorization(proxy, method, url.href);
      if (authorization) headers.push(['Proxy-Authorization', authorization]);
      return {
        dispatcher: this.forwarder(proxy),
        origin: proxyOrigin(proxy),
        path: url.href,
        headers,
        proxy: 'forward',
      };
    }
    return {
      dispatcher: this.agent,
      origin: url.origin,
      path,
      headers: [],
      proxy: proxy ? 'tunnel' : undefined,
    };
  }

  /** "2.0" when the connection to the URL's server negotiated h2, else "1.1". */
  negotiatedHttpVersion(url: URL): string {
    return this.alpn.get(
      `${url.hostname.replace(/^\[|\]$/g, '')}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`,
    ) === 'h2'
      ? '2.0'
      : '1.1';
  }

  /** The Proxy-Authorization value for one request: Basic (fixed), or Digest once the proxy challenged us. */
  proxyAuthorization(proxy: ProxyConfig, method: string, uri: string): string | undefined {
    if (!proxy.digest) return proxy.authorization;
    const session = this.hooks.digestSession(proxy);
    if (!session.ready) return undefined;
    const value = session.authorization(method, uri);
    this.hooks.redactor.add(value);
    return value;
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.forwardPool?.close()]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.agent.destroy(), this.forwardPool?.destroy()]);
  }

  /** The pool of connections to the proxy itself, for requests forwarded with an absolute URI. */
  private forwarder(proxy: ProxyConfig): Pool {
    if (!this.forwardPool) {
      this.forwardPool = new Pool(proxyOrigin(proxy), {
        keepAliveTimeout: KEEP_ALIVE_MS,
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: (_opts, callback) => {
          this.connect({ host: proxy.host, port: proxy.port, tls: proxy.mode === 1 }, undefined).then(
            (socket) => {
              recycleWrittenChunks(socket);
              callback(null, socket as net.Socket);
            },
            (err: Error) => callback(proxyUnreachable(err, proxy, this.hooks.redactor), null),
          );
        },
      });
    }
    return this.forwardPool;
  }

  /** Makes one connection to `target`, within the ConnectionTimeout. */
  private connect(target: Target, tunnelThrough: ProxyConfig | undefined): Promise<Duplex> {
    const sockets: Duplex[] = [];
    let abandoned = false;
    const track = <T extends Duplex>(socket: T): T => {
      // A socket that comes up after the attempt failed (the ConnectionTimeout fired while it was being
      // made) belongs to nobody: close it at once, which also ends the steps still running after it.
      if (abandoned) socket.destroy();
      else sockets.push(socket);
      return socket;
    };
    const fail = (err: unknown): never => {
      abandoned = true;
      for (const socket of sockets) socket.destroy();
      throw err;
    };
    const work = this.establish(target, tunnelThrough, track);
    const limit = this.config.connectTimeoutMs;
    if (limit <= 0) return work.catch(fail);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new CloudStorageError(
            ErrorCode.ConnectionTimedOut,
            `[10060] Connection timed out: connecting to ${target.host}:${target.port} took longer than ${limit / 1000} s. Check the host, the proxy and firewall settings, or raise ConnectionTimeout.`,
            { redactor: this.hooks.redactor },
          ),
        );
      }, limit);
    });
    return Promise.race([work, timeout])
      .catch(fail)
      .finally(() => clearTimeout(timer));
  }

  private async establish(
    target: Target,
    tunnelThrough: ProxyConfig | undefined,
    track: <T extends Duplex>(socket: T) => T,
  ): Promise<Duplex> {
    const { logger } = this.hooks;
    let socket: Duplex;
    if (tunnelThrough && !forwards(tunnelThrough.mode, target.tls)) {
      logger.log(
        2,
        'Info',
        `Connecting to ${target.host}:${target.port} through the proxy ${tunnelThrough.host}:${tunnelThrough.port}`,
      );
      socket = await this.proxyTunnel(target, tunnelThrough, track);
    } else {
      logger.log(2, 'Info', `Connecting to ${target.host}:${target.port}`);
      socket = track(await this.openSocket(target.host, target.port, track));
    }
    if (target.tls) socket = track(await this.startTls(socket, target.host, target.port));
    return socket;
  }

  /**
   * A CONNECT tunnel through the proxy. A 407 with a Digest challenge is answered on a new connection (the
   * proxy may close the refused one); later tunnels reuse the nonce without a 407.
   */
  private async proxyTunnel(
    target: Target,
    proxy: ProxyConfig,
    track: <T extends Duplex>(socket: T) => T,
  ): Promise<Duplex> {
    const { logger, redactor } = this.hooks;
    for (let attempt = 0; ; attempt++) {
      let socket = track(await this.openProxySocket(proxy, track));
      if (proxy.mode === 1) socket = track(await this.startTls(socket, proxy.host, proxy.port));
      const authorization = this.proxyAuthorization(proxy, 'CONNECT', authorityOf(target));
      const reply = await httpConnect(
        socket,
        target,
        authorization,
        (type, msg) => logger.log(3, type, msg),
        'Proxy',
      );
      if (reply.status === 200) return socket;
      socket.destroy();
      if (reply.status === 407 && proxy.digest && attempt === 0) {
        const challenge = digestChallenge(headerValues(reply.headerText, 'proxy-authenticate'));
        if (challenge && this.hooks.digestSession(proxy).accept(challenge)) continue;
      }
      throw tunnelError(reply, target, proxy, 'Proxy', authorization !== undefined, redactor);
    }
  }

  private async openProxySocket(proxy: ProxyConfig, track: <T extends Duplex>(s: T) => T): Promise<Duplex> {
    try {
      return await this.openSocket(proxy.host, proxy.port, track);
    } catch (err) {
      throw proxyUnreachable(err, proxy, this.hooks.redactor);
    }
  }

  /** A TCP connection to host:port, directly or through the firewall (SOCKS server or CONNECT tunnel). */
  private async openSocket(
    host: string,
    port: number,
    track: <T extends Duplex>(s: T) => T,
  ): Promise<Duplex> {
    const fw = this.config.firewall;
    if (!fw) return track(await tcpConnect(host, port, this.config.socket));
    const { logger, redactor } = this.hooks;
    if (fw.type === 1) {
      const socket = track(await tcpConnect(fw.host, fw.port, this.config.socket));
      const auth = fw.user ? basicAuth(fw.user, fw.password ?? '', redactor) : undefined;
      await this.openTunnel(
        socket,
        { host, port, tls: false },
        { host: fw.host, port: fw.port, authorization: auth, mode: 3 },
        'Firewall',
        this.config.firewallData,
      );
      return socket;
    }
    const version = fw.type === 3 ? 5 : 4;
    const label = fw.type === 3 ? 'SOCKS5' : fw.type === 10 ? 'SOCKS4A' : 'SOCKS4';
    // SOCKS4 proper carries an IPv4 address, so the name is resolved here; SOCKS4A and SOCKS5 let the server resolve it.
    const destination = fw.type === 2 && !net.isIP(host) ? await resolveHost(host, 0) : host;
    logger.log(
      3,
      'FirewallRequest',
      `${label} CONNECT ${destination}:${port} via ${fw.host}:${fw.port}${fw.user ? ` as ${fw.user}` : ''}`,
    );
    try {
      // Loaded by the processes that go through a SOCKS server only.
      const { SocksClient } = await import('socks');
      const { socket } = await SocksClient.createConnection({
        command: 'connect',
        destination: { host: destination, port },
        proxy: {
          host: fw.host,
          port: fw.port,
          type: version,
          ...(fw.user ? { userId: fw.user } : {}),
          ...(version === 5 && fw.user ? { password: fw.password ?? '' } : {}),
        },
        ...(this.config.connectTimeoutMs > 0 ? { timeout: this.config.connectTimeoutMs } : {}),
      });
      logger.log(3, 'FirewallResponse', `${label} connection to ${destination}:${port} established`);
      socket.on('error', noop);
      return track(socket);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      logger.log(3, 'FirewallResponse', `${label} failure: ${detail}`);
      throw new CloudStorageError(
        HttpErrorCode.ProxyError,
        `Firewall error: the ${label} server ${fw.host}:${fw.port} did not connect us to ${host}:${port} (${detail}). Check firewallHost, firewallPort, firewallUser and firewallPassword.`,
        { cause: err, redactor: redactor },
      );
    }
  }

  private async openTunnel(
    socket: Duplex,
    target: Target,
    proxy: ProxyConfig,
    kind: 'Proxy' | 'Firewall' = 'Proxy',
    extraHeaders?: string,
  ): Promise<void> {
    const { logger, redactor } = this.hooks;
    const reply = await httpConnect(
      socket,
      target,
      proxy.authorization,
      (type, msg) => logger.log(3, type, msg),
      kind,
      extraHeaders,
    );
    if (reply.status === 200) return;
    throw tunnelError(reply, target, proxy, kind, proxy.authorization !== undefined, redactor);
  }

  /** TLS over an established connection, verified by {@link verifyServer}. */
  private startTls(socket: Duplex, host: string, port: number): Promise<tls.TLSSocket> {
    const { emitter, redactor } = this.hooks;
    const settings = this.config.tls;
    emitter.emit('sslStatus', { message: `Starting TLS handshake with ${host}:${port}` });
    return new Promise((resolve, reject) => {
      const toServer =
        !this.config.proxy || host !== this.config.proxy.host || port !== this.config.proxy.port;
      const options = tlsConnectOptions(socket, host, port, {
        ...settings,
        ...(this.config.http2 && toServer ? { alpn: ['h2', 'http/1.1'] } : {}),
      });
      const sessionKey = `${host}:${port}`;
      const sessions = this.config.reuseTlsSessions ? this.tlsSessions : undefined;
      const previous = sessions?.get(sessionKey);
      if (previous) options.session = previous;
      const secure = tls.connect(options);
      // A session is kept only once its server passed verifyServer. (The listener goes on only then, too:
      // once Node has handed out a TLS 1.3 ticket, the peer's certificate chain is no longer readable.)
      const keep = (session: Buffer) => {
        if (!sessions) return;
        if (sessions.size > 64) sessions.clear();
        sessions.set(sessionKey, session);
      };
      const keyLog = this.config.keyLogFile;
      if (keyLog) {
        secure.on('keylog', (line: Buffer) => {
          try {
            appendFileSync(keyLog, line, { mode: 0o600 });
          } catch {
            // A key log is a debugging aid; failing to write it must not fail the request.
          }
        });
      }
      const onError = (err: Error) => {
        secure.destroy();
        reject(
          new CloudStorageError(
            HttpErrorCode.SslHandshake,
            `TLS handshake with ${host}:${port} failed: ${err.message}. Check the URL, the client certificate and the server's TLS setup.`,
            { cause: err, redactor },
          ),
        );
      };
      secure.once('error', onError);
      secure.once('secureConnect', () => {
        secure.removeListener('error', onError);
        emitter.emit('sslStatus', { message: describeSession(secure, host) });
        let rejection: CloudStorageError | undefined;
        try {
          // A resumed session was verified when it was made (a TLS 1.3 resumption sends no certificate).
          const resumed = previous !== undefined && secure.isSessionReused();
          rejection = resumed ? undefined : verifyServer(secure, host, settings, { emitter, redactor });
        } catch (err) {
          rejection = new CloudStorageError(
            HttpErrorCode.SslCertificateRejected,
            `The sslServerAuthentication listener failed: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err, redactor },
          );
        }
        if (
          !rejection &&
          this.config.http2 &&
          toServer &&
          secure.alpnProtocol !== 'h2' &&
          !this.config.http2.allowFallback
        ) {
          rejection = new CloudStorageError(
            HttpErrorCode.SslHandshake,
            `${host}:${port} does not offer HTTP/2 (ALPN answered ${secure.alpnProtocol || 'nothing'}), and AllowHTTPFallback is off.`,
            { redactor },
          );
        }
        if (rejection) {
          secure.destroy();
          reject(rejection);
        } else {
          if (sessions) {
            // TLS 1.2 has its session now; TLS 1.3 sends tickets after the handshake.
            const now = secure.getProtocol() === 'TLSv1.3' ? undefined : secure.getSession();
            if (now) keep(now);
            secure.on('session', keep);
          }
          if (toServer) {
            this.alpn.set(sessionKey, secure.alpnProtocol || '');
            this.hooks.tlsSession?.(sessionInfo(secure));
          }
          resolve(secure);
        }
      });
    });
  }
}

/** The error for a proxy's refusal to open a tunnel. */
function tunnelError(
  reply: TunnelReply,
  target: Target,
  proxy: ProxyConfig,
  kind: 'Proxy' | 'Firewall',
  sentCredentials: boolean,
  redactor: Redactor,
): CloudStorageError {
  const what = kind === 'Proxy' ? 'proxy' : 'firewall (tunnelling proxy)';
  const credentials = kind === 'Proxy' ? 'proxyUser and proxyPassword' : 'firewallUser and firewallPassword';
  // 407 is the standard answer; some proxies (tinyproxy) answer 401 to wrong credentials.
  let message: string;
  if (reply.status === 407 || reply.status === 401) {
    const schemes = parseChallenges(headerValues(reply.headerText, 'proxy-authenticate').join(', '))
      .map((c) => c.scheme)
      .filter((c) => c);
    const asks = schemes.length
      ? ` (it offers ${[...new Set(schemes)].join(', ')}; see proxyAuthScheme)`
      : '';
    message = sentCredentials
      ? `The ${what} ${proxy.host}:${proxy.port} rejected the credentials (HTTP ${reply.status}). Check ${credentials}.`
      : `The ${what} ${proxy.host}:${proxy.port} requires authentication (HTTP ${reply.status})${asks}. Set ${credentials}.`;
  } else {
    message = `The ${what} ${proxy.host}:${proxy.port} refused to open a tunnel to ${target.host}:${target.port}: "${reply.statusLine}".`;
  }
  return new CloudStorageError(HttpErrorCode.ProxyError, message, { httpStatus: reply.status, redactor });
}

/** The values of one header in a raw header block (status line first). */
export function headerValues(headerText: string, name: string): string[] {
  const values: string[] = [];
  for (const line of headerText.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name)
      values.push(line.slice(colon + 1).trim());
  }
  return values;
}

function authorityOf(target: { host: string; port: number }): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

/** A failure to reach the proxy itself, said as such (not as a failure of the target server). */
function proxyUnreachable(err: unknown, proxy: ProxyConfig, redactor: Redactor): Error {
  if (err instanceof CloudStorageError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new CloudStorageError(
    HttpErrorCode.ProxyError,
    `Could not connect to the proxy ${proxy.host}:${proxy.port} (${detail}). Check proxyServer and proxyPort.`,
    { cause: err, redactor },
  );
}

function targetOf(hostname: string, port: string | number | null | undefined, protocol: string): Target {
  const tlsTarget = protocol === 'https:';
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const p = port === undefined || port === null || port === '' ? (tlsTarget ? 443 : 80) : Number(port);
  return { host, port: p, tls: tlsTarget };
}

/** Whether a request to a target goes to the proxy with an absolute URI (rather than through CONNECT). */
function forwards(mode: ProxySSL, targetTls: boolean): boolean {
  if (mode === 3) return false;
  if (mode === 2) return true;
  return !targetTls;
}

function proxyOrigin(proxy: ProxyConfig): string {
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  return `${proxy.mode === 1 ? 'https' : 'http'}://${host}:${proxy.port}`;
}

export function basicAuth(user: string, password: string, redactor: Redactor): string {
  const token = Buffer.from(`${user}:${password}`).toString('base64');
  redactor.add(password);
  redactor.add(token);
  return `Basic ${token}`;
}

function noop(): void {}

function tcpConnect(host: string, port: number, options: SocketSettings): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host,
      port,
      lookup: lookupFor(options.ipPreference),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.localPort ? { localPort: options.localPort } : {}),
    });
    socket.setNoDelay(options.noDelay);
    socket.setKeepAlive(options.keepAlive, options.keepAliveTimeMs);
    const onError = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      // Until undici (or TLS) takes the socket over, an error must not go unhandled; undici still sees it
      // through socket.errored / destroyed.
      socket.on('error', noop);
      resolve(socket);
    });
  });
}
