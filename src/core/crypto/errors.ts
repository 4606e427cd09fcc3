import { CloudStorageError, ErrorCode, isCloudStorageError } from '../errors.js';

/** Wrong password or key, corrupted, truncated or tampered ciphertext. */
export function decryptionFailed(message: string, cause?: unknown): CloudStorageError {
  return new CloudStorageError(ErrorCode.DecryptionFailed, message, cause === undefined ? {} : { cause });
}

export function encryptionFailed(message: string, cause?: unknown): CloudStorageError {
  return new CloudStorageError(ErrorCode.EncryptionFailed, message, cause === undefined ? {} : { cause });
}

/** Leaves CloudStorageErrors alone and wraps anything else (an OpenSSL error, a RangeError) with context. */
export function asCryptoError(e: unknown, decrypting: boolean): CloudStorageError {
  if (isCloudStorageError(e)) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return decrypting
    ? decryptionFailed(`Decryption failed (${detail}): check the password or key and the algorithm.`, e)
    : encryptionFailed(`Encryption failed: ${detail}`, e);
}
