import { CloudStorageError, ErrorCode } from '../../core/errors.js';

/**
 * Checks an extension before it becomes part of a local path (the export extension added to localFile):
 * letters and digits only, so it can never add a separator, a `..` or a device name.
 *
 * TODO: swap for the core name check (branch `sec`) once it lands.
 */
export function safeExtension(extension: string): string {
  if (!/^[A-Za-z0-9]{1,16}$/.test(extension)) {
    throw new CloudStorageError(
      ErrorCode.LocalFileError,
      `"${extension}" is not a file extension that can be added to localFile (letters and digits only).`,
    );
  }
  return extension;
}
