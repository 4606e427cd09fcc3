import { constants, promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../atomic-file.js';
import { CloudStorageError, ErrorCode } from '../../errors.js';
import type { TokenRecord, TokenStore } from '../types.js';
import { acquireFileLock } from './file-lock.js';
import { Mutex } from './mutex.js';

export interface FileTokenStoreOptions {
  /**
   * What to do with an existing file that group or others may read: false (default) refuses to use it, as
   * ssh does with a private key; true narrows it to 0600 and goes on.
   */
  fixPermissions?: boolean;
  /** How long `withRefreshLock` waits for another process's lock; default 30 s. */
  lockTimeoutMs?: number;
  /**
   * A lock whose holder has not touched it for this long is taken to be left by a crashed process (the
   * holder touches it every third of this while it holds it); default 60 s. A holder on this host whose
   * process is gone is stale at once.
   */
  staleLockMs?: number;
}

const PRIVATE = 0o600;
const checksPermissions = process.platform !== 'win32';

/**
 * Tokens in a JSON file that only its owner can read (mode 0600). Every write is atomic: a temporary file in
 * the same directory, created 0600, written, fsync'd, then renamed over the old file, so a crash never leaves
 * half a token file and no other user can read it at any moment.
 *
 * `withRefreshLock` uses a lock next to the token file (`<file>.lock`, see file-lock.ts), so any number of
 * processes sharing the file refresh one at a time, and a lock left by a crashed process is taken over
 * by exactly one of them.
 */
export class FileTokenStore implements TokenStore {
  private readonly local = new Mutex();
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;

  constructor(
    readonly path: string,
    private readonly options: FileTokenStoreOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.staleLockMs = options.staleLockMs ?? 60_000;
  }

  async get(): Promise<TokenRecord | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, constants.O_RDONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.fileError('read', e);
    }
    try {
      await this.checkPermissions(handle);
      const text = await handle.readFile('utf8');
      return parseRecord(text, this.path);
    } finally {
      await handle.close();
    }
  }

  async set(record: TokenRecord): Promise<void> {
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(record, null, 2)}\n`, PRIVATE);
    } catch (e) {
      throw this.fileError('write', e);
    }
  }

  async clear(): Promise<void> {
    await fs.rm(this.path, { force: true });
  }

  withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
    // The in-process mutex first, so clients of one process queue without polling the lock file.
    return this.local.run(async () => {
      const release = await this.acquireFileLock();
      try {
        return await fn();
      } finally {
        await release();
      }
    });
  }

  private acquireFileLock(): Promise<() => Promise<void>> {
    return acquireFileLock(`${this.path}.lock`, { timeoutMs: this.lockTimeoutMs, staleMs: this.staleLockMs });
  }

  private async checkPermissions(handle: fs.FileHandle): Promise<void> {
    if (!checksPermissions) return;
    const { mode } = await handle.stat();
    if ((mode & 0o077) === 0) return;
    if (this.options.fixPermissions) {
      await handle.chmod(PRIVATE);
      return;
    }
    throw new CloudStorageError(
      ErrorCode.LocalFileError,
      `The token file ${this.path} can be read by other users (mode ${(mode & 0o777).toString(8)}). Run "chmod 600 ${this.path}" (and consider revoking the tokens), or pass fixPermissions: true.`,
    );
  }

  private fileError(action: string, cause: unknown): CloudStorageError {
    if (cause instanceof CloudStorageError) return cause;
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    return new CloudStorageError(
      ErrorCode.LocalFileError,
      `Could not ${action} the token file ${this.path} (${reason}). Check that its directory exists and is writable.`,
      { cause },
    );
  }
}

function parseRecord(text: string, path: string): TokenRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const r = value as Partial<TokenRecord> | undefined;
  if (!r || typeof r !== 'object' || typeof r.accessToken !== 'string') {
    throw new CloudStorageError(
      ErrorCode.LocalFileError,
      `The token file ${path} is not a token record (JSON with an "accessToken"). Delete it and authorize again.`,
    );
  }
  return r as TokenRecord;
}
