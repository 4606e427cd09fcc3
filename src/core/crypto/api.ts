import type { Transform } from 'node:stream';
import { invalidArgument } from '../errors.js';
import {
  AGE_CHUNK_BYTES,
  AGE_MAX_WORK_FACTOR,
  AGE_NONCE_BYTES,
  AGE_TAG_BYTES,
  AgeDecryptStream,
  AgeEncryptStream,
  ageHeaderBytes,
  openAgeSeekable,
} from './age.js';
import { ALGORITHMS, type AlgorithmInfo, algorithmInfo } from './algorithms.js';
import { decryptionFailed } from './errors.js';
import { type KdfDigest, normaliseDigest } from './kdf.js';
import {
  OPENSSL_HEADER_BYTES,
  OpensslDecryptStream,
  OpensslEncryptStream,
  type PasswordKdf,
  RawCipherStream,
} from './openssl.js';
import {
  RCLONE_BLOCK_BYTES,
  RCLONE_HEADER_BYTES,
  RCLONE_MAGIC,
  RCLONE_TAG_BYTES,
  RcloneDecryptStream,
  RcloneEncryptStream,
  rcloneDataKey,
} from './rclone.js';
import type { CryptoStreamOptions } from './stream-util.js';

/**
 * The settings, the encrypt/decrypt stream factories and seekable decryption: what the providers call.
 * Re-exported, with the rest of the public surface, by `index.ts`.
 */
export interface EncryptionSettings {
  /** `encryptionAlgorithm`: 0 AES-256 … 12 XSalsa20 (see {@link ALGORITHMS}). */
  algorithm: number;
  /** `encryptionPassword`; a non-empty password turns encryption on (unless a key is given). */
  password?: string;
  /** `EncryptionPasswordKDF`: 0 = PBKDF1 (OpenSSL EVP_BytesToKey, default), 1 = PBKDF2. */
  kdf?: number;
  /** `EncryptionKey`: hex key; when set, the raw cipher is used with `ivHex` and no header. */
  keyHex?: string;
  /** `EncryptionIV`: hex IV (nonce for ChaCha and XSalsa20) for raw mode. */
  ivHex?: string;
  /** Digest of both password KDFs, as `openssl enc -md` (default SHA256). */
  digest?: string;
  /** PBKDF2 iterations, as `openssl enc -iter` (default 10,000). */
  pbkdf2Iterations?: number;
  /** age (algorithm 11): base-2 log of the scrypt work factor to encrypt with (default 18). Decryption accepts up to {@link AGE_MAX_WORK_FACTOR}, as age itself does. */
  scryptWorkFactor?: number;
  /** rclone (algorithm 12): rclone's second password ("password2", used as the scrypt salt). */
  rclonePassword2?: string;
}

export const DEFAULT_DIGEST: KdfDigest = 'SHA256';
export const DEFAULT_PBKDF2_ITERATIONS = 10_000;
export const DEFAULT_SCRYPT_WORK_FACTOR = 18;

/** Whether these settings encrypt at all: a password or an explicit key. */
export function isEncryptionEnabled(s: EncryptionSettings): boolean {
  return Boolean(s.password) || Boolean(s.keyHex);
}

/** The settings checked and decoded. Every problem is a CloudStorageError (InvalidArgument). */
interface Resolved {
  info: AlgorithmInfo;
  mode: 'raw' | 'password';
  key?: Buffer;
  iv?: Buffer;
  password?: Buffer;
  kdf: PasswordKdf;
  workFactor: number;
  password2?: Buffer;
}

function decodeHex(name: string, text: string): Buffer {
  const t = text.trim().replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(t)) {
    throw invalidArgument(`${name} must be hexadecimal with an even number of digits (two per byte).`);
  }
  return Buffer.from(t, 'hex');
}

function resolve(s: EncryptionSettings): Resolved {
  const info = algorithmInfo(s.algorithm);
  if (!info) {
    throw invalidArgument(
      `Unknown encryption algorithm ${s.algorithm}: use one of ${ALGORITHMS.map((a) => `${a.id} (${a.name})`).join(', ')}.`,
    );
  }
  const kdfNumber = s.kdf ?? 0;
  if (kdfNumber !== 0 && kdfNumber !== 1) {
    throw invalidArgument(`EncryptionPasswordKDF must be 0 (PBKDF1) or 1 (PBKDF2); got ${kdfNumber}.`);
  }
  const digest = normaliseDigest(s.digest ?? DEFAULT_DIGEST);
  if (!digest)
    throw invalidArgument(
      `EncryptionKDFDigest must be MD5, SHA1, SHA256, SHA384 or SHA512; got "${s.digest}".`,
    );
  const iterations = s.pbkdf2Iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw invalidArgument(
      `EncryptionPBKDF2Iterations must be a whole number of at least 1; got ${iterations}.`,
    );
  }
  const workFactor = s.scryptWorkFactor ?? DEFAULT_SCRYPT_WORK_FACTOR;
  if (!Number.isInteger(workFactor) || workFactor < 1 || workFactor > AGE_MAX_WORK_FACTOR) {
    throw invalidArgument(
      `EncryptionScryptWorkFactor must be between 1 and ${AGE_MAX_WORK_FACTOR}; got ${workFactor}.`,
    );
  }
  const base = { info, kdf: { kdf: kdfNumber, digest, iterations } as PasswordKdf, workFactor };
  const keyHex = s.keyHex?.trim() ?? '';
  const ivHex = s.ivHex?.trim() ?? '';
  if (keyHex) {
    const key = decodeHex('EncryptionKey', keyHex);
    if (key.length !== info.keyBytes) {
      throw invalidArgument(
        `EncryptionKey for ${info.name} must be ${info.keyBytes} bytes (${info.keyBytes * 2} hex digits); got ${key.length} bytes.`,
      );
    }
    const iv = decodeHex('EncryptionIV', ivHex);
    if (!info.rawIvBytes.includes(iv.length)) {
      const want =
        info.rawIvBytes[0] === 0 ? 'to be empty (RC4 takes no IV)' : `${info.rawIvBytes.join(' or ')} bytes`;
      throw invalidArgument(`EncryptionIV for ${info.name} needs ${want}; got ${iv.length} bytes.`);
    }
    return { ...base, mode: 'raw', key, iv };
  }
  if (ivHex)
    throw invalidArgument(
      'EncryptionIV is set but EncryptionKey is not: set both, or neither and use a password.',
    );
  if (!s.password)
    throw invalidArgument('Encryption needs encryptionPassword, or EncryptionKey and EncryptionIV.');
  return {
    ...base,
    mode: 'password',
    password: Buffer.from(s.password, 'utf8'),
    ...(s.rclonePassword2 ? { password2: Buffer.from(s.rclonePassword2, 'utf8') } : {}),
  };
}

/** Checks the settings before any request is made; throws a CloudStorageError (InvalidArgument). */
export function validateEncryptionSettings(s: EncryptionSettings): void {
  resolve(s);
}

/**
 * Fixed values instead of fresh random ones: for known-answer tests, and to reproduce the same
 * ciphertext when resuming an encrypted upload. Never reuse them for different data.
 */
export interface EncryptionRandomness {
  /** openssl layout: the 8-byte salt. age: the 16-byte scrypt salt. */
  salt?: Uint8Array;
  /** age: the 16-byte payload nonce. rclone: the 24-byte file nonce. */
  nonce?: Uint8Array;
  /** age: the 16-byte file key. */
  fileKey?: Uint8Array;
}

export interface EncryptOptions {
  randomness?: EncryptionRandomness;
}

/**
 * An encrypting Transform. `randomness` holds the salt and nonces it uses (and, for age, the secret
 * file key): keep it to re-create the identical ciphertext when an interrupted upload resumes.
 */
export type EncryptStream = Transform & { readonly randomness: EncryptionRandomness };

/** A Transform that encrypts what is written to it into the format the settings select. */
export function createEncryptStream(s: EncryptionSettings, options: EncryptOptions = {}): EncryptStream {
  const r = resolve(s);
  const random = options.randomness ?? {};
  if (r.mode === 'raw')
    return Object.assign(new RawCipherStream(r.info, r.key!, r.iv!, false), { randomness: {} });
  switch (r.info.passwordFormat) {
    case 'age':
      return new AgeEncryptStream(r.password!, r.workFactor, random);
    case 'rclone':
      return new RcloneEncryptStream(rcloneDataKey(r.password!, r.password2), random.nonce);
    default:
      return new OpensslEncryptStream(r.info, r.password!, r.kdf, random.salt);
  }
}

/** A Transform that decrypts what is written to it; errors are CloudStorageErrors (DecryptionFailed). */
export function createDecryptStream(s: EncryptionSettings, options: CryptoStreamOptions = {}): Transform {
  const r = resolve(s);
  if (r.mode === 'raw') return new RawCipherStream(r.info, r.key!, r.iv!, true, options);
  switch (r.info.passwordFormat) {
    case 'age':
      return new AgeDecryptStream(r.password!, AGE_MAX_WORK_FACTOR, {}, options);
    case 'rclone':
      return new RcloneDecryptStream(rcloneDataKey(r.password!, r.password2), {}, options);
    default:
      return new OpensslDecryptStream(r.info, r.password!, r.kdf, options);
  }
}

/** Whether the formats the settings select is authenticated (age, rclone): tampering is always detected. */
export function isAuthenticated(s: EncryptionSettings): boolean {
  const r = resolve(s);
  return r.mode === 'password' && r.info.passwordFormat !== 'openssl';
}

/** Size of the ciphertext for `plaintextSize` bytes, for uploads that must announce their size. */
export function ciphertextSize(s: EncryptionSettings, plaintextSize: number): number {
  const r = resolve(s);
  const { info } = r;
  const padded = info.blockBytes
    ? (Math.floor(plaintextSize / info.blockBytes) + 1) * info.blockBytes
    : plaintextSize;
  if (r.mode === 'raw') return padded;
  switch (info.passwordFormat) {
    case 'age':
      return (
        ageHeaderBytes(r.workFactor) +
        AGE_NONCE_BYTES +
        plaintextSize +
        AGE_TAG_BYTES * Math.max(1, Math.ceil(plaintextSize / AGE_CHUNK_BYTES))
      );
    case 'rclone':
      return (
        RCLONE_HEADER_BYTES + plaintextSize + RCLONE_TAG_BYTES * Math.ceil(plaintextSize / RCLONE_BLOCK_BYTES)
      );
    default:
      return OPENSSL_HEADER_BYTES + padded;
  }
}

/**
 * Decryption from the middle of a chunked, authenticated file (age, rclone): what lets an interrupted
 * encrypted download resume by asking the service for the remaining range only, without a temporary
 * ciphertext file. Obtain it with {@link openSeekableDecryption} from the file's first bytes.
 */
export interface SeekableDecryption {
  readonly format: 'age' | 'rclone';
  /** Ciphertext offset of the first chunk (after header and nonce). */
  readonly payloadOffset: number;
  /** Plaintext bytes per chunk. */
  readonly chunkSize: number;
  /** Ciphertext bytes each chunk adds (its authentication tag). */
  readonly chunkOverhead: number;
  /**
   * Where to start reading the ciphertext to obtain the plaintext from `plaintextOffset`, and how
   * many decrypted bytes the stream will drop. At a chunk boundary it starts one chunk earlier, so
   * that at least one chunk (and age's final-chunk flag) is always checked.
   */
  rangeFor(plaintextOffset: number): { ciphertextOffset: number; skip: number };
  /** Plaintext size of a complete file of `ciphertextSize` bytes. */
  plaintextSize(ciphertextSize: number): number;
  /** Decrypts ciphertext that starts at `rangeFor(plaintextOffset).ciphertextOffset`. */
  createDecryptStream(plaintextOffset: number, options?: CryptoStreamOptions): Transform;
}

/** How many leading bytes of the file {@link openSeekableDecryption} needs (fewer if the file is shorter). */
export function seekableHeadBytes(s: EncryptionSettings): number {
  const r = resolve(s);
  return r.info.passwordFormat === 'rclone' ? RCLONE_HEADER_BYTES : 4096;
}

/** Whether the settings select a chunked authenticated format that {@link openSeekableDecryption} supports. */
export function isSeekable(s: EncryptionSettings): boolean {
  return isAuthenticated(s);
}

export async function openSeekableDecryption(
  s: EncryptionSettings,
  head: Uint8Array,
): Promise<SeekableDecryption> {
  const r = resolve(s);
  if (r.mode !== 'password' || r.info.passwordFormat === 'openssl') {
    throw invalidArgument(
      `Resuming without a temporary file needs a chunked format (algorithm 11 or 12 with a password); ${r.info.name} ` +
        'uses DownloadTempFile instead.',
    );
  }
  const chunkSize = r.info.passwordFormat === 'age' ? AGE_CHUNK_BYTES : RCLONE_BLOCK_BYTES;
  const chunkOverhead = 16;
  const plan = (payloadOffset: number) => (plaintextOffset: number) => {
    if (!Number.isInteger(plaintextOffset) || plaintextOffset < 0)
      throw invalidArgument('The offset must be a whole number ≥ 0.');
    const chunk = plaintextOffset === 0 ? 0 : Math.floor((plaintextOffset - 1) / chunkSize);
    return {
      chunk,
      skip: plaintextOffset - chunk * chunkSize,
      ciphertextOffset: payloadOffset + chunk * (chunkSize + chunkOverhead),
    };
  };
  const sizeOf = (payloadOffset: number, minChunks: number) => (size: number) => {
    const payload = size - payloadOffset;
    const chunks = Math.max(minChunks, Math.ceil(payload / (chunkSize + chunkOverhead)));
    const plain = payload - chunks * chunkOverhead;
    if (payload < 0 || plain < 0 || (chunks > 0 && plain <= (chunks - 1) * chunkSize && plain !== 0)) {
      throw decryptionFailed(`A ${size}-byte file cannot be complete in this format: it is truncated.`);
    }
    return plain;
  };
  if (r.info.passwordFormat === 'age') {
    const { payloadKey, payloadOffset } = await openAgeSeekable(head, r.password!, AGE_MAX_WORK_FACTOR);
    const at = plan(payloadOffset);
    return {
      format: 'age',
      payloadOffset,
      chunkSize,
      chunkOverhead,
      rangeFor: (offset) => at(offset),
      plaintextSize: sizeOf(payloadOffset, 1),
      createDecryptStream: (offset, options = {}) => {
        const { chunk, skip } = at(offset);
        return new AgeDecryptStream(
          r.password!,
          AGE_MAX_WORK_FACTOR,
          { payloadKey, firstChunk: chunk, skip },
          options,
        );
      },
    };
  }
  if (head.length < RCLONE_HEADER_BYTES || !RCLONE_MAGIC.equals(head.subarray(0, RCLONE_MAGIC.length))) {
    throw decryptionFailed(
      'This is not rclone-encrypted data: it does not start with the "RCLONE\\0\\0" magic.',
    );
  }
  const nonce = Uint8Array.from(head.subarray(RCLONE_MAGIC.length, RCLONE_HEADER_BYTES));
  const key = rcloneDataKey(r.password!, r.password2);
  key.catch(() => {}); // reported by the decrypt streams that await it
  const at = plan(RCLONE_HEADER_BYTES);
  return {
    format: 'rclone',
    payloadOffset: RCLONE_HEADER_BYTES,
    chunkSize,
    chunkOverhead,
    rangeFor: (offset) => at(offset),
    plaintextSize: sizeOf(RCLONE_HEADER_BYTES, 0),
    createDecryptStream: (offset, options = {}) => {
      const { chunk, skip } = at(offset);
      return new RcloneDecryptStream(key, { nonce, firstBlock: chunk, skip }, options);
    },
  };
}

/** The secret values in the settings, for a client's Redactor. */
export function encryptionSecrets(s: EncryptionSettings): string[] {
  return [s.password, s.keyHex, s.rclonePassword2].filter((v): v is string => Boolean(v));
}
