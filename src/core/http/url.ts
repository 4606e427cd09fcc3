import { invalidArgument } from '../errors.js';
import type { HttpRequest } from './types.js';

export type QueryParams = HttpRequest['query'];

/**
 * Percent-encodes a query component the RFC 3986 way (space as %20, not "+"), which every service accepts,
 * also in signed URLs.
 */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Appends query parameters to a URL, in the order given, after any it already has. Undefined values are
 * skipped; numbers and booleans are written as text. Used for the reference classes' QueryParam collection
 * (an ordered list of name/value pairs the provider manages) as well as for the provider's own parameters.
 */
export function buildUrl(url: string | URL, query?: QueryParams): URL {
  let result: URL;
  try {
    result = new URL(url.toString());
  } catch {
    throw invalidArgument(`"${url}" is not an absolute URL.`);
  }
  if (result.protocol !== 'http:' && result.protocol !== 'https:') {
    throw invalidArgument(`Only http and https URLs are supported; got "${result.protocol}".`);
  }
  const pairs: Array<[string, string]> = [];
  if (Array.isArray(query)) {
    for (const [name, value] of query) pairs.push([name, value]);
  } else if (query) {
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) pairs.push([name, String(value)]);
    }
  }
  if (pairs.length === 0) return result;
  const extra = pairs.map(([n, v]) => `${encodeQueryComponent(n)}=${encodeQueryComponent(v)}`).join('&');
  const existing = result.search.length > 1 ? result.search.slice(1) : '';
  result.search = existing ? `${existing}&${extra}` : extra;
  return result;
}

/** "https://host:port" of a URL; the unit of connection pooling and of credential forwarding. */
export function originOf(url: URL): string {
  return url.origin;
}

/**
 * `url` without its trailing slashes. A loop, not `/\/+$/`: that pattern is quadratic on a long run of
 * slashes followed by anything else, and URLs here come from settings and from servers (Box's upload
 * session URLs).
 */
export function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return end === url.length ? url : url.slice(0, end);
}
