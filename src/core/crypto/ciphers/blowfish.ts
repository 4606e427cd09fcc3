import { type BlockCipher, checkKeyLength, readU32BE, writeU32BE } from './types.js';

/**
 * Blowfish (Schneier, 1993): 64-bit block, 4 to 56-byte key, 16 rounds.
 *
 * Blowfish's initial P-array and S-boxes are the fractional hexadecimal digits of pi, in order
 * (P1 = 0x243F6A88, …). Instead of carrying a 1,042-word table we compute those digits once, on first
 * use, with exact integer arithmetic (Machin's formula); the known-answer tests pin the result.
 */
const WORDS = 18 + 4 * 256;
let piWords: Uint32Array | undefined;

/** The first `count` 32-bit words of the fractional part of pi, in hexadecimal. */
export function piFractionWords(count: number): Uint32Array {
  const bits = BigInt(count * 32 + 64); // guard bits absorb the truncation of each series term
  const one = 1n << bits;
  // arctan(1/x) = 1/x - 1/(3x^3) + 1/(5x^5) - …, in fixed point with `bits` fractional bits.
  const arctanInv = (x: bigint): bigint => {
    const x2 = x * x;
    let power = one / x;
    let sum = power;
    for (let k = 3n, sign = -1n; power !== 0n; k += 2n, sign = -sign) {
      power /= x2;
      sum += (sign * power) / k;
    }
    return sum;
  };
  const pi = 16n * arctanInv(5n) - 4n * arctanInv(239n);
  let frac = pi & (one - 1n); // drop the integer part (3)
  frac >>= 64n; // drop the guard bits
  const out = new Uint32Array(count);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  return out;
}

function initialTables(): Uint32Array {
  piWords ??= piFractionWords(WORDS);
  return piWords;
}

export class Blowfish implements BlockCipher {
  readonly blockSize = 8;
  private readonly p: Uint32Array;
  private readonly s0: Uint32Array;
  private readonly s1: Uint32Array;
  private readonly s2: Uint32Array;
  private readonly s3: Uint32Array;

  constructor(key: Uint8Array) {
    checkKeyLength('Blowfish', key, 1, 56);
    const init = initialTables();
    this.p = init.slice(0, 18);
    this.s0 = init.slice(18, 18 + 256);
    this.s1 = init.slice(18 + 256, 18 + 512);
    this.s2 = init.slice(18 + 512, 18 + 768);
    this.s3 = init.slice(18 + 768, 18 + 1024);
    // XOR the key, cycled, into the P-array.
    for (let i = 0, k = 0; i < 18; i++) {
      let w = 0;
      for (let j = 0; j < 4; j++, k++) w = (w << 8) | key[k % key.length]!;
      this.p[i]! ^= w;
    }
    // Replace P and then the S-boxes by successive encryptions of the all-zero block.
    const lr = new Uint32Array(2);
    const fill = (table: Uint32Array) => {
      for (let i = 0; i < table.length; i += 2) {
        this.encryptWords(lr);
        table[i] = lr[0]!;
        table[i + 1] = lr[1]!;
      }
    };
    fill(this.p);
    fill(this.s0);
    fill(this.s1);
    fill(this.s2);
    fill(this.s3);
  }

  private f(x: number): number {
    return (
      (((this.s0[x >>> 24]! + this.s1[(x >>> 16) & 0xff]!) ^ this.s2[(x >>> 8) & 0xff]!) +
        this.s3[x & 0xff]!) >>>
      0
    );
  }

  private encryptWords(lr: Uint32Array): void {
    let l = lr[0]!;
    let r = lr[1]!;
    const p = this.p;
    for (let i = 0; i < 16; i += 2) {
      l = (l ^ p[i]!) >>> 0;
      r = (r ^ this.f(l)) >>> 0;
      r = (r ^ p[i + 1]!) >>> 0;
      l = (l ^ this.f(r)) >>> 0;
    }
    lr[0] = (r ^ p[17]!) >>> 0;
    lr[1] = (l ^ p[16]!) >>> 0;
  }

  encryptBlock(data: Uint8Array, offset: number): void {
    const p = this.p;
    let l = readU32BE(data, offset);
    let r = readU32BE(data, offset + 4);
    for (let i = 0; i < 16; i += 2) {
      l ^= p[i]!;
      r ^= this.f(l >>> 0) ^ p[i + 1]!;
      l ^= this.f(r >>> 0);
    }
    writeU32BE(data, offset, (r ^ p[17]!) >>> 0);
    writeU32BE(data, offset + 4, (l ^ p[16]!) >>> 0);
  }

  decryptBlock(data: Uint8Array, offset: number): void {
    const p = this.p;
    let l = readU32BE(data, offset);
    let r = readU32BE(data, offset + 4);
    for (let i = 17; i > 1; i -= 2) {
      l ^= p[i]!;
      r ^= this.f(l >>> 0) ^ p[i - 1]!;
      l ^= this.f(r >>> 0);
    }
    writeU32BE(data, offset, (r ^ p[0]!) >>> 0);
    writeU32BE(data, offset + 4, (l ^ p[1]!) >>> 0);
  }
}
