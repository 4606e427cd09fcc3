import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CloudStorageError, ErrorCode } from './errors.js';

/**
 * Downloads that never leave a half-written or wrongly decrypted file where the user's file should
 * be: bytes go to a temporary file, which is renamed over the target only once everything (including
 * decryption and its integrity or padding check) succeeded.
 */
export interface AtomicFileOptions {
  /** Directory for the temporary file; default the target's own, so the final rename is atomic. */
  tempDir?: string;
  /** When false, an existing target is an error (LocalFileExists, 608); default true. */
  overwrite?: boolean;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function localFileExists(path: string): CloudStorageError {
  return new CloudStorageError(
    ErrorCode.LocalFileExists,
    `The local file ${path} already exists: set overwrite to true, or choose another LocalFile.`,
  );
}

export function localFileError(what: string, cause: unknown): CloudStorageError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CloudStorageError(ErrorCode.LocalFileError, `${what}: ${detail}`, { cause });
}

/** A temporary file that becomes `target` on {@link commit}, or disappears on {@link abort}. */
export class AtomicFile {
  private constructor(
    readonly target: string,
    readonly tempPath: string,
    readonly stream: WriteStream,
    private readonly overwrite: boolean,
  ) {}

  static async open(target: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
    const overwrite = options.overwrite ?? true;
    if (!overwrite && (await exists(target))) throw localFileExists(target);
    const dir = options.tempDir || dirname(target);
    const tempPath = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
    const stream = createWriteStream(tempPath, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e) => reject(localFileError(`Cannot create the temporary file ${tempPath}`, e)));
    });
    return new AtomicFile(target, tempPath, stream, overwrite);
  }

  /** Moves the finished temporary file over the target (after the stream has ended). */
  async commit(): Promise<void> {
    if (!this.stream.closed) await new Promise<void>((resolve) => this.stream.end(() => resolve()));
    if (!this.overwrite && (await exists(this.target))) {
      await unlink(this.tempPath).catch(() => {});
      throw localFileExists(this.target);
    }
    try {
      await rename(this.tempPath, this.target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV')
        throw localFileError(`Cannot write ${this.target}`, e);
      // TempPath on another file system: copy, then remove.
      await copyFile(this.tempPath, this.target);
      await unlink(this.tempPath);
    }
  }

  /** Removes the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    this.stream.destroy();
    await new Promise<void>((resolve) =>
      this.stream.closed ? resolve() : this.stream.once('close', () => resolve()),
    );
    await unlink(this.tempPath).catch(() => {});
  }
}
