import type { IncomingHttpHeaders } from 'node:http';

/**
 * The absolute URLs an emulator puts in its answers (upload-session endpoints, download redirects, shared
 * links) name the host the client used, as the real services name their own hosts. A client that reaches
 * the emulator under the service's real names (through a proxy, as users test their own apps) stays on
 * those names; one that talks to 127.0.0.1:PORT gets 127.0.0.1 URLs.
 *
 * A *role* is one host of the real service (Box: `api` = api.box.com, `upload` = upload.box.com,
 * `download` = dl.boxcloud.com, `app` = app.box.com). Each role is served by one of the emulator's
 * listeners (several roles may share one).
 */
export interface PublicRole {
  /** The listener (EmulatorServer host) that serves the role. */
  listener: string;
  /** The real service's host name for the role (lower case, no port). */
  name: string;
}

/** Where a request says it was sent: host (with any port) and scheme, from the proxy headers or Host. */
export interface RequestOrigin {
  host: string;
  hostname: string;
  /** The explicit port of `host`, or '' when it has none. */
  port: string;
  /** Set only when a proxy said so (X-Forwarded-Proto or Forwarded proto=). */
  proto: 'http' | 'https' | undefined;
}

// A host as RFC 3986 allows it in a URL authority: a registered name or IPv4, or a bracketed IPv6, and
// an optional port. Anything else (spaces, slashes, `@`, …) is not trusted into a Location header.
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::(\d{1,5}))?$/;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const comma = v.indexOf(',');
  return (comma < 0 ? v : v.slice(0, comma)).trim() || undefined;
}

/** `host=` and `proto=` of the first element of an RFC 7239 `Forwarded` header. */
function forwarded(value: string | string[] | undefined): { host?: string; proto?: string } {
  const element = first(value);
  const out: { host?: string; proto?: string } = {};
  if (!element) return out;
  for (const pair of element.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    let v = pair.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    if (key === 'host') out.host = v;
    if (key === 'proto') out.proto = v;
  }
  return out;
}

/**
 * The origin a request was addressed to: `X-Forwarded-Host` / `X-Forwarded-Proto` (the first value, i.e.
 * the client's side of the first proxy), else RFC 7239 `Forwarded`, else `Host`. Undefined when there is
 * no usable host (HTTP/1.0 without Host, or a value that is not a host name).
 */
export function requestOrigin(headers: IncomingHttpHeaders): RequestOrigin | undefined {
  const fwd = forwarded(headers.forwarded);
  const host = first(headers['x-forwarded-host']) ?? fwd.host ?? first(headers.host);
  const protoRaw = (first(headers['x-forwarded-proto']) ?? fwd.proto)?.toLowerCase();
  const proto = protoRaw === 'http' || protoRaw === 'https' ? protoRaw : undefined;
  if (!host || host.length > 300) return undefined;
  const m = HOST.exec(host);
  if (!m) return undefined;
  const port = m[1] ?? '';
  if (port && Number(port) > 65_535) return undefined;
  const hostname = (port ? host.slice(0, -(port.length + 1)) : host).toLowerCase().replace(/\.$/, '');
  return { host, hostname, port, proto };
}

/**
 * The base URL (`scheme://host[:port]`, no trailing slash) of `role` for a request that arrived at
 * `origin`:
 * - addressed to one of the service's real names: the role's real name, over https unless the proxy said
 *   http, keeping the port the client used if it named one (the services answer on https only);
 * - addressed to anything else (127.0.0.1, localhost, a machine name): the same host name with the port
 *   of the role's listener, over the listener's scheme unless a proxy said otherwise;
 * - no usable origin: the listener's own URL.
 */
export function publicBaseUrl(
  origin: RequestOrigin | undefined,
  role: PublicRole,
  roles: Iterable<PublicRole>,
  listenerUrl: (listener: string) => string,
): string {
  const own = new URL(listenerUrl(role.listener));
  if (!origin) return own.origin;
  const serviceNames = new Set<string>();
  for (const r of roles) if (r.name) serviceNames.add(r.name);
  if (role.name && serviceNames.has(origin.hostname)) {
    const proto = origin.proto ?? 'https';
    const defaultPort = proto === 'https' ? '443' : '80';
    const port = origin.port && origin.port !== defaultPort ? `:${origin.port}` : '';
    return `${proto}://${role.name}${port}`;
  }
  const proto = origin.proto ?? own.protocol.slice(0, -1);
  return `${proto}://${origin.hostname}:${own.port}`;
}
