import { CAST_SBOXES } from './cast128-sboxes.js';
import { type BlockCipher, checkKeyLength, readU32BE, rotl32, writeU32BE } from './types.js';

/**
 * CAST-128 (RFC 2144) with a 128-bit key: 64-bit block, 16 rounds.
 *
 * The key schedule of RFC 2144 §2.4 is written below as data: the key bytes x0..xF and the
 * intermediate bytes z0..zF live in one 32-byte array (x at 0..15, z at 16..31), and each step either
 * rewrites four of those bytes or derives a subkey, from five S-box lookups.
 */
const [S1, S2, S3, S4, S5, S6, S7, S8] = CAST_SBOXES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** Byte positions in the 32-byte x/z working array. */
const x = (n: number) => n;
const z = (n: number) => 16 + n;

/** `dst[0..3] = src[0..3] ^ S5[a] ^ S6[b] ^ S7[c] ^ S8[d] ^ S<box>[e]` */
type Mix = [dst: number, src: number, a: number, b: number, c: number, d: number, box: number, e: number];
/** `K = S5[a] ^ S6[b] ^ S7[c] ^ S8[d] ^ S<box>[e]` */
type Sub = [a: number, b: number, c: number, d: number, box: number, e: number];

const Z_FROM_X: Mix[] = [
  [z(0), x(0), x(13), x(15), x(12), x(14), 7, x(8)],
  [z(4), x(8), z(0), z(2), z(1), z(3), 8, x(10)],
  [z(8), x(12), z(7), z(6), z(5), z(4), 5, x(9)],
  [z(12), x(4), z(10), z(9), z(11), z(8), 6, x(11)],
];
const X_FROM_Z: Mix[] = [
  [x(0), z(8), z(5), z(7), z(4), z(6), 7, z(0)],
  [x(4), z(0), x(0), x(2), x(1), x(3), 8, z(2)],
  [x(8), z(4), x(7), x(6), x(5), x(4), 5, z(1)],
  [x(12), z(12), x(10), x(9), x(11), x(8), 6, z(3)],
];
/** Four passes, each a mix followed by four subkeys; run twice (masking keys, then rotation keys). */
const SCHEDULE: Array<[Mix[], Sub[]]> = [
  [
    Z_FROM_X,
    [
      [z(8), z(9), z(7), z(6), 5, z(2)],
      [z(10), z(11), z(5), z(4), 6, z(6)],
      [z(12), z(13), z(3), z(2), 7, z(9)],
      [z(14), z(15), z(1), z(0), 8, z(12)],
    ],
  ],
  [
    X_FROM_Z,
    [
      [x(3), x(2), x(12), x(13), 5, x(8)],
      [x(1), x(0), x(14), x(15), 6, x(13)],
      [x(7), x(6), x(8), x(9), 7, x(3)],
      [x(5), x(4), x(10), x(11), 8, x(7)],
    ],
  ],
  [
    Z_FROM_X,
    [
      [z(3), z(2), z(12), z(13), 5, z(9)],
      [z(1), z(0), z(14), z(15), 6, z(12)],
      [z(7), z(6), z(8), z(9), 7, z(2)],
      [z(5), z(4), z(10), z(11), 8, z(6)],
    ],
  ],
  [
    X_FROM_Z,
    [
      [x(8), x(9), x(7), x(6), 5, x(3)],
      [x(10), x(11), x(5), x(4), 6, x(7)],
      [x(12), x(13), x(3), x(2), 7, x(8)],
      [x(14), x(15), x(1), x(0), 8, x(13)],
    ],
  ],
];
/** S-boxes by number, for the schedule's fifth lookup. */
const BOX: Uint32Array[] = [];
BOX[5] = S5;
BOX[6] = S6;
BOX[7] = S7;
BOX[8] = S8;

function keySchedule(key: Uint8Array): Uint32Array {
  const t = new Uint8Array(32);
  t.set(key);
  const out = new Uint32Array(32);
  let n = 0;
  for (let half = 0; half < 2; half++) {
    for (const [mixes, subs] of SCHEDULE) {
      for (const [dst, src, a, b, c, d, box, e] of mixes) {
        const w = readU32BE(t, src) ^ S5[t[a]!]! ^ S6[t[b]!]! ^ S7[t[c]!]! ^ S8[t[d]!]! ^ BOX[box]![t[e]!]!;
        writeU32BE(t, dst, w >>> 0);
      }
      for (const [a, b, c, d, box, e] of subs) {
        out[n++] = (S5[t[a]!]! ^ S6[t[b]!]! ^ S7[t[c]!]! ^ S8[t[d]!]! ^ BOX[box]![t[e]!]!) >>> 0;
      }
    }
  }
  return out;
}

export class Cast128 implements BlockCipher {
  readonly blockSize = 8;
  private readonly km: Uint32Array;
  private readonly kr: Uint32Array;

  constructor(key: Uint8Array) {
    checkKeyLength('CAST-128', key, 16);
    const k = keySchedule(key);
    this.km = k.slice(0, 16);
    this.kr = k.slice(16, 32).map((v) => v & 31);
  }

  /** Round function of round `i` (0-based): types 1, 2, 3 in turn (RFC 2144 §2.2). */
  private f(i: number, d: number): number {
    const km = this.km[i]!;
    const kr = this.kr[i]!;
    switch (i % 3) {
      case 0: {
        const v = rotl32((km + d) >>> 0, kr);
        return ((S1[v >>> 24]! ^ S2[(v >>> 16) & 0xff]!) - S3[(v >>> 8) & 0xff]! + S4[v & 0xff]!) >>> 0;
      }
      case 1: {
        const v = rotl32((km ^ d) >>> 0, kr);
        return ((S1[v >>> 24]! - S2[(v >>> 16) & 0xff]! + S3[(v >>> 8) & 0xff]!) ^ S4[v & 0xff]!) >>> 0;
      }
      default: {
        const v = rotl32((km - d) >>> 0, kr);
        return (((S1[v >>> 24]! + S2[(v >>> 16) & 0xff]!) ^ S3[(v >>> 8) & 0xff]!) - S4[v & 0xff]!) >>> 0;
      }
    }
  }

  encryptBlock(data: Uint8Array, offset: number): void {
    let l = readU32BE(data, offset);
    let r = readU32BE(data, offset + 4);
    for (let i = 0; i < 16; i++) {
      const t = r;
      r = (l ^ this.f(i, r)) >>> 0;
      l = t;
    }
    writeU32BE(data, offset, r);
    writeU32BE(data, offset + 4, l);
  }

  decryptBlock(data: Uint8Array, offset: number): void {
    let r = readU32BE(data, offset);
    let l = readU32BE(data, offset + 4);
    for (let i = 15; i >= 0; i--) {
      const t = l;
      l = (r ^ this.f(i, l)) >>> 0;
      r = t;
    }
    writeU32BE(data, offset, l);
    writeU32BE(data, offset + 4, r);
  }
}
