/**
 * Key derivation, judged by `openssl enc -P` (which prints the key and IV it derives) and by rclone's
 * own published test values.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALGORITHMS } from '../../../src/core/crypto/algorithms.js';
import { evpBytesToKey, normaliseDigest } from '../../../src/core/crypto/kdf.js';
import { deriveKeyIv } from '../../../src/core/crypto/openssl.js';
import { rcloneDataKey } from '../../../src/core/crypto/rclone.js';
import { hex, random, run } from './helpers.js';

async function opensslDerive(cipher: string, password: string, salt: Buffer, extra: string[]) {
  const r = await run('openssl', [
    'enc',
    `-${cipher}`,
    '-P',
    '-S',
    salt.toString('hex'),
    '-pass',
    `pass:${password}`,
    '-provider',
    'legacy',
    '-provider',
    'default',
    ...extra,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.toString();
  const key = /key=([0-9A-F]+)/.exec(text)?.[1] ?? '';
  const iv = /iv\s*=([0-9A-F]+)/.exec(text)?.[1] ?? '';
  return { key: key.toLowerCase(), iv: iv.toLowerCase() };
}

describe('password key derivation matches openssl enc', () => {
  const cases = [
    { id: 0, cipher: 'aes-256-cbc' },
    { id: 8, cipher: 'des-ede3-cbc' },
    { id: 2, cipher: 'cast5-cbc' },
  ];
  for (const { id, cipher } of cases) {
    it(`PBKDF1 (EVP_BytesToKey) for ${cipher} with every digest`, async () => {
      for (const digest of ['MD5', 'SHA1', 'SHA256', 'SHA512'] as const) {
        const salt = random(8);
        const want = await opensslDerive(cipher, 'pässword', salt, ['-md', digest.toLowerCase()]);
        const got = await deriveKeyIv(ALGORITHMS[id]!, Buffer.from('pässword'), salt, {
          kdf: 0,
          digest,
          iterations: 1,
        });
        assert.deepEqual({ key: got.key.toString('hex'), iv: got.iv.toString('hex') }, want, digest);
      }
    });

    it(`PBKDF2 for ${cipher} with the default and a custom iteration count`, async () => {
      for (const iterations of [10_000, 1_234]) {
        const salt = random(8);
        const want = await opensslDerive(cipher, 'secret', salt, ['-pbkdf2', '-iter', String(iterations)]);
        const got = await deriveKeyIv(ALGORITHMS[id]!, Buffer.from('secret'), salt, {
          kdf: 1,
          digest: 'SHA256',
          iterations,
        });
        assert.deepEqual(
          { key: got.key.toString('hex'), iv: got.iv.toString('hex') },
          want,
          String(iterations),
        );
      }
    });
  }

  it('stretches EVP_BytesToKey past one digest for the 2048-bit RC4 key', () => {
    const salt = hex('0102030405060708');
    const k = evpBytesToKey(Buffer.from('pw'), salt, 'MD5', 256);
    assert.equal(k.length, 256);
    // The first two digests, by hand: D1 = MD5(pw‖salt), D2 = MD5(D1‖pw‖salt).
    assert.deepEqual(k.subarray(0, 32), evpBytesToKey(Buffer.from('pw'), salt, 'MD5', 32));
  });

  it('normalises digest names', () => {
    assert.equal(normaliseDigest('sha-256'), 'SHA256');
    assert.equal(normaliseDigest(' md5 '), 'MD5');
    assert.equal(normaliseDigest('whirlpool'), undefined);
  });
});

describe('rclone key derivation', () => {
  // rclone's backend/crypt/cipher_test.go, TestKey.
  it('matches rclone’s published keys for "potato" with and without a salt', async () => {
    assert.equal(
      (await rcloneDataKey(Buffer.from('potato'))).toString('hex'),
      '7455c71ab17c865b8471f47b79acb07eb31d5678b80c7e2eaf4fc8066a9ee468',
    );
    assert.equal(
      (await rcloneDataKey(Buffer.from('Potato'))).toString('hex'),
      'aeea6ad347df75b963ce12f57623e946d42ed8bf3e928b39243794133e5ef75e',
    );
    assert.equal(
      (await rcloneDataKey(Buffer.from('potato'), Buffer.from('sausage'))).toString('hex'),
      '8e9b6b99f8690467a071f9cb92d0aa787f8ff178bec96f999fd5206e644a1b50',
    );
  });
});
