import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AtomicFile, type AtomicFileOptions } from '../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../errors.js';
import { createDecryptStream, type EncryptionSettings } from './api.js';

export { AtomicFile, type AtomicFileOptions };

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
    private readonly fresh: boolean,
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
      const size = await stat(path).then(
        (st) => st.size,
        () => undefined,
      );
      if (size === undefined) {
        throw new CloudStorageError(
          ErrorCode.CannotResume,
          `DownloadTempFile ${path} does not exist: start the download again.`,
        );
      }
      if (size !== startByte) {
        throw new CloudStorageError(
          ErrorCode.CannotResume,
          `DownloadTempFile holds ${size} bytes but StartByte is ${startByte}: set StartByte to ${size}.`,
        );
      }
      return new CiphertextTempFile(path, size, options.localFile, false);
    }
    const dir = options.tempPath || dirname(options.localFile);
    const path = join(
      dir,
      `.${basename(options.localFile)}.${randomBytes(6).toString('hex')}.encrypted.part`,
    );
    return new CiphertextTempFile(path, 0, options.localFile, true);
  }

  /** Where the downloaded ciphertext goes (appended after what the file holds). */
  writable(): WriteStream {
    this.writer ??= createWriteStream(this.path, { flags: this.fresh ? 'wx' : 'a' });
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
    await this.closeWriter();
    return this.path;
  }

  /**
   * Decrypts the complete ciphertext into `localFile` through a temporary file, then removes the
   * ciphertext. On failure `localFile` is untouched and the ciphertext file is kept (call {@link discard}).
   */
  async decryptTo(
    settings: EncryptionSettings,
    options: Omit<AtomicFileOptions, 'tempDir'> = {},
  ): Promise<void> {
    await this.closeWriter();
    await writeFileAtomic(
      this.localFile,
      createReadStream(this.path),
      [createDecryptStream(settings)],
      options,
    );
    await unlink(this.path).catch(() => {});
  }

  async discard(): Promise<void> {
    this.writer?.destroy();
    await this.closeWriter().catch(() => {});
    await unlink(this.path).catch(() => {});
  }
}
