import { Readable } from 'node:stream';
import { invalidArgument } from '../errors.js';
import type { HttpBody, HttpRequest } from './types.js';

/** In-memory bodies are handed to the socket in pieces of this size, so that upload progress moves. */
const PIECE = 64 * 1024;

/**
 * A request body made ready for sending, possibly several times (retries, redirects, a re-send after a
 * token refresh).
 */
export interface PreparedBody {
  /** Whether {@link open} may be called more than once. */
  readonly repeatable: boolean;
  /** Length in bytes, when known (always for in-memory bodies). */
  readonly length: number | undefined;
  /** Content-Type implied by `json` / `form`. */
  readonly contentType: string | undefined;
  /** The bytes, for in-memory bodies (for the debug log and RawRequest). */
  readonly bytes: Uint8Array | undefined;
  /** The body for one attempt, as chunks. */
  open(): Promise<AsyncIterable<Uint8Array>>;
}

const encoder = new TextEncoder();

export function prepareBody(request: HttpRequest): PreparedBody | undefined {
  const given = [request.body !== undefined, request.json !== undefined, request.form !== undefined].filter(
    Boolean,
  );
  if (given.length > 1) throw invalidArgument('A request takes one of body, json and form, not several.');
  if (request.json !== undefined) {
    return inMemory(encoder.encode(JSON.stringify(request.json)), 'application/json');
  }
  if (request.form !== undefined) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.form))
      if (value !== undefined) params.append(name, value);
    return inMemory(encoder.encode(params.toString()), 'application/x-www-form-urlencoded');
  }
  if (request.body === undefined) return undefined;
  return fromBody(request.body, request.bodyLength);
}

function fromBody(body: HttpBody, length: number | undefined): PreparedBody {
  if (typeof body === 'string') return inMemory(encoder.encode(body), undefined);
  if (body instanceof Uint8Array) return inMemory(body, undefined);
  if (typeof body === 'function') {
    return {
      repeatable: true,
      length,
      contentType: undefined,
      bytes: undefined,
      open: async () => body(),
    };
  }
  // A stream can be read once: a retry, a redirect with body or a re-send after 401 is impossible.
  let opened = false;
  return {
    repeatable: false,
    length,
    contentType: undefined,
    bytes: undefined,
    open: async () => {
      if (opened)
        throw invalidArgument(
          'A stream body can be sent only once; pass a factory function to allow retries.',
        );
      opened = true;
      return body instanceof Readable ? body : (body as ReadableStream<Uint8Array>);
    },
  };
}

function inMemory(bytes: Uint8Array, contentType: string | undefined): PreparedBody {
  return {
    repeatable: true,
    length: bytes.length,
    contentType,
    bytes,
    open: async () => pieces(bytes),
  };
}

async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += PIECE)
    yield bytes.subarray(at, Math.min(bytes.length, at + PIECE));
}
