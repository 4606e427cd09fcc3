import { timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest } from '../server.js';
import { OAuthError } from './errors.js';

/** Small HTTP helpers of the authorization server: cookies, form parameters, constant-time compare. */

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The parameters of a token or revocation request: the form body, over the query string (the Dropbox JS
 * SDK sends them in the query of an empty POST). A JSON object body is accepted too.
 */
export async function readParams(req: EmulatorRequest): Promise<URLSearchParams> {
  const params = new URLSearchParams(req.query);
  const text = await req.text(64 * 1024);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (text.trim() === '') return params;
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OAuthError('invalid_request', 'The request body is not valid JSON.');
    }
    if (parsed && typeof parsed === 'object') {
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) params.set(k, String(v));
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

export function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
