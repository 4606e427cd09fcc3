import type { BlockCipher } from './types.js';

/**
 * Rijndael (Daemen and Rijmen) with any block and key length of 16, 20, 24, 28 or 32 bytes, as in the
 * original AES submission. AES is Rijndael with a 16-byte block (Node's OpenSSL handles that); this
 * class is for the 32-byte block of algorithm 10 (Rijndael-256).
 *
 * A straightforward byte-oriented implementation: the S-box is computed from its definition (inverse
 * in GF(2^8) followed by the affine map), ShiftRows offsets follow the block length.
 */
let sbox: Uint8Array | undefined;
let inverseSbox: Uint8Array | undefined;

const xtime = (b: number) => ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;

function mul(a: number, b: number): number {
  let r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return r;
}

function tables(): [Uint8Array, Uint8Array] {
  if (!sbox || !inverseSbox) {
    sbox = new Uint8Array(256);
    inverseSbox = new Uint8Array(256);
    for (let x = 0; x < 256; x++) {
      let inv = 0;
      if (x) for (inv = 1; mul(x, inv) !== 1; inv++);
      const rot = (v: number, n: number) => ((v << n) | (v >> (8 - n))) & 0xff;
      const s = inv ^ rot(inv, 1) ^ rot(inv, 2) ^ rot(inv, 3) ^ rot(inv, 4) ^ 0x63;
      sbox[x] = s;
      inverseSbox[s] = x;
    }
  }
  return [sbox, inverseSbox];
}

/** Row shifts for Nb = 4..8 columns (Rijndael specification, table 8). */
function shifts(nb: number): number[] {
  if (nb === 8) return [0, 1, 3, 4];
  if (nb === 7) return [0, 1, 2, 4];
  return [0, 1, 2, 3];
}

export class Rijndael implements BlockCipher {
  readonly blockSize: number;
  private readonly nb: number;
  private readonly rounds: number;
  private readonly roundKeys: Uint8Array;
  private readonly shift: number[];
  private readonly tmp: Uint8Array;

  constructor(key: Uint8Array, blockSize = 32) {
    for (const [what, n] of [
      ['key', key.length],
      ['block', blockSize],
    ] as const) {
      if (n < 16 || n > 32 || n % 4)
        throw new RangeError(`Rijndael ${what} length must be 16 to 32 bytes, by 4`);
    }
    const [s] = tables();
    this.blockSize = blockSize;
    this.nb = blockSize / 4;
    const nk = key.length / 4;
    this.rounds = Math.max(this.nb, nk) + 6;
    this.shift = shifts(this.nb);
    this.tmp = new Uint8Array(blockSize);
    const total = this.nb * (this.rounds + 1);
    const w = new Uint8Array(total * 4);
    w.set(key);
    let rcon = 1;
    for (let i = nk; i < total; i++) {
      const t = w.slice(4 * (i - 1), 4 * i);
      if (i % nk === 0) {
        const first = t[0]!;
        t[0] = s[t[1]!]! ^ rcon;
        t[1] = s[t[2]!]!;
        t[2] = s[t[3]!]!;
        t[3] = s[first]!;
        rcon = xtime(rcon);
      } else if (nk > 6 && i % nk === 4) {
        for (let j = 0; j < 4; j++) t[j] = s[t[j]!]!;
      }
      for (let j = 0; j < 4; j++) w[4 * i + j] = w[4 * (i - nk) + j]! ^ t[j]!;
    }
    this.roundKeys = w;
  }

  private addRoundKey(state: Uint8Array, o: number, round: number): void {
    const base = round * this.blockSize;
    for (let i = 0; i < this.blockSize; i++) state[o + i]! ^= this.roundKeys[base + i]!;
  }

  /** Substitution and row shift together: byte (row r, column c) comes from column c ± shift[r]. */
  private subShift(state: Uint8Array, o: number, box: Uint8Array, inverse: boolean): void {
    const nb = this.nb;
    const tmp = this.tmp;
    for (let c = 0; c < nb; c++) {
      for (let r = 0; r < 4; r++) {
        const from = inverse ? (c - this.shift[r]! + nb) % nb : (c + this.shift[r]!) % nb;
        tmp[4 * c + r] = box[state[o + 4 * from + r]!]!;
      }
    }
    state.set(tmp, o);
  }

  private mixColumns(state: Uint8Array, o: number, inverse: boolean): void {
    for (let c = 0; c < this.nb; c++) {
      const i = o + 4 * c;
      const a0 = state[i]!;
      const a1 = state[i + 1]!;
      const a2 = state[i + 2]!;
      const a3 = state[i + 3]!;
      if (inverse) {
        state[i] = mul(a0, 14) ^ mul(a1, 11) ^ mul(a2, 13) ^ mul(a3, 9);
        state[i + 1] = mul(a0, 9) ^ mul(a1, 14) ^ mul(a2, 11) ^ mul(a3, 13);
        state[i + 2] = mul(a0, 13) ^ mul(a1, 9) ^ mul(a2, 14) ^ mul(a3, 11);
        state[i + 3] = mul(a0, 11) ^ mul(a1, 13) ^ mul(a2, 9) ^ mul(a3, 14);
      } else {
        state[i] = xtime(a0) ^ (xtime(a1) ^ a1) ^ a2 ^ a3;
        state[i + 1] = a0 ^ xtime(a1) ^ (xtime(a2) ^ a2) ^ a3;
        state[i + 2] = a0 ^ a1 ^ xtime(a2) ^ (xtime(a3) ^ a3);
        state[i + 3] = xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3);
      }
    }
  }

  encryptBlock(data: Uint8Array, o: number): void {
    const [s] = tables();
    this.addRoundKey(data, o, 0);
    for (let round = 1; round < this.rounds; round++) {
      this.subShift(data, o, s, false);
      this.mixColumns(data, o, false);
      this.addRoundKey(data, o, round);
    }
    this.subShift(data, o, s, false);
    this.addRoundKey(data, o, this.rounds);
  }

  decryptBlock(data: Uint8Array, o: number): void {
    const [, inv] = tables();
    this.addRoundKey(data, o, this.rounds);
    for (let round = this.rounds - 1; round > 0; round--) {
      this.subShift(data, o, inv, true);
      this.addRoundKey(data, o, round);
      this.mixColumns(data, o, true);
    }
    this.subShift(data, o, inv, true);
    this.addRoundKey(data, o, 0);
  }
}
