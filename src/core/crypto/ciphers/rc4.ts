/**
 * RC4 keystream generator, keyed with 1 to 256 bytes. The library uses a 2048-bit (256-byte) key.
 *
 * A property worth knowing for interoperability: the key schedule reads the key cyclically, so a
 * 256-byte key made of a shorter key repeated gives exactly the shorter key's keystream.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 256)
      throw new RangeError(`RC4 takes a key of 1 to 256 bytes, got ${key.length}`);
    const s = this.s;
    for (let i = 0; i < 256; i++) s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      j = (j + s[i]! + key[i % key.length]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
    }
  }

  /** XORs the next `input.length` keystream bytes into a copy of `input`. */
  process(input: Uint8Array): Uint8Array {
    const out = new Uint8Array(input.length);
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let n = 0; n < input.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n] = input[n]! ^ s[(s[i]! + t) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
