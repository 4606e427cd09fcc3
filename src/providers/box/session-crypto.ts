import { createHash, scrypt } from 'node:crypto';
import { ALGORITHMS, type EncryptionRandomness, type EncryptionSettings } from '../../core/crypto/index.js';

/**
 * Reproducible encryption for resumable uploads.
 *
 * The parts of a Box upload session cannot be read back, so resuming an encrypted upload (possibly from a
 * new instance that only knows `resumeUrl`) must produce exactly the ciphertext the first attempt started
 * with. The random values of the file formats are therefore derived from the session id, which Box makes
 * unique per upload:
 * - public values (the openssl salt, the age scrypt salt and payload nonce, the rclone nonce) are hashes
 *   of the session id: unique per upload, which is all these values need;
 * - the age file key, which must stay secret, is derived from the password with scrypt at the file's own
 *   work factor, so guessing the password through it costs as much as through the age header.
 * Raw-key mode (EncryptionKey/EncryptionIV) is deterministic already.
 */
export async function sessionRandomness(
  settings: EncryptionSettings,
  sessionId: string,
): Promise<EncryptionRandomness | undefined> {
  if (settings.keyHex) return undefined;
  const format = ALGORITHMS.find((a) => a.id === settings.algorithm)?.passwordFormat;
  const label = `cloudstorage box upload session ${sessionId}`;
  const hash = (what: string, bytes: number) =>
    createHash('sha256').update(`${label} ${what}`).digest().subarray(0, bytes);
  switch (format) {
    case 'openssl':
      return { salt: hash('salt', 8) };
    case 'rclone':
      return { nonce: hash('nonce', 24) };
    case 'age': {
      const logN = settings.scryptWorkFactor ?? 18;
      const fileKey = await scryptAsync(settings.password ?? '', label, 2 ** logN);
      return { salt: hash('salt', 16), nonce: hash('nonce', 16), fileKey };
    }
    default:
      return undefined;
  }
}

function scryptAsync(password: string, salt: string, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 16, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + 16 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** The upload session id at the end of a session URL (`…/files/upload_sessions/<id>`). */
export function sessionIdOf(resumeUrl: string): string {
  const path = new URL(resumeUrl).pathname.replace(/\/+$/, '');
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}
