import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';

/**
 * Host name resolution for outgoing connections: the system resolver, with the special-use names of
 * RFC 6761 answered here (`.invalid` never exists, `localhost` and `*.localhost` are the loopback), so a
 * test or a typo with such a name sends no query to any DNS server; and the address family the UseIPv6
 * setting asks for.
 */

/** UseIPv6: 0 IPv4 only (the reference's default), 1 IPv6 only, 2 IPv6 first with IPv4 as a fallback. */
export type IpPreference = 0 | 1 | 2;

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
}

/** Whether a name is one RFC 6761 reserves as never resolvable. */
export function isInvalidName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'invalid' || name.endsWith('.invalid');
}

function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Orders and filters the addresses of a name per UseIPv6. */
function pick(addresses: LookupAddress[], preference: IpPreference): LookupAddress[] {
  if (preference === 0) return addresses.filter((a) => a.family === 4);
  if (preference === 1) return addresses.filter((a) => a.family === 6);
  return [...addresses.filter((a) => a.family === 6), ...addresses.filter((a) => a.family === 4)];
}

/** A `lookup` function for `net.connect` that applies the rules above. */
export function lookupFor(preference: IpPreference) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    const done = (err: NodeJS.ErrnoException | null, found: LookupAddress[]): void => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const usable = pick(found, preference);
      if (usable.length === 0) {
        const want = preference === 1 ? 'IPv6' : 'IPv4';
        const listed = found.map((a) => a.address).join(', ') || 'none';
        const e = Object.assign(
          new Error(`${hostname} has no ${want} address (UseIPv6=${preference}); found ${listed}`),
          { code: 'ENODATA', hostname },
        );
        callback(e, '', 0);
      } else if (options.all) {
        callback(null, usable);
      } else {
        callback(null, usable[0]!.address, usable[0]!.family);
      }
    };
    if (isInvalidName(hostname)) done(notFound(hostname), []);
    else if (isLocalhostName(hostname)) {
      done(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]);
    } else if (net.isIP(hostname)) done(null, [{ address: hostname, family: net.isIP(hostname) }]);
    else dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => done(err, addresses ?? []));
  };
}

/** Resolves a name to one address of the preferred family (for SOCKS4, which carries an IPv4 address). */
export function resolveHost(hostname: string, preference: IpPreference): Promise<string> {
  return new Promise((resolve, reject) => {
    lookupFor(preference)(hostname, {}, (err, address) => (err ? reject(err) : resolve(address as string)));
  });
}
