import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimTrailingSlashes } from '../../../src/core/http/url.js';
import { sessionIdOf } from '../../../src/providers/box/uploads.js';

/** The fastest of a few runs, in ms: the least noisy measure on a shared machine. */
function fastest(run: () => unknown, times = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

const SIZE = 1_000_000;
// A long run of slashes followed by something else: quadratic for /\/+$/ (each start position scans the
// whole run, then fails). The benign input of the same size is all trailing slashes, linear for any code.
const adversarial = `${'/'.repeat(SIZE)}x`;
const benign = `x${'/'.repeat(SIZE)}`;
const FACTOR = 20;

// The old regex takes about 20 minutes on these inputs; the limit makes it fail in a minute instead.
describe('server data through Box upload-session URLs: linear time on hostile input', {
  timeout: 60_000,
}, () => {
  it('trimTrailingSlashes: 1 MB of slashes then a letter costs no more than 1 MB of trailing slashes', () => {
    assert.equal(trimTrailingSlashes(adversarial), adversarial);
    assert.equal(trimTrailingSlashes(benign), 'x');
    assert.equal(trimTrailingSlashes('https://h/a//'), 'https://h/a');
    const slow = fastest(() => trimTrailingSlashes(adversarial));
    const normal = fastest(() => trimTrailingSlashes(benign));
    assert.ok(slow <= normal * FACTOR, `hostile ${slow.toFixed(2)} ms vs benign ${normal.toFixed(2)} ms`);
  });

  it('sessionIdOf a resumeUrl with 1 MB of slashes costs no more than one of the same size ending in slashes', () => {
    const hostile = `https://upload.box.com/api/2.0/files/upload_sessions${adversarial}`;
    const plain = `https://upload.box.com/api/2.0/files/upload_sessions/abc${'/'.repeat(SIZE)}`;
    assert.equal(sessionIdOf(hostile), 'x');
    assert.equal(sessionIdOf(plain), 'abc');
    assert.equal(
      sessionIdOf('https://upload.box.com/api/2.0/files/upload_sessions/F971964745A5CD0C/'),
      'F971964745A5CD0C',
    );
    const slow = fastest(() => sessionIdOf(hostile));
    const normal = fastest(() => sessionIdOf(plain));
    assert.ok(slow <= normal * FACTOR, `hostile ${slow.toFixed(2)} ms vs benign ${normal.toFixed(2)} ms`);
  });
});
