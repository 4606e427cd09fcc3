import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { cleanPath, isWithin, joinPath, relativeTo, splitPath } from '../../src/remote/paths.js';

describe('remote paths', () => {
  it('cleans doubled and trailing slashes; the root is empty', () => {
    assert.equal(cleanPath(''), '');
    assert.equal(cleanPath('a//b/'), 'a/b');
    assert.equal(cleanPath('a/b.c/..d'), 'a/b.c/..d');
  });

  it('refuses absolute paths, . and .. elements, backslashes and control characters', () => {
    for (const bad of ['/a', '..', 'a/../b', 'a/./b', 'a\\b', 'a\u0000b', 'a\nb', 'a\u009bb']) {
      assert.throws(
        () => cleanPath(bad),
        (e: Error & { code?: number }) => e.code === ErrorCode.InvalidArgument,
        JSON.stringify(bad),
      );
    }
  });

  it('joins, splits and relates clean paths', () => {
    assert.equal(joinPath('', 'a', '', 'b/c'), 'a/b/c');
    assert.deepEqual(splitPath('a/b/c'), ['a/b', 'c']);
    assert.deepEqual(splitPath('c'), ['', 'c']);
    assert.deepEqual(splitPath(''), ['', '']);
    assert.equal(isWithin('a/b', 'a'), true);
    assert.equal(isWithin('ab', 'a'), false);
    assert.equal(isWithin('x', ''), true);
    assert.equal(relativeTo('a/b/c', 'a'), 'b/c');
    assert.equal(relativeTo('a', 'a'), '');
  });
});
