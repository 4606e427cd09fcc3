import { randomBytes } from 'node:crypto';
import { constants, type WriteStream } from 'node:fs';
import { copyFile, type FileHandle, link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { CloudStorageError, ErrorCode } from './errors.js';
import { STREAM_BUFFER_BYTES } from './stream-buffer.js';

/**
 * Downloads that never leave a half-written or wrongly decrypted file where the user's file should
 * be: bytes go to a temporary file, which is renamed over the target only once everything (including
 * decryption and its integrity or padding check) succeeded.
 *
 * Every local file the library creates is created here, exclusively (O_CREAT | O_EXCL | O_NOFOLLOW): an
 * existing file or a symbolic link planted at the path makes the creation fail instead of being
 * followed, and there is no window between a check and the open. Replacing a file renames over it, which
 * replaces a link itself, never the file it points to.
 */
export interface AtomicFileOptions {
  /** Directory for the temporary file; default the target's own, so the final rename is atomic. */
  tempDir?: string;
  /** When false, an existing target is an error (LocalFileExists, 608); default true. */
  overwrite?: boolean;
  /** Mode of the new file (the umask can only narrow it); default 0o666. Decrypted output uses 0o600. */
  mode?: number;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Creates `path` as a new file and opens it for writing. Fails with EEXIST when anything is there,
 * a dangling symbolic link included; a link is never followed.
 */
export function createExclusive(path: string, mode = 0o666): Promise<FileHandle> {
  return open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
}

/** Opens an existing file to append to it; a symbolic link at `path` is refused (ELOOP), not followed. */
export function openForAppend(path: string): Promise<FileHandle> {
  return open(path, constants.O_WRONLY | constants.O_APPEND | O_NOFOLLOW);
}

/** A random, unguessable name for a temporary file next to `target` (in `dir`). */
/**
 * A writable over an open file handle whose `close` event means the file is settled: every write that was
 * under way has landed and the handle is closed, also after `destroy()` (a failed download). fs.WriteStream
 * can report `close` while a large write is still landing, so the partial file a caller then measures to
 * resume from would still grow.
 */
export function handleWriter(handle: FileHandle): Writable {
  let inFlight: Promise<unknown> = Promise.resolve();
  const writeAll = async (buffers: Buffer[]) => {
    for (let rest = buffers; rest.length > 0; ) {
      const { bytesWritten } = await handle.writev(rest);
      rest = dropBytes(rest, bytesWritten);
    }
  };
  const run = (buffers: Buffer[], done: (e?: Error | null) => void) => {
    const op = writeAll(buffers);
    inFlight = op.catch(() => {});
    op.then(() => done(), done);
  };
  return new Writable({
    highWaterMark: STREAM_BUFFER_BYTES,
    write(chunk: Buffer, _encoding, done) {
      run([chunk], done);
    },
    writev(chunks, done) {
      run(
        chunks.map((c) => c.chunk as Buffer),
        done,
      );
    },
    final(done) {
      handle.close().then(() => done(), done);
    },
    destroy(err, done) {
      inFlight
        .then(() => handle.close())
        .catch(() => {})
        .then(() => done(err));
    },
  });
}

/** The buffers left after the first `count` bytes were written. */
function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let skip = count;
  let i = 0;
  while (i < buffers.length && skip >= (buffers[i] as Buffer).length) skip -= (buffers[i++] as Buffer).length;
  const rest = buffers.slice(i);
  if (skip > 0 && rest[0]) rest[0] = rest[0].subarray(skip);
  return rest;
}

export function tempPathFor(target: string, dir: string, suffix = 'part'): string {
  return join(dir, `.${basename(target)}.${randomBytes(8).toString('hex')}.${suffix}`);
}

/** Whether anything (a file, a folder, a link, even a dangling one) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
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

/**
 * Destroys a file stream that may still hold writes (up to its buffer of them): they fail with
 * ERR_STREAM_DESTROYED, which means nothing once the file is given up, so it is not left unhandled.
 */
export function discardPendingWrites(stream: Writable): void {
  stream.on('error', () => {});
  stream.destroy();
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

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
    const mode = options.mode ?? 0o666;
    if (!overwrite && (await exists(target))) throw localFileExists(target);
    const tempPath = tempPathFor(target, options.tempDir || dirname(target));
    let handle: FileHandle;
    try {
      handle = await createExclusive(tempPath, mode);
    } catch (e) {
      throw localFileError(`Cannot create the temporary file ${tempPath}`, e);
    }
    return new AtomicFile(
      target,
      tempPath,
      handle.createWriteStream({ highWaterMark: STREAM_BUFFER_BYTES }),
      overwrite,
    );
  }

  /**
   * Moves the finished temporary file to the target (after the stream has ended). Without overwrite the
   * target is created by a hard link, which fails if anything appeared there meanwhile; with overwrite a
   * rename replaces whatever is there (a link itself, not what it points to).
   */
  async commit(): Promise<void> {
    if (!this.stream.closed) {
      await new Promise<void>((resolve, reject) => {
        this.stream.once('error', reject);
        this.stream.end(() => resolve());
      });
      if (!this.stream.closed)
        await new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
    }
    try {
      if (this.overwrite) await this.replaceTarget();
      else await this.createTarget();
    } catch (e) {
      await unlink(this.tempPath).catch(() => {});
      if (e instanceof CloudStorageError) throw e;
      throw localFileError(`Cannot write ${this.target}`, e);
    }
  }

  private async createTarget(): Promise<void> {
    try {
      await link(this.tempPath, this.target);
      await unlink(this.tempPath);
      return;
    } catch (e) {
      if (errno(e) === 'EEXIST') throw localFileExists(this.target);
      // Another file system (TempPath), or one without hard links: an exclusive copy instead.
      if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errno(e) ?? '')) throw e;
    }
    try {
      await copyFile(this.tempPath, this.target, constants.COPYFILE_EXCL);
    } catch (e) {
      if (errno(e) === 'EEXIST') throw localFileExists(this.target);
      throw e;
    }
    await unlink(this.tempPath);
  }

  private async replaceTarget(): Promise<void> {
    try {
      await rename(this.tempPath, this.target);
      return;
    } catch (e) {
      if (errno(e) !== 'EXDEV') throw e;
    }
    // TempPath on another file system: copy next to the target (exclusively), then rename over it, so
    // a link at the target is replaced rather than written through.
    const staged = tempPathFor(this.target, dirname(this.target));
    try {
      // copyFile gives the copy the temporary file's mode.
      await copyFile(this.tempPath, staged, constants.COPYFILE_EXCL);
      await rename(staged, this.target);
    } catch (e) {
      await unlink(staged).catch(() => {});
      throw e;
    }
    await unlink(this.tempPath);
  }

  /** Removes the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    discardPendingWrites(this.stream);
    await new Promise<void>((resolve) =>
      this.stream.closed ? resolve() : this.stream.once('close', () => resolve()),
    );
    await unlink(this.tempPath).catch(() => {});
  }
}

/**
 * Writes a small file (a config or token file) so that no reader ever sees half of it and no other user can
 * read it at any moment: a temporary file in the same directory, created with `mode`, written, fsync'd, then
 * renamed over the old one. The directory is made (0700) when missing.
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = tempPathFor(path, dir, 'tmp');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await createExclusive(tmp, mode);
    try {
      // The umask can only narrow the mode given to open(); set it exactly anyway.
      if (process.platform !== 'win32') await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDirectory(dir);
}

/** fsync of the directory makes a rename durable; not possible on every platform, so best effort. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}
