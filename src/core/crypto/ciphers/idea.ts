import { type BlockCipher, checkKeyLength } from './types.js';

/**
 * IDEA (Lai and Massey, 1991): 64-bit block, 128-bit key, 8.5 rounds over 16-bit words mixing XOR,
 * addition mod 2^16 and multiplication mod 2^16+1 (where the word 0 stands for 2^16).
 */
function mul(a: number, b: number): number {
  // Products reach 2^32, beyond exact 32-bit integer maths but well within a double.
  if (a === 0) return (0x10001 - b) & 0xffff;
  if (b === 0) return (0x10001 - a) & 0xffff;
  return ((a * b) % 0x10001) & 0xffff;
}

/** Multiplicative inverse mod 2^16+1 (0 and 1 are their own inverses). */
function mulInv(x: number): number {
  if (x <= 1) return x;
  // Fermat: x^(p-2) mod p, p = 65537 is prime.
  let result = 1;
  let base = x;
  for (let e = 0x10001 - 2; e > 0; e >>= 1) {
    if (e & 1) result = (result * base) % 0x10001;
    base = (base * base) % 0x10001;
  }
  return result & 0xffff;
}

const addInv = (x: number) => (0x10000 - x) & 0xffff;

function encryptionKeys(key: Uint8Array): Uint16Array {
  const k = new Uint16Array(52);
  for (let i = 0; i < 8; i++) k[i] = (key[2 * i]! << 8) | key[2 * i + 1]!;
  // Each further group of eight subkeys is the 128-bit key rotated left by 25 bits.
  for (let i = 8; i < 52; i++) {
    const base = i - (i % 8) - 8;
    const a = base + ((i + 1) % 8);
    const b = base + ((i + 2) % 8);
    k[i] = ((k[a]! << 9) | (k[b]! >>> 7)) & 0xffff;
  }
  return k;
}

function decryptionKeys(ek: Uint16Array): Uint16Array {
  const dk = new Uint16Array(52);
  for (let round = 0; round < 9; round++) {
    const e = 48 - 6 * round; // encryption keys used by the mirrored round
    const d = 6 * round;
    dk[d] = mulInv(ek[e]!);
    // The two additive keys swap places, except in the first and last rounds.
    const swap = round !== 0 && round !== 8;
    dk[d + 1] = addInv(ek[e + (swap ? 2 : 1)]!);
    dk[d + 2] = addInv(ek[e + (swap ? 1 : 2)]!);
    dk[d + 3] = mulInv(ek[e + 3]!);
    if (round < 8) {
      dk[d + 4] = ek[e - 2]!;
      dk[d + 5] = ek[e - 1]!;
    }
  }
  return dk;
}

function crypt(k: Uint16Array, data: Uint8Array, o: number): void {
  let x1 = (data[o]! << 8) | data[o + 1]!;
  let x2 = (data[o + 2]! << 8) | data[o + 3]!;
  let x3 = (data[o + 4]! << 8) | data[o + 5]!;
  let x4 = (data[o + 6]! << 8) | data[o + 7]!;
  for (let r = 0; r < 8; r++) {
    const i = r * 6;
    x1 = mul(x1, k[i]!);
    x2 = (x2 + k[i + 1]!) & 0xffff;
    x3 = (x3 + k[i + 2]!) & 0xffff;
    x4 = mul(x4, k[i + 3]!);
    const t0 = mul(x1 ^ x3, k[i + 4]!);
    const t1 = mul((t0 + (x2 ^ x4)) & 0xffff, k[i + 5]!);
    const t2 = (t0 + t1) & 0xffff;
    x1 ^= t1;
    x4 ^= t2;
    const a = x2 ^ t2;
    x2 = x3 ^ t1;
    x3 = a;
  }
  const y1 = mul(x1, k[48]!);
  const y2 = (x3 + k[49]!) & 0xffff;
  const y3 = (x2 + k[50]!) & 0xffff;
  const y4 = mul(x4, k[51]!);
  data[o] = y1 >>> 8;
  data[o + 1] = y1;
  data[o + 2] = y2 >>> 8;
  data[o + 3] = y2;
  data[o + 4] = y3 >>> 8;
  data[o + 5] = y3;
  data[o + 6] = y4 >>> 8;
  data[o + 7] = y4;
}

export class Idea implements BlockCipher {
  readonly blockSize = 8;
  private readonly ek: Uint16Array;
  private readonly dk: Uint16Array;

  constructor(key: Uint8Array) {
    checkKeyLength('IDEA', key, 16);
    this.ek = encryptionKeys(key);
    this.dk = decryptionKeys(this.ek);
  }

  encryptBlock(data: Uint8Array, offset: number): void {
    crypt(this.ek, data, offset);
  }

  decryptBlock(data: Uint8Array, offset: number): void {
    crypt(this.dk, data, offset);
  }
}
