import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  AtomicFile,
  createExclusive,
  discardPendingWrites,
  handleWriter,
  openForAppend,
} from '../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../errors.js';

/** Where a download goes. */
export type DownloadTarget =
  | { kind: 'file'; path: string; overwrite: boolean }
  | { kind: 'bytes' }
  | { kind: 'stream'; writable: Writable };

export interface DownloadSink {
  /** Where to write the bytes. */
  readonly writable: Writable;
  /** Finishes the download: flushes, renames into place; returns the bytes for a `bytes` target. */
  commit(): Promise<Uint8Array | undefined>;
  /** Gives up: removes what must not stay (a temporary file), keeps a partial file that can be resumed. */
  abort(): Promise<void>;
  /**
   * Whether the sink created the file at the target itself (a new file written in place), so that a
   * caller may remove it when the download must not leave it behind. False for a replaced or resumed file.
   */
  readonly createdNew: boolean;
}

/**
 * Opens a download destination with the reference semantics:
 * - a file that exists is error 608 unless `overwrite`; `startByte` > 0 resumes by appending to the partial
 *   file, whose size must equal `startByte` (else error 609);
 * - a new file is created exclusively (never through a link planted at the path) and written in place, so
 *   an interrupted download leaves the partial file to resume from;
 * - an existing file being overwritten is replaced only when the new content is complete (temporary file in
 *   the same directory, renamed at the end), so a failure never leaves it half-written.
 */
export async function openDownloadSink(target: DownloadTarget, startByte = 0): Promise<DownloadSink> {
  if (target.kind === 'bytes') {
    const chunks: Buffer[] = [];
    const writable = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    return {
      writable,
      async commit() {
        writable.end();
        await finished(writable);
        return Buffer.concat(chunks);
      },
      async abort() {
        writable.destroy();
      },
      createdNew: false,
    };
  }
  if (target.kind === 'stream') {
    return {
      writable: target.writable,
      async commit() {
        return undefined;
      },
      async abort() {},
      createdNew: false,
    };
  }

  const { path, overwrite } = target;
  if (startByte > 0) return resumeInPlace(path, startByte);
  // A new file is created exclusively: no stat first (a file could appear between the two) and no link
  // followed (a symbolic link planted at the path, even a dangling one, counts as an existing file).
  let handle: FileHandle;
  try {
    handle = await createExclusive(path, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(path, e);
    if (!overwrite) {
      throw new CloudStorageError(
        ErrorCode.LocalFileExists,
        `${path} already exists; set overwrite to replace it.`,
      );
    }
    // Replacing a file: the old one stays until the new content is complete; a link is replaced, not followed.
    const file = await AtomicFile.open(path, { overwrite: true });
    return {
      writable: file.stream,
      createdNew: false,
      async commit() {
        await file.commit();
        return undefined;
      },
      abort: () => file.abort(),
    };
  }
  // Written in place: what an interruption leaves is what startByte resumes from.
  return inPlace(handle, true);
}

function cannotWrite(path: string, e: unknown): CloudStorageError {
  return new CloudStorageError(ErrorCode.LocalFileError, `Cannot write ${path}: ${(e as Error).message}.`, {
    cause: e,
  });
}

/** Appends to the partial file of an interrupted download, whose size must be `startByte`. */
async function resumeInPlace(path: string, startByte: number): Promise<DownloadSink> {
  let handle: FileHandle;
  try {
    handle = await openForAppend(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Cannot resume the download: ${path} does not exist (startByte is ${startByte}).`,
      );
    }
    if (code === 'ELOOP') {
      throw new CloudStorageError(
        ErrorCode.LocalFileError,
        `Cannot resume the download: ${path} is a symbolic link, which is not followed. Download to the file itself.`,
      );
    }
    throw cannotWrite(path, e);
  }
  // Checked on the open file, so it is the file that will be appended to.
  const info = await handle.stat();
  if (!info.isFile() || info.size !== startByte) {
    await handle.close();
    throw new CloudStorageError(
      ErrorCode.CannotResume,
      info.isFile()
        ? `Cannot resume the download: ${path} has ${info.size} bytes but startByte is ${startByte}. Set startByte to the size of the partial file.`
        : `Cannot resume the download: ${path} is not a file.`,
    );
  }
  return inPlace(handle, false);
}

function inPlace(handle: FileHandle, createdNew: boolean): DownloadSink {
  const stream = handleWriter(handle);
  return {
    writable: stream,
    createdNew,
    async commit() {
      if (!stream.writableEnded) stream.end();
      await finished(stream);
      return undefined;
    },
    async abort() {
      // Resolves once the file is settled: the partial file a caller sees is the one startByte resumes.
      discardPendingWrites(stream);
      if (!stream.closed) await new Promise<void>((resolve) => stream.once('close', () => resolve()));
    },
  };
}
