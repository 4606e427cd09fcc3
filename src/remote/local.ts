import { constants, createReadStream, type Dirent } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, rename, rm, rmdir, statfs, unlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AtomicFile, tempPathFor } from '../core/atomic-file.js';
import { HashingStream, type HashName } from '../core/transfer/hash.js';
import { folderNotEmpty, RemoteNotFound, unsupported, wrongKind } from './errors.js';
import { cleanPath, joinPath, splitPath } from './paths.js';
import { expectKind } from './service-entry.js';
import { countingStream, readWindow } from './streams.js';
import { listTree } from './tree.js';
import type {
  Entry,
  ListOptions,
  Quota,
  ReadOptions,
  Remote,
  RemoteFeatures,
  WriteOptions,
} from './types.js';

const ALL_HASHES: readonly HashName[] = ['sha1', 'md5', 'sha256', 'dropbox'];

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * The local file system as a remote, rooted at a folder. Hashes are computed on demand by reading the
 * file; writes go through a temporary file renamed over the target (core AtomicFile), so a failed write
 * leaves nothing half-written; modification times are set with utimes. Symbolic links and special files
 * are not listed (as rclone does without --links).
 */
export class LocalRemote implements Remote {
  readonly type = 'local' as const;
  readonly name: string;
  readonly root: string;
  readonly features: RemoteFeatures = {
    hashes: ALL_HASHES,
    modTimePrecision: 1,
    setModTime: true,
    serverSideCopy: true,
    serverSideMove: true,
    emptyFolders: true,
    resumableUploads: false,
    publicLinks: false,
    caseInsensitive: process.platform === 'win32' || process.platform === 'darwin',
  };

  constructor(root: string, options: { name?: string } = {}) {
    this.root = resolve(root);
    this.name = options.name ?? this.root;
  }

  /** The local path of a remote path (cleaned: it cannot leave the root). */
  private local(path: string): string {
    const clean = cleanPath(path);
    return clean === '' ? this.root : join(this.root, ...clean.split('/'));
  }

  list(path: string, options: ListOptions = {}): AsyncIterable<Entry> {
    return listTree((p, s) => this.listFolder(p, s), path, options);
  }

  private async *listFolder(path: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    let dirents: Dirent[];
    try {
      dirents = await readdir(this.local(path), { withFileTypes: true });
    } catch (e) {
      if (errno(e) === 'ENOENT') throw new RemoteNotFound(this.name, path, 'folder');
      if (errno(e) === 'ENOTDIR') throw wrongKind(this.name, path, 'is a file, not a folder');
      throw e;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      signal?.throwIfAborted();
      if (!d.isFile() && !d.isDirectory()) continue;
      // Names a remote path cannot hold (control characters, backslashes) are skipped, not failed on.
      const child = joinPath(path, d.name);
      try {
        cleanPath(child);
      } catch {
        continue;
      }
      const entry = await this.stat(child);
      if (entry) yield entry;
    }
  }

  async stat(path: string): Promise<Entry | undefined> {
    const clean = cleanPath(path);
    let s: Awaited<ReturnType<typeof lstat>>;
    try {
      s = await lstat(this.local(clean));
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
      throw e;
    }
    if (!s.isFile() && !s.isDirectory()) return undefined;
    const folder = s.isDirectory();
    return {
      path: clean,
      name: splitPath(clean)[1],
      kind: folder ? 'folder' : 'file',
      size: folder ? 0 : s.size,
      modTime: s.mtime,
      hashes: {},
    };
  }

  private async file(path: string): Promise<Entry> {
    return expectKind(this.name, path, await this.stat(path), 'file');
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset, length } = readWindow(options);
    const entry = await this.file(path);
    if (length === 0 || offset >= entry.size) return Readable.from([]);
    const end = length === undefined ? undefined : offset + length - 1;
    return createReadStream(this.local(entry.path), {
      start: offset,
      ...(end !== undefined ? { end } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const clean = cleanPath(path);
    if (clean === '') throw wrongKind(this.name, clean, 'is the root folder, not a file');
    const [parent] = splitPath(clean);
    await this.mkdir(parent);
    const existing = await this.stat(clean);
    if (existing?.kind === 'folder')
      throw wrongKind(this.name, clean, 'is a folder: a file cannot replace it');
    const target = this.local(clean);
    const file = await AtomicFile.open(target);
    try {
      await pipeline(data, countingStream(options.onProgress), file.stream, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
      await file.commit();
    } catch (e) {
      await file.abort();
      throw e;
    }
    if (options.modTime) await utimes(target, options.modTime, options.modTime);
    return this.file(clean);
  }

  async mkdir(path: string): Promise<void> {
    const clean = cleanPath(path);
    try {
      await mkdir(this.local(clean), { recursive: true });
    } catch (e) {
      if (errno(e) === 'EEXIST' || errno(e) === 'ENOTDIR') {
        throw wrongKind(this.name, clean, 'cannot be made a folder: a file is in the way');
      }
      throw e;
    }
  }

  async rmdir(path: string): Promise<void> {
    const clean = cleanPath(path);
    if (clean === '') throw wrongKind(this.name, clean, 'is the root folder: it cannot be removed');
    try {
      await rmdir(this.local(clean));
    } catch (e) {
      if (errno(e) === 'ENOENT') throw new RemoteNotFound(this.name, clean, 'folder');
      if (errno(e) === 'ENOTEMPTY' || errno(e) === 'EEXIST') {
        throw folderNotEmpty(this.name, clean);
      }
      if (errno(e) === 'ENOTDIR') throw wrongKind(this.name, clean, 'is a file, not a folder');
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    const entry = await this.file(path);
    await unlink(this.local(entry.path));
  }

  async purge(path: string): Promise<void> {
    const entry = expectKind(this.name, path, await this.stat(path), 'folder');
    if (entry.path === '') {
      for (const d of await readdir(this.root))
        await rm(join(this.root, d), { recursive: true, force: true });
      return;
    }
    await rm(this.local(entry.path), { recursive: true, force: true });
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.file(src);
    const to = cleanPath(dst);
    await this.mkdir(splitPath(to)[0]);
    // Through a temporary file too, so that a failed copy leaves nothing half-written at the target.
    const target = this.local(to);
    const temp = tempPathFor(target, dirname(target));
    try {
      await copyFile(this.local(from.path), temp, constants.COPYFILE_EXCL);
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
    if (from.modTime) await utimes(target, from.modTime, from.modTime);
    return this.file(to);
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from) throw new RemoteNotFound(this.name, cleanPath(src));
    const to = cleanPath(dst);
    await this.mkdir(splitPath(to)[0]);
    await rename(this.local(from.path), this.local(to));
    return (await this.stat(to)) as Entry;
  }

  async about(): Promise<Quota> {
    const s = await statfs(this.root);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { total, free, used: total - s.bfree * s.bsize };
  }

  async link(_path: string): Promise<string> {
    throw unsupported(
      this.name,
      'make public links',
      'the local disk has none; copy the file to a cloud remote',
    );
  }

  async hash(
    path: string,
    name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const entry = await this.file(path);
    const hasher = new HashingStream([name]);
    await pipeline(
      createReadStream(this.local(entry.path)),
      hasher,
      async (source) => {
        for await (const _ of source) {
          // drained: the hasher keeps the digest
        }
      },
      options.signal ? { signal: options.signal } : {},
    );
    return hasher.digests[name];
  }

  async close(): Promise<void> {}
}
