/**
 * Round trips of every algorithm in every mode, the byte layout of each format, sizes announced
 * before upload, and the errors a wrong password gives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGE_VERSION_LINE } from '../../../src/core/crypto/age.js';
import {
  ALGORITHMS,
  ciphertextSize,
  createDecryptStream,
  createEncryptStream,
  type EncryptionSettings,
  isEncryptionEnabled,
} from '../../../src/core/crypto/index.js';
import { RcloneEncryptStream } from '../../../src/core/crypto/rclone.js';
import { ErrorCode, isCloudStorageError } from '../../../src/core/errors.js';
import { decrypt, encrypt, hex, random, through } from './helpers.js';

const SIZES = [0, 1, 15, 16, 17, 65_535, 65_536, 65_537, 200_000];
/** A low scrypt work factor keeps age tests fast; interop tests use age's own default. */
const FAST = { scryptWorkFactor: 10 };

const isDecryptionError = (e: unknown) => isCloudStorageError(e) && e.code === ErrorCode.DecryptionFailed;

describe('round trips', () => {
  for (const info of ALGORITHMS) {
    it(`${info.id} ${info.name}: password with PBKDF1 and PBKDF2, and raw key/IV`, async () => {
      const data = random(200_000);
      for (const kdf of [0, 1]) {
        const s: EncryptionSettings = {
          algorithm: info.id,
          password: 'correct horse',
          kdf,
          pbkdf2Iterations: 100,
          ...FAST,
        };
        for (const size of info.id === 10 ? [0, 17, 65_537] : SIZES) {
          const plain = data.subarray(0, size);
          const sealed = await encrypt(s, plain);
          assert.equal(sealed.length, ciphertextSize(s, size), `announced size, ${size} bytes`);
          assert.deepEqual(await decrypt(s, sealed), plain, `kdf ${kdf}, ${size} bytes`);
        }
      }
      const raw: EncryptionSettings = {
        algorithm: info.id,
        keyHex: random(info.keyBytes).toString('hex'),
        ivHex: random(info.rawIvBytes[0]!).toString('hex'),
      };
      const sealed = await encrypt(raw, data);
      assert.equal(sealed.length, ciphertextSize(raw, data.length));
      assert.deepEqual(await decrypt(raw, sealed), data);
    });
  }

  it('gives a fresh salt or nonce to every encryption', async () => {
    for (const algorithm of [0, 11, 12]) {
      const s = { algorithm, password: 'pw', ...FAST };
      const a = await encrypt(s, Buffer.from('same'));
      const b = await encrypt(s, Buffer.from('same'));
      assert.notDeepEqual(a, b, `algorithm ${algorithm}`);
    }
  });

  it('reproduces the same ciphertext from the same randomness (resuming an upload)', async () => {
    const data = random(100_000);
    for (const algorithm of [0, 6, 9, 11, 12]) {
      const s = { algorithm, password: 'pw', ...FAST };
      const randomness = {
        salt: random(algorithm === 11 ? 16 : 8),
        nonce: random(algorithm === 11 ? 16 : 24),
        fileKey: random(16),
      };
      const a = await through(createEncryptStream(s, { randomness }), data);
      const b = await through(createEncryptStream(s, { randomness }), data);
      assert.deepEqual(a, b, `algorithm ${algorithm}`);
    }
  });

  it('exposes the randomness it used, which reproduces the same bytes (age: salt, file key, nonce)', async () => {
    const s = { algorithm: 11, password: 'pw', ...FAST };
    const data = random(150_000);
    const first = createEncryptStream(s);
    const sealed = await through(first, data);
    assert.equal(first.randomness.fileKey?.length, 16);
    assert.deepEqual(await through(createEncryptStream(s, { randomness: first.randomness }), data), sealed);
  });

  it('is off without a password or key', () => {
    assert.equal(isEncryptionEnabled({ algorithm: 0 }), false);
    assert.equal(isEncryptionEnabled({ algorithm: 0, password: 'x' }), true);
    assert.equal(isEncryptionEnabled({ algorithm: 0, keyHex: '00' }), true);
  });
});

describe('byte layouts', () => {
  it('openssl layout: "Salted__", the 8-byte salt, then CBC ciphertext', async () => {
    const salt = hex('0011223344556677');
    const s = { algorithm: 0, password: 'pw' };
    const out = await through(createEncryptStream(s, { randomness: { salt } }), Buffer.from('hello'));
    assert.equal(out.subarray(0, 8).toString('latin1'), 'Salted__');
    assert.deepEqual(out.subarray(8, 16), salt);
    assert.equal(out.length, 32);
  });

  it('age layout: version line, one scrypt stanza, MAC line, 16-byte nonce', async () => {
    const out = await encrypt({ algorithm: 11, password: 'pw', scryptWorkFactor: 12 }, Buffer.from('hello'));
    const text = out.toString('latin1');
    const lines = text.split('\n');
    assert.equal(lines[0], AGE_VERSION_LINE);
    assert.match(lines[1]!, /^-> scrypt [A-Za-z0-9+/]{22} 12$/);
    assert.match(lines[2]!, /^[A-Za-z0-9+/]{43}$/);
    assert.match(lines[3]!, /^--- [A-Za-z0-9+/]{43}$/);
    const headerLength = lines.slice(0, 4).join('\n').length + 1;
    assert.equal(out.length, headerLength + 16 + 5 + 16);
  });

  it('rclone layout: matches rclone’s own test vectors (all-zero key, nonce 01..18)', async () => {
    // backend/crypt/cipher_test.go: file0, file1 and file16.
    const nonce = Uint8Array.from({ length: 24 }, (_, i) => i + 1);
    const header = '52434c4f4e4500000102030405060708090a0b0c0d0e0f101112131415161718';
    const seal = (data: Uint8Array) =>
      through(new RcloneEncryptStream(Promise.resolve(Buffer.alloc(32)), nonce), data);
    assert.equal((await seal(new Uint8Array(0))).toString('hex'), header);
    assert.equal(
      (await seal(Uint8Array.of(1))).toString('hex'),
      `${header}095b446cd6237bbcb08d09fb524ce565aa`,
    );
    assert.equal(
      (await seal(Uint8Array.from({ length: 16 }, (_, i) => i + 1))).toString('hex'),
      `${header}b9c4552a27100629189 60a3e608c29b9aa8a5e1e165b6d075de4e9bb367fd6d4`.replace(/ /g, ''),
    );
  });
});

describe('wrong password', () => {
  it('is a DecryptionFailed error for every password format', async () => {
    for (const algorithm of [0, 1, 9, 11, 12]) {
      // A fixed salt makes the outcome deterministic (a wrong CBC key passes the padding check 1 time in 256).
      const randomness = { salt: hex('0102030405060708'.repeat(algorithm === 11 ? 2 : 1)) };
      // Fixed data too: the padding check reads the last block, which depends on the data.
      const data = Buffer.alloc(5000, 7);
      const sealed = await through(
        createEncryptStream({ algorithm, password: 'right', ...FAST }, { randomness }),
        data,
      );
      await assert.rejects(
        decrypt({ algorithm, password: 'wrong', ...FAST }, sealed),
        isDecryptionError,
        `algorithm ${algorithm}`,
      );
    }
  });

  it('tells which format it expected when the data is not in it', async () => {
    await assert.rejects(decrypt({ algorithm: 0, password: 'pw' }, random(64)), /Salted__/);
    await assert.rejects(decrypt({ algorithm: 11, password: 'pw' }, random(64)), /age/);
    await assert.rejects(decrypt({ algorithm: 12, password: 'pw' }, random(64)), /RCLONE/);
    await assert.rejects(decrypt({ algorithm: 0, password: 'pw' }, Buffer.from('Salted__')), /too short/);
  });

  it('fails the padding check with a wrong raw key', async () => {
    const s = { algorithm: 9, keyHex: '11'.repeat(32), ivHex: '22'.repeat(16) };
    const sealed = await encrypt(s, Buffer.alloc(1000, 1)); // fixed, so the outcome is too
    await assert.rejects(decrypt({ ...s, keyHex: '33'.repeat(32) }, sealed), /padding check/);
  });

  it('rejects ciphertext that is not a whole number of blocks', async () => {
    const s = { algorithm: 1, keyHex: '11'.repeat(56), ivHex: '22'.repeat(8) };
    const sealed = await encrypt(s, random(1000));
    await assert.rejects(decrypt(s, sealed.subarray(0, sealed.length - 3)), isDecryptionError);
  });
});

describe('decrypt stream options', () => {
  it('reports a short transfer when the expected ciphertext size is given', async () => {
    const s = { algorithm: 12, password: 'pw' };
    const sealed = await encrypt(s, random(3 * 65_536));
    const cut = sealed.subarray(0, 32 + 2 * (65_536 + 16)); // exactly at a block boundary
    // rclone's format cannot see this cut on its own…
    assert.equal((await decrypt(s, cut)).length, 2 * 65_536);
    // …the size the service reported can.
    await assert.rejects(
      through(createDecryptStream(s, { ciphertextSize: sealed.length }), cut),
      /truncated/,
    );
  });
});
