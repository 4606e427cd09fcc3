/**
 * Client-side encryption: the one interface the providers use. Every upload path pipes its bytes
 * through {@link createEncryptStream} and every download path through {@link createDecryptStream};
 * both are streaming `Transform`s with constant memory. The formats are documented byte by byte in
 * docs/ENCRYPTION.md.
 */
export {
  ALGORITHMS,
  type AlgorithmInfo,
  EncryptionAlgorithm,
  type EncryptionAlgorithmId,
} from './algorithms.js';
export {
  ciphertextSize,
  createDecryptStream,
  createEncryptStream,
  DEFAULT_DIGEST,
  DEFAULT_PBKDF2_ITERATIONS,
  DEFAULT_SCRYPT_WORK_FACTOR,
  type EncryptionRandomness,
  type EncryptionSettings,
  type EncryptOptions,
  type EncryptStream,
  encryptionSecrets,
  isAuthenticated,
  isEncryptionEnabled,
  isSeekable,
  openSeekableDecryption,
  type SeekableDecryption,
  seekableHeadBytes,
  validateEncryptionSettings,
} from './api.js';
export {
  AtomicFile,
  type AtomicFileOptions,
  CiphertextTempFile,
  type CiphertextTempFileOptions,
  writeFileAtomic,
} from './download.js';
export { KDF_DIGESTS, type KdfDigest } from './kdf.js';
export {
  type EncryptionSettingName,
  type EncryptionSettingsReader,
  encryptionSettings,
  encryptionSettingsFrom,
} from './settings.js';
export type { CryptoStreamOptions } from './stream-util.js';
