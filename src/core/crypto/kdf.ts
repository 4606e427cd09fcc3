import { createHash, pbkdf2, scrypt } from 'node:crypto';

/**
 * Key derivation functions of the password formats: OpenSSL's `EVP_BytesToKey` (the reference's
 * "PBKDF1", stretched past one digest the way OpenSSL does), PBKDF2-HMAC, and scrypt (age, rclone).
 */
export const KDF_DIGESTS = ['MD5', 'SHA1', 'SHA256', 'SHA384', 'SHA512'] as const;
export type KdfDigest = (typeof KDF_DIGESTS)[number];

/** The digest name, normalised (`sha-256`, `sha256` → `SHA256`), or undefined when it is not one we take. */
export function normaliseDigest(name: string): KdfDigest | undefined {
  const n = name.trim().toUpperCase().replace(/-/g, '');
  return (KDF_DIGESTS as readonly string[]).includes(n) ? (n as KdfDigest) : undefined;
}

/**
 * OpenSSL's `EVP_BytesToKey` with an iteration count of 1: D1 = H(password‖salt),
 * Di = H(Di-1‖password‖salt), concatenated until `length` bytes. This is what `openssl enc` uses
 * without `-pbkdf2` (with `-md` choosing H, SHA-256 by default since OpenSSL 1.1).
 */
export function evpBytesToKey(
  password: Uint8Array,
  salt: Uint8Array,
  digest: KdfDigest,
  length: number,
): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let prev: Buffer = Buffer.alloc(0);
  while (total < length) {
    prev = createHash(digest).update(prev).update(password).update(salt).digest();
    parts.push(prev);
    total += prev.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** PBKDF2 with HMAC-`digest` (`openssl enc -pbkdf2 -iter N -md digest`). */
export function pbkdf2Key(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  digest: KdfDigest,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, length, digest.toLowerCase(), (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** scrypt (RFC 7914) through OpenSSL, off the event loop. `logN` is the base-2 logarithm of N. */
export function scryptKey(
  password: Uint8Array,
  salt: Uint8Array,
  logN: number,
  r: number,
  length: number,
): Promise<Buffer> {
  const N = 2 ** logN;
  // OpenSSL refuses to allocate past maxmem; scrypt needs 128·N·r bytes plus a little.
  const maxmem = 128 * N * r + 16 * 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { N, r, p: 1, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
