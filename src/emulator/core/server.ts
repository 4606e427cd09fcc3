import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobStore } from './blob-store.js';
import { type ArmedFault, FaultInjector, type RequestOutcome } from './faults.js';
import { type PublicRole, publicBaseUrl, requestOrigin } from './public-url.js';

/** The one address every emulator listens on. */
export const LOOPBACK = '127.0.0.1';

export interface EmulatorRequest {
  /** The listener (host) that received the request: `api`, `upload`, `content`, … */
  host: string;
  method: string;
  url: URL;
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: IncomingMessage['headers'];
  /** Route parameters (`:id` in the route pattern). */
  params: Record<string, string>;
  /** The request body as a stream (read it once: stream it, or call `bytes`/`text`/`json`). */
  body: IncomingMessage;
  /** The fault applied to this request, if any (handlers honour `expiredToken`). */
  fault: ArmedFault | undefined;
  /** The bearer token of the Authorization header, if any. */
  bearerToken(): string | undefined;
  /**
   * The base URL of a host role as this request's client must see it (see public-url.ts): the service's
   * real name when the request came under one, else the request's host name with the role's port.
   */
  publicUrl(role: string): string;
  bytes(limit?: number): Promise<Buffer>;
  text(limit?: number): Promise<string>;
  json<T = unknown>(limit?: number): Promise<T>;
}

export type RouteHandler = (req: EmulatorRequest, res: ServerResponse) => unknown | Promise<unknown>;

/** An error a handler throws to answer with a status; the service plugin formats the body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Service-specific detail for the plugin's error formatter (e.g. Box `code`, a Dropbox error tag). */
    readonly detail: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Formats an error body the way the service does. */
export type ErrorFormatter = (
  error: HttpError,
  req: EmulatorRequest,
) => { body: string; contentType: string };

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

/** Path routing with `:name` parameters and a trailing `*` (captured as `params['*']`). */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg === '*') {
          names.push('*');
          return '(.*)';
        }
        return seg.replace(
          /:([A-Za-z_][A-Za-z0-9_]*)|([^:]+)/g,
          (_m, name: string | undefined, lit: string | undefined) => {
            if (name) {
              names.push(name);
              return '([^/]+)';
            }
            return lit!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          },
        );
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }
  get(path: string, h: RouteHandler) {
    return this.add('GET', path, h);
  }
  post(path: string, h: RouteHandler) {
    return this.add('POST', path, h);
  }
  put(path: string, h: RouteHandler) {
    return this.add('PUT', path, h);
  }
  delete(path: string, h: RouteHandler) {
    return this.add('DELETE', path, h);
  }
  options(path: string, h: RouteHandler) {
    return this.add('OPTIONS', path, h);
  }

  /** Finds the handler; `allowed` lists methods that exist for the path when none matches the method. */
  match(
    method: string,
    path: string,
  ): { handler?: RouteHandler; params: Record<string, string>; allowed: string[] } {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      const wanted = method.toUpperCase();
      if (r.method !== wanted && !(wanted === 'HEAD' && r.method === 'GET')) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: r.handler, params, allowed };
    }
    return { params: {}, allowed };
  }
}

export interface RequestLogEntry {
  host: string;
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  /** The status the client was sent (0 when no status line reached it). */
  status: number;
  /** What became of the exchange; undefined while it is under way. */
  outcome?: RequestOutcome;
  fault?: ArmedFault;
  at: number;
}

/** One listener of an emulator: its own port, router and error format. */
export class EmulatorHost {
  readonly router = new Router();
  server: Server | undefined;
  url = '';
  errorFormatter: ErrorFormatter = defaultErrorFormatter;

  constructor(readonly name: string) {}
}

export interface EmulatorServerOptions {
  /** TLS key and certificate (PEM) to serve HTTPS instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Port of the first host (0, the default, picks a free one). Further hosts always pick free ports. */
  port?: number;
  /** Directory for the blob store (default: the system temp directory). */
  blobDir?: string;
  /** A folder that keeps the blobs across restarts (`cloudstorage serve --data`); not removed at stop. */
  dataDir?: string;
  /** With `port`: every further host listens on the next port (port + 1, + 2, …), so URLs stay the same. */
  consecutivePorts?: boolean;
  /** The most entries the request log keeps (the oldest go first); default 10,000. */
  requestLogLimit?: number;
  /**
   * How much of a request body is still read (and discarded) after an early answer, and for how long,
   * before the connection is closed; default {@link DRAIN_LIMIT}.
   */
  drainLimit?: DrainLimit;
}

/**
 * The server framework every service emulator plugs into. It owns the listeners (one per service host:
 * Box's api/upload/download origins, Dropbox's api/content/notify), the blob store, fault injection and
 * the request log. Everything listens on 127.0.0.1 only.
 */
export class EmulatorServer {
  readonly blobs: BlobStore;
  readonly faults = new FaultInjector();
  readonly requestLog: RequestLogEntry[] = [];
  private readonly hosts = new Map<string, EmulatorHost>();
  private readonly roles = new Map<string, PublicRole>();
  /** The request being handled, for code that builds URLs far from the handler (shapes, links). */
  private readonly current = new AsyncLocalStorage<EmulatorRequest>();
  private readonly closers: Array<() => Promise<void> | void> = [];
  private started = false;
  /** Ends the fault-injection delays under way (at stop, so that no timer outlives the server). */
  private readonly delays = new Set<() => void>();

  constructor(private readonly options: EmulatorServerOptions = {}) {
    this.blobs = new BlobStore(options.blobDir, options.dataDir);
  }

  /** The listener named `name`, created on first use (before `start`). */
  host(name: string): EmulatorHost {
    let h = this.hosts.get(name);
    if (!h) {
      if (this.started) throw new Error(`emulator host ${name} must be declared before start()`);
      h = new EmulatorHost(name);
      this.hosts.set(name, h);
    }
    return h;
  }

  /** The base URL of a host (after `start`). */
  url(name: string): string {
    const h = this.hosts.get(name);
    if (!h?.url) throw new Error(`emulator host ${name} is not listening`);
    return h.url;
  }

  /**
   * Declares the real service's host name for a role (`upload` is `upload.box.com`); the role is served
   * by the listener `listener`, by default the one of the same name. Requests that arrive under any of
   * the declared names get every absolute URL on the declared names.
   */
  publicName(role: string, name: string, listener = role): void {
    this.roles.set(role, { listener, name: name.toLowerCase() });
  }

  /**
   * The base URL of `role` for the request being handled (AsyncLocalStorage carries it through the
   * handler's awaits), or the listener's own URL outside a request (tests, start-up banners).
   */
  publicUrl(role: string): string {
    const req = this.current.getStore();
    return req ? req.publicUrl(role) : this.url(this.roles.get(role)?.listener ?? role);
  }

  private publicUrlFor(origin: ReturnType<typeof requestOrigin>, role: string): string {
    const declared = this.roles.get(role);
    if (!declared && !this.hosts.has(role)) throw new Error(`emulator has no host role ${role}`);
    return publicBaseUrl(origin, declared ?? { listener: role, name: '' }, this.roles.values(), (listener) =>
      this.url(listener),
    );
  }

  /** The names of the hosts, in the order they were declared. */
  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** Registers cleanup to run at `stop` (timers, sub-servers). */
  onStop(closer: () => Promise<void> | void): void {
    this.closers.push(closer);
  }

  /**
   * Opens every host's listener. When one cannot listen (EADDRINUSE on a fixed port), the ones already
   * listening are closed before the error is thrown: a failed start leaves no listener open (nothing would
   * ever close it, and it would keep the process alive).
   */
  async start(): Promise<this> {
    if (this.hosts.size === 0) this.host('api');
    let first = true;
    let next = this.options.port ?? 0;
    try {
      for (const h of this.hosts.values()) {
        const listener = (req: IncomingMessage, res: ServerResponse) => void this.handle(h, req, res);
        const server = this.options.tls
          ? createHttpsServer(this.options.tls, listener)
          : createHttpServer(listener);
        server.keepAliveTimeout = 5_000;
        const port = first || (this.options.consecutivePorts && next) ? next : 0;
        if (next) next++;
        first = false;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, LOOPBACK, () => resolve());
        });
        const { port: actual } = server.address() as AddressInfo;
        h.server = server;
        h.url = `${this.options.tls ? 'https' : 'http'}://${LOOPBACK}:${actual}`;
      }
    } catch (e) {
      await this.closeListeners();
      for (const h of this.hosts.values()) h.url = '';
      throw e;
    }
    this.started = true;
    return this;
  }

  /** Closes every host's listener and its connections (their URLs stay, for messages after stop). */
  private async closeListeners(): Promise<void> {
    await Promise.all(
      [...this.hosts.values()].map(
        (h) =>
          new Promise<void>((resolve) => {
            const server = h.server;
            h.server = undefined;
            if (!server) return resolve();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const end of [...this.delays]) end();
    for (const close of this.closers.splice(0)) await close();
    await this.closeListeners();
    await this.blobs.close();
  }

  private async handle(host: EmulatorHost, raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? '/', host.url);
    const method = (raw.method ?? 'GET').toUpperCase();
    const fault = this.faults.take(method, url.pathname, host.name, raw.headers);
    const entry: RequestLogEntry = {
      host: host.name,
      method,
      path: url.pathname,
      query: url.search,
      headers: raw.headers,
      status: 0,
      at: Date.now(),
      ...(fault ? { fault } : {}),
    };
    this.requestLog.push(entry);
    // A long-running `cloudstorage serve` must not grow without bound.
    const excess = this.requestLog.length - (this.options.requestLogLimit ?? 10_000);
    if (excess > 0) this.requestLog.splice(0, excess);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.outcome ??= 'answered';
      drainUnreadBody(raw, this.options.drainLimit ?? DRAIN_LIMIT);
    });
    res.on('close', () => {
      // The client left, or a fault cut the exchange, before the answer was complete.
      if (res.writableFinished) return;
      entry.status = res.headersSent ? res.statusCode : 0;
      entry.outcome ??= 'abandoned';
    });

    const { handler, params, allowed } = host.router.match(method, url.pathname);
    const origin = requestOrigin(raw.headers);
    const req = makeRequest(host.name, method, url, raw, params, fault, (role) =>
      this.publicUrlFor(origin, role),
    );
    try {
      if (fault && (await this.applyFault(fault, raw, res, entry))) return;
      if (!handler) {
        if (allowed.length)
          throw new HttpError(405, `method ${method} not allowed`, {}, { allow: allowed.join(', ') });
        throw new HttpError(404, `no route for ${method} ${url.pathname}`, { noRoute: true });
      }
      await this.current.run(req, () => handler(req, res));
    } catch (e) {
      this.sendError(host, req, res, e);
    }
  }

  /**
   * Applies the fault taken for a request: true when the fault ended the exchange (the handler must not
   * run), false when the handler runs with the fault armed on its answer.
   */
  private async applyFault(
    fault: ArmedFault,
    raw: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
  ): Promise<boolean> {
    const socket = raw.socket;
    if (fault.delayMs) {
      await this.delay(fault.delayMs);
      // The server stopped, or the client left, meanwhile: there is no one to answer.
      if (!this.started || raw.destroyed) return true;
    }
    if (fault.resetConnection) {
      entry.outcome = 'reset';
      socket.destroy();
      return true;
    }
    if (fault.drop === 'before') {
      entry.outcome = 'dropped';
      socket.destroy();
      return true;
    }
    if (fault.stall === 'before') {
      entry.outcome = 'stalled';
      await this.untilGone(socket);
      return true;
    }
    if (fault.resetRequestAfterBytes !== undefined) {
      entry.outcome = 'reset';
      await readThenReset(raw, fault.resetRequestAfterBytes);
      return true;
    }
    if (fault.status) {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.closeUnread) {
        // A server that answers and closes without reading the rest of the body.
        headers.connection = 'close';
        res.once('finish', () => socket.destroy());
      }
      if (fault.body === undefined)
        throw new HttpError(fault.status, `injected fault: ${fault.status}`, { injected: true }, headers);
      const body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      const type = typeof fault.body === 'string' ? 'text/plain' : 'application/json';
      res.writeHead(fault.status, {
        ...headers,
        'content-type': type,
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return true;
    }
    if (fault.resetAfterBytes !== undefined) {
      cutAfter(res, fault.resetAfterBytes, () => {
        entry.status = res.statusCode;
        entry.outcome = 'reset';
        socket.destroy();
      });
    } else if (fault.stallAfterBytes !== undefined) {
      cutAfter(res, fault.stallAfterBytes, () => {
        entry.status = res.statusCode;
        entry.outcome = 'stalled';
      });
    } else if (fault.drop === 'after' || fault.stall === 'after') {
      const drop = fault.drop === 'after';
      withholdAnswer(res, () => {
        entry.outcome = drop ? 'dropped' : 'stalled';
        if (drop) socket.destroy();
      });
    }
    return false;
  }

  /** Resolves when the socket closes: the client left, or the server stopped. */
  private untilGone(socket: Socket): Promise<void> {
    return new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
  }

  /** Waits `ms` (a fault's delay), or less when the server stops. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.delays.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.delays.add(end);
    });
  }

  private sendError(host: EmulatorHost, req: EmulatorRequest, res: ServerResponse, e: unknown): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const error =
      e instanceof HttpError
        ? e
        : new HttpError(500, e instanceof Error ? e.message : String(e), { internal: true });
    if (!(e instanceof HttpError) && process.env.CLOUDSTORAGE_EMULATOR_DEBUG) console.error(e);
    const { body, contentType } = host.errorFormatter(error, req);
    req.body.resume();
    res.writeHead(error.status, {
      ...error.headers,
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}

function makeRequest(
  host: string,
  method: string,
  url: URL,
  raw: IncomingMessage,
  params: Record<string, string>,
  fault: ArmedFault | undefined,
  publicUrl: (role: string) => string,
): EmulatorRequest {
  const bytes = async (limit = 64 * 1024 * 1024) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of raw) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };
  return {
    host,
    method,
    url,
    path: url.pathname,
    query: url.searchParams,
    headers: raw.headers,
    params,
    body: raw,
    fault,
    bearerToken() {
      const m = /^Bearer\s+(.+)$/i.exec(raw.headers.authorization ?? '');
      return m?.[1]?.trim();
    },
    publicUrl,
    bytes,
    async text(limit) {
      return (await bytes(limit)).toString('utf8');
    },
    async json<T>(limit?: number) {
      const text = (await bytes(limit)).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new HttpError(400, 'request body is not valid JSON', { badJson: true });
      }
    },
  };
}

export interface DrainLimit {
  bytes: number;
  ms: number;
}

/**
 * How much of a request body the server still reads and discards after it answered early (an expired
 * token, a name clash found in the attributes, a 429), and for how long. The services do the same: a
 * connection closed with unread bytes in it is reset, and the reset destroys the answer on its way to the
 * client. Past either bound the connection is closed.
 */
export const DRAIN_LIMIT: DrainLimit = { bytes: 256 * 1024 * 1024, ms: 30_000 };

/** After an answer sent before the request body ended: reads the rest away, within the drain bounds. */
function drainUnreadBody(raw: IncomingMessage, limit: DrainLimit): void {
  const socket = raw.socket;
  if (raw.complete || raw.destroyed || !socket) return;
  const start = socket.bytesRead;
  const started = Date.now();
  // Node's own dump of an unread body takes its bytes past the request's 'data' listeners, so the bound is
  // checked on the socket's count.
  const watch = setInterval(() => {
    if (socket.bytesRead - start > limit.bytes || Date.now() - started > limit.ms) socket.destroy();
  }, 20).unref();
  const done = () => clearInterval(watch);
  raw.once('end', done);
  raw.once('close', done);
  socket.once('close', done);
  raw.resume();
}

/**
 * Lets the answer through up to `limit` bytes of its body (its status line and headers always go), then
 * calls `cut` once those bytes were handed to the socket; nothing more is written. An answer shorter than
 * `limit` is cut before its end. Works for answers with and without a body.
 */
function cutAfter(res: ServerResponse, limit: number, cut: () => void): void {
  let sent = 0;
  let done = false;
  const write = res.write.bind(res) as (chunk: unknown, cb?: () => void) => boolean;
  const stop = () => {
    if (done) return;
    done = true;
    // The status line and headers go even for an answer without a body (which ignores write()).
    res.flushHeaders();
    // Once what was written is on its way, cut.
    write(Buffer.alloc(0), () => setImmediate(cut));
  };
  const take = (chunk: unknown): void => {
    if (done || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    const room = limit - sent;
    if (buf.length < room) {
      sent += buf.length;
      write(buf);
      return;
    }
    sent = limit;
    if (room > 0) write(buf.subarray(0, room));
    stop();
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    take(chunk);
    (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    take(chunk);
    stop();
    return res;
  }) as typeof res.end;
}

/** The handler runs to its end, but none of its answer is sent; `ended` is called when it has finished. */
function withholdAnswer(res: ServerResponse, ended: () => void): void {
  let finished = false;
  res.writeHead = (() => res) as unknown as typeof res.writeHead;
  res.write = ((...args: unknown[]) => {
    (args.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof res.write;
  res.end = (() => {
    if (!finished) {
      finished = true;
      ended();
    }
    return res;
  }) as typeof res.end;
}

/** Reads `limit` bytes of the request body (or all of a shorter one), then resets the connection. */
function readThenReset(raw: IncomingMessage, limit: number): Promise<void> {
  const socket = raw.socket;
  return new Promise((resolve) => {
    const reset = () => {
      socket.destroy();
      resolve();
    };
    if (limit <= 0) return reset();
    let read = 0;
    raw.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read >= limit) reset();
    });
    raw.once('end', reset);
    raw.once('error', reset);
  });
}

const defaultErrorFormatter: ErrorFormatter = (error) => ({
  body: JSON.stringify({ error: error.message, status: error.status }),
  contentType: 'application/json',
});

/** Sends a JSON body with a status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Streams a body with a status; a client that disconnects early is not an error. */
export async function sendStream(
  res: ServerResponse,
  status: number,
  body: Readable,
  headers: Record<string, string | number>,
): Promise<void> {
  res.writeHead(status, headers);
  try {
    await pipeline(body, res);
  } catch {
    body.destroy();
  }
}

/** Parses a `Range: bytes=a-b` header against a size; undefined when absent, 'invalid' when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'invalid';
  return { start, end };
}
