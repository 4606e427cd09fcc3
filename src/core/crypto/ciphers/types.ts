/**
 * A block cipher keyed once, transforming one block in place. The modes of operation (CBC in
 * `../cbc.ts`) are written once against this interface, so each legacy cipher only has to provide
 * its block function and key schedule.
 */
export interface BlockCipher {
  /** Block length in bytes (8 for the 64-bit ciphers, 16 for Twofish, 32 for Rijndael-256). */
  readonly blockSize: number;
  /** Encrypts `blockSize` bytes of `data` starting at `offset`, in place. */
  encryptBlock(data: Uint8Array, offset: number): void;
  /** Decrypts `blockSize` bytes of `data` starting at `offset`, in place. */
  decryptBlock(data: Uint8Array, offset: number): void;
}

/** Reads a big-endian 32-bit word. */
export function readU32BE(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Writes a big-endian 32-bit word. */
export function writeU32BE(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Reads a little-endian 32-bit word. */
export function readU32LE(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Writes a little-endian 32-bit word. */
export function writeU32LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

export function rotl32(x: number, n: number): number {
  n &= 31;
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

export function rotr32(x: number, n: number): number {
  n &= 31;
  return ((x >>> n) | (x << (32 - n))) >>> 0;
}

/** Throws unless `key` has one of the lengths a cipher accepts (a programming error, not user input). */
export function checkKeyLength(name: string, key: Uint8Array, min: number, max = min): void {
  if (key.length < min || key.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new RangeError(`${name} takes a key of ${want} bytes, got ${key.length}`);
  }
}
