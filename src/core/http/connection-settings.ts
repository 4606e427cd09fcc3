import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type tls from 'node:tls';
import { CloudStorageError, ErrorCode, invalidArgument } from '../errors.js';
import type { IpPreference } from './resolve.js';
import { type HttpSettings, httpSettings, SslProtocolBits } from './settings.js';
import { splitPemCertificates, type TlsSettings } from './tls.js';
import type { SocketSettings } from './transport.js';

/**
 * The reference's TCPClient and SSL config settings turned into what node:net and node:tls take: socket
 * options, protocol versions, cipher, signature algorithm and group lists, extra CAs from files.
 */

const VERSIONS: Array<[number, tls.SecureVersion]> = [
  [SslProtocolBits.TLS1, 'TLSv1'],
  [SslProtocolBits.TLS1_1, 'TLSv1.1'],
  [SslProtocolBits.TLS1_2, 'TLSv1.2'],
  [SslProtocolBits.TLS1_3, 'TLSv1.3'],
];

/** SSLEnabledProtocols as a version range (OpenSSL takes a range, so the lowest and highest bits set). */
export function protocolRange(bits: number): {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
} {
  const enabled = VERSIONS.filter(([bit]) => (bits & bit) === bit).map(([, v]) => v);
  if (enabled.length === 0) throw invalidArgument('SSLEnabledProtocols enables no TLS version.');
  return { minVersion: enabled[0]!, maxVersion: enabled.at(-1)! };
}

const GROUPS: Record<string, string> = {
  ecdhe_x25519: 'X25519',
  ecdhe_x448: 'X448',
  ecdhe_secp256r1: 'P-256',
  ecdhe_secp384r1: 'P-384',
  ecdhe_secp521r1: 'P-521',
  ffdhe_2048: 'ffdhe2048',
  ffdhe_3072: 'ffdhe3072',
  ffdhe_4096: 'ffdhe4096',
  ffdhe_6144: 'ffdhe6144',
  ffdhe_8192: 'ffdhe8192',
};

function list(text: string): string[] {
  return text
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
}

/** "sha256-rsa" (TLS 1.2 form) or "rsa_pss_sha256" (TLS 1.3 form) as OpenSSL's sigalgs name. */
function sigalg(name: string, setting: string): string {
  const tls12 = /^(sha1|sha224|sha256|sha384|sha512)-(rsa|dsa|ecdsa)$/.exec(name);
  if (tls12) return `${tls12[2]!.toUpperCase()}+${tls12[1]!.toUpperCase()}`;
  if (name === 'ed25519' || name === 'ed448') return name;
  const pss = /^rsa_pss_(sha256|sha384|sha512)$/.exec(name);
  if (pss) return `rsa_pss_rsae_${pss[1]}`;
  if (
    /^rsa_pkcs1_(sha256|sha384|sha512)$/.test(name) ||
    /^ecdsa_secp(256r1_sha256|384r1_sha384|521r1_sha512)$/.test(name)
  )
    return name;
  throw invalidArgument(`${setting}: "${name}" is not a signature algorithm this library knows.`);
}

function groupName(name: string, setting: string): string {
  const g = GROUPS[name];
  if (!g) throw invalidArgument(`${setting}: "${name}" is not a group (${Object.keys(GROUPS).join(', ')}).`);
  return g;
}

/** Each file read once per path (and modification time), not at each request. */
const fileCache = new Map<string, { mtimeMs: number; pems: string[] }>();

function readPems(path: string, setting: string): string[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (e) {
    throw new CloudStorageError(
      ErrorCode.SslCertStoreUnreadable,
      `${setting}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
    );
  }
  const cached = fileCache.get(path);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.pems;
  const pems = splitPemCertificates(readFileSync(path, 'utf8'));
  if (fileCache.size > 32) fileCache.clear();
  fileCache.set(path, { mtimeMs: stat.mtimeMs, pems });
  return pems;
}

/** The CA certificates the settings name beyond SSLCACerts: SSLServerCACerts, OpenSSLCAFile, OpenSSLCADir, SSLCACertFilePaths. */
export function extraCAsFromSettings(s: HttpSettings): string[] {
  const pems = [...splitPemCertificates(s.get('SSLServerCACerts'))];
  const file = s.get('OpenSSLCAFile');
  if (file) pems.push(...readPems(file, 'OpenSSLCAFile'));
  const dir = s.get('OpenSSLCADir');
  if (dir) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      throw new CloudStorageError(
        ErrorCode.SslCertStoreUnreadable,
        `OpenSSLCADir: cannot read ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      );
    }
    for (const name of names.sort()) {
      if (/\.(pem|crt|cer)$|\.\d+$/i.test(name)) pems.push(...readPems(join(dir, name), 'OpenSSLCADir'));
    }
  }
  const paths = s.get('SSLCACertFilePaths');
  if (paths !== httpSettings.SSLCACertFilePaths.default) {
    const first = paths
      .split(';')
      .map((p) => p.trim())
      .find((p) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      });
    if (first) pems.push(...readPems(first, 'SSLCACertFilePaths'));
  }
  return pems;
}

/** The TLS options of the SSL settings (versions, ciphers, signature algorithms, groups, checks). */
export function tlsFromSettings(
  s: HttpSettings,
): Omit<TlsSettings, 'extraCAs' | 'clientCert' | 'acceptServerCert'> {
  const out: Omit<TlsSettings, 'extraCAs' | 'clientCert' | 'acceptServerCert'> = protocolRange(
    s.get('SSLEnabledProtocols'),
  );
  const suites = s.get('SSLEnabledCipherSuites').trim();
  const ciphers = [
    ...(s.get('OpenSSLCipherList') ? [s.get('OpenSSLCipherList')] : []),
    ...(suites && suites !== '*'
      ? [
          suites
            .split(/[,;:]/)
            .map((x) => x.trim())
            .filter(Boolean)
            .join(':'),
        ]
      : []),
  ];
  if (ciphers.length) out.ciphers = ciphers.join(':');
  const sigalgs = [
    ...list(s.get('TLS12SignatureAlgorithms')).map((n) => sigalg(n, 'TLS12SignatureAlgorithms')),
    ...list(s.get('TLS13SignatureAlgorithms')).map((n) => sigalg(n, 'TLS13SignatureAlgorithms')),
  ];
  if (sigalgs.length) out.sigalgs = [...new Set(sigalgs)].join(':');
  const groups = [
    ...list(s.get('TLS13SupportedGroups')).map((n) => groupName(n, 'TLS13SupportedGroups')),
    ...list(s.get('TLS12SupportedGroups')).map((n) => groupName(n, 'TLS12SupportedGroups')),
  ];
  if (groups.length) out.groups = [...new Set(groups)].join(':');
  const flags = s.get('SSLSecurityFlags');
  if (flags) out.securityFlags = flags;
  const bits = s.get('SSLCipherStrength');
  if (bits) out.minCipherBits = bits;
  if (s.get('SSLIncludeCertChain')) out.includeChain = true;
  return out;
}

/** The socket options of the TCPClient settings. */
export function socketFromSettings(s: HttpSettings, localHost: string | undefined): SocketSettings {
  const localPort = s.get('LocalPort');
  return {
    ipPreference: s.get('UseIPv6') as IpPreference,
    noDelay: s.get('TcpNoDelay'),
    keepAlive: s.get('TCPKeepAlive'),
    keepAliveTimeMs: s.get('KeepAliveTime'),
    ...(localHost ? { localAddress: localHost } : {}),
    ...(localPort ? { localPort } : {}),
  };
}
