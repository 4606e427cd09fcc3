import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { AlgorithmInfo } from './algorithms.js';
import type { BlockCipher } from './ciphers/types.js';
import { decryptionFailed } from './errors.js';
import { type Sodium, sodium } from './native.js';

/**
 * A keyed cipher in one direction, fed in pieces: `update` returns what can be output so far and
 * `final` the rest (padding, or the padding check). Node's `Cipher`/`Decipher` objects have this shape;
 * the classes below give the hand-written ciphers the same one.
 */
export interface Processor {
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}

/** Where Node's OpenSSL has the cipher without the legacy provider, it does the work. */
const NODE_CIPHERS: Record<number, string> = { 0: 'aes-256-cbc', 8: 'des-ede3-cbc', 11: 'chacha20' };

/**
 * The hand-written block ciphers, each loaded only when a stream uses it: a program that encrypts
 * with AES never parses their code or tables.
 */
const BLOCK_CIPHERS: Record<number, (key: Uint8Array) => Promise<BlockCipher>> = {
  1: async (key) => new (await import('./ciphers/blowfish.js')).Blowfish(key),
  2: async (key) => new (await import('./ciphers/cast128.js')).Cast128(key),
  3: async (key) => new (await import('./ciphers/des.js')).Des(key),
  4: async (key) => new (await import('./ciphers/idea.js')).Idea(key),
  5: async (key) => new (await import('./ciphers/rc2.js')).Rc2(key, 128),
  7: async (key) => new (await import('./ciphers/tea.js')).Tea(key),
  9: async (key) => new (await import('./ciphers/twofish.js')).Twofish(key),
  10: async (key) => new (await import('./ciphers/rijndael.js')).Rijndael(key, 32),
};

/**
 * The raw cipher of `info` with this key and IV: CBC + PKCS#7 for block ciphers, the bare keystream
 * otherwise. Asynchronous only because a hand-written cipher's code is loaded on first use.
 */
export async function createProcessor(
  info: AlgorithmInfo,
  key: Uint8Array,
  iv: Uint8Array,
  decrypt: boolean,
): Promise<Processor> {
  const nodeName = NODE_CIPHERS[info.id];
  if (nodeName) {
    // ChaCha20 in OpenSSL takes a 16-byte IV: a 32-bit little-endian block counter, then the 12-byte nonce.
    const nodeIv = info.id === 11 && iv.length === 12 ? Buffer.concat([Buffer.alloc(4), iv]) : iv;
    const c = decrypt ? createDecipheriv(nodeName, key, nodeIv) : createCipheriv(nodeName, key, nodeIv);
    return {
      update: (data) => c.update(data),
      final: () => {
        try {
          return c.final();
        } catch (e) {
          throw paddingError(e);
        }
      },
    };
  }
  if (info.id === 6) {
    const rc4 = new (await import('./ciphers/rc4.js')).Rc4(key);
    return { update: (data) => rc4.process(data), final: () => new Uint8Array(0) };
  }
  if (info.id === 12) {
    const na = sodium();
    return na ? new NativeXSalsa20Stream(na, key, iv) : new XSalsa20Stream(key, iv, await loadXSalsa20());
  }
  const make = BLOCK_CIPHERS[info.id];
  if (!make) throw new RangeError(`algorithm ${info.id} has no cipher`);
  const cipher = await make(key);
  return decrypt ? new CbcDecryptor(cipher, iv) : new CbcEncryptor(cipher, iv);
}

function paddingError(cause?: unknown) {
  return decryptionFailed(
    'Decryption failed: the padding check failed, so the password or key is wrong, the algorithm is not the one ' +
      'the data was encrypted with, or the data is corrupted or truncated.',
    cause,
  );
}

/** A fresh array holding a then b: the CBC classes work in place and must never touch the caller's bytes. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** CBC encryption with PKCS#7 padding (what `openssl enc` does by default). */
export class CbcEncryptor implements Processor {
  private readonly prev: Uint8Array;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly cipher: BlockCipher,
    iv: Uint8Array,
  ) {
    this.prev = Uint8Array.from(iv);
  }

  update(data: Uint8Array): Uint8Array {
    const all = concat(this.pending, data);
    const bs = this.cipher.blockSize;
    const whole = all.length - (all.length % bs);
    const out = all.subarray(0, whole);
    this.pending = all.subarray(whole);
    this.encryptBlocks(out);
    return out;
  }

  final(): Uint8Array {
    const bs = this.cipher.blockSize;
    const pad = bs - this.pending.length;
    const last = new Uint8Array(bs).fill(pad);
    last.set(this.pending);
    this.pending = new Uint8Array(0);
    this.encryptBlocks(last);
    return last;
  }

  private encryptBlocks(buf: Uint8Array): void {
    const bs = this.cipher.blockSize;
    const prev = this.prev;
    for (let o = 0; o < buf.length; o += bs) {
      for (let i = 0; i < bs; i++) buf[o + i]! ^= prev[i]!;
      this.cipher.encryptBlock(buf, o);
      prev.set(buf.subarray(o, o + bs));
    }
  }
}

/** CBC decryption that holds back the last block until `final`, where the PKCS#7 padding is checked. */
export class CbcDecryptor implements Processor {
  private readonly prev: Uint8Array;
  private readonly saved: Uint8Array;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly cipher: BlockCipher,
    iv: Uint8Array,
  ) {
    this.prev = Uint8Array.from(iv);
    this.saved = new Uint8Array(cipher.blockSize);
  }

  update(data: Uint8Array): Uint8Array {
    const all = concat(this.pending, data);
    const bs = this.cipher.blockSize;
    // Keep a partial block, or the last whole block (it may carry the padding).
    const keep = all.length % bs || Math.min(bs, all.length);
    const out = all.subarray(0, all.length - keep);
    this.pending = all.subarray(all.length - keep);
    this.decryptBlocks(out);
    return out;
  }

  final(): Uint8Array {
    const bs = this.cipher.blockSize;
    if (this.pending.length !== bs) throw paddingError();
    const last = this.pending;
    this.pending = new Uint8Array(0);
    this.decryptBlocks(last);
    const pad = last[bs - 1]!;
    if (pad < 1 || pad > bs) throw paddingError();
    for (let i = bs - pad; i < bs; i++) if (last[i] !== pad) throw paddingError();
    return last.subarray(0, bs - pad);
  }

  private decryptBlocks(buf: Uint8Array): void {
    const bs = this.cipher.blockSize;
    for (let o = 0; o < buf.length; o += bs) {
      this.saved.set(buf.subarray(o, o + bs));
      this.cipher.decryptBlock(buf, o);
      for (let i = 0; i < bs; i++) buf[o + i]! ^= this.prev[i]!;
      this.prev.set(this.saved);
    }
  }
}

type XSalsa20 = typeof import('@noble/ciphers/salsa.js').xsalsa20;

async function loadXSalsa20(): Promise<XSalsa20> {
  return (await import('@noble/ciphers/salsa.js')).xsalsa20;
}

/** XSalsa20 keystream (no authentication) fed in arbitrary pieces, through libsodium. */
class NativeXSalsa20Stream implements Processor {
  private readonly state: Uint8Array;

  constructor(
    private readonly na: Sodium,
    key: Uint8Array,
    nonce: Uint8Array,
  ) {
    this.state = new Uint8Array(na.crypto_stream_xor_STATEBYTES);
    na.crypto_stream_xor_init(this.state, nonce, key);
  }

  update(data: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(data.length);
    this.na.crypto_stream_xor_update(this.state, out, data);
    return out;
  }

  final(): Uint8Array {
    this.na.crypto_stream_xor_final(this.state);
    return new Uint8Array(0);
  }
}

/** XSalsa20 keystream (no authentication) fed in arbitrary pieces, through @noble/ciphers. */
class XSalsa20Stream implements Processor {
  private position = 0;

  constructor(
    private readonly key: Uint8Array,
    private readonly nonce: Uint8Array,
    private readonly xsalsa20: XSalsa20,
  ) {}

  update(data: Uint8Array): Uint8Array {
    const { xsalsa20 } = this;
    const out = new Uint8Array(data.length);
    let i = 0;
    const within = this.position % 64;
    if (within && data.length) {
      // Finish the 64-byte keystream block the previous piece started.
      const block = xsalsa20(
        this.key,
        this.nonce,
        new Uint8Array(64),
        undefined,
        Math.floor(this.position / 64),
      );
      i = Math.min(64 - within, data.length);
      for (let j = 0; j < i; j++) out[j] = data[j]! ^ block[within + j]!;
    }
    if (i < data.length) {
      out.set(xsalsa20(this.key, this.nonce, data.subarray(i), undefined, (this.position + i) / 64), i);
    }
    this.position += data.length;
    return out;
  }

  final(): Uint8Array {
    return new Uint8Array(0);
  }
}
