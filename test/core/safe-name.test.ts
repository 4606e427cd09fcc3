import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudStorageError } from '../../src/core/errors.js';
import { checkServerName, unsafeNameReason } from '../../src/core/safe-name.js';

test('plain names pass as they are', () => {
  for (const name of ['html', 'report.final.docx', 'a..b', 'Ünïcødé 文件', '', '.hidden', 'x '])
    assert.equal(checkServerName(name, 'the file name'), name);
});

test('separators, . and .., and control characters are refused with error 600', () => {
  const cases: Array<[string, RegExp]> = [
    ['d/../../escaped', /path separator/],
    ['..\\up', /path separator/],
    ['/etc/passwd', /path separator/],
    ['.', /is "\."/],
    ['..', /is "\.\."/],
    ['a\u0000b', /control character/],
    ['a\nb', /control character/],
    ['a\u007fb', /control character/],
    ['a\u009bb', /control character/],
  ];
  for (const [name, reason] of cases) {
    assert.ok(unsafeNameReason(name), name);
    assert.throws(
      () => checkServerName(name, 'the file name'),
      (e: unknown) => e instanceof CloudStorageError && e.code === 600 && reason.test(e.message),
      name,
    );
  }
});
