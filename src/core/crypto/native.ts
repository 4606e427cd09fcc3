import { createRequire } from 'node:module';

/**
 * libsodium through `sodium-native`, for the cipher Node's OpenSSL lacks (XSalsa20 and NaCl's
 * secretbox, rclone's format), where JavaScript runs at a tenth of native speed. The binding ships
 * prebuilt in its npm package and is loaded on first use only, so that a program that never
 * encrypts with algorithm 12 never loads it. Where it cannot load (a platform without a prebuild),
 * or with CLOUDSTORAGE_NATIVE_CRYPTO=0 in the environment, the pure-JavaScript @noble/ciphers path
 * does the same work, byte for byte, more slowly.
 */

/** The part of sodium-native's API this library uses (it ships no types of its own). */
export interface Sodium {
  /** c = tag ‖ ciphertext (m.length + 16 bytes). */
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  /** m = the plaintext (c.length − 16 bytes); false when the tag does not authenticate. */
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  /** XSalsa20 keystream XOR, fed in pieces of any length through a state of crypto_stream_xor_STATEBYTES. */
  crypto_stream_xor_init(state: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_stream_xor_update(state: Uint8Array, c: Uint8Array, m: Uint8Array): void;
  crypto_stream_xor_final(state: Uint8Array): void;
  crypto_stream_xor_STATEBYTES: number;
}

/** The environment variable that turns the native binding off (`0`), e.g. to rule it out when debugging. */
export const NATIVE_CRYPTO_ENV = 'CLOUDSTORAGE_NATIVE_CRYPTO';

let binding: Sodium | null | undefined;
let override: boolean | undefined;

/** The loaded binding, or undefined when it is switched off or cannot load on this machine. */
export function sodium(): Sodium | undefined {
  if (override === false || (override === undefined && process.env[NATIVE_CRYPTO_ENV] === '0')) {
    return undefined;
  }
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)('sodium-native') as Sodium;
    } catch {
      binding = null;
    }
  }
  return binding ?? undefined;
}

/**
 * Forces the choice for streams created from now on: true = the binding (if it loads), false = the
 * JavaScript fallback, undefined = back to the environment's choice. For the tests, which hold both
 * paths to the same external tools.
 */
export function setNativeCrypto(enabled: boolean | undefined): void {
  override = enabled;
}
