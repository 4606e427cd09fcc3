import { readFileSync } from 'node:fs';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { CloudStorageError, ErrorCode, invalidArgument } from '../errors.js';
import type { OAuthSettings } from './settings.js';

/**
 * TLS options of the embedded redirect server from the OAuthWebServerCert* settings, or undefined when
 * OAuthWebServerSSLEnabled is off. Store types 2/3 are PKCS#12 (file or data), 6/7 PEM with the key and
 * the certificate (file or data); the others are Windows, Java or XML stores, which do not exist here.
 */
export function loopbackTlsOptions(settings: OAuthSettings): HttpsServerOptions | undefined {
  if (!settings.get('OAuthWebServerSSLEnabled')) return undefined;
  const store = settings.get('OAuthWebServerCertStore');
  const password = settings.get('OAuthWebServerCertStorePassword');
  const type = settings.get('OAuthWebServerCertStoreType');
  if (!store) throw invalidArgument('OAuthWebServerSSLEnabled needs OAuthWebServerCertStore (and its type).');
  const passphrase = password ? { passphrase: password } : {};
  switch (type) {
    case 2:
      return { pfx: readStore(store), ...passphrase };
    case 3:
      return { pfx: blob(store), ...passphrase };
    case 6:
    case 7: {
      const pem = (type === 6 ? readStore(store) : blob(store)).toString('utf8');
      return { key: pem, cert: pem, ...passphrase };
    }
    default:
      throw new CloudStorageError(
        ErrorCode.UnsupportedOperation,
        `OAuthWebServerCertStoreType ${type} is a Windows, Java or XML store, not available here: use 2 (PFX file), 3 (PFX blob), 6 (PEM file) or 7 (PEM blob).`,
      );
  }
}

function readStore(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CloudStorageError(ErrorCode.LocalFileError, `Cannot read OAuthWebServerCertStore ${path}.`, {
      cause: e,
    });
  }
}

/** A blob setting holds the data itself: PEM text as is, binary data base64-encoded. */
function blob(text: string): Buffer {
  if (text.includes('-----BEGIN')) return Buffer.from(text, 'utf8');
  return Buffer.from(text, 'base64');
}
