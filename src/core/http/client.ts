import { getFips } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { Readable, type Writable } from 'node:stream';
import { promisify } from 'node:util';
import zlib, { createGzip } from 'node:zlib';
import { parseBool } from '../config.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../errors.js';
import type { CoreEvents, TypedEmitter } from '../events.js';
import { Redactor } from '../redact.js';
import { chunksOf } from '../stream-buffer.js';
import { type PreparedBody, prepareBody } from './body.js';
import { extraCAsFromSettings, socketFromSettings, tlsFromSettings } from './connection-settings.js';
import { Deadline } from './deadline.js';
import { DigestSession, digestChallenge } from './digest.js';
import { type DownloadOptions, type DownloadResult, downloadTo } from './download.js';
import {
  classifyTransportError,
  HttpErrorCode,
  InterruptReason,
  TimeoutReason,
  toCloudStorageError,
} from './errors.js';
import { HeaderList, headerRecord, pairsFromRaw, parseHeaderLines, requestIdOf } from './headers.js';
import { describeBody, HttpLogger } from './log.js';
import { DEFAULT_TIMEOUT_SECONDS, type FirewallType, type HttpConnectionOptions } from './options.js';
import { ProgressTracker, percentOf } from './progress.js';
import { type Environment, type EnvironmentProxy, hostMatches, proxyFromEnvironment } from './proxy-env.js';
import { LastExchange } from './record.js';
import { BufferedResponse, ResponseBody, readAll, readHead, StreamedResponse } from './response.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry.js';
import type { HttpSettings } from './settings.js';
import { throttled, throttledUpload } from './throttle.js';
import { splitPemCertificates, type TlsSessionInfo } from './tls.js';
import { basicAuth, type ProxyConfig, type Route, Transport, type TransportConfig } from './transport.js';
import type {
  AuthProvider,
  ErrorMapper,
  HttpErrorInfo,
  HttpRequest,
  HttpResponse,
  ProgressReporter,
} from './types.js';
import { buildUrl } from './url.js';
import { packageLicense, packageVersion } from './version.js';

export interface HttpClientOptions {
  /** The settings of the owning class; must include {@link httpSettings}. The client installs readers for the read-only ones. */
  settings: HttpSettings;
  /** Where the client fires progress, transfer, header, log, error and TLS events. */
  events: TypedEmitter<CoreEvents>;
  /** Masks secrets in logs and errors; a new one when not given. */
  redactor?: Redactor;
  /** Supplies Authorization headers (OAuth). */
  auth?: AuthProvider;
  /** The connection properties, read again for each request. */
  connection?: HttpConnectionOptions | (() => HttpConnectionOptions);
  /** Turns error responses into the provider's errors. */
  errorFromResponse?: ErrorMapper;
  /** Where proxyAutoDetect and firewallAutoDetect look for proxies (default `process.env`). */
  environment?: Environment;
}

/** The most bytes a compressed answer read into memory may decode to. */
const MAX_DECODED_BYTES = 256 * 1024 * 1024;

const gunzip = promisify(zlib.gunzip);
const brotliDecompress = promisify(zlib.brotliDecompress);
const inflateZlib = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
/** "deflate" is zlib-wrapped by the standard, raw in some servers: try both. */
async function inflateAny(data: Uint8Array, options: zlib.ZlibOptions): Promise<Buffer> {
  try {
    return await inflateZlib(data, options);
  } catch {
    return await inflateRaw(data, options);
  }
}

/** Re-slices a byte stream into pieces of `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    while (pending.length >= size) {
      yield pending.subarray(0, size);
      pending = pending.subarray(size);
    }
  }
  if (pending.length) yield pending;
}

/** How many connection setups (direct, through the proxy, …) keep their pools at once. */
const MAX_TRANSPORTS = 8;

/** How much of an error response body is read for the error message and the provider's mapper. */
const ERROR_BODY_LIMIT = 64 * 1024;
const EMPTY = new Uint8Array(0);
export const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** One call of {@link HttpClient.request}, across its retries and redirects. */
interface Operation {
  request: HttpRequest;
  method: string;
  url: URL;
  body: PreparedBody | undefined;
  connection: HttpConnectionOptions;
  /** Aborted by interrupt() or the caller's signal. */
  signal: AbortSignal;
  timeoutSeconds: number;
  absolute: boolean;
  idempotent: boolean;
  tracker: ProgressReporter | undefined;
  /** Whether this call started the tracker (and so finishes it). */
  ownTracker: boolean;
  /** Payload bytes already reported to the tracker, so a retry does not count them twice. */
  reported: number;
}

/** One hop: a request to one URL (the original or a redirect target). */
interface Hop {
  url: URL;
  method: string;
  headers: HeaderList;
  body: PreparedBody | undefined;
  /** False after a redirect to another origin: no Authorization goes there. */
  authAllowed: boolean;
}

/** One response, with its body still on the wire. */
interface Exchange {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  rawHeaders: Array<[string, string]>;
  url: URL;
  method: string;
  body: ResponseBody;
  authenticated: boolean;
}

/**
 * The HTTP client every provider uses. One per provider instance: it owns the connection pools, reads the
 * provider's settings and connection properties on each request, and fires the provider's transfer events.
 *
 * What it does for each request: builds the URL and headers (User-Agent, OtherHeaders, Authorization from
 * the AuthProvider), sends the body as a stream, follows redirects per FollowRedirects (never carrying
 * Authorization to another origin), retries 429/5xx and dropped connections with backoff when the request
 * is safe to repeat, re-sends once after a 401 when the AuthProvider refreshed its token, enforces the
 * timeout, and turns every failure into a CloudStorageError whose message is redacted.
 */
export class HttpClient {
  readonly settings: HttpSettings;
  readonly events: TypedEmitter<CoreEvents>;
  /** Register tokens, secrets and passwords here as they become known. */
  readonly redactor: Redactor;
  auth: AuthProvider | undefined;
  errorFromResponse: ErrorMapper | undefined;

  private connectionSource: () => HttpConnectionOptions;
  private interruptController = new AbortController();
  /** The pools, one per connection setup (a URL may go direct while another goes through the proxy). */
  private readonly transports = new Map<string, Transport>();
  private readonly environment: Environment;
  private readonly digestSessions = new Map<string, DigestSession>();
  /** The last TLS connection made to a server, for the SSLNegotiated* settings. */
  private lastTls: TlsSessionInfo | undefined;
  /** The HTTP version of the last response. */
  private lastHttpVersion = '';
  private readonly logger: HttpLogger;
  private readonly last: LastExchange;
  /** Origins that answered at least once: a refused connection there is worth retrying. */
  private readonly workingOrigins = new Set<string>();
  private lastRawHeaders: Array<[string, string]> = [];
  private active = 0;

  constructor(options: HttpClientOptions) {
    this.settings = options.settings;
    this.events = options.events;
    this.redactor = options.redactor ?? new Redactor();
    this.auth = options.auth;
    this.errorFromResponse = options.errorFromResponse;
    this.connectionSource = normalizeConnection(options.connection);
    this.environment = options.environment ?? process.env;
    this.logger = new HttpLogger(this.events, this.redactor, () => this.settings.get('LogLevel'));
    this.last = new LastExchange(this.redactor, () => this.settings.get('TransferredDataLimit'));
    this.installSettingReaders();
  }

  /** Replaces the connection properties (an object read at each request, or a function returning one). */
  setConnectionOptions(connection: HttpConnectionOptions | (() => HttpConnectionOptions)): void {
    this.connectionSource = normalizeConnection(connection);
  }

  /** False while a request (or a streamed response body) is in progress: the reference `idle` property. */
  get idle(): boolean {
    return this.active === 0;
  }

  /** The headers of the last response, names as received, in order (the reference ParsedHeader collection). */
  get parsedHeaders(): Array<[string, string]> {
    return this.lastRawHeaders.map(([n, v]) => [n, v]);
  }

  /** Aborts every request in flight on this client (they fail with code 301); later requests are unaffected. */
  interrupt(): void {
    const controller = this.interruptController;
    this.interruptController = new AbortController();
    controller.abort(new InterruptReason());
  }

  /** Closes the connection pools once the requests in flight are done. */
  async close(): Promise<void> {
    const all = [...this.transports.values()];
    this.transports.clear();
    await Promise.all(all.map((t) => t.close()));
  }

  /** Closes every connection now; requests in flight fail. */
  async destroy(): Promise<void> {
    const all = [...this.transports.values()];
    this.transports.clear();
    await Promise.all(all.map((t) => t.destroy()));
  }

  /** A progress reporter for a transfer made of several requests (pass it as `progress.tracker`). */
  createProgress(options: { direction: 0 | 1; total?: number; offset?: number }): ProgressTracker {
    return new ProgressTracker(this.events, {
      ...options,
      step: this.settings.get('ProgressStep'),
      absolute: this.settings.get('ProgressAbsolute'),
    });
  }

  /**
   * Sends a request and returns the response, or throws a CloudStorageError (the provider's, via the
   * error mapper, for error responses).
   */
  async request(request: HttpRequest): Promise<HttpResponse> {
    this.active++;
    let streaming = false;
    let op: Operation | undefined;
    try {
      op = this.begin(request);
      const response = await this.run(op);
      streaming = response instanceof StreamedResponse;
      if (streaming) response.body.once('close', () => this.active--);
      return response;
    } catch (err) {
      const error = this.failure(err, op, request);
      this.events.emit('error', { errorCode: Number(error.code), description: error.message });
      throw error;
    } finally {
      if (!streaming) this.active--;
    }
  }

  /**
   * Downloads a response body into `sink`, resuming with a Range request when the connection breaks
   * mid-body. See {@link downloadTo}.
   */
  download(request: HttpRequest, sink: Writable, options: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadTo(this, request, sink, options);
  }

  /** The maximum number of retries, from MaxRetries. */
  get maxRetries(): number {
    return this.settings.get('MaxRetries');
  }

  // ---------------------------------------------------------------------------------------------------
  // One operation: retries around redirects around single exchanges.

  private begin(request: HttpRequest): Operation {
    const method = request.method.toUpperCase();
    if (!/^[A-Z]+$/.test(method)) throw invalidArgument(`"${request.method}" is not an HTTP method.`);
    const url = buildUrl(request.url, request.query);
    const body = prepareBody(request);
    const connection = this.connectionSource();
    const signals = [this.interruptController.signal];
    if (request.signal) signals.push(request.signal);
    const timeoutSeconds = request.timeout ?? connection.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    if (!(timeoutSeconds >= 0))
      throw invalidArgument(`timeout must be 0 or more seconds; got ${timeoutSeconds}.`);
    let tracker = request.progress?.tracker;
    let ownTracker = false;
    if (request.progress && !tracker) {
      const { direction, offset = 0 } = request.progress;
      // An upload's size is the body's, when the caller did not say.
      const total =
        request.progress.total ??
        (direction === 0 && body?.length !== undefined ? offset + body.length : undefined);
      tracker = this.createProgress({ direction, offset, ...(total !== undefined ? { total } : {}) });
      ownTracker = true;
    }
    return {
      request,
      method,
      url,
      body,
      connection,
      signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals),
      timeoutSeconds,
      absolute: this.settings.get('AbsoluteTimeout'),
      idempotent: request.idempotent ?? IDEMPOTENT_METHODS.has(method),
      tracker,
      ownTracker,
      reported: 0,
    };
  }

  private async run(op: Operation): Promise<HttpResponse> {
    let attempt = 0;
    let reauthorizations = 0;
    for (;;) {
      let ex: Exchange | undefined;
      try {
        ex = await this.followRedirects(op);
        // Once; twice when the first renewal adopted a token from a shared store (it may have expired since).
        const mayReauthorize =
          reauthorizations === 0 || (reauthorizations === 1 && this.auth?.adoptedSharedToken?.() === true);
        if (ex.status === 401 && ex.authenticated && this.auth && mayReauthorize) {
          reauthorizations++;
          const bodyText = this.redactor.redact((await readHead(ex.body, ERROR_BODY_LIMIT)).toString('utf8'));
          const again = await this.auth.handleUnauthorized({
            status: ex.status,
            headers: ex.headers,
            bodyText,
          });
          if (again && (!op.body || op.body.repeatable)) {
            this.logger.log(
              2,
              'Info',
              'Got 401 Unauthorized; sending the request again with the refreshed token',
            );
            continue;
          }
          throw this.responseError(op, ex, bodyText, attempt);
        }
        const ok = op.request.okStatus ?? defaultOkStatus;
        if (!ok(ex.status)) {
          const delay = this.retryDelayForStatus(op, ex, attempt);
          if (delay !== undefined) {
            await readHead(ex.body, ERROR_BODY_LIMIT);
            await this.pause(op, delay, attempt, `${ex.status} ${ex.statusText}`);
            attempt++;
            continue;
          }
          const bodyText = this.redactor.redact((await readHead(ex.body, ERROR_BODY_LIMIT)).toString('utf8'));
          this.logger.log(3, 'ResponseBody', bodyText);
          throw this.responseError(op, ex, bodyText, attempt);
        }
        return await this.deliver(op, ex);
      } catch (err) {
        if (ex && !ex.body.destroyed) ex.body.destroy();
        const delay = this.retryDelayForError(op, err, attempt);
        if (delay === undefined) throw err;
        await this.pause(op, delay, attempt, describeFailure(err));
        attempt++;
      }
    }
  }

  /** Hands the successful response to the caller: streamed, or read into memory. */
  private async deliver(op: Operation, ex: Exchange): Promise<HttpResponse> {
    const init = {
      status: ex.status,
      statusText: ex.statusText,
      headers: ex.headers,
      rawHeaders: ex.rawHeaders,
      url: ex.url.href,
      redactor: this.redactor,
      maxBodySize: this.settings.get('MaxResponseBodySize'),
    };
    const tracker = op.tracker?.direction === 1 ? op.tracker : undefined;
    if (tracker) {
      tracker.learnTotal(payloadTotal(ex, op.request.progress?.offset ?? 0));
      tracker.start();
    }
    if (op.request.stream) {
      if (tracker && op.ownTracker) ex.body.once('end', () => tracker.finish());
      return new StreamedResponse(init, ex.body);
    }
    const cap = {
      limit: init.maxBodySize,
      url: this.redactor.redact(init.url),
      status: ex.status,
      redactor: this.redactor,
    };
    const data = await this.decodeContent(await readAll(ex.body, cap, ex.headers['content-length']), ex);
    if (data.length > cap.limit) {
      // A compressed answer is capped twice: on the wire and once decoded (a small gzip can inflate a lot).
      throw new CloudStorageError(
        ErrorCode.ServerError,
        `The answer of ${cap.url} decompresses to over MaxResponseBodySize (${cap.limit} bytes); raise MaxResponseBodySize if it is expected.`,
        { httpStatus: ex.status, redactor: this.redactor },
      );
    }
    if (tracker && op.ownTracker) tracker.finish();
    this.logger.log(3, 'ResponseBody', () => describeBody(data, ex.headers['content-type']));
    return new BufferedResponse(init, data);
  }

  /** A body read whole, decoded per its Content-Encoding when we asked for compression. */
  private async decodeContent(data: Buffer, ex: Exchange): Promise<Buffer> {
    const encoding = (ex.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (!encoding || encoding === 'identity' || !this.settings.get('AllowHTTPCompression')) return data;
    const decode = { gzip: gunzip, 'x-gzip': gunzip, deflate: inflateAny, br: brotliDecompress }[encoding];
    if (!decode) {
      throw new CloudStorageError(
        ErrorCode.HttpProtocol,
        `${ex.method} ${this.redactor.redact(ex.url.href)}: the server answered in Content-Encoding "${encoding}", which cannot be decoded (gzip, deflate and br can). Set AcceptEncoding to what the server should use.`,
        { httpStatus: ex.status, redactor: this.redactor },
      );
    }
    try {
      return await decode(data, { maxOutputLength: MAX_DECODED_BYTES });
    } catch (err) {
      throw new CloudStorageError(
        ErrorCode.HttpProtocol,
        `${ex.method} ${this.redactor.redact(ex.url.href)}: the ${encoding} response could not be decoded (${(err as Error).message}).`,
        { httpStatus: ex.status, cause: err, redactor: this.redactor },
      );
    }
  }

  private async followRedirects(op: Operation): Promise<Exchange> {
    let hop: Hop = {
      url: op.url,
      method: op.method,
      headers: HeaderList.from(op.request.headers),
      body: op.body,
      authAllowed: op.request.authenticate !== false,
    };
    for (let hops = 0; ; hops++) {
      const ex = await this.send(op, hop);
      const location = ex.headers.location;
      if (!isRedirect(ex.status) || !location) return ex;
      const policy = op.request.followRedirects ?? this.settings.get('FollowRedirects');
      if (policy === 0) return ex;
      let next: URL;
      try {
        next = new URL(location, hop.url);
      } catch {
        return ex;
      }
      if (policy === 2 && next.protocol !== hop.url.protocol) {
        ex.body.destroy();
        throw new CloudStorageError(
          ErrorCode.HttpProtocol,
          `${hop.method} ${hop.url.href} redirected to ${next.protocol} (${next.href}); FollowRedirects=2 follows only redirects to the same scheme. Set FollowRedirects=1 to follow it.`,
          { httpStatus: ex.status, redactor: this.redactor },
        );
      }
      if (policy === 2 && hop.method !== 'GET' && hop.method !== 'HEAD') return ex;
      if (hops >= this.settings.get('MaxRedirectAttempts')) {
        ex.body.destroy();
        throw new CloudStorageError(
          ErrorCode.HttpProtocol,
          `${op.method} ${op.url.href} was redirected more than ${hops} times (MaxRedirectAttempts); the last Location was ${next.href}.`,
          { httpStatus: ex.status, redactor: this.redactor },
        );
      }
      let method = hop.method;
      let body = hop.body;
      if (
        (ex.status === 303 && method !== 'HEAD') ||
        ((ex.status === 301 || ex.status === 302) &&
          method === 'POST' &&
          this.settings.get('GetOn302Redirect'))
      ) {
        method = 'GET';
        body = undefined;
      }
      if (body && !body.repeatable) {
        ex.body.destroy();
        throw invalidArgument(
          `${op.method} ${op.url.href} was redirected (${ex.status}) but its body is a stream that can be sent only once; pass a function that opens the stream instead.`,
        );
      }
      const headers = hop.headers.clone();
      if (!body) headers.delete('Content-Type').delete('Content-Length');
      const crossOrigin = next.origin !== hop.url.origin;
      if (crossOrigin) headers.delete('Authorization').delete('Cookie');
      await readHead(ex.body, ERROR_BODY_LIMIT);
      this.logger.log(2, 'Info', `Redirected (${ex.status}) to ${next.href}`);
      hop = { url: next, method, headers, body, authAllowed: hop.authAllowed && !crossOrigin };
    }
  }

  /** One request/response exchange. Resolves when the response headers are in; the body follows as a stream. */
  private async send(op: Operation, hop: Hop, proxyChallenged = false): Promise<Exchange> {
    const transport = this.transportFor(op.connection, hop.url);
    const route = transport.route(hop.url, hop.method);
    const headers = this.requestHeaders(op, hop);
    let authenticated = false;
    if (hop.authAllowed && this.auth && !headers.has('Authorization')) {
      const value = await this.auth.authorizationHeader(op.signal);
      if (value) {
        this.protect(value);
        headers.set('Authorization', value);
        authenticated = true;
      }
    }
    for (const [name, value] of route.headers) headers.set(name, value);
    // The pool is the proxy's, so undici would name the proxy; a forwarded request names its target.
    if (route.proxy === 'forward' && !headers.has('Host')) headers.set('Host', hop.url.host);
    this.logRequest(hop, route, headers);

    const attempt = new AbortController();
    const deadline = new Deadline(op.timeoutSeconds, op.absolute, (reason) => attempt.abort(reason));
    const signal = AbortSignal.any([op.signal, attempt.signal]);
    let source: AsyncIterable<Uint8Array | string> | undefined;
    try {
      let body: Readable | undefined;
      if (hop.body) {
        source = await hop.body.open();
        body = Readable.from(this.uploadStream(op, source, hop.body.length, deadline), { objectMode: false });
        body = this.encodeRequestBody(body, hop, headers);
      }
      const res = await route.dispatcher.request({
        origin: route.origin,
        path: route.path,
        method: hop.method as 'GET',
        headers: headers.toFlat(),
        body: body ?? null,
        signal,
        responseHeaders: 'raw',
        ...(this.settings.get('KeepAlive') ? {} : { reset: true }),
      });
      deadline.touch();
      this.lastHttpVersion = transport.negotiatedHttpVersion(hop.url);
      const rawHeaders = pairsFromRaw(res.headers as unknown as string[]);
      const record = headerRecord(rawHeaders);
      const statusText = (res as { statusText?: string }).statusText || STATUS_CODES[res.statusCode] || '';
      this.logResponse(res.statusCode, statusText, rawHeaders);
      this.workingOrigins.add(hop.url.origin);
      const exchange: Exchange = {
        status: res.statusCode,
        statusText,
        headers: record,
        rawHeaders,
        url: hop.url,
        method: hop.method,
        authenticated,
        body: this.responseBody(
          op,
          throttled(res.body, this.settings.get('MaxTransferRate')),
          res.statusCode,
          record,
          deadline,
          signal,
          hop,
        ),
      };
      const proxy = transport.config.proxy;
      if (route.proxy === 'forward' && res.statusCode === 407 && proxy?.digest && !proxyChallenged) {
        const challenge = digestChallenge(
          rawHeaders.filter(([n]) => n.toLowerCase() === 'proxy-authenticate').map(([, v]) => v),
        );
        if (challenge && this.digestSession(proxy).accept(challenge)) {
          await readHead(exchange.body, ERROR_BODY_LIMIT);
          if (hop.body && !hop.body.repeatable) {
            throw new CloudStorageError(
              HttpErrorCode.ProxyError,
              `The proxy ${proxy.host}:${proxy.port} asked for Digest authentication after the request body, a stream that can be sent only once, was sent. Send the request again (the proxy's nonce is now known), or pass a function that opens the stream.`,
              { httpStatus: 407, redactor: this.redactor },
            );
          }
          this.logger.log(
            2,
            'Info',
            `The proxy asked for Digest authentication; sending ${hop.method} ${hop.url.href} again`,
          );
          return await this.send(op, hop, true);
        }
      }
      if (proxy && route.proxy === 'forward' && isProxyAuthFailure(res.statusCode, record, proxy)) {
        exchange.body.destroy();
        throw new CloudStorageError(
          HttpErrorCode.ProxyError,
          route.headers.some(([name]) => name === 'Proxy-Authorization')
            ? `The proxy ${proxy.host}:${proxy.port} rejected the credentials (HTTP ${res.statusCode}). Check proxyUser and proxyPassword.`
            : `The proxy ${proxy.host}:${proxy.port} requires authentication (HTTP ${res.statusCode}). Set proxyUser and proxyPassword.`,
          { httpStatus: res.statusCode, redactor: this.redactor },
        );
      }
      return exchange;
    } catch (err) {
      deadline.stop();
      // A body that was opened but not sent to the end is released (a file handle, say).
      if (source instanceof Readable && !source.readableEnded) source.destroy();
      else if (source instanceof ReadableStream) source.cancel().catch(() => undefined);
      // An abort surfaces as its reason (TimeoutReason, InterruptReason, or the caller's).
      throw signal.aborted && !(err instanceof CloudStorageError) ? (signal.reason ?? err) : err;
    }
  }

  private requestHeaders(op: Operation, hop: Hop): HeaderList {
    const headers = hop.headers.clone();
    headers.setDefault('User-Agent', this.settings.get('UserAgent'));
    const extra = [
      ...parseHeaderLines(op.connection.otherHeaders),
      ...parseHeaderLines(this.settings.get('OtherHeaders')),
    ];
    for (const [name, value] of extra) {
      // OtherHeaders never follow a redirect to another origin when they carry credentials.
      if (!hop.authAllowed && /^(authorization|cookie)$/i.test(name)) continue;
      headers.set(name, value);
      if (/^authorization$/i.test(name)) this.protect(value);
    }
    if (hop.body?.contentType) headers.setDefault('Content-Type', hop.body.contentType);
    if (hop.body?.length !== undefined) headers.set('Content-Length', String(hop.body.length));
    // Compressed answers are asked for where they are read whole; a download stays byte-exact, so that a
    // Range resume and the service's hashes apply to the bytes as stored.
    if (this.settings.get('AllowHTTPCompression') && !op.request.stream) {
      headers.setDefault('Accept-Encoding', this.settings.get('AcceptEncoding'));
    }
    const since = this.settings.get('IfModifiedSince');
    if (since) headers.setDefault('If-Modified-Since', since);
    return headers;
  }

  /**
   * The request body as sent: gzip-compressed with CompressHTTPRequest (PUT and POST), in ChunkSize pieces
   * with UseChunkedEncoding; both go without Content-Length (chunked transfer coding).
   */
  private encodeRequestBody(body: Readable, hop: Hop, headers: HeaderList): Readable {
    let out = body;
    if (this.settings.get('CompressHTTPRequest') && (hop.method === 'PUT' || hop.method === 'POST')) {
      headers.set('Content-Encoding', 'gzip').delete('Content-Length');
      out = out.pipe(createGzip());
      body.once('error', (err) => out.destroy(err));
    }
    if (this.settings.get('UseChunkedEncoding')) {
      headers.delete('Content-Length');
      const size = this.settings.get('ChunkSize');
      const source = out;
      out = Readable.from(rechunk(source, size), { objectMode: false });
    }
    return out;
  }

  /** The request body as the socket takes it, firing startTransfer / transfer / endTransfer and progress. */
  private async *uploadStream(
    op: Operation,
    source: AsyncIterable<Uint8Array | string>,
    length: number | undefined,
    deadline: Deadline,
  ): AsyncGenerator<Uint8Array> {
    const tracker = op.tracker?.direction === 0 ? op.tracker : undefined;
    tracker?.start();
    this.events.emit('startTransfer', { direction: 0 });
    const throttle = throttledUpload(this.settings.get('MaxTransferRate'), op.signal);
    let sent = 0;
    // A stream's chunks are taken as they come: Node's iterator would join the ones it holds (a copy).
    const pieces = source instanceof Readable ? chunksOf<Uint8Array | string>(source) : source;
    for await (const piece of pieces) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      if (chunk.length === 0) continue;
      sent += chunk.length;
      deadline.touch();
      this.events.emit('transfer', {
        direction: 0,
        bytesTransferred: sent,
        percentDone: percentOf(sent, length ?? -1),
        text: EMPTY,
      });
      if (tracker && sent > op.reported) {
        tracker.advance(sent - op.reported);
        op.reported = sent;
      }
      yield chunk;
      await throttle?.(chunk.length);
    }
    this.events.emit('endTransfer', { direction: 0 });
    if (tracker && op.ownTracker) tracker.finish();
  }

  private responseBody(
    op: Operation,
    source: Readable,
    status: number,
    headers: Record<string, string>,
    deadline: Deadline,
    signal: AbortSignal,
    hop: Hop,
  ): ResponseBody {
    const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : -1;
    const tracker = op.tracker?.direction === 1 && status >= 200 && status < 300 ? op.tracker : undefined;
    let received = 0;
    let started = false;
    const body: ResponseBody = new ResponseBody(source, {
      onChunk: (chunk) => {
        deadline.touch();
        if (!started) {
          started = true;
          this.events.emit('startTransfer', { direction: 1 });
        }
        received += chunk.length;
        this.last.responseData(chunk);
        this.events.emit('transfer', {
          direction: 1,
          bytesTransferred: received,
          percentDone: percentOf(received, length),
          text: chunk,
        });
        if (tracker && received > op.reported) {
          tracker.advance(received - op.reported);
          op.reported = received;
        }
      },
      onEnd: () => {
        if (started) this.events.emit('endTransfer', { direction: 1 });
      },
      onClose: () => deadline.stop(),
      mapError: (err) => {
        const error = this.failure(signal.aborted ? (signal.reason ?? err) : err, op, op.request, hop.url);
        if (op.request.stream)
          this.events.emit('error', { errorCode: Number(error.code), description: error.message });
        return error;
      },
    });
    // A reader that does not read is not the server being idle.
    deadline.excuseWhile(() => body.readableLength > 0);
    return body;
  }

  // ---------------------------------------------------------------------------------------------------
  // Retries

  private canRepeat(op: Operation): boolean {
    return op.idempotent && (!op.body || op.body.repeatable);
  }

  private retryDelayForStatus(op: Operation, ex: Exchange, attempt: number): number | undefined {
    if (!isRetryableStatus(ex.status) || !this.canRepeat(op) || attempt >= this.settings.get('MaxRetries')) {
      return undefined;
    }
    const retryAfter = parseRetryAfter(ex.headers['retry-after']);
    if (retryAfter !== undefined) {
      return retryAfter <= this.settings.get('MaxRetryAfter') ? retryAfter * 1000 : undefined;
    }
    return this.backoff(attempt);
  }

  private retryDelayForError(op: Operation, err: unknown, attempt: number): number | undefined {
    if (op.signal.aborted || err instanceof InterruptReason) return undefined;
    // A stall (no byte for the inactivity timeout) is a fault like a reset: repeated when safe. An
    // AbsoluteTimeout is the caller's bound on the whole call, not a fault.
    if (
      err instanceof TimeoutReason ||
      (err instanceof CloudStorageError && err.cause instanceof TimeoutReason)
    ) {
      const reason = err instanceof TimeoutReason ? err : (err.cause as TimeoutReason);
      if (reason.absolute || !this.canRepeat(op) || attempt >= this.settings.get('MaxRetries'))
        return undefined;
      return this.backoff(attempt);
    }
    // An error built from a response (the provider's mapping included) is final here.
    if (err instanceof CloudStorageError && err.httpStatus !== undefined) return undefined;
    if (attempt >= this.settings.get('MaxRetries')) return undefined;
    const kind = classifyTransportError(err);
    if (kind === 'dropped' && this.canRepeat(op)) return this.backoff(attempt);
    // Nothing was sent, so even a POST may go again, but only where a server answered before: a refused
    // connection to a new origin is a wrong URL, not a hiccup.
    if (kind === 'refused' && (!op.body || op.body.repeatable) && this.workingOrigins.has(op.url.origin)) {
      return this.backoff(attempt);
    }
    return undefined;
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, {
      baseDelayMs: this.settings.get('RetryBaseDelayMs'),
      maxDelayMs: this.settings.get('RetryMaxDelayMs'),
    });
  }

  private async pause(op: Operation, delayMs: number, attempt: number, why: string): Promise<void> {
    this.logger.log(
      2,
      'Info',
      `${op.method} ${op.url.href}: ${why}; retry ${attempt + 1} of ${this.settings.get('MaxRetries')} in ${delayMs} ms`,
    );
    await sleep(delayMs, op.signal);
  }

  // ---------------------------------------------------------------------------------------------------
  // Errors

  private failure(
    err: unknown,
    op: Operation | undefined,
    request: HttpRequest,
    url?: URL,
  ): CloudStorageError {
    if (err instanceof CloudStorageError) return err;
    let cause = err;
    // An abort by the caller with a reason of their own is still an interruption.
    if (op?.signal.aborted && !(err instanceof TimeoutReason) && !(err instanceof InterruptReason)) {
      cause = new InterruptReason();
    }
    return toCloudStorageError(cause, {
      method: op?.method ?? request.method,
      url: this.redactor.redact((url ?? op?.url ?? request.url).toString()),
      redactor: this.redactor,
    });
  }

  private responseError(op: Operation, ex: Exchange, bodyText: string, attempt: number): CloudStorageError {
    const info: HttpErrorInfo = {
      method: ex.method,
      url: this.redactor.redact(ex.url.href),
      status: ex.status,
      statusText: ex.statusText,
      headers: ex.headers,
      bodyText,
      requestId: requestIdOf(ex.headers),
      retryAfter: parseRetryAfter(ex.headers['retry-after']),
    };
    const mapped = (op.request.mapError ?? this.errorFromResponse)?.(info);
    if (mapped) return mapped;
    const snippet = bodyText.length > 1000 ? `${bodyText.slice(0, 1000)}…` : bodyText;
    const retries = attempt > 0 ? ` after ${attempt} ${attempt === 1 ? 'retry' : 'retries'}` : '';
    const advice =
      ex.status === 401
        ? ' Check the credentials or authorize again.'
        : ex.status === 429 || ex.status >= 500
          ? ' Try again later.'
          : '';
    return new CloudStorageError(
      ex.status === 401 ? ErrorCode.InvalidCredentials : ErrorCode.ServerError,
      `${info.method} ${info.url} failed with HTTP ${ex.status} ${ex.statusText}${retries}${info.requestId ? ` (request id ${info.requestId})` : ''}.${advice}${snippet ? ` Server response: ${snippet}` : ''}`,
      {
        httpStatus: ex.status,
        requestId: info.requestId,
        retryAfter: info.retryAfter,
        redactor: this.redactor,
      },
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Logging, recording, settings

  private logRequest(hop: Hop, route: Route, headers: HeaderList): void {
    const target = route.proxy === 'forward' ? hop.url.href : route.path;
    const head = `${hop.method} ${target} HTTP/1.1\r\nHost: ${hop.url.host}\r\n${headers.toString()}`;
    const body = hop.body;
    const bodyText = body?.bytes
      ? describeBody(body.bytes, body.contentType ?? headers.get('Content-Type'))
      : '';
    this.last.request(
      head,
      body && !body.bytes
        ? `[streamed body${body.length !== undefined ? ` of ${body.length} bytes` : ''}]`
        : bodyText,
    );
    this.logger.log(1, 'Info', `${hop.method} ${hop.url.href}`);
    this.logger.log(3, 'RequestHeaders', head);
    if (body) {
      this.logger.log(3, 'RequestBody', () =>
        body.bytes
          ? bodyText
          : `[streamed body${body.length !== undefined ? ` of ${body.length} bytes` : ''}]`,
      );
    }
  }

  private logResponse(status: number, statusText: string, rawHeaders: Array<[string, string]>): void {
    const statusLine = `HTTP/1.1 ${status}${statusText ? ` ${statusText}` : ''}`;
    this.last.response(status, statusLine, rawHeaders);
    this.lastRawHeaders = rawHeaders;
    this.logger.log(1, 'Info', statusLine);
    for (const [field, value] of rawHeaders) this.events.emit('header', { field, value });
    this.logger.log(3, 'ResponseHeaders', () =>
      [statusLine, ...rawHeaders.map(([n, v]) => `${n}: ${v}`)].join('\r\n'),
    );
  }

  /** Registers an Authorization value (and the credential inside it) with the redactor. */
  private protect(headerValue: string): void {
    this.redactor.add(headerValue);
    const space = headerValue.indexOf(' ');
    if (space > 0) this.redactor.add(headerValue.slice(space + 1).trim());
  }

  private installSettingReaders(): void {
    const s = this.settings;
    // Read TransferredRequest as given to the constructor before the reader hides the stored value.
    this.last.recordRequests = parseBool(String(s.get('TransferredRequest') || 'off')) ?? false;
    s.defineWriter('TransferredRequest', (value) => {
      const on = parseBool(value);
      if (on === undefined) throw invalidArgument(`TransferredRequest takes ON or OFF; got "${value}".`);
      this.last.recordRequests = on;
    });
    s.defineReader('TransferredRequest', () => this.last.transferredRequest());
    s.defineReader('RawRequest', () => this.last.rawRequest());
    s.defineReader('RawResponse', () => this.last.rawResponse());
    s.defineReader('SentHeaders', () => this.last.sentHeaders());
    s.defineReader('StatusCode', () => this.last.status());
    s.defineReader('StatusLine', () => this.last.statusText());
    s.defineReader('TransferredHeaders', () => this.last.transferredHeaders());
    s.defineReader('TransferredData', () => this.last.transferredData());
    s.defineReader('BytesTransferred', () => this.last.bytesTransferred());
    s.defineReader('NegotiatedHTTPVersion', () => this.lastHttpVersion);
    s.defineReader('SSLNegotiatedCipher', () => this.lastTls?.cipher ?? '');
    s.defineReader('SSLNegotiatedCipherStrength', () => String(this.lastTls?.cipherBits ?? ''));
    s.defineReader('SSLNegotiatedCipherSuite', () => this.lastTls?.cipherSuite ?? '');
    s.defineReader('SSLNegotiatedKeyExchange', () => this.lastTls?.keyExchange ?? '');
    s.defineReader('SSLNegotiatedKeyExchangeStrength', () => String(this.lastTls?.keyExchangeBits ?? ''));
    s.defineReader('SSLNegotiatedVersion', () => this.lastTls?.version ?? '');
    s.defineReader('BuildInfo', () => buildInfo());
    s.defineReader('LicenseInfo', () => licenseInfo());
  }

  // ---------------------------------------------------------------------------------------------------
  // Connections

  private transportFor(connection: HttpConnectionOptions, url: URL): Transport {
    const config = this.transportConfig(connection, url);
    const key = JSON.stringify(config);
    let transport = this.transports.get(key);
    if (transport) {
      // Most recently used last, so the oldest setup is the one closed when there are too many.
      this.transports.delete(key);
    } else {
      transport = new Transport(config, key, {
        emitter: this.events,
        redactor: this.redactor,
        logger: this.logger,
        digestSession: (proxy) => this.digestSession(proxy),
        tlsSession: (info) => {
          this.lastTls = info;
        },
      });
      if (this.transports.size >= MAX_TRANSPORTS) {
        const [oldestKey, oldest] = this.transports.entries().next().value as [string, Transport];
        this.transports.delete(oldestKey);
        oldest.close().catch(() => undefined);
      }
    }
    this.transports.set(key, transport);
    return transport;
  }

  /** One Digest session per proxy and credentials, kept across Transports so its nonce is reused. */
  private digestSession(proxy: ProxyConfig): DigestSession {
    const key = JSON.stringify([proxy.host, proxy.port, proxy.digest?.user, proxy.digest?.password]);
    let session = this.digestSessions.get(key);
    if (!session) {
      session = new DigestSession(
        proxy.digest?.user ?? '',
        proxy.digest?.password ?? '',
        `The proxy ${proxy.host}:${proxy.port}`,
      );
      if (this.digestSessions.size >= MAX_TRANSPORTS) this.digestSessions.clear();
      this.digestSessions.set(key, session);
    }
    return session;
  }

  private transportConfig(given: HttpConnectionOptions, url: URL): TransportConfig {
    const c = this.detectProxies(given, url);
    const s = this.settings;
    const config: TransportConfig = {
      tls: {
        extraCAs: [
          ...splitPemCertificates(s.get('SSLCACerts')),
          ...[c.sslCACerts ?? []].flat().flatMap((pem) => splitPemCertificates(pem)),
          ...extraCAsFromSettings(s),
        ],
        ...(c.sslCert ? { clientCert: c.sslCert } : {}),
        ...(c.sslAcceptServerCert ? { acceptServerCert: c.sslAcceptServerCert } : {}),
        ...tlsFromSettings(s),
      },
      connectTimeoutMs: (s.get('ConnectionTimeout') || (c.timeout ?? DEFAULT_TIMEOUT_SECONDS)) * 1000,
      socket: socketFromSettings(s, c.localHost),
      reuseTlsSessions: s.get('ReuseSSLSession'),
      ...(s.get('SSLKeyLogFile') ? { keyLogFile: s.get('SSLKeyLogFile') } : {}),
      ...(s.get('FirewallData') ? { firewallData: s.get('FirewallData') } : {}),
    };
    if (s.get('HTTPVersion') === '2.0') {
      if (url.protocol !== 'https:') {
        throw new CloudStorageError(
          ErrorCode.HttpProtocol,
          `HTTPVersion=2.0 needs an https URL (HTTP/2 is negotiated by TLS); ${url.origin} is plain http. Use HTTPVersion=1.1 for it.`,
        );
      }
      config.http2 = { allowFallback: s.get('AllowHTTPFallback') };
    }
    if (s.get('UseFIPSCompliantAPI') && getFips() !== 1) {
      throw new CloudStorageError(
        ErrorCode.UnsupportedOperation,
        "UseFIPSCompliantAPI is on, but Node's crypto is not in FIPS mode: start node with --enable-fips (and an OpenSSL FIPS provider).",
      );
    }
    if (c.sslCert?.passphrase) this.redactor.add(c.sslCert.passphrase);
    if (c.proxyServer) {
      const scheme = c.proxyAuthScheme ?? 0;
      let authorization: string | undefined;
      let digest: { user: string; password: string } | undefined;
      if (scheme === 4) {
        throw new CloudStorageError(
          ErrorCode.UnsupportedOperation,
          'proxyAuthScheme 4 (NTLM) is not supported: NTLM needs Windows domain credentials and a handshake bound to one connection, which this library does not implement. Use Basic (0), Digest (1), a ready-made proxyAuthorization (2) or none (3).',
        );
      }
      if (scheme === 1 && c.proxyUser) {
        this.redactor.add(c.proxyPassword ?? '');
        digest = { user: c.proxyUser, password: c.proxyPassword ?? '' };
      }
      if (scheme === 0 && c.proxyUser)
        authorization = basicAuth(c.proxyUser, c.proxyPassword ?? '', this.redactor);
      if (scheme === 2 && c.proxyAuthorization) {
        authorization = c.proxyAuthorization;
        this.protect(authorization);
      }
      config.proxy = {
        host: c.proxyServer,
        port: c.proxyPort || 80,
        mode: c.proxySSL ?? 0,
        ...(authorization ? { authorization } : {}),
        ...(digest ? { digest } : {}),
      };
    }
    const type = c.firewallType ?? 0;
    if (type !== 0) {
      if (![1, 2, 3, 10].includes(type)) {
        throw invalidArgument(`firewallType must be 0, 1, 2, 3 or 10; got ${type}.`);
      }
      if (!c.firewallHost) throw invalidArgument('firewallHost is required when firewallType is set.');
      this.redactor.add(c.firewallPassword);
      config.firewall = {
        type,
        host: c.firewallHost,
        port: c.firewallPort || (type === 1 ? 80 : 1080),
        ...(c.firewallUser ? { user: c.firewallUser } : {}),
        ...(c.firewallPassword ? { password: c.firewallPassword } : {}),
      };
    }
    return config;
  }

  /**
   * The connection options for one URL with proxyAutoDetect / firewallAutoDetect applied: a proxy named by
   * the environment (https_proxy, http_proxy, all_proxy, no_proxy) when none is configured, and no proxy
   * or firewall at all for the hosts of ProxyExceptionsList.
   */
  private detectProxies(given: HttpConnectionOptions, url: URL): HttpConnectionOptions {
    const c = { ...given };
    if (c.proxyAutoDetect && !c.proxyServer && !c.firewallType) {
      const found = proxyFromEnvironment(url, this.environment);
      if (found?.kind === 'http' || found?.kind === 'https') {
        Object.assign(c, {
          proxyServer: found.host,
          proxyPort: found.port,
          proxySSL: found.kind === 'https' ? 1 : 0,
          proxyUser: found.user,
          proxyPassword: found.password,
          proxyAuthScheme: found.user ? (c.proxyAuthScheme === 1 ? 1 : 0) : 3,
        });
      } else if (found) {
        Object.assign(c, firewallFrom(found));
      }
    }
    if (c.firewallAutoDetect && !c.firewallType && !c.proxyServer) {
      const found = proxyFromEnvironment(url, this.environment);
      if (found) Object.assign(c, firewallFrom(found));
    }
    const exceptions = this.settings.get('ProxyExceptionsList');
    if (exceptions && (c.proxyServer || c.firewallType) && hostMatches(url, exceptions.split(/[;,]/))) {
      c.proxyServer = '';
      c.firewallType = 0;
    }
    return c;
  }
}

/** The firewall options for a proxy from the environment: SOCKS as such, an HTTP proxy as a CONNECT tunnel. */
function firewallFrom(found: EnvironmentProxy): Partial<HttpConnectionOptions> {
  const type = { http: 1, https: 1, socks4: 2, socks4a: 10, socks5: 3 }[found.kind] as FirewallType;
  return {
    firewallType: type,
    firewallHost: found.host,
    firewallPort: found.port,
    firewallUser: found.user,
    firewallPassword: found.password,
  };
}

function buildInfo(): string {
  const v = process.versions;
  return `cloudstorage ${packageVersion()}; Node ${v.node}; OpenSSL ${v.openssl}; undici ${v.undici ?? 'bundled'}; ${process.platform}-${process.arch}`;
}

function licenseInfo(): string {
  return `cloudstorage ${packageVersion()} is open source (${packageLicense()}): no license key is needed.`;
}

function normalizeConnection(
  connection: HttpConnectionOptions | (() => HttpConnectionOptions) | undefined,
): () => HttpConnectionOptions {
  if (typeof connection === 'function') return connection;
  const fixed = connection ?? {};
  return () => fixed;
}

function defaultOkStatus(status: number): boolean {
  // 3xx reach here only when the redirect was not followed (FollowRedirects=0, or a method it does not
  // apply to): the caller gets the response and its Location.
  return status >= 200 && status < 400;
}

/**
 * Whether a response to a request forwarded through the proxy is the proxy refusing us: 407, or the 401
 * with a Basic challenge that some proxies (tinyproxy) send for wrong credentials, when we did send
 * Basic proxy credentials.
 */
function isProxyAuthFailure(
  status: number,
  headers: Record<string, string>,
  proxy: { authorization?: string } | undefined,
): boolean {
  if (status === 407) return true;
  return (
    status === 401 &&
    !!proxy?.authorization?.startsWith('Basic ') &&
    /^basic\b/i.test(headers['www-authenticate'] ?? '')
  );
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Total payload bytes (including what came before `offset`) from Content-Range or Content-Length. */
function payloadTotal(ex: Exchange, offset: number): number {
  const range = /\/(\d+)\s*$/.exec(ex.headers['content-range'] ?? '');
  if (range) return Number(range[1]);
  const length = ex.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) ? offset + Number(length) : -1;
}

function describeFailure(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
