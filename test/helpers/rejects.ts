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

/**
 * Checks a decryption made with the wrong password. Authenticated formats always fail with DecryptionFailed
 * (284). AES-CBC carries no authentication: a wrong key fails the padding check about 255 times in 256 and
 * otherwise yields other bytes, which `plaintextOf` reads from the call's result; those must never be the
 * plaintext. Returns whether the call failed.
 */
export async function wrongPasswordFails<T>(
  p: Promise<T>,
  plain: Buffer,
  plaintextOf: (value: T) => Buffer | Promise<Buffer>,
  codes: number[] = [284],
): Promise<boolean> {
  const outcome = await p.then(
    (value) => ({ failed: false as const, value }),
    (e: unknown) => ({ failed: true as const, error: e as CloudStorageError }),
  );
  if (outcome.failed) {
    assert.ok(
      codes.includes(Number(outcome.error.code)),
      `wrong password: ${outcome.error.code} ${outcome.error.message}`,
    );
    return true;
  }
  assert.equal(
    (await plaintextOf(outcome.value)).equals(plain),
    false,
    'a wrong password never returns the plaintext',
  );
  return false;
}
