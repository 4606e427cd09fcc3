import { randomBytes } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { decryptionFailed } from './errors.js';
import { scryptKey } from './kdf.js';
import { ByteQueue, type CryptoStreamOptions, CryptoTransform } from './stream-util.js';

/**
 * rclone's `crypt` file format, used in password mode for algorithm 12 (XSalsa20). Files round-trip
 * with rclone through a local crypt remote.
 *
 *   "RCLONE\0\0" (8 bytes) ‖ nonce (24 random bytes) ‖ blocks
 *
 * Each block is up to 64 KiB of plaintext sealed with NaCl secretbox (XSalsa20-Poly1305): a 16-byte
 * Poly1305 tag, then the ciphertext. Block n uses the file nonce plus n (little-endian, carrying
 * through all 24 bytes). The key is the first 32 bytes of scrypt(password, salt, N=16384, r=8, p=1,
 * 80 bytes), the salt being rclone's second password ("password2") or, without one, rclone's fixed
 * default salt.
 *
 * Every block is authenticated before it is output. The format has no end marker: a file cut exactly
 * at a block boundary is only caught when the expected size is known (`ciphertextSize`).
 */
export const RCLONE_MAGIC = Buffer.from('RCLONE\0\0', 'latin1');
export const RCLONE_NONCE_BYTES = 24;
export const RCLONE_HEADER_BYTES = RCLONE_MAGIC.length + RCLONE_NONCE_BYTES;
export const RCLONE_BLOCK_BYTES = 64 * 1024;
export const RCLONE_TAG_BYTES = 16;
const SEALED_BLOCK = RCLONE_BLOCK_BYTES + RCLONE_TAG_BYTES;
/** rclone's built-in salt, used when no second password is configured. */
const DEFAULT_SALT = Buffer.from('a80df43a8fbd0308a7cab83e581f86b1', 'hex');

/** The data key rclone derives from its password and optional second password. */
export async function rcloneDataKey(password: Uint8Array, password2?: Uint8Array): Promise<Buffer> {
  const salt = password2?.length ? password2 : DEFAULT_SALT;
  const key = await scryptKey(password, salt, 14, 8, 80);
  return key.subarray(0, 32);
}

/** The nonce of block `n`: the file nonce plus n, as a 192-bit little-endian number. */
export function blockNonce(fileNonce: Uint8Array, n: number): Uint8Array {
  const out = Uint8Array.from(fileNonce);
  let carry = n;
  for (let i = 0; i < out.length && carry > 0; i++) {
    const sum = out[i]! + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}

export class RcloneEncryptStream extends CryptoTransform {
  /** The file nonce this stream uses (also in its header). */
  readonly randomness: { nonce: Uint8Array };
  private readonly nonce: Uint8Array;
  private key: Buffer | undefined;
  private readonly ready: Promise<void>;
  private readonly pending = new ByteQueue();
  private block = 0;

  constructor(dataKey: Promise<Buffer>, nonce?: Uint8Array) {
    super(false);
    this.nonce = nonce ?? randomBytes(RCLONE_NONCE_BYTES);
    this.randomness = { nonce: this.nonce };
    this.ready = dataKey.then((key) => {
      this.key = key;
      this.output(Buffer.concat([RCLONE_MAGIC, this.nonce]));
    });
    this.ready.catch(() => {});
  }

  private sealBlock(plaintext: Uint8Array): void {
    this.output(xsalsa20poly1305(this.key!, blockNonce(this.nonce, this.block++)).encrypt(plaintext));
  }

  protected async onData(chunk: Uint8Array): Promise<void> {
    if (!this.key) await this.ready;
    this.pending.push(chunk);
    while (this.pending.length >= RCLONE_BLOCK_BYTES) this.sealBlock(this.pending.take(RCLONE_BLOCK_BYTES));
  }

  protected async onEnd(): Promise<void> {
    await this.ready;
    if (this.pending.length) this.sealBlock(this.pending.takeAll());
  }
}

export interface RclonePosition {
  /** File nonce, when the header was already read (seekable decryption). */
  nonce?: Uint8Array;
  /** Index of the first block in the input. */
  firstBlock?: number;
  /** Plaintext bytes to drop from the start of the first block. */
  skip?: number;
}

export class RcloneDecryptStream extends CryptoTransform {
  private key: Buffer | undefined;
  private nonce: Uint8Array | undefined;
  private readonly queue = new ByteQueue();
  private block: number;
  private skip: number;

  constructor(
    private readonly dataKey: Promise<Buffer>,
    position: RclonePosition = {},
    options: CryptoStreamOptions = {},
  ) {
    super(true, options.ciphertextSize);
    this.dataKey.catch(() => {});
    this.nonce = position.nonce;
    this.block = position.firstBlock ?? 0;
    this.skip = position.skip ?? 0;
  }

  private openBlock(sealed: Uint8Array): void {
    const n = this.block++;
    let plain: Uint8Array;
    try {
      plain = xsalsa20poly1305(this.key!, blockNonce(this.nonce!, n)).decrypt(sealed);
    } catch {
      throw decryptionFailed(
        n === 0
          ? 'The rclone-format data does not authenticate: wrong password (or second password), or corrupted data.'
          : `Block ${n} of the rclone-format data failed authentication: the data is corrupted or was modified.`,
      );
    }
    if (this.skip) {
      const drop = Math.min(this.skip, plain.length);
      this.skip -= drop;
      plain = plain.subarray(drop);
    }
    this.output(plain);
  }

  protected async onData(chunk: Uint8Array): Promise<void> {
    this.queue.push(chunk);
    if (!this.nonce) {
      if (this.queue.length < RCLONE_HEADER_BYTES) return;
      const header = this.queue.take(RCLONE_HEADER_BYTES);
      if (!RCLONE_MAGIC.equals(header.subarray(0, RCLONE_MAGIC.length))) {
        throw decryptionFailed(
          'This is not rclone-encrypted data: it does not start with the "RCLONE\\0\\0" magic.',
        );
      }
      this.nonce = Uint8Array.from(header.subarray(RCLONE_MAGIC.length));
    }
    this.key ??= await this.dataKey;
    while (this.queue.length >= SEALED_BLOCK) this.openBlock(this.queue.take(SEALED_BLOCK));
  }

  protected async onEnd(): Promise<void> {
    if (!this.nonce)
      throw decryptionFailed('The rclone-format data is truncated: it ends inside its 32-byte header.');
    if (this.queue.length === 0) return;
    if (this.queue.length <= RCLONE_TAG_BYTES) {
      throw decryptionFailed('The rclone-format data is truncated: it ends inside a block header.');
    }
    this.key ??= await this.dataKey;
    this.openBlock(this.queue.takeAll());
  }
}
