import { type BlockCipher, checkKeyLength, readU32LE, rotl32, rotr32, writeU32LE } from './types.js';

/**
 * Twofish (Schneier et al., 1998) with a 256-bit key: 128-bit block, 16 rounds.
 *
 * Everything is derived from the specification's small tables: the 4-bit permutations that build q0
 * and q1, the MDS matrix (over GF(2^8) modulo x^8+x^6+x^5+x^3+1) and the Reed-Solomon matrix (modulo
 * x^8+x^6+x^3+x^2+1). At key setup the key-dependent S-boxes are folded with the MDS columns into four
 * 256-word tables, so the round function g is four lookups.
 */
// biome-ignore format: specification tables
const Q_TABLES = [
  [[0x8,0x1,0x7,0xd,0x6,0xf,0x3,0x2,0x0,0xb,0x5,0x9,0xe,0xc,0xa,0x4], [0xe,0xc,0xb,0x8,0x1,0x2,0x3,0x5,0xf,0x4,0xa,0x6,0x7,0x0,0x9,0xd],
   [0xb,0xa,0x5,0xe,0x6,0xd,0x9,0x0,0xc,0x8,0xf,0x3,0x2,0x4,0x7,0x1], [0xd,0x7,0xf,0x4,0x1,0x2,0x6,0xe,0x9,0xb,0x3,0x0,0x8,0x5,0xc,0xa]],
  [[0x2,0x8,0xb,0xd,0xf,0x7,0x6,0xe,0x3,0x1,0x9,0x4,0x0,0xa,0xc,0x5], [0x1,0xe,0x2,0xb,0x4,0xc,0x3,0x7,0x6,0xd,0xa,0x5,0xf,0x9,0x0,0x8],
   [0x4,0xc,0x7,0x5,0x1,0x6,0x9,0xa,0x0,0xe,0xd,0x8,0x2,0xb,0x3,0xf], [0xb,0x9,0x5,0x1,0xc,0x3,0xd,0xe,0x6,0x4,0x7,0xf,0x2,0x0,0x8,0xa]],
];
const MDS = [
  [0x01, 0xef, 0x5b, 0x5b],
  [0x5b, 0xef, 0xef, 0x01],
  [0xef, 0x5b, 0x01, 0xef],
  [0xef, 0x01, 0xef, 0x5b],
];
const RS = [
  [0x01, 0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e],
  [0xa4, 0x56, 0x82, 0xf3, 0x1e, 0xc6, 0x68, 0xe5],
  [0x02, 0xa1, 0xfc, 0xc1, 0x47, 0xae, 0x3d, 0x19],
  [0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e, 0x03],
];

/** Multiplication in GF(2^8) modulo the given polynomial. */
function gfMul(a: number, b: number, poly: number): number {
  let r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= poly;
    b >>= 1;
  }
  return r;
}

function buildQ(t: number[][]): Uint8Array {
  const ror4 = (x: number) => ((x >> 1) | (x << 3)) & 15;
  const q = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    let a = x >> 4;
    let b = x & 15;
    for (let stage = 0; stage < 2; stage++) {
      const a1 = a ^ b;
      const b1 = (a ^ ror4(b) ^ (8 * a)) & 15;
      a = t[2 * stage]![a1]!;
      b = t[2 * stage + 1]![b1]!;
    }
    q[x] = (b << 4) | a;
  }
  return q;
}

let qs: [Uint8Array, Uint8Array] | undefined;
function qTables(): [Uint8Array, Uint8Array] {
  qs ??= [buildQ(Q_TABLES[0]!), buildQ(Q_TABLES[1]!)];
  return qs;
}

/** The byte-wise S-box layer of h for a 256-bit key: `l` holds the four key words, most significant last. */
function sBoxByte(position: number, y: number, l: number[]): number {
  const [q0, q1] = qTables();
  const byte = (w: number) => (l[w]! >>> (8 * position)) & 0xff;
  // Which q is applied at each stage depends on the byte position (Twofish paper, figure 2).
  const stage4 = [q1, q0, q0, q1][position]!;
  const stage3 = [q1, q1, q0, q0][position]!;
  const stage2 = [q0, q1, q0, q1][position]!;
  const stage1 = [q0, q0, q1, q1][position]!;
  const stage0 = [q1, q0, q1, q0][position]!;
  y = stage4[y]! ^ byte(3);
  y = stage3[y]! ^ byte(2);
  y = stage2[y]! ^ byte(1);
  y = stage1[y]! ^ byte(0);
  return stage0[y]!;
}

function mdsColumn(position: number, v: number): number {
  let out = 0;
  for (let row = 0; row < 4; row++) out |= gfMul(MDS[row]![position]!, v, 0x169) << (8 * row);
  return out >>> 0;
}

function h(x: number, l: number[]): number {
  let out = 0;
  for (let i = 0; i < 4; i++) out ^= mdsColumn(i, sBoxByte(i, (x >>> (8 * i)) & 0xff, l));
  return out >>> 0;
}

export class Twofish implements BlockCipher {
  readonly blockSize = 16;
  private readonly k = new Uint32Array(40);
  private readonly t0: Uint32Array;
  private readonly t1: Uint32Array;
  private readonly t2: Uint32Array;
  private readonly t3: Uint32Array;

  constructor(key: Uint8Array) {
    checkKeyLength('Twofish', key, 32);
    const words = Array.from({ length: 8 }, (_, i) => readU32LE(key, 4 * i));
    const even = [words[0]!, words[2]!, words[4]!, words[6]!];
    const odd = [words[1]!, words[3]!, words[5]!, words[7]!];
    // S words: the Reed-Solomon code of each 8-byte key group, in reverse order.
    const s: number[] = [];
    for (let i = 0; i < 4; i++) {
      let w = 0;
      for (let row = 0; row < 4; row++) {
        let v = 0;
        for (let col = 0; col < 8; col++) v ^= gfMul(RS[row]![col]!, key[8 * i + col]!, 0x14d);
        w |= v << (8 * row);
      }
      s.unshift(w >>> 0);
    }
    for (let i = 0; i < 20; i++) {
      const a = h(Math.imul(2 * i, 0x01010101) >>> 0, even);
      const b = rotl32(h(Math.imul(2 * i + 1, 0x01010101) >>> 0, odd), 8);
      this.k[2 * i] = (a + b) >>> 0;
      this.k[2 * i + 1] = rotl32((a + 2 * b) >>> 0, 9);
    }
    const table = (position: number) =>
      Uint32Array.from({ length: 256 }, (_, v) => mdsColumn(position, sBoxByte(position, v, s)));
    this.t0 = table(0);
    this.t1 = table(1);
    this.t2 = table(2);
    this.t3 = table(3);
  }

  private g(x: number): number {
    return (
      (this.t0[x & 0xff]! ^ this.t1[(x >>> 8) & 0xff]! ^ this.t2[(x >>> 16) & 0xff]! ^ this.t3[x >>> 24]!) >>>
      0
    );
  }

  encryptBlock(data: Uint8Array, o: number): void {
    const k = this.k;
    let r0 = (readU32LE(data, o) ^ k[0]!) >>> 0;
    let r1 = (readU32LE(data, o + 4) ^ k[1]!) >>> 0;
    let r2 = (readU32LE(data, o + 8) ^ k[2]!) >>> 0;
    let r3 = (readU32LE(data, o + 12) ^ k[3]!) >>> 0;
    for (let round = 0; round < 16; round++) {
      const t0 = this.g(r0);
      const t1 = this.g(rotl32(r1, 8));
      const f0 = (t0 + t1 + k[2 * round + 8]!) >>> 0;
      const f1 = (t0 + 2 * t1 + k[2 * round + 9]!) >>> 0;
      const n0 = rotr32((r2 ^ f0) >>> 0, 1);
      const n1 = (rotl32(r3, 1) ^ f1) >>> 0;
      r2 = r0;
      r3 = r1;
      r0 = n0;
      r1 = n1;
    }
    writeU32LE(data, o, (r2 ^ k[4]!) >>> 0);
    writeU32LE(data, o + 4, (r3 ^ k[5]!) >>> 0);
    writeU32LE(data, o + 8, (r0 ^ k[6]!) >>> 0);
    writeU32LE(data, o + 12, (r1 ^ k[7]!) >>> 0);
  }

  decryptBlock(data: Uint8Array, o: number): void {
    const k = this.k;
    let r2 = (readU32LE(data, o) ^ k[4]!) >>> 0;
    let r3 = (readU32LE(data, o + 4) ^ k[5]!) >>> 0;
    let r0 = (readU32LE(data, o + 8) ^ k[6]!) >>> 0;
    let r1 = (readU32LE(data, o + 12) ^ k[7]!) >>> 0;
    for (let round = 15; round >= 0; round--) {
      // Undo one round: (r0, r1) are this round's outputs, (r2, r3) its untouched inputs.
      const t0 = this.g(r2);
      const t1 = this.g(rotl32(r3, 8));
      const f0 = (t0 + t1 + k[2 * round + 8]!) >>> 0;
      const f1 = (t0 + 2 * t1 + k[2 * round + 9]!) >>> 0;
      const p2 = (rotl32(r0, 1) ^ f0) >>> 0;
      const p3 = rotr32((r1 ^ f1) >>> 0, 1);
      r0 = r2;
      r1 = r3;
      r2 = p2;
      r3 = p3;
    }
    writeU32LE(data, o, (r0 ^ k[0]!) >>> 0);
    writeU32LE(data, o + 4, (r1 ^ k[1]!) >>> 0);
    writeU32LE(data, o + 8, (r2 ^ k[2]!) >>> 0);
    writeU32LE(data, o + 12, (r3 ^ k[3]!) >>> 0);
  }
}
