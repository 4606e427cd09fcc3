import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { CloudStorageError, ErrorCode } from '../../errors.js';

/**
 * A lock shared by processes through the file system, safe for any number of them, including when the
 * holder crashed.
 *
 * The lock is a directory (`mkdir` has one winner) holding one owner file, `owner-<random token>`, with the
 * holder's pid and host; the holder touches it while it holds the lock, so a slow holder never looks
 * stale. Taking over a stale lock is a compare-and-delete on that owner: `unlink` of the exact owner file
 * that was judged stale succeeds for one process only (a later owner has another name), then `rmdir`
 * succeeds only while the directory is empty, and everybody competes for `mkdir` again. Nobody can remove
 * a lock that someone else has just taken, whatever the timing.
 *
 * An owner is stale when its process is gone (same host: its pid no longer exists) or when it has not
 * been touched for `staleMs`.
 */
export interface FileLockOptions {
  /** How long to wait for the lock; then error 611. */
  timeoutMs: number;
  /** An owner not touched for this long is taken to be left by a crashed process. */
  staleMs: number;
}

const OWNER = 'owner-';
const PRIVATE_DIR = 0o700;
const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

interface OwnerInfo {
  pid?: number;
  host?: string;
}

/** Takes the lock at `lockPath`; resolves with the function that releases it. */
export async function acquireFileLock(
  lockPath: string,
  options: FileLockOptions,
): Promise<() => Promise<void>> {
  const started = Date.now();
  let delay = 10;
  await fs.mkdir(dirname(lockPath), { recursive: true, mode: PRIVATE_DIR });
  for (;;) {
    const release = await tryAcquire(lockPath, options.staleMs);
    if (release) return release;
    // A stale lock was removed: compete again at once.
    if (await removeIfStale(lockPath, options.staleMs)) continue;
    if (Date.now() - started > options.timeoutMs) {
      throw new CloudStorageError(
        ErrorCode.LocalFileError,
        `Timed out waiting for the token lock ${lockPath}: another process holds it. If no other process is running, remove it.`,
      );
    }
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 200);
  }
}

async function tryAcquire(lockPath: string, staleMs: number): Promise<(() => Promise<void>) | undefined> {
  try {
    await fs.mkdir(lockPath, { mode: PRIVATE_DIR });
  } catch (e) {
    if (errno(e) === 'EEXIST') return undefined;
    throw lockError(lockPath, e);
  }
  const owner = join(lockPath, `${OWNER}${randomBytes(12).toString('hex')}`);
  try {
    const handle = await fs.open(owner, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname() }));
    } finally {
      await handle.close();
    }
  } catch (e) {
    // The empty directory was judged stale and removed before the owner was written: not ours.
    if (errno(e) === 'ENOENT') return undefined;
    await fs.rmdir(lockPath).catch(() => {});
    throw lockError(lockPath, e);
  }
  // Touched while held, so that a long refresh is not taken for a crashed one.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      fs.utimes(owner, now, now).catch(() => {});
    },
    Math.max(10, Math.floor(staleMs / 3)),
  );
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    try {
      await fs.unlink(owner);
    } catch {
      // Taken over (we were judged stale): the directory is someone else's now.
      return;
    }
    await fs.rmdir(lockPath).catch(() => {});
  };
}

/** Removes the lock when its holder is gone; true when this call removed it. */
async function removeIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fs.readdir(lockPath);
  } catch (e) {
    if (errno(e) === 'ENOENT') return true;
    if (errno(e) === 'ENOTDIR') return removeLegacyLock(lockPath, staleMs);
    throw lockError(lockPath, e);
  }
  const owners = entries.filter((name) => name.startsWith(OWNER));
  if (owners.length === 0) {
    // Made by a process that crashed before writing its owner (or one that is writing it right now).
    const info = await fs.stat(lockPath).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs <= staleMs) return false;
    return fs.rmdir(lockPath).then(
      () => true,
      () => false,
    );
  }
  for (const name of owners) {
    const path = join(lockPath, name);
    if (!(await ownerIsStale(path, staleMs))) continue;
    try {
      // The compare-and-delete: only one process removes this owner; a newer owner has another name.
      await fs.unlink(path);
    } catch {
      continue;
    }
    await fs.rmdir(lockPath).catch(() => {});
    return true;
  }
  return false;
}

async function ownerIsStale(path: string, staleMs: number): Promise<boolean> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)]);
  } catch {
    return false;
  }
  if (Date.now() - mtimeMs > staleMs) return true;
  let info: OwnerInfo = {};
  try {
    info = JSON.parse(text) as OwnerInfo;
  } catch {
    // Being written: judged by its age only.
  }
  return info.host === hostname() && typeof info.pid === 'number' && !processExists(info.pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return errno(e) === 'EPERM';
  }
}

/**
 * A lock file of an earlier version (a plain file holding a pid): removed when older than `staleMs`. Only
 * for the upgrade; such a file is not made any more.
 */
async function removeLegacyLock(lockPath: string, staleMs: number): Promise<boolean> {
  const info = await fs.stat(lockPath).catch(() => undefined);
  if (!info) return true;
  if (Date.now() - info.mtimeMs <= staleMs) return false;
  // unlink, not rm: if another process replaced it with a lock directory meanwhile, that stays.
  return fs.unlink(lockPath).then(
    () => true,
    () => false,
  );
}

function lockError(lockPath: string, cause: unknown): CloudStorageError {
  return new CloudStorageError(
    ErrorCode.LocalFileError,
    `Could not take the token lock ${lockPath} (${errno(cause) ?? String(cause)}). Check that its directory exists and is writable.`,
    { cause },
  );
}
