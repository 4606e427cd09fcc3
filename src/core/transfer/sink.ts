import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { AtomicFile } from '../atomic-file.js';
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
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * Opens a download destination with the reference semantics:
 * - a file that exists is error 608 unless `overwrite`; `startByte` > 0 resumes by appending to the partial
 *   file, whose size must equal `startByte` (else error 609);
 * - a new file is written in place, so an interrupted download leaves the partial file to resume from;
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
    };
  }
  if (target.kind === 'stream') {
    return {
      writable: target.writable,
      async commit() {
        return undefined;
      },
      async abort() {},
    };
  }

  const { path, overwrite } = target;
  const existing = await sizeOf(path);
  if (startByte === 0 && existing !== undefined) {
    // Replacing a file: the old one stays until the new content is complete.
    if (!overwrite) {
      throw new CloudStorageError(
        ErrorCode.LocalFileExists,
        `${path} already exists; set overwrite to replace it.`,
      );
    }
    const file = await AtomicFile.open(path, { overwrite: true });
    return {
      writable: file.stream,
      async commit() {
        await file.commit();
        return undefined;
      },
      abort: () => file.abort(),
    };
  }
  if (startByte > 0) {
    if (existing === undefined) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Cannot resume the download: ${path} does not exist (startByte is ${startByte}).`,
      );
    }
    if (existing !== startByte) {
      throw new CloudStorageError(
        ErrorCode.CannotResume,
        `Cannot resume the download: ${path} has ${existing} bytes but startByte is ${startByte}. Set startByte to the size of the partial file.`,
      );
    }
  }

  // A new file (or the partial file being resumed) is written in place: what an interruption leaves is
  // what startByte resumes from.
  let stream: ReturnType<typeof createWriteStream>;
  try {
    stream = createWriteStream(path, { flags: startByte > 0 ? 'a' : 'w', mode: 0o644 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (e) {
    throw new CloudStorageError(ErrorCode.LocalFileError, `Cannot write ${path}: ${(e as Error).message}.`, {
      cause: e,
    });
  }
  return {
    writable: stream,
    async commit() {
      if (!stream.writableEnded) stream.end();
      await finished(stream);
      return undefined;
    },
    async abort() {
      stream.destroy();
    },
  };
}
