import { CloudStorageError, ErrorCode } from '../core/errors.js';

/**
 * A path that is not on a remote: code 600 with httpStatus 404, the way the classes report a missing item,
 * so callers test one thing (`isRemoteNotFound`) whatever the service.
 */
export class RemoteNotFound extends CloudStorageError {
  constructor(
    readonly remote: string,
    readonly path: string,
    what: 'file' | 'folder' | 'file or folder' = 'file or folder',
  ) {
    super(
      ErrorCode.ServerError,
      `There is no ${what} ${JSON.stringify(path || '/')} on ${remote}: check the path (names are case-sensitive on some remotes), or list its folder to see what is there.`,
      { httpStatus: 404, providerCode: 'not_found' },
    );
    this.name = 'RemoteNotFound';
  }
}

/** Whether an error says that a path (or the item behind it) is not there. */
export function isRemoteNotFound(e: unknown): boolean {
  return e instanceof RemoteNotFound || (e instanceof CloudStorageError && e.httpStatus === 404);
}

/** What a remote cannot do (601), saying what to use instead. */
export function unsupported(remote: string, what: string, instead: string): CloudStorageError {
  return new CloudStorageError(ErrorCode.UnsupportedOperation, `${remote} cannot ${what}: ${instead}.`);
}

/** A request that does not fit what is at the path (a file where a folder is expected, a folder not empty). */
export function wrongKind(remote: string, path: string, message: string): CloudStorageError {
  return new CloudStorageError(
    ErrorCode.ServerError,
    `${JSON.stringify(path || '/')} on ${remote} ${message}.`,
    { httpStatus: 409, providerCode: 'conflict' },
  );
}

/** A folder that could not be removed because something is still in it. */
export function folderNotEmpty(remote: string, path: string): CloudStorageError {
  return new CloudStorageError(
    ErrorCode.ServerError,
    `${JSON.stringify(path || '/')} on ${remote} is not empty: remove what is in it first, or purge it.`,
    { httpStatus: 409, providerCode: 'folder_not_empty' },
  );
}

export function isFolderNotEmpty(e: unknown): boolean {
  return e instanceof CloudStorageError && e.providerCode === 'folder_not_empty';
}
