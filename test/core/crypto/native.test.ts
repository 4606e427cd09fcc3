/**
 * The two implementations of XSalsa20 (rclone's format with Poly1305, and the raw keystream):
 * libsodium through sodium-native, and @noble/ciphers where the binding cannot load. They must be
 * interchangeable byte for byte; rclone itself judges both in interop.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createEncryptStream } from '../../../src/core/crypto/index.js';
import { NATIVE_CRYPTO_ENV, setNativeCrypto, sodium } from '../../../src/core/crypto/native.js';
import { decrypt, random, through } from './helpers.js';

afterEach(() => setNativeCrypto(undefined));

describe('native crypto binding', () => {
  it('loads from the npm package (prebuilt, no install script)', () => {
    assert.ok(sodium(), 'sodium-native did not load');
  });

  it(`is switched off by ${NATIVE_CRYPTO_ENV}=0`, () => {
    const before = process.env[NATIVE_CRYPTO_ENV];
    process.env[NATIVE_CRYPTO_ENV] = '0';
    try {
      assert.equal(sodium(), undefined);
    } finally {
      if (before === undefined) delete process.env[NATIVE_CRYPTO_ENV];
      else process.env[NATIVE_CRYPTO_ENV] = before;
    }
    assert.ok(sodium());
  });

  it('libsodium and the JavaScript fallback write the same bytes and read each other', async () => {
    const s = { algorithm: 12, password: 'pw' };
    const nonce = random(24);
    // 3 full blocks, one spanning writes, and a short last block.
    const plain = random(3 * 65_536 + 777);
    const sealed: Buffer[] = [];
    for (const native of [true, false]) {
      setNativeCrypto(native);
      sealed.push(await through(createEncryptStream(s, { randomness: { nonce } }), plain));
    }
    assert.deepEqual(sealed[0], sealed[1]);
    for (const [native, data] of [
      [true, sealed[1]!],
      [false, sealed[0]!],
    ] as const) {
      setNativeCrypto(native);
      assert.deepEqual(await decrypt(s, data), plain);
    }
  });

  it('the raw XSalsa20 keystream is the same from both, fed in pieces of any size', async () => {
    const s = { algorithm: 12, keyHex: random(32).toString('hex'), ivHex: random(24).toString('hex') };
    const plain = random(200_003);
    const out: Buffer[] = [];
    for (const native of [true, false]) {
      setNativeCrypto(native);
      out.push(await through(createEncryptStream(s), plain)); // random piece sizes
    }
    assert.deepEqual(out[0], out[1]);
    assert.notDeepEqual(out[0], plain);
    setNativeCrypto(true);
    assert.deepEqual(await decrypt(s, out[1]!), plain);
  });
});
