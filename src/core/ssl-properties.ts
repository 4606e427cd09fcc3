import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { CloudStorageError, ErrorCode } from './errors.js';
import type { ClientCertificate } from './http/index.js';
import { formatName } from './http/tls.js';

/**
 * The reference classes' client-certificate properties (`ssl_cert_store`, `ssl_cert_store_type`,
 * `ssl_cert_store_password`, `ssl_cert_subject`, `ssl_cert_encoded`) turned into the client certificate
 * the HTTP client presents. The store types that exist outside Windows and Java are supported: a PFX
 * (PKCS#12) file or blob, a PEM file or blob holding the certificate and its private key, and automatic
 * detection. As in the reference, a certificate is taken from the store only when a subject is set
 * (`*` = any); `ssl_cert_encoded`, when set, is used as is.
 */
export const SslCertStoreType = {
  User: 0,
  Machine: 1,
  PFXFile: 2,
  PFXBlob: 3,
  JKSFile: 4,
  JKSBlob: 5,
  PEMKeyFile: 6,
  PEMKeyBlob: 7,
  Auto: 99,
} as const;

export interface SslStoreProperties {
  sslCertStore: string | Uint8Array;
  sslCertStoreType: number;
  sslCertStorePassword: string;
  sslCertSubject: string;
  /** A PEM holding the certificate and its key, or a PFX (bytes, or base64 text). */
  sslCertEncoded: string | Uint8Array;
}

export const SSL_STORE_DEFAULTS: SslStoreProperties = {
  sslCertStore: 'MY',
  sslCertStoreType: SslCertStoreType.User,
  sslCertStorePassword: '',
  sslCertSubject: '',
  sslCertEncoded: '',
};

const isPem = (text: string) => text.includes('-----BEGIN ');

function fromBlob(blob: string | Uint8Array, passphrase: string): ClientCertificate {
  const pass = passphrase ? { passphrase } : {};
  if (typeof blob === 'string' && isPem(blob)) return { cert: blob, key: blob, ...pass };
  const bytes = typeof blob === 'string' ? Buffer.from(blob, 'base64') : blob;
  if (isPem(Buffer.from(bytes).toString('latin1'))) {
    const pem = Buffer.from(bytes).toString('utf8');
    return { cert: pem, key: pem, ...pass };
  }
  return { pfx: bytes, ...pass };
}

function readStore(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CloudStorageError(
      ErrorCode.SslCertStoreUnreadable,
      `Cannot read the certificate store ${path} (sslCertStore): ${(e as Error).message}.`,
      { cause: e },
    );
  }
}

/** Whether a PEM certificate's subject matches the reference's subject syntax ("*", or a partial match). */
function subjectMatches(cert: ClientCertificate, subject: string): boolean {
  if (subject === '*' || !('cert' in cert)) return true;
  try {
    const x509 = new X509Certificate(cert.cert);
    const have = x509.subject.replace(/\n/g, ', ').toLowerCase();
    return subject
      .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
      .map((p) => p.trim().toLowerCase())
      .every((part) => have.includes(part));
  } catch {
    return false;
  }
}

/** The client certificate the ssl_* properties select, or undefined for none. */
export function clientCertificateFrom(p: SslStoreProperties): ClientCertificate | undefined {
  if (p.sslCertEncoded && p.sslCertEncoded.length > 0)
    return fromBlob(p.sslCertEncoded, p.sslCertStorePassword);
  if (!p.sslCertSubject) return undefined;
  const store = p.sslCertStore;
  let cert: ClientCertificate;
  switch (p.sslCertStoreType) {
    case SslCertStoreType.PFXFile:
      cert = {
        pfx: readStore(String(store)),
        ...(p.sslCertStorePassword ? { passphrase: p.sslCertStorePassword } : {}),
      };
      break;
    case SslCertStoreType.PEMKeyFile: {
      const pem = readStore(String(store)).toString('utf8');
      cert = fromBlob(pem, p.sslCertStorePassword);
      break;
    }
    case SslCertStoreType.PFXBlob:
    case SslCertStoreType.PEMKeyBlob:
      cert = fromBlob(store, p.sslCertStorePassword);
      break;
    case SslCertStoreType.Auto:
      cert =
        typeof store === 'string' && !isPem(store) && existsSync(store)
          ? fromBlob(readStore(store), p.sslCertStorePassword)
          : fromBlob(store, p.sslCertStorePassword);
      break;
    default:
      throw new CloudStorageError(
        ErrorCode.UnsupportedOperation,
        `sslCertStoreType ${p.sslCertStoreType} (a Windows or Java store) is not supported: use a PFX file (2) or blob (3), a PEM file (6) or blob (7), or 99 (automatic).`,
      );
  }
  if (!subjectMatches(cert, p.sslCertSubject)) {
    throw new CloudStorageError(
      ErrorCode.SslCertNotFound,
      `The certificate in sslCertStore does not match sslCertSubject "${p.sslCertSubject}".`,
    );
  }
  return cert;
}

/** The reference's expanded certificate fields (`ssl_server_cert_issuer`, `…_effective_date`, …). */
export interface CertificateFields {
  /** "23-Jan-2000 15:00:00", local time, as the reference shows dates. */
  effectiveDate: string;
  expirationDate: string;
  /** Extended key usage OIDs, comma separated. */
  extendedKeyUsage: string;
  /** Hex, lower case, no separators. */
  fingerprintMD5: string;
  fingerprintSHA1: string;
  fingerprintSHA256: string;
  /** "CN=…, O=…, C=…". */
  issuer: string;
  subject: string;
  /** Comma separated (the certificate's own "DNS:x, IP Address:y" list). */
  subjectAltNames: string;
  /** Hex. */
  serialNumber: string;
  signatureAlgorithm: string;
  /** The SubjectPublicKeyInfo, base64 DER. */
  publicKey: string;
  publicKeyAlgorithm: string;
  publicKeyLength: number;
  /** Names of the key usage bits ("digitalSignature, keyEncipherment"), and the bits as a number. */
  usage: string;
  usageFlags: number;
  version: string;
}

const EMPTY_FIELDS: CertificateFields = {
  effectiveDate: '',
  expirationDate: '',
  extendedKeyUsage: '',
  fingerprintMD5: '',
  fingerprintSHA1: '',
  fingerprintSHA256: '',
  issuer: '',
  subject: '',
  subjectAltNames: '',
  serialNumber: '',
  signatureAlgorithm: '',
  publicKey: '',
  publicKeyAlgorithm: '',
  publicKeyLength: 0,
  usage: '',
  usageFlags: 0,
  version: '',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function referenceDate(text: string): string {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getDate())}-${MONTHS[d.getMonth()]}-${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Key usage bit names in the order of RFC 5280's KeyUsage BIT STRING. */
const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/**
 * The key usage bits of a DER certificate: the extension 2.5.29.15 holds a BIT STRING. Found by its OID
 * bytes (06 03 55 1D 0F) and read with the DER lengths after it; linear in the certificate's size.
 */
function keyUsageBits(der: Buffer): number {
  const oid = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0f]);
  let at = der.indexOf(oid);
  if (at < 0) return 0;
  at += oid.length;
  if (der[at] === 0x01) at += 3; // critical BOOLEAN
  if (der[at] !== 0x04) return 0; // OCTET STRING around the value
  at += 2;
  if (der[at] !== 0x03) return 0; // BIT STRING
  const length = der[at + 1] ?? 0;
  const unused = der[at + 2] ?? 0;
  const bytes = der.subarray(at + 3, at + 2 + length);
  let bits = 0;
  for (let i = 0; i < KEY_USAGES.length; i++) {
    const byte = bytes[i >> 3] ?? 0;
    if (i >= bytes.length * 8 - unused) break;
    if (byte & (0x80 >> (i & 7))) bits |= 1 << i;
  }
  return bits;
}

/** The expanded fields of a DER certificate; all empty for no certificate. */
export function certificateFields(der: Uint8Array): CertificateFields {
  if (der.length === 0) return EMPTY_FIELDS;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch {
    return EMPTY_FIELDS;
  }
  const raw = Buffer.from(der);
  const hash = (alg: string) => createHash(alg).update(raw).digest('hex');
  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyLength =
    details.modulusLength ??
    ({ prime256v1: 256, secp384r1: 384, secp521r1: 521 } as Record<string, number>)[
      details.namedCurve ?? ''
    ] ??
    (key.asymmetricKeyType === 'ed25519' ? 256 : key.asymmetricKeyType === 'ed448' ? 456 : 0);
  const usageFlags = keyUsageBits(raw);
  return {
    effectiveDate: referenceDate(x509.validFrom),
    expirationDate: referenceDate(x509.validTo),
    extendedKeyUsage: (x509.keyUsage ?? []).join(','),
    fingerprintMD5: hash('md5'),
    fingerprintSHA1: hash('sha1'),
    fingerprintSHA256: hash('sha256'),
    issuer: formatName(x509.issuer),
    subject: formatName(x509.subject),
    subjectAltNames: x509.subjectAltName ?? '',
    serialNumber: x509.serialNumber,
    signatureAlgorithm: signatureAlgorithmOf(raw),
    publicKey: key.export({ type: 'spki', format: 'der' }).toString('base64'),
    publicKeyAlgorithm: key.asymmetricKeyType?.toUpperCase() ?? '',
    publicKeyLength: keyLength,
    usage: KEY_USAGES.filter((_, i) => usageFlags & (1 << i)).join(', '),
    usageFlags,
    version: 'X.509v3',
  };
}

/** Common signature algorithm OIDs (DER bytes) and their names. */
const SIGNATURE_OIDS: Array<[string, string]> = [
  ['2a864886f70d01010b', 'sha256WithRSAEncryption'],
  ['2a864886f70d01010c', 'sha384WithRSAEncryption'],
  ['2a864886f70d01010d', 'sha512WithRSAEncryption'],
  ['2a864886f70d010105', 'sha1WithRSAEncryption'],
  ['2a864886f70d01010a', 'RSASSA-PSS'],
  ['2a8648ce3d040302', 'ecdsa-with-SHA256'],
  ['2a8648ce3d040303', 'ecdsa-with-SHA384'],
  ['2a8648ce3d040304', 'ecdsa-with-SHA512'],
  ['2b6570', 'ED25519'],
  ['2b6571', 'ED448'],
];

/** The signature algorithm named after the TBSCertificate (the certificate's last AlgorithmIdentifier). */
function signatureAlgorithmOf(der: Buffer): string {
  let best = -1;
  let name = '';
  for (const [hex, label] of SIGNATURE_OIDS) {
    const oid = Buffer.from([0x06, hex.length / 2, ...Buffer.from(hex, 'hex')]);
    const at = der.lastIndexOf(oid);
    if (at > best) {
      best = at;
      name = label;
    }
  }
  return name;
}
