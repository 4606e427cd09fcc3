import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CloudStorageError, ErrorCode, socketErrorCode } from '../errors.js';

/** The interface the redirect server listens on: loopback only, never a public address. */
export const LOOPBACK_ADDRESS = '127.0.0.1';

/** One redirect that reached the server; the flow answers the browser once it knows the outcome. */
export interface RedirectCapture {
  /** The query of the redirect (`code`, `state`, or `error`, `error_description`). */
  query: URLSearchParams;
  path: string;
  /** Sends the page to the browser; only the first call counts. */
  respond(status: number, html: string): void;
}

interface Waiter {
  resolve: (capture: RedirectCapture) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded web server of the Application profile: it receives the authorization server's redirect on
 * 127.0.0.1. It hands each redirect (a request with `code`, `error` or `state` in its query) to the one flow
 * waiting for it; other requests (a favicon, say) get a 404, and redirects nobody waits for get a 400.
 */
export class LoopbackRedirectServer {
  private server: Server | undefined;
  private waiter: Waiter | undefined;
  private boundPort = 0;

  constructor(private readonly tls?: HttpsServerOptions) {}

  get active(): boolean {
    return this.server?.listening ?? false;
  }

  get port(): number {
    return this.boundPort;
  }

  get secure(): boolean {
    return this.tls !== undefined;
  }

  async start(port: number): Promise<void> {
    if (this.active) return;
    const listener = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const server = this.tls ? createHttpsServer(this.tls, listener) : createHttpServer(listener);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK_ADDRESS, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      throw new CloudStorageError(
        socketErrorCode(e.code) ?? ErrorCode.AddressInUse,
        `Could not start the OAuth redirect server on ${LOOPBACK_ADDRESS}:${port} (${e.code ?? e.message}). Choose another OAuthWebServerPort, or 0 for a free one.`,
        { cause: e },
      );
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.waiter?.reject(
      new CloudStorageError(
        ErrorCode.Interrupted,
        'The OAuth redirect server was stopped while waiting for the browser.',
      ),
    );
    this.waiter = undefined;
    if (!server) return;
    // Let the page just sent reach the browser: close idle connections now, and force the rest only if
    // they linger (a browser may keep a preconnected socket open).
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 2000);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  /**
   * Waits for the next redirect. `timeoutMs` 0 waits forever; the signal aborts the wait. Only one flow may
   * wait at a time.
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<RedirectCapture> {
    if (!this.active) {
      return Promise.reject(
        new CloudStorageError(ErrorCode.InvalidCredentials, 'The OAuth redirect server is not running.'),
      );
    }
    if (this.waiter) {
      return Promise.reject(
        new CloudStorageError(
          ErrorCode.InvalidCredentials,
          'Another authorization is already waiting for the browser.',
        ),
      );
    }
    return new Promise<RedirectCapture>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      const onAbort = () => {
        cleanup();
        reject(
          new CloudStorageError(ErrorCode.Interrupted, 'The authorization was interrupted.', {
            cause: signal?.reason,
          }),
        );
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          cleanup();
          reject(
            new CloudStorageError(
              ErrorCode.Timeout,
              `The browser did not come back to the redirect server within ${Math.round(timeoutMs / 1000)} s (OAuthBrowserResponseTimeout). Authorize again, or raise the timeout.`,
            ),
          );
        }, timeoutMs);
      }
      this.waiter = {
        resolve: (c) => {
          cleanup();
          resolve(c);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://loopback');
    const q = url.searchParams;
    const isRedirect = req.method === 'GET' && (q.has('code') || q.has('error') || q.has('state'));
    if (!isRedirect) {
      send(res, 404, '<!DOCTYPE html><title>Not found</title><p>Not found.</p>');
      return;
    }
    const waiter = this.waiter;
    if (!waiter) {
      send(res, 400, '<!DOCTYPE html><title>No authorization</title><p>No authorization is in progress.</p>');
      return;
    }
    let answered = false;
    waiter.resolve({
      query: q,
      path: url.pathname,
      respond: (status, html) => {
        if (answered) return;
        answered = true;
        send(res, status, html);
      },
    });
  }
}

function send(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  res.end(html);
}
