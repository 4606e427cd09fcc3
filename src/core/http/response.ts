import { Readable } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../errors.js';
import type { Redactor } from '../redact.js';
import { STREAM_BUFFER_BYTES } from '../stream-buffer.js';
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
    super({ highWaterMark: STREAM_BUFFER_BYTES });
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
      if (this.readableLength === 0) {
        this.destroy(mapped);
        return;
      }
      this.pendingError = mapped;
      // A _read may already be outstanding (the source was resumed for it): the stream calls _read again
      // only after a push, so an empty one releases it; once the buffer drains, _read delivers the error.
      this.push(Buffer.alloc(0));
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

/** The most bytes of one response read into memory (MaxResponseBodySize), and who answered. */
export interface BodyCap {
  limit: number;
  url: string;
  status: number;
  redactor: Redactor;
}

/** Error 600 for an answer over MaxResponseBodySize; `size` is its Content-Length when it declared one. */
export function bodyTooLarge(cap: BodyCap, size?: number): CloudStorageError {
  const what = size !== undefined ? `declares ${size} bytes` : `is longer than ${cap.limit} bytes`;
  return new CloudStorageError(
    ErrorCode.ServerError,
    `The answer of ${cap.url} ${what}, over MaxResponseBodySize (${cap.limit} bytes); it was not read, to keep memory bounded. The service does not send answers this large to this request: check the service URL, or raise MaxResponseBodySize (config('MaxResponseBodySize=<bytes>'), at most ${MAX_RESPONSE_BODY_SIZE}) if it is expected.`,
    { httpStatus: cap.status, redactor: cap.redactor },
  );
}

/** The highest MaxResponseBodySize: a body becomes one string, and V8 strings stop a little above 512 MiB. */
export const MAX_RESPONSE_BODY_SIZE = 512 * 1024 * 1024;

/**
 * Reads a stream to the end, into one buffer. With a cap, a Content-Length over it fails before any byte is
 * read, and a body that grows past it fails at once (the stream is destroyed, the rest never read).
 */
export async function readAll(stream: Readable, cap?: BodyCap, contentLength?: string): Promise<Buffer> {
  const limit = cap?.limit ?? Number.POSITIVE_INFINITY;
  const declared = contentLength !== undefined && contentLength !== '' ? Number(contentLength) : Number.NaN;
  if (cap && declared > limit) {
    stream.destroy();
    throw bodyTooLarge(cap, declared);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    // Leaving the loop by a throw destroys the stream: the rest of the body is not read.
    if (cap && size > limit) throw bodyTooLarge(cap);
    chunks.push(buf);
  }
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
  /** MaxResponseBodySize when the response was made: the most bytes bytes()/text()/json() read. */
  maxBodySize: number;
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
    private readonly init: ResponseInit,
    private readonly stream: Readable,
  ) {
    super(init);
  }

  get body(): Readable {
    return this.stream;
  }

  async bytes(): Promise<Uint8Array> {
    return this.readWhole();
  }

  async text(): Promise<string> {
    return (await this.readWhole()).toString('utf8');
  }

  private readWhole(): Promise<Buffer> {
    const cap = {
      limit: this.init.maxBodySize,
      url: this.url,
      status: this.status,
      redactor: this.init.redactor,
    };
    return readAll(this.stream, cap, this.headers['content-length']);
  }
}
