/**
 * The authenticated formats (age for ChaCha, rclone for XSalsa20) under attack: one flipped byte
 * anywhere, or a truncated file, must give a DecryptionFailed error, and whatever was output before
 * the error must be authentic plaintext (a prefix of the original), never garbage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDecryptStream } from '../../../src/core/crypto/index.js';
import { setNativeCrypto } from '../../../src/core/crypto/native.js';
import { ErrorCode, isCloudStorageError } from '../../../src/core/errors.js';
import { encrypt, random, throughPartial } from './helpers.js';

const CHUNK = 65_536;
const SEALED = CHUNK + 16;

const FORMATS = [
  { name: 'age (ChaCha20-Poly1305)', settings: { algorithm: 11, password: 'pw', scryptWorkFactor: 10 } },
  { name: 'rclone (XSalsa20-Poly1305), libsodium', settings: { algorithm: 12, password: 'pw' } },
  {
    name: 'rclone (XSalsa20-Poly1305), JavaScript fallback',
    settings: { algorithm: 12, password: 'pw' },
    native: false,
  },
];

async function expectFailure(settings: object, sealed: Buffer, plain: Buffer, what: string): Promise<Buffer> {
  const { output, error } = await throughPartial(createDecryptStream(settings as never), sealed);
  assert.ok(error, `${what}: expected an error`);
  assert.ok(
    isCloudStorageError(error) && error.code === ErrorCode.DecryptionFailed,
    `${what}: ${String(error)}`,
  );
  assert.deepEqual(
    output,
    plain.subarray(0, output.length),
    `${what}: output before the error is not authentic`,
  );
  return output;
}

for (const { name, settings, native } of FORMATS) {
  describe(name, () => {
    before(() => setNativeCrypto(native));
    after(() => setNativeCrypto(undefined));
    const plain = random(3 * CHUNK + 12_345);
    const sealedPromise = encrypt(settings as never, plain);

    it('detects one flipped byte anywhere: header, nonce, each chunk, each tag', async () => {
      const sealed = await sealedPromise;
      const payload = sealed.length - plain.length - 4 * 16; // header (+ age's nonce) length
      const positions = [
        0,
        5,
        payload - 20,
        payload - 1,
        payload,
        payload + 15,
        payload + 16,
        payload + 1000,
        payload + SEALED - 1,
        payload + SEALED + 7,
        payload + 2 * SEALED + 40_000,
        payload + 3 * SEALED,
        sealed.length - 1,
      ];
      for (const position of positions) {
        for (const mask of [0x01, 0x80]) {
          const bad = Buffer.from(sealed);
          bad[position]! ^= mask;
          const output = await expectFailure(settings, bad, plain, `flip at ${position}`);
          // Every chunk before the damaged one is output, nothing past it.
          const chunk = Math.max(0, Math.floor((position - payload) / SEALED));
          assert.equal(output.length, chunk * CHUNK, `flip at ${position}: ${output.length} bytes output`);
        }
      }
    });

    it('detects truncation (at chunk boundaries too, for age; with the expected size, for rclone)', async () => {
      const sealed = await sealedPromise;
      const payload = sealed.length - plain.length - 4 * 16;
      const cuts = [
        0,
        7,
        payload - 1,
        payload + 10,
        payload + SEALED - 1,
        payload + SEALED + 16,
        sealed.length - 1,
      ];
      for (const cut of cuts) await expectFailure(settings, sealed.subarray(0, cut), plain, `cut at ${cut}`);
      const atBoundary = sealed.subarray(0, payload + 2 * SEALED);
      if (settings.algorithm === 11) {
        // age marks the final chunk, so a file cut between chunks cannot pass for a whole one.
        await expectFailure(settings, atBoundary, plain, 'cut at a chunk boundary');
      } else {
        const { error } = await throughPartial(
          createDecryptStream(settings as never, { ciphertextSize: sealed.length }),
          atBoundary,
        );
        assert.ok(isCloudStorageError(error) && error.code === ErrorCode.DecryptionFailed);
      }
    });

    it('detects chunks swapped or dropped', async () => {
      const sealed = await sealedPromise;
      const payload = sealed.length - plain.length - 4 * 16;
      const chunk = (i: number) => sealed.subarray(payload + i * SEALED, payload + (i + 1) * SEALED);
      const head = sealed.subarray(0, payload);
      const tail = sealed.subarray(payload + 3 * SEALED);
      const swapped = Buffer.concat([head, chunk(1), chunk(0), chunk(2), tail]);
      await expectFailure(settings, swapped, plain, 'swapped chunks');
      const dropped = Buffer.concat([head, chunk(0), chunk(2), tail]);
      await expectFailure(settings, dropped, plain, 'dropped chunk');
    });
  });
}
