import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { checkServerName } from '../../core/safe-name.js';

/**
 * Checks an export extension before it becomes part of a local path (the extension added to localFile):
 * first the core rule for anything that names a local file (no separator, `.`/`..` or control character),
 * then letters and digits only, which is all an export format's extension ever is.
 */
export function safeExtension(extension: string): string {
  checkServerName(extension, 'the export extension');
  if (!/^[A-Za-z0-9]{1,16}$/.test(extension)) {
    throw new CloudStorageError(
      ErrorCode.LocalFileError,
      `"${extension}" is not a file extension that can be added to localFile (letters and digits only).`,
    );
  }
  return extension;
}
