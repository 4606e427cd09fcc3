import { randomBytes } from 'node:crypto';
import { decryptionFailed } from './errors.js';
import { scryptKey } from './kdf.js';
import { type Sodium, sodium } from './native.js';
import { BlockCutter, ByteQueue, type CryptoStreamOptions, CryptoTransform } from './stream-util.js';

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

/** NaCl secretbox under one key, in rclone's block layout: tag ‖ ciphertext. */
interface SecretBox {
  /** Seals `plain` into `sealed` (plain.length + 16 bytes). */
  seal(nonce: Uint8Array, plain: Uint8Array, sealed: Uint8Array): void;
  /** Opens `sealed` into `plain` (sealed.length − 16 bytes); false when it does not authenticate. */
  open(nonce: Uint8Array, sealed: Uint8Array, plain: Uint8Array): boolean;
}

/** libsodium when `na` (the binding) is given, else @noble/ciphers (loaded only then). */
async function secretBox(key: Uint8Array, na: Sodium | undefined): Promise<SecretBox> {
  if (na) {
    return {
      seal: (nonce, plain, sealed) => na.crypto_secretbox_easy(sealed, plain, nonce, key),
      open: (nonce, sealed, plain) => na.crypto_secretbox_open_easy(plain, sealed, nonce, key),
    };
  }
  const { xsalsa20poly1305 } = await import('@noble/ciphers/salsa.js');
  return {
    seal: (nonce, plain, sealed) => sealed.set(xsalsa20poly1305(key, nonce).encrypt(plain)),
    open: (nonce, sealed, plain) => {
      try {
        plain.set(xsalsa20poly1305(key, nonce).decrypt(sealed));
        return true;
      } catch {
        return false;
      }
    },
  };
}

export class RcloneEncryptStream extends CryptoTransform {
  /** The file nonce this stream uses (also in its header). */
  readonly randomness: { nonce: Uint8Array };
  private readonly nonce: Uint8Array;
  private box: SecretBox | undefined;
  private readonly ready: Promise<void>;
  private readonly blocks = new BlockCutter(RCLONE_BLOCK_BYTES, SEALED_BLOCK, false);
  private block = 0;

  constructor(dataKey: Promise<Buffer>, nonce?: Uint8Array) {
    super(false);
    this.nonce = nonce ?? randomBytes(RCLONE_NONCE_BYTES);
    this.randomness = { nonce: this.nonce };
    const na = sodium();
    this.ready = dataKey
      .then((key) => secretBox(key, na))
      .then((box) => {
        this.box = box;
        this.output(Buffer.concat([RCLONE_MAGIC, this.nonce]));
      });
    this.ready.catch(() => {});
  }

  private readonly seal = (plain: Uint8Array, sealed: Uint8Array): boolean => {
    this.box!.seal(blockNonce(this.nonce, this.block++), plain, sealed);
    return true;
  };

  protected onData(chunk: Uint8Array): void | Promise<void> {
    if (!this.box) return this.ready.then(() => this.onData(chunk));
    this.output(this.blocks.cut(chunk, this.seal));
  }

  protected async onEnd(): Promise<void> {
    await this.ready;
    const last = this.blocks.rest();
    if (!last.length) return;
    const sealed = Buffer.allocUnsafe(last.length + RCLONE_TAG_BYTES);
    this.seal(last, sealed);
    this.output(sealed);
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
  private box: SecretBox | undefined;
  private nonce: Uint8Array | undefined;
  /** The header while it arrives. */
  private readonly head = new ByteQueue();
  private readonly blocks = new BlockCutter(SEALED_BLOCK, RCLONE_BLOCK_BYTES, false);
  private block: number;
  private readonly na = sodium();

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

  /** Opens one block; false (and nothing more is opened) when it does not authenticate. */
  private readonly open = (sealed: Uint8Array, plain: Uint8Array): boolean => {
    if (!this.box!.open(blockNonce(this.nonce!, this.block), sealed, plain)) return false;
    this.block++;
    return true;
  };

  private authenticationFailed() {
    const n = this.block;
    return decryptionFailed(
      n === 0
        ? 'The rclone-format data does not authenticate: wrong password (or second password), or corrupted data.'
        : `Block ${n} of the rclone-format data failed authentication: the data is corrupted or was modified.`,
    );
  }

  protected async onData(chunk: Uint8Array): Promise<void> {
    if (!this.nonce) {
      this.head.push(chunk);
      if (this.head.length < RCLONE_HEADER_BYTES) return;
      const header = this.head.take(RCLONE_HEADER_BYTES);
      if (!RCLONE_MAGIC.equals(header.subarray(0, RCLONE_MAGIC.length))) {
        throw decryptionFailed(
          'This is not rclone-encrypted data: it does not start with the "RCLONE\\0\\0" magic.',
        );
      }
      this.nonce = Uint8Array.from(header.subarray(RCLONE_MAGIC.length));
      chunk = this.head.takeAll();
    }
    this.box ??= await secretBox(await this.dataKey, this.na);
    // The blocks before a failing one are authentic: they are output before the error.
    this.output(this.blocks.cut(chunk, this.open));
    if (this.blocks.stopped) throw this.authenticationFailed();
  }

  protected async onEnd(): Promise<void> {
    if (!this.nonce)
      throw decryptionFailed('The rclone-format data is truncated: it ends inside its 32-byte header.');
    const last = this.blocks.rest();
    if (last.length === 0) return;
    if (last.length <= RCLONE_TAG_BYTES) {
      throw decryptionFailed('The rclone-format data is truncated: it ends inside a block header.');
    }
    this.box ??= await secretBox(await this.dataKey, this.na);
    const plain = Buffer.allocUnsafe(last.length - RCLONE_TAG_BYTES);
    if (!this.open(last, plain)) throw this.authenticationFailed();
    this.output(plain);
  }
}
