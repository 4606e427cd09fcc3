import net, { BlockList } from 'node:net';
import { invalidArgument } from '../errors.js';

/**
 * What `proxyAutoDetect` and `firewallAutoDetect` detect on Node: the proxy environment variables every
 * Unix tool reads (curl, wget, git, pip). `https_proxy` / `HTTPS_PROXY` for https URLs, `http_proxy` /
 * `HTTP_PROXY` for http URLs, `all_proxy` / `ALL_PROXY` for both when the scheme's own is unset, the lower
 * case variant first; `no_proxy` / `NO_PROXY` lists the hosts reached directly. The proxy URL's scheme says
 * what it is: http (default), https (TLS to the proxy), socks4, socks4a, socks5 or socks5h.
 *
 * The same host list syntax serves ProxyExceptionsList (semicolon separated in the reference).
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export interface EnvironmentProxy {
  kind: 'http' | 'https' | 'socks4' | 'socks4a' | 'socks5';
  host: string;
  port: number;
  user: string;
  password: string;
  /** The variable the proxy came from, for log messages. */
  variable: string;
}

function firstSet(env: Environment, names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return [name, value];
  }
  return undefined;
}

const DEFAULT_PORTS: Record<EnvironmentProxy['kind'], number> = {
  http: 80,
  https: 443,
  socks4: 1080,
  socks4a: 1080,
  socks5: 1080,
};

/** Reads a proxy URL ("host:port" alone means an http proxy). */
export function parseProxyUrl(text: string, variable: string): EnvironmentProxy {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidArgument(`${variable} is not a proxy URL: use http://host:port or socks5://host:port.`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const kind = scheme === 'socks5h' ? 'socks5' : scheme === 'socks' ? 'socks5' : scheme;
  if (!(kind in DEFAULT_PORTS)) {
    throw invalidArgument(
      `${variable} names a ${scheme}:// proxy; use http, https, socks4, socks4a, socks5 or socks5h.`,
    );
  }
  const k = kind as EnvironmentProxy['kind'];
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    kind: k,
    host,
    port: url.port ? Number(url.port) : DEFAULT_PORTS[k],
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    variable,
  };
}

/** The proxy the environment names for a URL, or undefined (none set, or the host is in no_proxy). */
export function proxyFromEnvironment(url: URL, env: Environment): EnvironmentProxy | undefined {
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy && hostMatches(url, noProxy[1].split(','))) return undefined;
  const names =
    url.protocol === 'https:'
      ? ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']
      : // HTTP_PROXY in upper case is what a CGI program gets from a client's "Proxy:" header (httpoxy).
        ['http_proxy', ...(env.REQUEST_METHOD ? [] : ['HTTP_PROXY']), 'all_proxy', 'ALL_PROXY'];
  const found = firstSet(env, names);
  return found ? parseProxyUrl(found[1], found[0]) : undefined;
}

function bareHost(hostname: string): string {
  const h = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return h.toLowerCase().replace(/\.$/, '');
}

/**
 * Whether a URL's host is in a list of exceptions: "*" (all), a host name (itself and its subdomains; a
 * leading "." or "*." means the same), an IP address, a CIDR block ("10.0.0.0/8", "fd00::/8"), each
 * optionally with ":port".
 */
export function hostMatches(url: URL, entries: readonly string[]): boolean {
  const host = bareHost(url.hostname);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const family = net.isIP(host);
  for (const raw of entries) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let wantPort: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1]!;
      if (bracketed[2]) wantPort = Number(bracketed[2]);
    } else if ((entry.match(/:/g) ?? []).length === 1) {
      const [name, p] = entry.split(':') as [string, string];
      if (/^\d+$/.test(p)) {
        entry = name;
        wantPort = Number(p);
      }
    }
    if (wantPort !== undefined && wantPort !== port) continue;
    const slash = entry.indexOf('/');
    if (slash > 0 && family) {
      const base = entry.slice(0, slash);
      const bits = Number(entry.slice(slash + 1));
      const baseFamily = net.isIP(base);
      if (baseFamily === family && Number.isInteger(bits)) {
        const list = new BlockList();
        try {
          list.addSubnet(base, bits, family === 6 ? 'ipv6' : 'ipv4');
          if (list.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
        } catch {
          // Not a usable block; it matches nothing.
        }
      }
      continue;
    }
    if (net.isIP(entry)) {
      if (family && entry === host) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '').replace(/\.$/, '');
    if (domain && (host === domain || host.endsWith(`.${domain}`))) return true;
  }
  return false;
}
