import { type BlockCipher, checkKeyLength } from './types.js';

/**
 * RC2 (RFC 2268): 64-bit block, 1 to 128-byte key and a separate "effective key bits" parameter.
 * The library uses a 128-bit key with 128 effective bits, which is what OpenSSL's `rc2-cbc` does.
 */
const PITABLE = Uint8Array.from(
  Buffer.from(
    'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32' +
      'bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
      '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a' +
      '961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
      '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2e' +
      'c5f3db47e5a59c770aa62068fe7fc1ad',
    'hex',
  ),
);

const rol16 = (x: number, n: number) => ((x << n) | (x >>> (16 - n))) & 0xffff;
const ror16 = (x: number, n: number) => ((x >>> n) | (x << (16 - n))) & 0xffff;

export class Rc2 implements BlockCipher {
  readonly blockSize = 8;
  private readonly k = new Uint16Array(64);

  constructor(key: Uint8Array, effectiveBits = key.length * 8) {
    checkKeyLength('RC2', key, 1, 128);
    const l = new Uint8Array(128);
    l.set(key);
    const t = key.length;
    for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1]! + l[i - t]!) & 0xff]!;
    const t8 = (effectiveBits + 7) >> 3;
    const tm = 0xff >> (8 * t8 - effectiveBits);
    l[128 - t8] = PITABLE[l[128 - t8]! & tm]!;
    for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1]! ^ l[i + t8]!]!;
    for (let i = 0; i < 64; i++) this.k[i] = l[2 * i]! | (l[2 * i + 1]! << 8);
  }

  encryptBlock(data: Uint8Array, o: number): void {
    const k = this.k;
    let r0 = data[o]! | (data[o + 1]! << 8);
    let r1 = data[o + 2]! | (data[o + 3]! << 8);
    let r2 = data[o + 4]! | (data[o + 5]! << 8);
    let r3 = data[o + 6]! | (data[o + 7]! << 8);
    let j = 0;
    for (let round = 0; round < 16; round++) {
      // 16 mixing rounds, with a mashing round after the 5th and the 11th.
      r0 = rol16((r0 + k[j++]! + (r3 & r2) + (~r3 & r1)) & 0xffff, 1);
      r1 = rol16((r1 + k[j++]! + (r0 & r3) + (~r0 & r2)) & 0xffff, 2);
      r2 = rol16((r2 + k[j++]! + (r1 & r0) + (~r1 & r3)) & 0xffff, 3);
      r3 = rol16((r3 + k[j++]! + (r2 & r1) + (~r2 & r0)) & 0xffff, 5);
      if (round === 4 || round === 10) {
        r0 = (r0 + k[r3 & 63]!) & 0xffff;
        r1 = (r1 + k[r0 & 63]!) & 0xffff;
        r2 = (r2 + k[r1 & 63]!) & 0xffff;
        r3 = (r3 + k[r2 & 63]!) & 0xffff;
      }
    }
    store(data, o, r0, r1, r2, r3);
  }

  decryptBlock(data: Uint8Array, o: number): void {
    const k = this.k;
    let r0 = data[o]! | (data[o + 1]! << 8);
    let r1 = data[o + 2]! | (data[o + 3]! << 8);
    let r2 = data[o + 4]! | (data[o + 5]! << 8);
    let r3 = data[o + 6]! | (data[o + 7]! << 8);
    let j = 63;
    for (let round = 15; round >= 0; round--) {
      r3 = (ror16(r3, 5) - k[j--]! - (r2 & r1) - (~r2 & r0)) & 0xffff;
      r2 = (ror16(r2, 3) - k[j--]! - (r1 & r0) - (~r1 & r3)) & 0xffff;
      r1 = (ror16(r1, 2) - k[j--]! - (r0 & r3) - (~r0 & r2)) & 0xffff;
      r0 = (ror16(r0, 1) - k[j--]! - (r3 & r2) - (~r3 & r1)) & 0xffff;
      if (round === 5 || round === 11) {
        r3 = (r3 - k[r2 & 63]!) & 0xffff;
        r2 = (r2 - k[r1 & 63]!) & 0xffff;
        r1 = (r1 - k[r0 & 63]!) & 0xffff;
        r0 = (r0 - k[r3 & 63]!) & 0xffff;
      }
    }
    store(data, o, r0, r1, r2, r3);
  }
}

function store(data: Uint8Array, o: number, r0: number, r1: number, r2: number, r3: number): void {
  data[o] = r0;
  data[o + 1] = r0 >>> 8;
  data[o + 2] = r1;
  data[o + 3] = r1 >>> 8;
  data[o + 4] = r2;
  data[o + 5] = r2 >>> 8;
  data[o + 6] = r3;
  data[o + 7] = r3 >>> 8;
}
