/**
 * A second judge for the hand-written ciphers: OpenSSL's own implementations. Node can reach them
 * only when started with `--openssl-legacy-provider` (which the library never asks of its users), so
 * the reference output comes from such a child process, in CBC mode on random data and keys — at the
 * library's full key sizes, which the `openssl enc` command line cannot set for Blowfish and RC4.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDecryptStream, createEncryptStream } from '../../../src/core/crypto/index.js';
import { random, run, through } from './helpers.js';

const CASES: Array<{ algorithm: number; openssl: string; key: number; iv: number }> = [
  { algorithm: 1, openssl: 'bf-cbc', key: 56, iv: 8 },
  { algorithm: 2, openssl: 'cast5-cbc', key: 16, iv: 8 },
  { algorithm: 3, openssl: 'des-cbc', key: 8, iv: 8 },
  { algorithm: 4, openssl: 'idea-cbc', key: 16, iv: 8 },
  { algorithm: 5, openssl: 'rc2-cbc', key: 16, iv: 8 },
  { algorithm: 6, openssl: 'rc4', key: 256, iv: 0 },
];

/** Encrypts stdin with OpenSSL's cipher (legacy provider), key and IV in hex on the command line. */
const CHILD = `
const c = require('node:crypto');
const [name, key, iv] = process.argv.slice(1);
const chunks = [];
process.stdin.on('data', (d) => chunks.push(d));
process.stdin.on('end', () => {
  const cipher = c.createCipheriv(name, Buffer.from(key, 'hex'), iv ? Buffer.from(iv, 'hex') : null);
  process.stdout.write(Buffer.concat([cipher.update(Buffer.concat(chunks)), cipher.final()]));
});`;

describe('hand-written ciphers agree with OpenSSL’s implementations', () => {
  for (const c of CASES) {
    it(`${c.openssl} with a ${c.key * 8}-bit key`, async () => {
      for (const size of [0, 9, 100_003]) {
        const key = random(c.key);
        const iv = random(c.iv);
        const data = random(size);
        const reference = await run(
          process.execPath,
          ['--openssl-legacy-provider', '-e', CHILD, c.openssl, key.toString('hex'), iv.toString('hex')],
          data,
        );
        assert.equal(reference.code, 0, reference.stderr);
        const s = { algorithm: c.algorithm, keyHex: key.toString('hex'), ivHex: iv.toString('hex') };
        const ours = await through(createEncryptStream(s), data);
        assert.deepEqual(ours, reference.stdout, `${c.openssl}, ${size} bytes`);
        assert.deepEqual(await through(createDecryptStream(s), reference.stdout), data);
      }
    });
  }
});
