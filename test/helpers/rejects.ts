import assert from 'node:assert/strict';
import type { CloudStorageError } from '../../src/core/errors.js';

/** Awaits a promise that must fail with a CloudStorageError of this code; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: number): Promise<CloudStorageError> {
  const err = (await p.then(
    () => assert.fail(`expected error ${code}, but the call succeeded`),
    (e: unknown) => e,
  )) as CloudStorageError;
  assert.equal(err.code, code, err.message);
  return err;
}
