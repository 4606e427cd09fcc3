import { invalidArgument } from '../errors.js';

/**
 * An ordered, case-preserving list of request headers with case-insensitive lookups. Requests keep their
 * headers in this form so that the log, SentHeaders and the wire show them as the caller wrote them.
 */
export class HeaderList {
  private readonly entries: Array<[string, string]> = [];

  static from(init?: Record<string, string> | Array<[string, string]>): HeaderList {
    const list = new HeaderList();
    if (!init) return list;
    for (const [name, value] of Array.isArray(init) ? init : Object.entries(init)) list.append(name, value);
    return list;
  }

  append(name: string, value: string): this {
    checkHeader(name, value);
    this.entries.push([name, value]);
    return this;
  }

  /** Replaces every header of that name with one value. */
  set(name: string, value: string): this {
    this.delete(name);
    return this.append(name, value);
  }

  /** Sets the header only when the caller did not. */
  setDefault(name: string, value: string): this {
    if (!this.has(name)) this.append(name, value);
    return this;
  }

  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.entries.find(([n]) => n.toLowerCase() === lower)?.[1];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  delete(name: string): this {
    const lower = name.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]![0].toLowerCase() === lower) this.entries.splice(i, 1);
    }
    return this;
  }

  clone(): HeaderList {
    const copy = new HeaderList();
    copy.entries.push(...this.entries.map(([n, v]) => [n, v] as [string, string]));
    return copy;
  }

  toArray(): Array<[string, string]> {
    return this.entries.map(([n, v]) => [n, v]);
  }

  /** The flat [name, value, name, value, …] form undici takes (it keeps repeated headers). */
  toFlat(): string[] {
    return this.entries.flat();
  }

  /** "Name: Value" lines joined by CRLF. */
  toString(): string {
    return this.entries.map(([n, v]) => `${n}: ${v}`).join('\r\n');
  }
}

/** Headers the HTTP/1.1 connection manages itself; undici refuses them, so we refuse them early and clearly. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
]);

function checkHeader(name: string, value: string): void {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw invalidArgument(`"${name}" is not a valid header name.`);
  if (/[\r\n\0]/.test(value)) throw invalidArgument(`The value of header ${name} contains a line break.`);
  if (CONNECTION_HEADERS.has(name.toLowerCase())) {
    throw invalidArgument(`Header ${name} is managed by the HTTP client and cannot be set.`);
  }
}

/**
 * Parses OtherHeaders: "Name: Value" lines separated by CRLF (a bare LF is accepted too). Blank lines are
 * skipped; a line without a colon is an error.
 */
export function parseHeaderLines(text: string | undefined): Array<[string, string]> {
  if (!text) return [];
  const out: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalidArgument(`OtherHeaders line "${line}" is not of the form "Name: Value".`);
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

/** Turns undici's flat raw header array (Buffers or strings) into ordered pairs. */
export function pairsFromRaw(
  raw: ReadonlyArray<Buffer | string> | null | undefined,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    out.push([latin1(raw[i]!), latin1(raw[i + 1]!)]);
  }
  return out;
}

function latin1(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

/** Lower-case names; repeated headers joined with ", " (set-cookie too, which nobody here needs). */
export function headerRecord(pairs: ReadonlyArray<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

/** Response headers that carry a request id, by service: Box, Dropbox, Google, B2, generic. */
const REQUEST_ID_HEADERS = [
  'box-request-id',
  'x-dropbox-request-id',
  'x-guploader-uploadid',
  'x-goog-request-id',
  'x-bz-request-id',
  'x-request-id',
  'request-id',
  'x-amz-request-id',
];

export function requestIdOf(headers: Record<string, string>): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers[name];
    if (value) return value;
  }
  return undefined;
}
