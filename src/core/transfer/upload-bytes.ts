import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createEncryptStream, type EncryptionRandomness, type EncryptionSettings } from '../crypto/index.js';
import type { UploadSource } from './source.js';

/**
 * The bytes an upload sends, from the start: the source, through the cipher when encrypting (with fixed
 * `randomness` for a resumable session). The streams are joined with `pipeline`, so a read error of the
 * source fails the returned stream, and destroying the returned stream (a failed or interrupted upload)
 * closes the source too: no file descriptor stays open behind an abandoned upload.
 */
export function openUploadBytes(
  source: UploadSource,
  encryption: EncryptionSettings | undefined,
  randomness?: EncryptionRandomness,
): Readable {
  const plaintext = source.open(0);
  if (!encryption) return plaintext;
  const cipher = createEncryptStream(encryption, randomness ? { randomness } : {});
  // A 1 MiB buffer after the cipher: the upload reads ahead in large pieces, not 16 KiB ones.
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  pipeline(plaintext, cipher, out, () => {});
  return out;
}
