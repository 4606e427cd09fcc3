import { createHash, scrypt } from 'node:crypto';
import {
  ALGORITHMS,
  DEFAULT_SCRYPT_WORK_FACTOR,
  type EncryptionRandomness,
  type EncryptionSettings,
} from '../crypto/index.js';

/**
 * Reproducible encryption for resumable uploads.
 *
 * What an upload session already holds cannot be read back, so resuming an encrypted upload (possibly
 * from a new instance that only knows the session) must produce exactly the ciphertext the first attempt
 * started with. The random values of the file formats are therefore derived from `label`, which names the
 * service and the session (unique per upload):
 * - public values (the openssl salt, the age scrypt salt and payload nonce, the rclone nonce) are hashes
 *   of the label only, never of the password: they are written in the clear, and a value that depended on
 *   the password would let anyone who knows the session id test passwords at hash speed, bypassing the
 *   format's key derivation;
 * - the age file key, which must stay secret, is derived from the password with scrypt at the file's own
 *   work factor, so guessing the password through it costs as much as through the age header.
 * Raw-key mode (EncryptionKey/EncryptionIV) is deterministic already: undefined.
 */
export async function sessionRandomness(
  settings: EncryptionSettings,
  label: string,
): Promise<EncryptionRandomness | undefined> {
  if (settings.keyHex) return undefined;
  const format = ALGORITHMS.find((a) => a.id === settings.algorithm)?.passwordFormat;
  const hash = (what: string, bytes: number) =>
    createHash('sha256').update(`${label} ${what}`).digest().subarray(0, bytes);
  switch (format) {
    case 'openssl':
      return { salt: hash('salt', 8) };
    case 'rclone':
      return { nonce: hash('nonce', 24) };
    case 'age': {
      const logN = settings.scryptWorkFactor ?? DEFAULT_SCRYPT_WORK_FACTOR;
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
