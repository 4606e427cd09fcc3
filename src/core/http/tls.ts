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
    ALPNProtocols: ['http/1.1'],
  };
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
  const peer = socket.getPeerX509Certificate();
  if (!peer) {
    return new CloudStorageError(
      HttpErrorCode.SslNoServerCertificate,
      `The server ${host} presented no certificate.`,
      { redactor: hooks.redactor },
    );
  }
  let problem: string | undefined;
  if (!socket.authorized) {
    const reason = socket.authorizationError;
    problem = typeof reason === 'string' ? reason : (reason?.message ?? 'certificate not trusted');
    if (problem === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      // Node keeps only the code; the check's message says which names the certificate has.
      problem = `${problem}: ${tls.checkServerIdentity(host, peer.toLegacyObject())?.message ?? 'host name mismatch'}`;
    }
  } else {
    // Node checked the name already (it does even without rejectUnauthorized); checking again here keeps
    // that guarantee independent of how the socket was set up. The legacy object is what the check reads.
    const identityError = tls.checkServerIdentity(host, peer.toLegacyObject());
    if (identityError)
      problem = `${(identityError as { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}: ${identityError.message}`;
  }
  const pinned = certificateMatches(settings.acceptServerCert, peer);
  const event = hooks.emitter.emit('sslServerAuthentication', {
    certEncoded: new Uint8Array(peer.raw),
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

/** A one-line description of the negotiated session for the sslStatus event. */
export function describeSession(socket: tls.TLSSocket, host: string): string {
  const cipher = socket.getCipher();
  return `TLS session with ${host}: ${socket.getProtocol() ?? 'unknown protocol'}, cipher ${cipher?.standardName ?? cipher?.name ?? 'unknown'}`;
}
