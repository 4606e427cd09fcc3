/**
 * The 13 algorithms of the reference classes' `encryptionAlgorithm` property, each at its largest key
 * size, and what the library does with each: which cipher, which IV, which password-mode file format.
 */
export const EncryptionAlgorithm = {
  AES: 0,
  Blowfish: 1,
  CAST: 2,
  DES: 3,
  IDEA: 4,
  RC2: 5,
  RC4: 6,
  TEA: 7,
  TripleDES: 8,
  Twofish: 9,
  Rijndael: 10,
  ChaCha: 11,
  XSalsa20: 12,
} as const;
export type EncryptionAlgorithmId = (typeof EncryptionAlgorithm)[keyof typeof EncryptionAlgorithm];

/** The file format used in password mode (see docs/ENCRYPTION.md). */
export type PasswordFormat = 'openssl' | 'age' | 'rclone';

export interface AlgorithmInfo {
  readonly id: EncryptionAlgorithmId;
  /** Name with key size, as the reference docs list it. */
  readonly name: string;
  readonly keyBytes: number;
  /** Block length for the block ciphers (CBC with PKCS#7 padding); 0 for stream ciphers. */
  readonly blockBytes: number;
  /** IV length: derived by the KDF in the openssl layout, given by `EncryptionIV` in raw mode. */
  readonly ivBytes: number;
  /** IV lengths `EncryptionIV` may have in raw mode (ChaCha also takes a bare 12-byte nonce). */
  readonly rawIvBytes: readonly number[];
  readonly passwordFormat: PasswordFormat;
  /** `openssl enc` cipher with the same key size, when OpenSSL has one. */
  readonly openssl?: string;
  /** That cipher lives in OpenSSL 3's legacy provider (`-provider legacy -provider default`). */
  readonly opensslLegacy?: boolean;
}

const block = (
  id: EncryptionAlgorithmId,
  name: string,
  keyBytes: number,
  blockBytes: number,
  openssl?: string,
  opensslLegacy?: boolean,
): AlgorithmInfo => ({
  id,
  name,
  keyBytes,
  blockBytes,
  ivBytes: blockBytes,
  rawIvBytes: [blockBytes],
  passwordFormat: 'openssl',
  ...(openssl ? { openssl } : {}),
  ...(opensslLegacy ? { opensslLegacy } : {}),
});

export const ALGORITHMS: readonly AlgorithmInfo[] = [
  block(0, 'AES-256', 32, 16, 'aes-256-cbc'),
  block(1, 'Blowfish-448', 56, 8),
  block(2, 'CAST-128', 16, 8, 'cast5-cbc', true),
  block(3, 'DES-64', 8, 8, 'des-cbc', true),
  block(4, 'IDEA-128', 16, 8, 'idea-cbc', true),
  block(5, 'RC2-128', 16, 8, 'rc2-cbc', true),
  {
    id: 6,
    name: 'RC4-2048',
    keyBytes: 256,
    blockBytes: 0,
    ivBytes: 0,
    rawIvBytes: [0],
    passwordFormat: 'openssl',
  },
  block(7, 'TEA-128', 16, 8),
  block(8, 'TripleDES-192', 24, 8, 'des-ede3-cbc'),
  block(9, 'Twofish-256', 32, 16),
  block(10, 'Rijndael-256 (256-bit block)', 32, 32),
  {
    id: 11,
    name: 'ChaCha20-256',
    keyBytes: 32,
    blockBytes: 0,
    ivBytes: 16,
    rawIvBytes: [16, 12],
    passwordFormat: 'age',
    openssl: 'chacha20',
  },
  {
    id: 12,
    name: 'XSalsa20-256',
    keyBytes: 32,
    blockBytes: 0,
    ivBytes: 24,
    rawIvBytes: [24],
    passwordFormat: 'rclone',
  },
];

export function algorithmInfo(id: number): AlgorithmInfo | undefined {
  return Number.isInteger(id) ? ALGORITHMS[id] : undefined;
}
