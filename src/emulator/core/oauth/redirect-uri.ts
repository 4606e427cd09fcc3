/**
 * Redirect URI matching. Registered URIs are compared as exact strings (RFC 6749 §3.1.2, RFC 3986 §6.2.1),
 * except loopback URIs of native apps: for `http://127.0.0.1`, `http://[::1]` and `http://localhost` the port
 * is ignored, because a native app listens on whatever port is free at the time (RFC 8252 §7.3).
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

export function isLoopbackUri(uri: string): boolean {
  const u = parse(uri);
  return u !== undefined && u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** Whether a redirect URI sent by a client matches one registered URI. */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  if (!isLoopbackUri(registered) || !isLoopbackUri(requested)) return false;
  const a = parse(registered)!;
  const b = parse(requested)!;
  return (
    a.hostname === b.hostname &&
    a.pathname === b.pathname &&
    a.search === b.search &&
    a.username === '' &&
    b.username === '' &&
    b.hash === ''
  );
}

/** The registered URI the requested one matches, if any. */
export function findRedirectUri(registered: readonly string[], requested: string): string | undefined {
  return registered.find((r) => redirectUriMatches(r, requested));
}

/** Appends OAuth response parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2). */
export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.append(k, v);
  return u.toString();
}
