/**
 * The Box class's id scheme (f:/d: prefixes), name rules and metadata containers, without a server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { checkName, formatId, parseId, stripIdList } from '../../../src/providers/box/ids.js';
import { containerOf } from '../../../src/providers/box/metadata.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code: number }).code;
  }
  return undefined;
};

describe('Box ids and names', () => {
  it('parses prefixed ids and refuses the wrong kind', () => {
    assert.deepEqual(parseId('f:123', 'file'), { kind: 'file', id: '123' });
    assert.deepEqual(parseId('D:45', 'folder'), { kind: 'folder', id: '45' });
    assert.deepEqual(parseId('', 'folder'), { kind: 'folder', id: '0' });
    assert.deepEqual(parseId(' d:0 ', 'any'), { kind: 'folder', id: '0' });
    assert.equal(
      code(() => parseId('d:1', 'file')),
      ErrorCode.InvalidRemoteId,
    );
    assert.equal(
      code(() => parseId('f:1', 'folder')),
      ErrorCode.InvalidRemoteId,
    );
    assert.equal(
      code(() => parseId('d:1', 'download')),
      ErrorCode.IsFolder,
    );
    assert.equal(
      code(() => parseId('', 'download')),
      ErrorCode.IsFolder,
    );
    assert.equal(
      code(() => parseId('', 'file')),
      ErrorCode.InvalidRemoteId,
    );
    for (const bad of ['123', 'x:1', 'f:', 'f:1a', 'f: 1', 'trash', 'f:1/2']) {
      assert.equal(
        code(() => parseId(bad, 'any')),
        ErrorCode.InvalidRemoteId,
        bad,
      );
    }
    assert.equal(formatId('file', '9'), 'f:9');
    assert.equal(formatId('folder', '0'), 'd:0');
  });

  it('strips the prefixes of id lists in query parameters', () => {
    assert.equal(stripIdList('d:12345,d:0, d:67890'), '12345,0,67890');
    assert.equal(stripIdList('12,d:3'), '12,3');
    assert.equal(
      code(() => stripIdList('f:1')),
      ErrorCode.InvalidRemoteId,
    );
  });

  it('applies Box’s name rules', () => {
    for (const ok of ['a', 'é', 'name with spaces', ' leading space', '...', 'x'.repeat(255), '日本語']) {
      assert.equal(checkName(ok), ok);
    }
    for (const bad of [
      '',
      '.',
      '..',
      'a/b',
      'a\\b',
      'end ',
      'end\t',
      'nul\x00',
      'del\x7f',
      'x'.repeat(256),
    ]) {
      assert.equal(
        code(() => checkName(bad)),
        ErrorCode.InvalidArgument,
        JSON.stringify(bad),
      );
    }
  });

  it('defaults and checks metadata containers', () => {
    assert.deepEqual(containerOf('', ''), { scope: 'global', schema: 'properties' });
    assert.deepEqual(containerOf('enterprise_12', 'contract'), {
      scope: 'enterprise_12',
      schema: 'contract',
    });
    assert.deepEqual(containerOf('enterprise_12', ''), { scope: 'enterprise_12', schema: 'properties' });
    assert.equal(
      code(() => containerOf('global', 'contract')),
      ErrorCode.InvalidArgument,
    );
    assert.equal(
      code(() => containerOf('team_1', 'x')),
      ErrorCode.InvalidArgument,
    );
    assert.equal(
      code(() => containerOf('enterprise_1', 'a/b')),
      ErrorCode.InvalidArgument,
    );
  });
});
