/**
 * BlockCutter, the block splitter of the chunked formats: whatever the sizes of the writes, every
 * block comes out whole and in order, and exactly the last one (held back or short) is left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCutter } from '../../../src/core/crypto/stream-util.js';
import { random, randomPieces } from './helpers.js';

const BLOCK = 1000;

/** Cuts `data` written in `pieces`; the "transform" of a block is its bytes plus a marker byte. */
function cutAll(data: Buffer, pieces: Buffer[], keepLast: boolean) {
  const cutter = new BlockCutter(BLOCK, BLOCK + 1, keepLast);
  const outputs: Buffer[] = [];
  let blocks = 0;
  for (const piece of pieces) {
    outputs.push(
      cutter.cut(piece, (input, output) => {
        assert.equal(input.length, BLOCK);
        output.set(input);
        output[BLOCK] = blocks++ & 0xff;
        return true;
      }),
    );
  }
  const rest = Buffer.from(cutter.rest());
  const expected: Buffer[] = [];
  for (let i = 0; i < blocks; i++) {
    expected.push(data.subarray(i * BLOCK, (i + 1) * BLOCK), Buffer.of(i & 0xff));
  }
  assert.deepEqual(Buffer.concat(outputs), Buffer.concat(expected));
  assert.deepEqual(rest, data.subarray(blocks * BLOCK));
  return { blocks, rest };
}

describe('BlockCutter', () => {
  for (const keepLast of [false, true]) {
    it(`cuts writes of any size into whole blocks (${keepLast ? 'holding the last one back' : 'eagerly'})`, () => {
      for (const size of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK, 7 * BLOCK + 333]) {
        const data = random(size);
        for (const pieces of [[data], randomPieces(data, 2500), randomPieces(data, 10)]) {
          const { blocks, rest } = cutAll(data, pieces, keepLast);
          const full = Math.floor(size / BLOCK);
          if (keepLast && size > 0 && size % BLOCK === 0) {
            assert.equal(blocks, full - 1, `${size} bytes`);
            assert.equal(rest.length, BLOCK);
          } else {
            assert.equal(blocks, full, `${size} bytes`);
          }
        }
      }
    });
  }

  it('never changes the written chunks', () => {
    const data = random(3 * BLOCK + 10);
    const pieces = randomPieces(data, 1500);
    const copies = pieces.map((p) => Buffer.from(p));
    cutAll(data, pieces, true);
    assert.deepEqual(pieces, copies);
  });

  it('stops at a refused block and returns the outputs before it', () => {
    const data = random(10 * BLOCK);
    const cutter = new BlockCutter(BLOCK, BLOCK, false);
    let seen = 0;
    const out = cutter.cut(data, (input, output) => {
      if (seen++ === 6) return false;
      output.set(input);
      return true;
    });
    assert.ok(cutter.stopped);
    assert.equal(seen, 7);
    assert.deepEqual(out, data.subarray(0, 6 * BLOCK));
  });
});
