import { CloudStorageError } from '../core/errors.js';

/** Exit codes scripts can rely on. `check` exits with `Failure` when it found differences, as rclone does. */
export const ExitCode = {
  Ok: 0,
  /** The operation failed (a service error, a missing file, differences found by check). */
  Failure: 1,
  /** The command line is wrong (unknown command, flag or remote, a bad value); nothing was done. */
  Usage: 2,
} as const;

/** A mistake in what the user typed: shown without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An operation that failed in a way the user can act on: shown without a stack trace, exit code 1. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failure,
  ) {
    super(message);
  }
}

/** The line shown for an error, and the exit code that goes with it. */
export function describeError(e: unknown): { message: string; exitCode: number; expected: boolean } {
  if (e instanceof UsageError) return { message: e.message, exitCode: ExitCode.Usage, expected: true };
  if (e instanceof CommandError) return { message: e.message, exitCode: e.exitCode, expected: true };
  if (e instanceof CloudStorageError)
    return { message: `${e.message} (error ${e.code})`, exitCode: ExitCode.Failure, expected: true };
  const message = e instanceof Error ? e.message : String(e);
  return { message, exitCode: ExitCode.Failure, expected: false };
}
