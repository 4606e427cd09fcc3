import type { BlockCipher } from './types.js';
import { readU32BE, writeU32BE } from './types.js';

/**
 * Rijndael (Daemen and Rijmen) with any block and key length of 16, 20, 24, 28 or 32 bytes, as in the
 * original AES submission. AES is Rijndael with a 16-byte block (Node's OpenSSL handles that); this
 * class is for the 32-byte block of algorithm 10 (Rijndael-256).
 *
 * The usual 32-bit table implementation: each round is four table lookups per column (SubBytes,
 * ShiftRows and MixColumns combined), decryption uses the "equivalent inverse cipher" with
 * InvMixColumns folded into the round keys. The S-box is computed from its definition (inverse in
 * GF(2^8), then the affine map); ShiftRows offsets follow the block length.
 */
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

interface Tables {
  s: Uint8Array;
  si: Uint8Array;
  /** Encryption tables T0..T3 and decryption tables U0..U3 (each the previous rotated by a byte). */
  t: Uint32Array[];
  u: Uint32Array[];
}
let tables: Tables | undefined;

function buildTables(): Tables {
  const s = new Uint8Array(256);
  const si = new Uint8Array(256);
  const rot = (v: number, n: number) => ((v << n) | (v >> (8 - n))) & 0xff;
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    if (x) for (inv = 1; mul(x, inv) !== 1; inv++);
    const y = inv ^ rot(inv, 1) ^ rot(inv, 2) ^ rot(inv, 3) ^ rot(inv, 4) ^ 0x63;
    s[x] = y;
    si[y] = x;
  }
  const t = [0, 1, 2, 3].map(() => new Uint32Array(256));
  const u = [0, 1, 2, 3].map(() => new Uint32Array(256));
  const rotr = (w: number, n: number) => ((w >>> n) | (w << (32 - n))) >>> 0;
  for (let x = 0; x < 256; x++) {
    const a = s[x]!;
    const e = ((mul(a, 2) << 24) | (a << 16) | (a << 8) | mul(a, 3)) >>> 0;
    const b = si[x]!;
    const d = ((mul(b, 14) << 24) | (mul(b, 9) << 16) | (mul(b, 13) << 8) | mul(b, 11)) >>> 0;
    for (let i = 0; i < 4; i++) {
      t[i]![x] = rotr(e, 8 * i);
      u[i]![x] = rotr(d, 8 * i);
    }
  }
  return { s, si, t, u };
}

/** Row shifts for Nb = 4..8 columns (Rijndael specification, table 8). */
function shifts(nb: number): [number, number, number] {
  if (nb === 8) return [1, 3, 4];
  if (nb === 7) return [1, 2, 4];
  return [1, 2, 3];
}

export class Rijndael implements BlockCipher {
  readonly blockSize: number;
  private readonly nb: number;
  private readonly rounds: number;
  private readonly ek: Uint32Array;
  private readonly dk: Uint32Array;
  /** Column each row of column j comes from, after (forward) or before (inverse) ShiftRows. */
  private readonly fwd: Uint8Array[];
  private readonly inv: Uint8Array[];
  private readonly state: Uint32Array;
  private readonly next: Uint32Array;

  constructor(key: Uint8Array, blockSize = 32) {
    for (const [what, n] of [
      ['key', key.length],
      ['block', blockSize],
    ] as const) {
      if (n < 16 || n > 32 || n % 4)
        throw new RangeError(`Rijndael ${what} length must be 16 to 32 bytes, by 4`);
    }
    tables ??= buildTables();
    const { s, u } = tables;
    this.blockSize = blockSize;
    this.nb = blockSize / 4;
    const nk = key.length / 4;
    this.rounds = Math.max(this.nb, nk) + 6;
    const c = shifts(this.nb);
    const nbc = this.nb;
    this.fwd = c.map((shift) => Uint8Array.from({ length: nbc }, (_, j) => (j + shift) % nbc));
    this.inv = c.map((shift) => Uint8Array.from({ length: nbc }, (_, j) => (j - shift + nbc) % nbc));
    this.state = new Uint32Array(this.nb);
    this.next = new Uint32Array(this.nb);

    const total = this.nb * (this.rounds + 1);
    const w = new Uint32Array(total);
    for (let i = 0; i < nk; i++) w[i] = readU32BE(key, 4 * i);
    const subWord = (x: number) =>
      ((s[x >>> 24]! << 24) | (s[(x >>> 16) & 0xff]! << 16) | (s[(x >>> 8) & 0xff]! << 8) | s[x & 0xff]!) >>>
      0;
    let rcon = 1;
    for (let i = nk; i < total; i++) {
      let temp = w[i - 1]!;
      if (i % nk === 0) {
        temp = (subWord(((temp << 8) | (temp >>> 24)) >>> 0) ^ (rcon << 24)) >>> 0;
        rcon = xtime(rcon);
      } else if (nk > 6 && i % nk === 4) {
        temp = subWord(temp);
      }
      w[i] = (w[i - nk]! ^ temp) >>> 0;
    }
    this.ek = w;

    // Decryption keys: rounds in reverse order, InvMixColumns applied to all but the outer two.
    const nb = this.nb;
    const dk = new Uint32Array(total);
    for (let r = 0; r <= this.rounds; r++) {
      for (let j = 0; j < nb; j++) {
        const k = w[(this.rounds - r) * nb + j]!;
        dk[r * nb + j] =
          r === 0 || r === this.rounds
            ? k
            : (u[0]![s[k >>> 24]!]! ^
                u[1]![s[(k >>> 16) & 0xff]!]! ^
                u[2]![s[(k >>> 8) & 0xff]!]! ^
                u[3]![s[k & 0xff]!]!) >>>
              0;
      }
    }
    this.dk = dk;
  }

  encryptBlock(data: Uint8Array, o: number): void {
    this.crypt(data, o, tables!.s, tables!.t, this.fwd, this.ek);
  }

  /** The equivalent inverse cipher has the same shape as the forward one, with its own tables and keys. */
  decryptBlock(data: Uint8Array, o: number): void {
    this.crypt(data, o, tables!.si, tables!.u, this.inv, this.dk);
  }

  private crypt(
    data: Uint8Array,
    o: number,
    sbox: Uint8Array,
    roundTables: readonly Uint32Array[],
    shifts: readonly Uint8Array[],
    k: Uint32Array,
  ): void {
    const [t0, t1, t2, t3] = roundTables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const [f1, f2, f3] = shifts as [Uint8Array, Uint8Array, Uint8Array];
    const nb = this.nb;
    let st = this.state;
    let nx = this.next;
    for (let j = 0; j < nb; j++) st[j] = (readU32BE(data, o + 4 * j) ^ k[j]!) >>> 0;
    for (let r = 1; r < this.rounds; r++) {
      for (let j = 0; j < nb; j++) {
        nx[j] =
          t0[st[j]! >>> 24]! ^
          t1[(st[f1[j]!]! >>> 16) & 0xff]! ^
          t2[(st[f2[j]!]! >>> 8) & 0xff]! ^
          t3[st[f3[j]!]! & 0xff]! ^
          k[r * nb + j]!;
      }
      const swap = st;
      st = nx;
      nx = swap;
    }
    const last = this.rounds * nb;
    for (let j = 0; j < nb; j++) {
      const v =
        (sbox[st[j]! >>> 24]! << 24) |
        (sbox[(st[f1[j]!]! >>> 16) & 0xff]! << 16) |
        (sbox[(st[f2[j]!]! >>> 8) & 0xff]! << 8) |
        sbox[st[f3[j]!]! & 0xff]!;
      writeU32BE(data, o + 4 * j, (v ^ k[last + j]!) >>> 0);
    }
  }
}
