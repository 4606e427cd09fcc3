/**
 * RFC 2144, Appendix B.2: the "full maintenance test". A million encryptions, each keyed with the
 * previous output, touch every S-box entry many times, so the 2,048 table entries are all checked.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Cast128 } from '../../../src/core/crypto/ciphers/cast128.js';
import { hex } from './helpers.js';

it('CAST-128 passes the RFC 2144 B.2 maintenance test (1,000,000 iterations)', () => {
  const a = hex('0123456712345678234567893456789A');
  const b = hex('0123456712345678234567893456789A');
  for (let i = 0; i < 1_000_000; i++) {
    const byB = new Cast128(b);
    byB.encryptBlock(a, 0);
    byB.encryptBlock(a, 8);
    const byA = new Cast128(a);
    byA.encryptBlock(b, 0);
    byA.encryptBlock(b, 8);
  }
  assert.equal(a.toString('hex'), 'eea9d0a249fd3ba6b3436fb89d6dca92');
  assert.equal(b.toString('hex'), 'b2c95eb00c31ad7180ac05b8e83d696e');
});
