import { type BlockCipher, checkKeyLength, readU32BE, writeU32BE } from './types.js';

/**
 * DES (FIPS 46-3): 64-bit block, 64-bit key of which 56 bits are used (the low bit of each byte is
 * parity and ignored). Triple DES goes through Node's own `des-ede3-cbc`; this class exists for
 * single DES, which Node only offers through OpenSSL's legacy provider.
 *
 * Tables use FIPS 46-3's numbering: bit 1 is the most significant bit of the first byte. The bit
 * permutations are applied through per-byte lookup tables built once from those tables, and the
 * eight S-boxes are merged with the P permutation (the classic "SP-box" layout).
 */
// biome-ignore format: FIPS tables
const IP = [58,50,42,34,26,18,10,2,60,52,44,36,28,20,12,4,62,54,46,38,30,22,14,6,64,56,48,40,32,24,16,8,
  57,49,41,33,25,17,9,1,59,51,43,35,27,19,11,3,61,53,45,37,29,21,13,5,63,55,47,39,31,23,15,7];
// biome-ignore format: FIPS tables
const FP = [40,8,48,16,56,24,64,32,39,7,47,15,55,23,63,31,38,6,46,14,54,22,62,30,37,5,45,13,53,21,61,29,
  36,4,44,12,52,20,60,28,35,3,43,11,51,19,59,27,34,2,42,10,50,18,58,26,33,1,41,9,49,17,57,25];
// biome-ignore format: FIPS tables
const P = [16,7,20,21,29,12,28,17,1,15,23,26,5,18,31,10,2,8,24,14,32,27,3,9,19,13,30,6,22,11,4,25];
// biome-ignore format: FIPS tables
const PC1 = [57,49,41,33,25,17,9,1,58,50,42,34,26,18,10,2,59,51,43,35,27,19,11,3,60,52,44,36,
  63,55,47,39,31,23,15,7,62,54,46,38,30,22,14,6,61,53,45,37,29,21,13,5,28,20,12,4];
// biome-ignore format: FIPS tables
const PC2 = [14,17,11,24,1,5,3,28,15,6,21,10,23,19,12,4,26,8,16,7,27,20,13,2,
  41,52,31,37,47,55,30,40,51,45,33,48,44,49,39,56,34,53,46,42,50,36,29,32];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
// biome-ignore format: FIPS tables
const S = [
  [14,4,13,1,2,15,11,8,3,10,6,12,5,9,0,7, 0,15,7,4,14,2,13,1,10,6,12,11,9,5,3,8,
   4,1,14,8,13,6,2,11,15,12,9,7,3,10,5,0, 15,12,8,2,4,9,1,7,5,11,3,14,10,0,6,13],
  [15,1,8,14,6,11,3,4,9,7,2,13,12,0,5,10, 3,13,4,7,15,2,8,14,12,0,1,10,6,9,11,5,
   0,14,7,11,10,4,13,1,5,8,12,6,9,3,2,15, 13,8,10,1,3,15,4,2,11,6,7,12,0,5,14,9],
  [10,0,9,14,6,3,15,5,1,13,12,7,11,4,2,8, 13,7,0,9,3,4,6,10,2,8,5,14,12,11,15,1,
   13,6,4,9,8,15,3,0,11,1,2,12,5,10,14,7, 1,10,13,0,6,9,8,7,4,15,14,3,11,5,2,12],
  [7,13,14,3,0,6,9,10,1,2,8,5,11,12,4,15, 13,8,11,5,6,15,0,3,4,7,2,12,1,10,14,9,
   10,6,9,0,12,11,7,13,15,1,3,14,5,2,8,4, 3,15,0,6,10,1,13,8,9,4,5,11,12,7,2,14],
  [2,12,4,1,7,10,11,6,8,5,3,15,13,0,14,9, 14,11,2,12,4,7,13,1,5,0,15,10,3,9,8,6,
   4,2,1,11,10,13,7,8,15,9,12,5,6,3,0,14, 11,8,12,7,1,14,2,13,6,15,0,9,10,4,5,3],
  [12,1,10,15,9,2,6,8,0,13,3,4,14,7,5,11, 10,15,4,2,7,12,9,5,6,1,13,14,0,11,3,8,
   9,14,15,5,2,8,12,3,7,0,4,10,1,13,11,6, 4,3,2,12,9,5,15,10,11,14,1,7,6,0,8,13],
  [4,11,2,14,15,0,8,13,3,12,9,7,5,10,6,1, 13,0,11,7,4,9,1,10,14,3,5,12,2,15,8,6,
   1,4,11,13,12,3,7,14,10,15,6,8,0,5,9,2, 6,11,13,8,1,4,10,7,9,5,0,15,14,2,3,12],
  [13,2,8,4,6,15,11,1,10,9,3,14,5,0,12,7, 1,15,13,8,10,3,7,4,12,5,6,11,0,14,9,2,
   7,11,4,1,9,12,14,2,0,6,10,13,15,3,5,8, 2,1,14,7,4,10,8,13,15,12,9,0,3,5,6,11],
];

/** A 64-bit permutation as 8 byte-indexed tables of (high word, low word) contributions. */
function permutationTables(table: number[]): Uint32Array[] {
  const tables: Uint32Array[] = [];
  for (let byte = 0; byte < 8; byte++) {
    const t = new Uint32Array(512);
    for (let v = 0; v < 256; v++) {
      let hi = 0;
      let lo = 0;
      for (let out = 0; out < 64; out++) {
        const src = table[out]! - 1; // 0-based source bit, 0 = MSB of byte 0
        if (src >> 3 !== byte || !((v >> (7 - (src & 7))) & 1)) continue;
        if (out < 32) hi |= 1 << (31 - out);
        else lo |= 1 << (63 - out);
      }
      t[v * 2] = hi >>> 0;
      t[v * 2 + 1] = lo >>> 0;
    }
    tables.push(t);
  }
  return tables;
}

/** SP[j][v]: the output of S-box j for the 6-bit input v, placed in its nibble and run through P. */
function spTables(): Uint32Array[] {
  return S.map((box, j) => {
    const t = new Uint32Array(64);
    for (let v = 0; v < 64; v++) {
      const row = ((v >> 4) & 2) | (v & 1);
      const col = (v >> 1) & 15;
      const nibble = box[row * 16 + col]! << (28 - 4 * j);
      let out = 0;
      for (let i = 0; i < 32; i++) if ((nibble >>> (32 - P[i]!)) & 1) out |= 1 << (31 - i);
      t[v] = out >>> 0;
    }
    return t;
  });
}

let tables: { ip: Uint32Array[]; fp: Uint32Array[]; sp: Uint32Array[] } | undefined;
function desTables() {
  tables ??= { ip: permutationTables(IP), fp: permutationTables(FP), sp: spTables() };
  return tables;
}

function permute(t: Uint32Array[], hi: number, lo: number, out: Uint32Array): void {
  let h = 0;
  let l = 0;
  for (let byte = 0; byte < 8; byte++) {
    const v = byte < 4 ? (hi >>> (24 - 8 * byte)) & 0xff : (lo >>> (56 - 8 * byte)) & 0xff;
    h |= t[byte]![v * 2]!;
    l |= t[byte]![v * 2 + 1]!;
  }
  out[0] = h >>> 0;
  out[1] = l >>> 0;
}

export class Des implements BlockCipher {
  readonly blockSize = 8;
  private readonly keys: Uint8Array;
  private readonly tables = desTables();
  private readonly w = new Uint32Array(2);

  constructor(key: Uint8Array) {
    checkKeyLength('DES', key, 8);
    this.keys = Des.schedule(key);
  }

  private static schedule(key: Uint8Array): Uint8Array {
    const bit = (n: number) => (key[(n - 1) >> 3]! >> (7 - ((n - 1) & 7))) & 1;
    const pc1 = PC1.map(bit);
    let c = pc1.slice(0, 28);
    let d = pc1.slice(28);
    const out = new Uint8Array(16 * 8);
    for (let round = 0; round < 16; round++) {
      const s = SHIFTS[round]!;
      c = c.slice(s).concat(c.slice(0, s));
      d = d.slice(s).concat(d.slice(0, s));
      const cd = c.concat(d);
      for (let g = 0; g < 8; g++) {
        let v = 0;
        for (let i = 0; i < 6; i++) v = (v << 1) | cd[PC2[g * 6 + i]! - 1]!;
        out[round * 8 + g] = v;
      }
    }
    return out;
  }

  private crypt(data: Uint8Array, offset: number, decrypt: boolean): void {
    const { ip, fp, sp } = this.tables;
    const w = this.w;
    permute(ip, readU32BE(data, offset), readU32BE(data, offset + 4), w);
    let l = w[0]!;
    let r = w[1]!;
    for (let round = 0; round < 16; round++) {
      const k = (decrypt ? 15 - round : round) * 8;
      // E expansion: group j is bits 4j..4j+5 of R rotated right by one (so bit 32 leads).
      const e = ((r >>> 1) | (r << 31)) >>> 0;
      const keys = this.keys;
      const f =
        sp[0]![(e >>> 26) ^ keys[k]!]! |
        sp[1]![((e >>> 22) & 0x3f) ^ keys[k + 1]!]! |
        sp[2]![((e >>> 18) & 0x3f) ^ keys[k + 2]!]! |
        sp[3]![((e >>> 14) & 0x3f) ^ keys[k + 3]!]! |
        sp[4]![((e >>> 10) & 0x3f) ^ keys[k + 4]!]! |
        sp[5]![((e >>> 6) & 0x3f) ^ keys[k + 5]!]! |
        sp[6]![((e >>> 2) & 0x3f) ^ keys[k + 6]!]! |
        sp[7]![(((e << 2) | (e >>> 30)) & 0x3f) ^ keys[k + 7]!]!;
      const t = r;
      r = (l ^ f) >>> 0;
      l = t;
    }
    permute(fp, r, l, w);
    writeU32BE(data, offset, w[0]!);
    writeU32BE(data, offset + 4, w[1]!);
  }

  encryptBlock(data: Uint8Array, offset: number): void {
    this.crypt(data, offset, false);
  }

  decryptBlock(data: Uint8Array, offset: number): void {
    this.crypt(data, offset, true);
  }
}
