import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bool, int, readOnly, Settings, str } from '../../src/core/config.js';
import { CloudStorageError, ErrorCode } from '../../src/core/errors.js';

const table = {
  AccumulatePages: bool(true, 'Append pages.'),
  MaxResults: int(-1, 'Page size.', { min: 1, max: 1000, allowed: [-1] }),
  TempPath: str('', 'Temp dir.'),
  ThumbnailFormat: int(0, 'Format.', { min: 0, max: 1 }),
  StatusCode: readOnly('Last status.'),
  XChildName: readOnly('Child name.', { indexed: true }),
};

function expectInvalid(fn: () => unknown, pattern: RegExp) {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof CloudStorageError && e.code === ErrorCode.InvalidArgument && pattern.test(e.message),
  );
}

describe('Settings / config()', () => {
  it('reads defaults in the reference formats', () => {
    const s = new Settings(table);
    assert.equal(s.config('AccumulatePages'), 'True');
    assert.equal(s.config('MaxResults'), '-1');
    assert.equal(s.config('TempPath'), '');
  });

  it('accepts booleans as True/False/1/0/Yes/No in any case', () => {
    const s = new Settings(table);
    for (const [text, value] of [
      ['false', false],
      ['TRUE', true],
      ['0', false],
      ['1', true],
      ['no', false],
      ['Yes', true],
    ] as const) {
      assert.equal(s.config(`AccumulatePages=${text}`), '');
      assert.equal(s.get('AccumulatePages'), value);
    }
    expectInvalid(() => s.config('AccumulatePages=maybe'), /True\/False/);
  });

  it('matches names case-insensitively and rejects unknown names', () => {
    const s = new Settings(table);
    s.config('maxresults=50');
    assert.equal(s.get('MaxResults'), 50);
    assert.equal(s.config('MAXRESULTS'), '50');
    expectInvalid(() => s.config('MaxResultz=5'), /Unknown config setting "MaxResultz"/);
    expectInvalid(() => s.config('NoSuchThing'), /Unknown config setting/);
  });

  it('checks ranges, with the allowed extra values', () => {
    const s = new Settings(table);
    expectInvalid(() => s.config('MaxResults=0'), /between 1 and 1000/);
    expectInvalid(() => s.config('MaxResults=1001'), /between 1 and 1000/);
    expectInvalid(() => s.config('MaxResults=ten'), /whole number/);
    s.config('MaxResults=-1');
    assert.equal(s.get('MaxResults'), -1);
    // A failed set leaves the old value.
    s.config('MaxResults=7');
    expectInvalid(() => s.config('MaxResults=5000'), /between/);
    assert.equal(s.get('MaxResults'), 7);
  });

  it('refuses to set read-only settings and reads computed ones', () => {
    const s = new Settings(table);
    expectInvalid(() => s.config('StatusCode=200'), /read-only/);
    s.defineReader('StatusCode', () => '404');
    assert.equal(s.config('StatusCode'), '404');
    s.defineReader('XChildName', (i) => ['a', 'b'][i ?? 0] ?? '');
    assert.equal(s.config('XChildName[1]'), 'b');
    expectInvalid(() => s.config('XChildName'), /needs an index/);
    expectInvalid(() => s.config('StatusCode[2]'), /takes no index/);
  });

  it('takes typed constructor options for the same settings', () => {
    const s = new Settings(table, { maxResults: 20, accumulatePages: false, tempPath: '/tmp' });
    assert.equal(s.config('MaxResults'), '20');
    assert.equal(s.config('AccumulatePages'), 'False');
    assert.throws(() => new Settings(table, { maxResults: 0 }), CloudStorageError);
  });
});
