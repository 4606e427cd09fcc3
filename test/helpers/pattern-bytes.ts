/**
 * Deterministic pseudo-random bytes (xorshift32): data that does not compress and that a failing test can
 * reproduce from its seed. Shared by the tests of every layer, so it depends on nothing.
 */
export function patternBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
