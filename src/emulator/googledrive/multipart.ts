import { Readable } from 'node:stream';
import { badRequest } from './errors.js';

/**
 * Reads Drive's `multipart/related` upload body: a JSON metadata part, then the media part. The metadata
 * is small and read whole; the media part streams on with back-pressure until the closing delimiter, so
 * a large multipart upload never sits in memory.
 */

export function relatedBoundary(contentType: string | undefined): string {
  const type = contentType ?? '';
  const semi = type.indexOf(';');
  const base = (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
  if (base !== 'multipart/related' && base !== 'multipart/mixed')
    throw badRequest('A multipart upload must be sent as multipart/related with a boundary.', 'uploadType');
  for (const param of type.slice(semi + 1).split(';')) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let v = param.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    if (v) return v;
  }
  throw badRequest('The multipart/related Content-Type has no boundary.', 'uploadType');
}

export interface RelatedUpload {
  metadata: Record<string, unknown>;
  mediaType: string | undefined;
  /** The media part's bytes (read it to the end). */
  media: Readable;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

export async function readRelated(source: AsyncIterable<Buffer>, boundary: string): Promise<RelatedUpload> {
  const iterator = source[Symbol.asyncIterator]();
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer: Buffer = Buffer.from('\r\n');
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buffer = Buffer.concat([buffer, next.value]);
    return true;
  };
  const malformed = (why: string) => badRequest(`Malformed multipart body: ${why}.`, 'body');

  /** Finds `needle` in the buffer, reading more as needed (bounded by `limit`). */
  const find = async (needle: Buffer, limit: number): Promise<number> => {
    for (;;) {
      const at = buffer.indexOf(needle);
      if (at >= 0) return at;
      if (buffer.length > limit) throw malformed('a part header or the metadata is too large');
      if (!(await more())) throw malformed('it ends early');
    }
  };

  // The first delimiter, then the metadata part's headers and body (up to the next delimiter).
  let at = await find(delimiter, 64 * 1024);
  buffer = buffer.subarray(at + delimiter.length);
  at = await find(HEADER_END, 64 * 1024);
  const metaHeaders = parseHeaders(buffer.subarray(0, at).toString('latin1'));
  buffer = buffer.subarray(at + HEADER_END.length);
  at = await find(delimiter, 1024 * 1024);
  const metaText = buffer.subarray(0, at).toString('utf8').trim();
  buffer = buffer.subarray(at + delimiter.length);
  const metaType = (metaHeaders['content-type'] ?? 'application/json').toLowerCase();
  if (!metaType.startsWith('application/json')) throw malformed('the first part must be the JSON metadata');
  let metadata: Record<string, unknown> = {};
  if (metaText) {
    try {
      metadata = JSON.parse(metaText) as Record<string, unknown>;
    } catch {
      throw badRequest('The metadata part is not valid JSON.', 'body');
    }
  }
  if (buffer.length < 2) await more();
  if (buffer.subarray(0, 2).toString() === '--') throw malformed('the media part is missing');
  at = await find(HEADER_END, 64 * 1024);
  const mediaHeaders = parseHeaders(buffer.subarray(0, at).toString('latin1'));
  buffer = buffer.subarray(at + HEADER_END.length);

  const tail = buffer;
  async function* media(): AsyncGenerator<Buffer> {
    let pending = tail;
    for (;;) {
      const hit = pending.indexOf(delimiter);
      if (hit >= 0) {
        if (hit > 0) yield pending.subarray(0, hit);
        // Drain the epilogue so the connection stays usable.
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
        }
        return;
      }
      // Keep the last delimiter-length bytes: the delimiter may straddle two chunks.
      const safe = pending.length - delimiter.length;
      if (safe > 0) {
        yield pending.subarray(0, safe);
        pending = pending.subarray(safe);
      }
      const next = await iterator.next();
      if (next.done) throw malformed('the closing boundary is missing');
      pending = pending.length ? Buffer.concat([pending, next.value]) : next.value;
    }
  }
  return {
    metadata,
    mediaType: mediaHeaders['content-type'],
    media: Readable.from(media(), { objectMode: false }),
  };
}
