import { int, type SettingTable, str } from '../config.js';
import type { EncryptionSettings } from './api.js';
import { KDF_DIGESTS, normaliseDigest } from './kdf.js';

/**
 * The encryption config settings of the reference classes (`EncryptionKey`, `EncryptionIV`,
 * `EncryptionPasswordKDF`, `TempPath`, `DownloadTempFile`) and this project's own knobs for the file
 * formats. Each provider spreads this table into its own.
 */
const hex = (value: string) =>
  /^\s*(0x)?([0-9a-fA-F]{2})*\s*$/.test(value) ? undefined : 'use hexadecimal, two digits per byte.';

export const encryptionSettings = {
  EncryptionKey: str(
    '',
    'Hex key for encryption and decryption; with EncryptionIV, replaces the password (no header).',
    {
      validate: hex,
    },
  ),
  EncryptionIV: str('', 'Hex IV (nonce for ChaCha and XSalsa20) used with EncryptionKey.', { validate: hex }),
  EncryptionPasswordKDF: int(0, 'Password KDF: 0 = PBKDF1 (OpenSSL EVP_BytesToKey), 1 = PBKDF2.', {
    min: 0,
    max: 1,
  }),
  EncryptionKDFDigest: str('SHA256', 'Digest of both password KDFs, as openssl enc -md.', {
    validate: (v) => (normaliseDigest(v) ? undefined : `use one of ${KDF_DIGESTS.join(', ')}.`),
  }),
  EncryptionPBKDF2Iterations: int(10_000, 'PBKDF2 iteration count, as openssl enc -iter.', { min: 1 }),
  EncryptionScryptWorkFactor: int(
    18,
    'age format (ChaCha): log2 of the scrypt work factor to encrypt with; decryption accepts up to 22, as age does.',
    {
      min: 1,
      max: 22,
    },
  ),
  EncryptionRclonePassword2: str(
    '',
    "rclone format (XSalsa20): rclone's second password (password2, the salt).",
  ),
  TempPath: str(
    '',
    'Directory for the temporary ciphertext file of encrypted downloads (default: next to LocalFile).',
  ),
  DownloadTempFile: str(
    '',
    'Temporary file holding the ciphertext of an interrupted encrypted download; set it to resume.',
  ),
} satisfies SettingTable;

export type EncryptionSettingName = keyof typeof encryptionSettings;

/** Anything that reads settings by name (a `Settings` instance whose table includes {@link encryptionSettings}). */
export interface EncryptionSettingsReader {
  get(name: EncryptionSettingName): boolean | number | string;
}

/** Builds {@link EncryptionSettings} from a client's properties and config settings. */
export function encryptionSettingsFrom(
  config: EncryptionSettingsReader,
  algorithm: number,
  password: string,
): EncryptionSettings {
  return {
    algorithm,
    password,
    keyHex: String(config.get('EncryptionKey')),
    ivHex: String(config.get('EncryptionIV')),
    kdf: Number(config.get('EncryptionPasswordKDF')),
    digest: String(config.get('EncryptionKDFDigest')),
    pbkdf2Iterations: Number(config.get('EncryptionPBKDF2Iterations')),
    scryptWorkFactor: Number(config.get('EncryptionScryptWorkFactor')),
    rclonePassword2: String(config.get('EncryptionRclonePassword2')),
  };
}
