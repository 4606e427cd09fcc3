import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
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
  let writePath = path;
  let flags = 'w';
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
    flags = 'a';
  } else if (existing !== undefined) {
    if (!overwrite) {
      throw new CloudStorageError(
        ErrorCode.LocalFileExists,
        `${path} already exists; set overwrite to replace it.`,
      );
    }
    writePath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  }

  let stream: ReturnType<typeof createWriteStream>;
  try {
    stream = createWriteStream(writePath, { flags, mode: 0o644 });
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
      if (writePath !== path) await rename(writePath, path);
      return undefined;
    },
    async abort() {
      stream.destroy();
      if (writePath !== path) await rm(writePath, { force: true });
    },
  };
}
