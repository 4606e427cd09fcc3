import { Readable } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { HttpResponse } from './types.js';

export interface BodyHooks {
  /** Every chunk, before it is handed on. */
  onChunk(chunk: Buffer): void;
  /** The body arrived completely. */
  onEnd(): void;
  /** The body ended one way or another (end, error, destroyed by the reader). Called once. */
  onClose(): void;
  /** Turns a low-level error of the source into the error the reader sees. */
  mapError(err: unknown): Error;
}

/**
 * A response body as handed to callers: passes undici's body through with backpressure, counts and reports
 * each chunk, and turns transport errors (a reset mid-body, a timeout) into CloudStorageErrors.
 */
export class ResponseBody extends Readable {
  private settled = false;
  /** A source error held back until the reader has taken the chunks that arrived before it. */
  private pendingError: Error | undefined;

  constructor(
    private readonly source: Readable,
    private readonly hooks: BodyHooks,
  ) {
    super();
    source.on('data', (chunk: Buffer) => {
      hooks.onChunk(chunk);
      if (!this.push(chunk)) source.pause();
    });
    source.once('end', () => {
      hooks.onEnd();
      this.push(null);
      this.finish();
    });
    source.once('error', (err) => {
      const mapped = hooks.mapError(err);
      if (this.readableLength === 0) this.destroy(mapped);
      else this.pendingError = mapped;
    });
    // Paused until the reader asks for data.
    source.pause();
  }

  override _read(): void {
    if (this.pendingError) {
      // Deliver every byte that did arrive (a resumed download continues after the last one), then fail.
      // An empty push lets the stream call _read again once the reader has taken more.
      if (this.readableLength === 0) this.destroy(this.pendingError);
      else this.push(Buffer.alloc(0));
      return;
    }
    this.source.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.source.destroyed) this.source.destroy();
    this.finish();
    callback(err);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.hooks.onClose();
  }
}

/** Reads a stream to the end, into one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Reads at most `limit` bytes of a stream, then discards the rest (destroying it if it is long). */
export async function readHead(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (size < limit) chunks.push(buf.subarray(0, limit - size));
      size += buf.length;
      if (size > limit * 4) break;
    }
  } catch {
    // The error body is best effort; the status is what matters.
  }
  if (!stream.destroyed) stream.destroy();
  return Buffer.concat(chunks);
}

interface ResponseInit {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  rawHeaders: Array<[string, string]>;
  url: string;
  redactor: Redactor;
}

function parseJson<T>(text: string, url: string, redactor: Redactor): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `The response of ${url} is not valid JSON: ${text.slice(0, 200)}`,
      { cause: err, redactor },
    );
  }
}

/** What both kinds of response share: the status line, headers and final URL; json() over text(). */
abstract class ResponseBase implements HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string>;
  readonly rawHeaders: Array<[string, string]>;
  readonly url: string;
  private readonly redactor: Redactor;

  constructor(init: ResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
    this.rawHeaders = init.rawHeaders;
    this.url = init.url;
    this.redactor = init.redactor;
  }

  abstract get body(): Readable;
  abstract bytes(): Promise<Uint8Array>;
  abstract text(): Promise<string>;

  async json<T = unknown>(): Promise<T> {
    return parseJson<T>(await this.text(), this.url, this.redactor);
  }
}

/** A response whose body was read into memory. */
export class BufferedResponse extends ResponseBase {
  constructor(
    init: ResponseInit,
    private readonly data: Buffer,
  ) {
    super(init);
  }

  /** A fresh stream over the bytes on each access. */
  get body(): Readable {
    return Readable.from([this.data]);
  }

  async bytes(): Promise<Uint8Array> {
    return this.data;
  }

  async text(): Promise<string> {
    return this.data.toString('utf8');
  }
}

/** A response whose body is still on the wire: read it once, as a stream or with bytes()/text()/json(). */
export class StreamedResponse extends ResponseBase {
  constructor(
    init: ResponseInit,
    private readonly stream: Readable,
  ) {
    super(init);
  }

  get body(): Readable {
    return this.stream;
  }

  async bytes(): Promise<Uint8Array> {
    return readAll(this.stream);
  }

  async text(): Promise<string> {
    return (await readAll(this.stream)).toString('utf8');
  }
}
