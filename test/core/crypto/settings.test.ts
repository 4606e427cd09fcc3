/**
 * Bad settings are clear errors before any request: unknown algorithm, non-hex or wrong-length keys
 * and IVs, an IV without a key. And the config table behaves like the reference's config().
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Settings } from '../../../src/core/config.js';
import {
  createDecryptStream,
  createEncryptStream,
  type EncryptionSettings,
  encryptionSecrets,
  encryptionSettings,
  encryptionSettingsFrom,
  validateEncryptionSettings,
} from '../../../src/core/crypto/index.js';
import { ErrorCode, isCloudStorageError } from '../../../src/core/errors.js';
import { decrypt, encrypt, random } from './helpers.js';

function invalid(s: EncryptionSettings, message: RegExp): void {
  for (const f of [validateEncryptionSettings, createEncryptStream, createDecryptStream]) {
    assert.throws(
      () => f(s),
      (e: unknown) =>
        isCloudStorageError(e) && e.code === ErrorCode.InvalidArgument && message.test(e.message),
      `${f.name}: ${JSON.stringify(s)}`,
    );
  }
}

describe('validation', () => {
  it('rejects an unknown algorithm number, listing the valid ones', () => {
    invalid(
      { algorithm: 13, password: 'x' },
      /Unknown encryption algorithm 13.*0 \(AES-256\).*12 \(XSalsa20-256\)/,
    );
    invalid({ algorithm: -1, password: 'x' }, /Unknown encryption algorithm/);
    invalid({ algorithm: 1.5, password: 'x' }, /Unknown encryption algorithm/);
  });

  it('rejects keys and IVs that are not hex, or of the wrong length', () => {
    invalid(
      { algorithm: 0, keyHex: 'zz'.repeat(32), ivHex: '00'.repeat(16) },
      /EncryptionKey must be hexadecimal/,
    );
    invalid(
      { algorithm: 0, keyHex: '0'.repeat(63), ivHex: '00'.repeat(16) },
      /EncryptionKey must be hexadecimal/,
    );
    invalid(
      { algorithm: 0, keyHex: '00'.repeat(16), ivHex: '00'.repeat(16) },
      /AES-256 must be 32 bytes \(64 hex digits\); got 16/,
    );
    invalid(
      { algorithm: 1, keyHex: '00'.repeat(16), ivHex: '00'.repeat(8) },
      /Blowfish-448 must be 56 bytes/,
    );
    invalid(
      { algorithm: 0, keyHex: '00'.repeat(32), ivHex: '00'.repeat(8) },
      /EncryptionIV for AES-256 needs 16 bytes; got 8/,
    );
    invalid({ algorithm: 0, keyHex: '00'.repeat(32) }, /EncryptionIV for AES-256 needs 16 bytes; got 0/);
    invalid({ algorithm: 6, keyHex: '00'.repeat(256), ivHex: '00'.repeat(8) }, /RC4 takes no IV/);
    invalid({ algorithm: 11, keyHex: '00'.repeat(32), ivHex: '00'.repeat(8) }, /16 or 12 bytes/);
    invalid(
      { algorithm: 0, ivHex: '00'.repeat(16), password: 'x' },
      /EncryptionIV is set but EncryptionKey is not/,
    );
  });

  it('rejects bad KDF settings and a missing password', () => {
    invalid(
      { algorithm: 0, password: 'x', kdf: 2 },
      /EncryptionPasswordKDF must be 0 \(PBKDF1\) or 1 \(PBKDF2\)/,
    );
    invalid({ algorithm: 0, password: 'x', digest: 'whirlpool' }, /EncryptionKDFDigest/);
    invalid({ algorithm: 0, password: 'x', pbkdf2Iterations: 0 }, /EncryptionPBKDF2Iterations/);
    invalid({ algorithm: 11, password: 'x', scryptWorkFactor: 40 }, /EncryptionScryptWorkFactor/);
    invalid({ algorithm: 0 }, /needs encryptionPassword, or EncryptionKey and EncryptionIV/);
  });

  it('accepts 0x prefixes, upper case and surrounding spaces in hex; ChaCha takes a 12-byte nonce', async () => {
    validateEncryptionSettings({ algorithm: 0, keyHex: ` 0x${'AB'.repeat(32)} `, ivHex: 'cd'.repeat(16) });
    const s = { algorithm: 11, keyHex: '01'.repeat(32), ivHex: '02'.repeat(12) };
    const data = random(1000);
    assert.deepEqual(await decrypt(s, await encrypt(s, data)), data);
    // A 12-byte nonce is the 16-byte OpenSSL IV with a zero block counter.
    const long = { ...s, ivHex: `00000000${'02'.repeat(12)}` };
    assert.deepEqual(await encrypt(s, data), await encrypt(long, data));
  });

  it('uses the explicit key over the password when both are set', async () => {
    const raw = { algorithm: 0, keyHex: '11'.repeat(32), ivHex: '22'.repeat(16) };
    const data = random(100);
    const sealed = await encrypt({ ...raw, password: 'ignored' }, data);
    assert.equal(sealed.length, 112); // no "Salted__" header
    assert.deepEqual(await decrypt(raw, sealed), data);
  });
});

describe('config settings', () => {
  it('declares the reference settings with their defaults and checks values', () => {
    const settings = new Settings(encryptionSettings);
    assert.equal(settings.config('EncryptionPasswordKDF'), '0');
    assert.equal(settings.config('EncryptionKDFDigest'), 'SHA256');
    assert.equal(settings.config('EncryptionPBKDF2Iterations'), '10000');
    assert.equal(settings.config('EncryptionScryptWorkFactor'), '18');
    settings.config('EncryptionKey=00112233');
    assert.equal(settings.config('encryptionkey'), '00112233');
    assert.throws(() => settings.config('EncryptionKey=xyz'), /hexadecimal/);
    assert.throws(() => settings.config('EncryptionPasswordKDF=2'), /between 0 and 1/);
    assert.throws(() => settings.config('EncryptionKDFDigest=crc32'), /MD5, SHA1, SHA256/);
    settings.config('DownloadTempFile=/tmp/x.part');
    assert.equal(settings.config('DownloadTempFile'), '/tmp/x.part');
  });

  it('builds EncryptionSettings from a client’s settings and lists the secrets to redact', () => {
    const settings = new Settings(encryptionSettings, {
      encryptionPasswordKDF: 1,
      encryptionRclonePassword2: 'salt!',
    });
    const s = encryptionSettingsFrom(settings, 12, 'hunter22');
    assert.equal(s.kdf, 1);
    assert.equal(s.algorithm, 12);
    assert.equal(s.rclonePassword2, 'salt!');
    assert.deepEqual(encryptionSecrets(s).sort(), ['hunter22', 'salt!']);
  });
});
