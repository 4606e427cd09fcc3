import { createReadStream, type WriteStream } from 'node:fs';
import { type FileHandle, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AtomicFile,
  type AtomicFileOptions,
  createExclusive,
  localFileError,
  openForAppend,
  tempPathFor,
} from '../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../errors.js';
import { createDecryptStream, type EncryptionSettings } from './api.js';

export { AtomicFile, type AtomicFileOptions };

/** Mode of decrypted output and of ciphertext kept on disk: the user's alone. */
const PRIVATE_MODE = 0o600;

/**
 * Pipes `source` through `transforms` into `target`, atomically: on any error (a failed download, a
 * wrong password, tampered data) the target keeps its previous content and the error is rethrown.
 */
export async function writeFileAtomic(
  target: string,
  source: Readable | AsyncIterable<Uint8Array>,
  transforms: Transform[] = [],
  options: AtomicFileOptions = {},
): Promise<void> {
  const file = await AtomicFile.open(target, options);
  try {
    // biome-ignore lint/suspicious/noExplicitAny: pipeline's typings cannot express a variable-length chain
    await (pipeline as (...streams: any[]) => Promise<void>)(source, ...transforms, file.stream);
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
}

export interface CiphertextTempFileOptions {
  /** The decrypted file's destination (`localFile`). */
  localFile: string;
  /** `TempPath`: directory of the ciphertext file; default the directory of `localFile`. */
  tempPath?: string;
  /** `DownloadTempFile`: the partial ciphertext of an interrupted download, to resume. */
  downloadTempFile?: string;
  /** `startByte`: bytes already downloaded; must equal the size of `downloadTempFile`. */
  startByte?: number;
}

/**
 * The reference classes' encrypted download to `localFile`: the ciphertext is first stored in a
 * temporary file (in TempPath); when the download is interrupted that file is kept and its path goes
 * to DownloadTempFile, so that setting DownloadTempFile and StartByte resumes it; when the download is
 * complete it is decrypted into `localFile` (atomically) and removed.
 */
export class CiphertextTempFile {
  private writer: WriteStream | undefined;

  private constructor(
    readonly path: string,
    /** Ciphertext bytes already in the file (the StartByte to request from). */
    readonly offset: number,
    private readonly localFile: string,
    /** The file, open for writing (created exclusively, or DownloadTempFile opened to append). */
    private readonly handle: FileHandle,
  ) {}

  static async open(options: CiphertextTempFileOptions): Promise<CiphertextTempFile> {
    const startByte = options.startByte ?? 0;
    if (startByte > 0) {
      const path = options.downloadTempFile;
      if (!path) {
        throw new CloudStorageError(
          ErrorCode.EncryptedResumeNeedsTempFile,
          'Resuming an encrypted download needs DownloadTempFile: set it to the temporary file the interrupted ' +
            'download reported, and StartByte to that file’s size.',
        );
      }
      // Opened first and checked on the open file; a link there is refused (ELOOP), not followed.
      let handle: FileHandle;
      try {
        handle = await openForAppend(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new CloudStorageError(
          ErrorCode.CannotResume,
          code === 'ENOENT'
            ? `DownloadTempFile ${path} does not exist: start the download again.`
            : `DownloadTempFile ${path} cannot be appended to (${code === 'ELOOP' ? 'it is a symbolic link' : (e as Error).message}): start the download again.`,
          { cause: e },
        );
      }
      const info = await handle.stat();
      if (!info.isFile() || info.size !== startByte) {
        await handle.close();
        throw new CloudStorageError(
          ErrorCode.CannotResume,
          info.isFile()
            ? `DownloadTempFile holds ${info.size} bytes but StartByte is ${startByte}: set StartByte to ${info.size}.`
            : `DownloadTempFile ${path} is not a file: start the download again.`,
        );
      }
      return new CiphertextTempFile(path, info.size, options.localFile, handle);
    }
    const path = tempPathFor(
      options.localFile,
      options.tempPath || dirname(options.localFile),
      'encrypted.part',
    );
    // Created now, exclusively and private to the user, under a random name: never through a planted link.
    const handle = await createExclusive(path, PRIVATE_MODE).catch((e: unknown) => {
      throw localFileError(`Cannot create the temporary file ${path}`, e);
    });
    return new CiphertextTempFile(path, 0, options.localFile, handle);
  }

  /** Where the downloaded ciphertext goes (appended after what the file holds). */
  writable(): WriteStream {
    this.writer ??= this.handle.createWriteStream();
    return this.writer;
  }

  private async closeWriter(): Promise<void> {
    const w = this.writer;
    if (!w || w.closed) return;
    if (w.destroyed) {
      await new Promise<void>((resolve) => w.once('close', () => resolve()));
      return;
    }
    await new Promise<void>((resolve) => w.end(() => resolve()));
  }

  /** Keeps the partial ciphertext for a later resume; returns its path (the value for DownloadTempFile). */
  async keep(): Promise<string> {
    if (!this.writer) await this.handle.close().catch(() => {});
    await this.closeWriter();
    return this.path;
  }

  /**
   * Decrypts the complete ciphertext into `localFile` through a temporary file, then removes the
   * ciphertext. On failure `localFile` is untouched and the ciphertext file is kept (call {@link discard}).
   */
  async decryptTo(
    settings: EncryptionSettings,
    options: Omit<AtomicFileOptions, 'tempDir' | 'mode'> = {},
  ): Promise<void> {
    if (!this.writer) await this.handle.close().catch(() => {});
    await this.closeWriter();
    // Plaintext that was encrypted at rest is readable by the user alone, whatever the umask.
    await writeFileAtomic(this.localFile, createReadStream(this.path), [createDecryptStream(settings)], {
      ...options,
      mode: PRIVATE_MODE,
    });
    await unlink(this.path).catch(() => {});
  }

  async discard(): Promise<void> {
    if (!this.writer) await this.handle.close().catch(() => {});
    this.writer?.destroy();
    await this.closeWriter().catch(() => {});
    await unlink(this.path).catch(() => {});
  }
}
