import { randomBytes } from 'node:crypto';
import type { AlgorithmInfo } from './algorithms.js';
import { createProcessor, type Processor } from './cipher.js';
import { decryptionFailed } from './errors.js';
import { evpBytesToKey, type KdfDigest, pbkdf2Key } from './kdf.js';
import { ByteQueue, type CryptoStreamOptions, CryptoTransform } from './stream-util.js';

/**
 * The `openssl enc` file layout, used in password mode for algorithms 0–10:
 *
 *   "Salted__" (8 bytes) ‖ salt (8 random bytes) ‖ ciphertext
 *
 * Key and IV come from the password and salt through EVP_BytesToKey (PBKDF1, the default) or PBKDF2,
 * exactly as `openssl enc [-pbkdf2 -iter N] [-md digest]` derives them.
 */
export const OPENSSL_MAGIC = Buffer.from('Salted__', 'latin1');
export const OPENSSL_SALT_BYTES = 8;
export const OPENSSL_HEADER_BYTES = OPENSSL_MAGIC.length + OPENSSL_SALT_BYTES;

export interface PasswordKdf {
  /** 0 = PBKDF1 (EVP_BytesToKey, one iteration), 1 = PBKDF2. */
  kdf: 0 | 1;
  digest: KdfDigest;
  /** PBKDF2 iteration count. */
  iterations: number;
}

export async function deriveKeyIv(
  info: AlgorithmInfo,
  password: Uint8Array,
  salt: Uint8Array,
  kdf: PasswordKdf,
): Promise<{ key: Buffer; iv: Buffer }> {
  const total = info.keyBytes + info.ivBytes;
  const material =
    kdf.kdf === 1
      ? await pbkdf2Key(password, salt, kdf.iterations, kdf.digest, total)
      : evpBytesToKey(password, salt, kdf.digest, total);
  return { key: material.subarray(0, info.keyBytes), iv: material.subarray(info.keyBytes) };
}

/** Encrypts to the openssl layout. `salt` is random unless given (tests, deterministic re-encryption). */
export class OpensslEncryptStream extends CryptoTransform {
  /** The salt this stream uses (also in its header). */
  readonly randomness: { salt: Uint8Array };
  private readonly salt: Uint8Array;
  private processor: Processor | undefined;
  private readonly ready: Promise<void>;

  constructor(info: AlgorithmInfo, password: Uint8Array, kdf: PasswordKdf, salt?: Uint8Array) {
    super(false);
    this.salt = salt ?? randomBytes(OPENSSL_SALT_BYTES);
    this.randomness = { salt: this.salt };
    this.ready = deriveKeyIv(info, password, this.salt, kdf).then(async ({ key, iv }) => {
      this.processor = await createProcessor(info, key, iv, false);
      this.output(Buffer.concat([OPENSSL_MAGIC, this.salt]));
    });
    this.ready.catch(() => {}); // surfaced by the first write or the end
  }

  protected onData(chunk: Uint8Array): void | Promise<void> {
    if (!this.processor) return this.ready.then(() => this.onData(chunk));
    this.output(this.processor.update(chunk));
  }

  protected async onEnd(): Promise<void> {
    await this.ready;
    this.output(this.processor!.final());
  }
}

/** Decrypts the openssl layout: reads the 16-byte header, derives key and IV, then streams. */
export class OpensslDecryptStream extends CryptoTransform {
  private processor: Processor | undefined;
  private readonly head = new ByteQueue();

  constructor(
    private readonly info: AlgorithmInfo,
    private readonly password: Uint8Array,
    private readonly kdf: PasswordKdf,
    options: CryptoStreamOptions = {},
  ) {
    super(true, options.ciphertextSize);
  }

  protected async onData(chunk: Uint8Array): Promise<void> {
    if (this.processor) {
      this.output(this.processor.update(chunk));
      return;
    }
    this.head.push(chunk);
    if (this.head.length < OPENSSL_HEADER_BYTES) return;
    const header = this.head.take(OPENSSL_HEADER_BYTES);
    if (!OPENSSL_MAGIC.equals(header.subarray(0, OPENSSL_MAGIC.length))) {
      throw decryptionFailed(
        'The data does not start with "Salted__": it was not encrypted with a password in the openssl format ' +
          '(with EncryptionKey and EncryptionIV it has no header), or it was encrypted with another algorithm.',
      );
    }
    const { key, iv } = await deriveKeyIv(
      this.info,
      this.password,
      header.subarray(OPENSSL_MAGIC.length),
      this.kdf,
    );
    const processor = await createProcessor(this.info, key, iv, true);
    this.processor = processor;
    this.output(processor.update(this.head.takeAll()));
  }

  protected onEnd(): void {
    if (!this.processor) {
      throw decryptionFailed(
        `The data is ${this.head.length} bytes long, too short for the openssl format (a 16-byte header at least).`,
      );
    }
    this.output(this.processor.final());
  }
}

/** The raw cipher with an explicit key and IV, no header (EncryptionKey / EncryptionIV). */
export class RawCipherStream extends CryptoTransform {
  private processor: Processor | undefined;
  private readonly ready: Promise<void>;

  constructor(
    info: AlgorithmInfo,
    key: Uint8Array,
    iv: Uint8Array,
    decrypt: boolean,
    options: CryptoStreamOptions = {},
  ) {
    super(decrypt, decrypt ? options.ciphertextSize : undefined);
    this.ready = createProcessor(info, key, iv, decrypt).then((p) => {
      this.processor = p;
    });
    this.ready.catch(() => {}); // surfaced by the first write or the end
  }

  protected onData(chunk: Uint8Array): void | Promise<void> {
    if (!this.processor) return this.ready.then(() => this.onData(chunk));
    this.output(this.processor.update(chunk));
  }

  protected async onEnd(): Promise<void> {
    await this.ready;
    this.output(this.processor!.final());
  }
}
