import { PassThrough, type Readable } from 'node:stream';
import { badRequest } from './errors.js';

export interface MultipartPart {
  /** The `name` of the Content-Disposition header. */
  name: string;
  filename: string | undefined;
  headers: Record<string, string>;
  /** The part's bytes; must be consumed (or resumed) before the next part arrives. */
  body: Readable;
}

/** The boundary of a `multipart/form-data` Content-Type, or a 400. */
export function boundaryOf(contentType: string | undefined): string {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!/^multipart\/form-data/i.test(contentType ?? '') || !m) {
    throw badRequest('The request must be multipart/form-data with a boundary');
  }
  return (m[1] ?? m[2])!;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * A streaming `multipart/form-data` reader: parts come one at a time and each body streams with
 * back-pressure, so a large file part goes to the blob store without being held in memory.
 */
export async function* readMultipart(
  source: AsyncIterable<Buffer>,
  boundary: string,
): AsyncGenerator<MultipartPart> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first boundary has no leading CRLF; pretend it had one.
  let buffer: Buffer = Buffer.from('\r\n');
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buffer = buffer.length ? Buffer.concat([buffer, next.value]) : next.value;
    return true;
  };

  // Preamble up to the first delimiter.
  for (;;) {
    const at = buffer.indexOf(delimiter);
    if (at >= 0) {
      buffer = buffer.subarray(at + delimiter.length);
      break;
    }
    if (buffer.length > delimiter.length) buffer = buffer.subarray(buffer.length - delimiter.length);
    if (!(await more())) throw badRequest('Malformed multipart body: no boundary found');
  }

  for (;;) {
    // After a delimiter: "--" ends the body, CRLF starts a part.
    while (buffer.length < 2) if (!(await more())) throw badRequest('Malformed multipart body');
    if (buffer[0] === 0x2d && buffer[1] === 0x2d) return;
    let headerEnd = buffer.indexOf(CRLF2);
    while (headerEnd < 0) {
      if (buffer.length > 16 * 1024) throw badRequest('Malformed multipart body: part headers too long');
      if (!(await more())) throw badRequest('Malformed multipart body');
      headerEnd = buffer.indexOf(CRLF2);
    }
    const headers = parseHeaders(buffer.subarray(0, headerEnd).toString('utf8'));
    buffer = buffer.subarray(headerEnd + CRLF2.length);
    const disposition = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const body = new PassThrough();
    const pump = (async () => {
      for (;;) {
        const at = buffer.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0 && !body.write(buffer.subarray(0, at))) await drained(body);
          buffer = buffer.subarray(at + delimiter.length);
          body.end();
          return;
        }
        // Keep a tail that could be the start of the delimiter.
        const safe = buffer.length - delimiter.length;
        if (safe > 0) {
          const chunk = buffer.subarray(0, safe);
          buffer = buffer.subarray(safe);
          if (!body.write(chunk)) await drained(body);
        }
        if (!(await more())) {
          body.destroy(badRequest('Malformed multipart body: truncated part'));
          throw badRequest('Malformed multipart body: truncated part');
        }
      }
    })();
    // The consumer may stop early (its own error); the failure is still seen at `await pump` below.
    pump.catch(() => undefined);
    yield { name, filename, headers, body };
    // If the consumer did not read the part, drain it so parsing can go on.
    body.resume();
    await pump;
  }
}

function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** Reads a whole small part (the `attributes` JSON) with a size limit. */
export async function readPartText(part: MultipartPart, limit = 256 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of part.body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw badRequest('The attributes part is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
