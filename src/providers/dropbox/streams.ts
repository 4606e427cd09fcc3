import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { DropboxContentHasher } from '../../core/transfer/index.js';

/** A pass-through that feeds every byte to a content hasher. */
export function hashing(hasher: Pick<DropboxContentHasher, 'update'>): Transform {
  return new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      done(null, chunk);
    },
  });
}

/**
 * Feeds the first `length` bytes of a local file to a hasher: a resumed download hashes what it already has,
 * so the whole file can be checked against Dropbox's content hash at the end.
 */
export async function hashFilePrefix(
  path: string,
  length: number,
  hasher: Pick<DropboxContentHasher, 'update'>,
): Promise<void> {
  if (length <= 0) return;
  let read = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
    hasher.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  if (read !== length) {
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      `Cannot resume: ${path} has ${read} bytes, fewer than startByte (${length}).`,
    );
  }
}
