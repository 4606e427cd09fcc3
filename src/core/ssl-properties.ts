import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { CloudStorageError, ErrorCode } from './errors.js';
import type { ClientCertificate } from './http/index.js';

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
