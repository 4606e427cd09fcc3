import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { CloudStorageError } from '../errors.js';
import type { CoreEvents, TypedEmitter } from '../events.js';
import type { Redactor } from '../redact.js';
import { HttpErrorCode } from './errors.js';
import type { ClientCertificate } from './options.js';

/** TLS material for connections to servers (not to the proxy). */
export interface TlsSettings {
  /** Extra trusted CAs (PEM), added to the system roots. */
  extraCAs: string[];
  clientCert?: ClientCertificate;
  /** See HttpConnectionOptions.sslAcceptServerCert. */
  acceptServerCert?: string;
  /** From SSLEnabledProtocols. */
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher list (OpenSSLCipherList, SSLEnabledCipherSuites). */
  ciphers?: string;
  /** OpenSSL signature algorithm list (TLS12/TLS13SignatureAlgorithms). */
  sigalgs?: string;
  /** OpenSSL group list (TLS12/TLS13SupportedGroups). */
  groups?: string;
  /** ALPN protocols offered: ["http/1.1"], or ["h2", "http/1.1"] with HTTPVersion=2.0. */
  alpn?: string[];
  /** SSLSecurityFlags: checks to skip. */
  securityFlags?: number;
  /** SSLCipherStrength: least bulk cipher key length. */
  minCipherBits?: number;
  /** SSLIncludeCertChain. */
  includeChain?: boolean;
}

/** SSLSecurityFlags bits that this library honours. */
export const SecurityFlags = {
  IgnoreTimeValidity: 0x1,
  AllowUnknownCA: 0x10,
  IgnoreCommonName: 0x80000000,
} as const;

const TIME_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const UNKNOWN_CA_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

/** The key length in bits of a cipher, from its name (AES_128_GCM, CHACHA20, 3DES, …); 0 when unknown. */
export function cipherBits(name: string): number {
  const n = name.toUpperCase();
  if (n.includes('CHACHA20')) return 256;
  const aes = /AES[_-]?(128|256)/.exec(n);
  if (aes) return Number(aes[1]);
  if (/ARIA[_-]?(128|256)/.test(n)) return Number(/ARIA[_-]?(128|256)/.exec(n)![1]);
  if (/CAMELLIA[_-]?(128|256)/.test(n)) return Number(/CAMELLIA[_-]?(128|256)/.exec(n)![1]);
  if (n.includes('3DES') || n.includes('DES-CBC3')) return 112;
  if (n.includes('RC4')) return 128;
  return 0;
}

export interface TlsHooks {
  emitter: TypedEmitter<CoreEvents>;
  redactor: Redactor;
}

/** Splits a bundle of PEM certificates ("-----BEGIN CERTIFICATE-----" blocks, any text around them). */
export function splitPemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The certificate's distinguished name as "CN=…, O=…, C=…" (most specific first, as the reference shows it). */
export function formatName(name: string): string {
  return name
    .split('\n')
    .filter((part) => part.trim() !== '')
    .reverse()
    .join(', ');
}

/**
 * Whether `spec` names this certificate: "*", its PEM, or its SHA-256 / SHA-1 fingerprint in hex (colons,
 * spaces and case ignored).
 */
export function certificateMatches(spec: string | undefined, cert: X509Certificate): boolean {
  if (!spec) return false;
  const trimmed = spec.trim();
  if (trimmed === '*') return true;
  if (trimmed.includes('-----BEGIN CERTIFICATE-----')) {
    return splitPemCertificates(trimmed).some((pem) => {
      try {
        return new X509Certificate(pem).raw.equals(cert.raw);
      } catch {
        return false;
      }
    });
  }
  const hex = trimmed.replace(/[\s:]/g, '').toLowerCase();
  const sha256 = createHash('sha256').update(cert.raw).digest('hex');
  const sha1 = createHash('sha1').update(cert.raw).digest('hex');
  return hex === sha256 || hex === sha1;
}

/** The connection options for `tls.connect` to a server, with verification left to {@link verifyServer}. */
export function tlsConnectOptions(
  socket: Duplex | undefined,
  host: string,
  port: number,
  settings: TlsSettings,
): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = {
    host,
    port,
    // Verification happens in verifyServer, so that the sslServerAuthentication event can overrule it.
    rejectUnauthorized: false,
    ALPNProtocols: settings.alpn ?? ['http/1.1'],
  };
  if (settings.minVersion) options.minVersion = settings.minVersion;
  if (settings.maxVersion) options.maxVersion = settings.maxVersion;
  if (settings.ciphers) options.ciphers = settings.ciphers;
  if (settings.sigalgs) options.sigalgs = settings.sigalgs;
  if (settings.groups) options.ecdhCurve = settings.groups;
  if (socket) options.socket = socket;
  // SNI carries host names only; sending an IP address there is not allowed.
  if (!isIP(host)) options.servername = host;
  if (settings.extraCAs.length > 0) options.ca = [...tls.rootCertificates, ...settings.extraCAs];
  const cert = settings.clientCert;
  if (cert && 'pfx' in cert) {
    options.pfx = Buffer.from(cert.pfx);
    if (cert.passphrase !== undefined) options.passphrase = cert.passphrase;
  } else if (cert) {
    options.cert = typeof cert.cert === 'string' ? cert.cert : Buffer.from(cert.cert);
    options.key = typeof cert.key === 'string' ? cert.key : Buffer.from(cert.key);
    if (cert.passphrase !== undefined) options.passphrase = cert.passphrase;
  }
  return options;
}

/**
 * Checks a freshly negotiated TLS connection the way the default verification would (chain of trust, then
 * the host name), then fires `sslServerAuthentication` with the verdict so a listener can overrule it.
 * Returns an error when the certificate is finally rejected; the caller destroys the socket then.
 */
export function verifyServer(
  socket: tls.TLSSocket,
  host: string,
  settings: TlsSettings,
  hooks: TlsHooks,
): CloudStorageError | undefined {
  // The chain first: Node's getPeerX509Certificate() leaves the legacy chain empty afterwards.
  const chain = settings.includeChain ? chainOf(socket) : undefined;
  const peer = socket.getPeerX509Certificate();
  if (!peer) {
    return new CloudStorageError(
      HttpErrorCode.SslNoServerCertificate,
      `The server ${host} presented no certificate.`,
      { redactor: hooks.redactor },
    );
  }
  let problem: string | undefined;
  const flags = settings.securityFlags ?? 0;
  const reason = socket.authorized ? undefined : socket.authorizationError;
  const code = typeof reason === 'string' ? reason : (reason as { code?: string } | undefined)?.code;
  const waived =
    code !== undefined &&
    ((flags & SecurityFlags.IgnoreTimeValidity && TIME_ERRORS.has(code)) ||
      (flags & SecurityFlags.AllowUnknownCA && UNKNOWN_CA_ERRORS.has(code)) ||
      (flags & SecurityFlags.IgnoreCommonName && code === 'ERR_TLS_CERT_ALTNAME_INVALID'));
  if (!socket.authorized && !waived) {
    problem = typeof reason === 'string' ? reason : (reason?.message ?? 'certificate not trusted');
    if (problem === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      // Node keeps only the code; the check's message says which names the certificate has.
      problem = `${problem}: ${tls.checkServerIdentity(host, peer.toLegacyObject())?.message ?? 'host name mismatch'}`;
    }
  } else if (!(flags & SecurityFlags.IgnoreCommonName)) {
    // Node checked the name already (it does even without rejectUnauthorized); checking again here keeps
    // that guarantee independent of how the socket was set up. The legacy object is what the check reads.
    const identityError = tls.checkServerIdentity(host, peer.toLegacyObject());
    if (identityError)
      problem = `${(identityError as { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}: ${identityError.message}`;
  }
  if (!problem && settings.minCipherBits) {
    const cipher = socket.getCipher();
    const bits = cipherBits(cipher?.standardName ?? cipher?.name ?? '');
    if (bits < settings.minCipherBits) {
      return new CloudStorageError(
        HttpErrorCode.SslHandshake,
        `The TLS connection to ${host} uses ${cipher?.standardName ?? cipher?.name} (${bits || 'unknown'} bits), weaker than SSLCipherStrength=${settings.minCipherBits}.`,
        { redactor: hooks.redactor },
      );
    }
  }
  const pinned = certificateMatches(settings.acceptServerCert, peer);
  const event = hooks.emitter.emit('sslServerAuthentication', {
    certEncoded: chain && chain.length > 0 ? chain : new Uint8Array(peer.raw),
    certSubject: formatName(peer.subject),
    certIssuer: formatName(peer.issuer),
    status: problem ?? 'OK',
    accept: problem === undefined || pinned,
  });
  if (event.accept) return undefined;
  const subject = formatName(peer.subject);
  const advice = problem
    ? 'If you trust this server, add its CA certificate to SSLCACerts, accept the certificate with sslAcceptServerCert, or set accept=true in the sslServerAuthentication event.'
    : 'The sslServerAuthentication listener rejected it.';
  return new CloudStorageError(
    HttpErrorCode.SslCertificateRejected,
    `The certificate of ${host} (${subject}) was rejected${problem ? `: ${problem}` : ''}. ${advice}`,
    { redactor: hooks.redactor },
  );
}

/** The DER certificates the server sent, leaf first, one after the other. */
function chainOf(socket: tls.TLSSocket): Uint8Array {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    parts.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** What the reference's SSLNegotiated* settings read, from a connected TLS socket. */
export interface TlsSessionInfo {
  version: string;
  cipher: string;
  cipherSuite: string;
  cipherBits: number;
  keyExchange: string;
  keyExchangeBits: number;
  alpn: string;
}

export function sessionInfo(socket: tls.TLSSocket): TlsSessionInfo {
  const cipher = socket.getCipher();
  const suite = cipher?.standardName ?? cipher?.name ?? '';
  const version = socket.getProtocol() ?? '';
  const ephemeral = socket.getEphemeralKeyInfo() as { type?: string; name?: string; size?: number } | null;
  // A TLS 1.3 suite names no key exchange: it is always (EC)DHE. TLS 1.2 names it (TLS_ECDHE_RSA_…).
  const kx = /^TLS_(ECDHE|DHE|RSA|PSK|ECDH)_/.exec(suite)?.[1];
  const keyExchange =
    kx ?? (ephemeral?.type === 'ECDH' ? 'ECDHE' : ephemeral?.type === 'DH' ? 'DHE' : (ephemeral?.type ?? ''));
  const bulk = suite.replace(/^TLS_(?:(?:ECDHE|DHE|RSA|PSK|ECDH)_(?:RSA|ECDSA|PSK)?_?WITH_)?/, '');
  return {
    version,
    cipher: bulk.replace(/_SHA\d*$/, ''),
    cipherSuite: suite,
    cipherBits: cipherBits(suite),
    keyExchange,
    keyExchangeBits: ephemeral?.size ?? 0,
    alpn: socket.alpnProtocol || '',
  };
}

/** A one-line description of the negotiated session for the sslStatus event. */
export function describeSession(socket: tls.TLSSocket, host: string): string {
  const cipher = socket.getCipher();
  return `TLS session with ${host}: ${socket.getProtocol() ?? 'unknown protocol'}, cipher ${cipher?.standardName ?? cipher?.name ?? 'unknown'}`;
}
