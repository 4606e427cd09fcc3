import { type BlockCipher, checkKeyLength, readU32BE, writeU32BE } from './types.js';

/**
 * TEA (Wheeler and Needham, 1994): 64-bit block, 128-bit key, 32 cycles. Bytes map to the 32-bit
 * words big-endian, as in the published test vectors (and Bouncy Castle's TEAEngine).
 */
const DELTA = 0x9e3779b9;

export class Tea implements BlockCipher {
  readonly blockSize = 8;
  private readonly k0: number;
  private readonly k1: number;
  private readonly k2: number;
  private readonly k3: number;

  constructor(key: Uint8Array) {
    checkKeyLength('TEA', key, 16);
    this.k0 = readU32BE(key, 0);
    this.k1 = readU32BE(key, 4);
    this.k2 = readU32BE(key, 8);
    this.k3 = readU32BE(key, 12);
  }

  encryptBlock(data: Uint8Array, o: number): void {
    const { k0, k1, k2, k3 } = this;
    let v0 = readU32BE(data, o);
    let v1 = readU32BE(data, o + 4);
    let sum = 0;
    for (let i = 0; i < 32; i++) {
      sum = (sum + DELTA) >>> 0;
      v0 = (v0 + ((((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >>> 5) + k1)) >>> 0)) >>> 0;
      v1 = (v1 + ((((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >>> 5) + k3)) >>> 0)) >>> 0;
    }
    writeU32BE(data, o, v0);
    writeU32BE(data, o + 4, v1);
  }

  decryptBlock(data: Uint8Array, o: number): void {
    const { k0, k1, k2, k3 } = this;
    let v0 = readU32BE(data, o);
    let v1 = readU32BE(data, o + 4);
    let sum = (DELTA * 32) >>> 0;
    for (let i = 0; i < 32; i++) {
      v1 = (v1 - ((((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >>> 5) + k3)) >>> 0)) >>> 0;
      v0 = (v0 - ((((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >>> 5) + k1)) >>> 0)) >>> 0;
      sum = (sum - DELTA) >>> 0;
    }
    writeU32BE(data, o, v0);
    writeU32BE(data, o + 4, v1);
  }
}
