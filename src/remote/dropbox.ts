import type { Readable } from 'node:stream';
import { CloudStorageError } from '../core/errors.js';
import type { HashName } from '../core/transfer/hash.js';
import type { Dropbox } from '../providers/dropbox/index.js';
import type { DropboxResource, UploadOptions } from '../providers/dropbox/types.js';
import { folderNotEmpty, RemoteNotFound, wrongKind } from './errors.js';
import { cleanPath, splitPath } from './paths.js';
import { expectKind, quotaOf, secondsIso, serviceEntry, sessionReporter } from './service-entry.js';
import { downloadAsReadable, withProgress } from './streams.js';
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

/** The date format the adapter reads the class's time fields in (the class's default, ISO 8601 UTC). */
const ISO_DATE_FORMAT = 'yyyy-MM-ddTHH:mm:ssZ';

/** Whether a Dropbox error says the path is not there (`path/not_found`, `path_lookup/not_found`, …). */
function notFound(e: unknown): boolean {
  return e instanceof CloudStorageError && (e.providerCode?.includes('not_found') ?? false);
}

/**
 * Dropbox as a remote, on the Dropbox class. Dropbox is addressed by path, so no ids are resolved; names
 * compare case-insensitively. Hashes are Dropbox's content hash; the modification time is client_modified
 * (whole seconds). Files larger than FragmentSize, and streams of unknown size, go through upload sessions,
 * which resume in another process from the session id and the offset Dropbox confirmed.
 */
export class DropboxRemote implements Remote {
  readonly type = 'dropbox' as const;
  readonly name: string;
  readonly features: RemoteFeatures = {
    hashes: ['dropbox'],
    modTimePrecision: 1000,
    setModTime: true,
    serverSideCopy: true,
    serverSideMove: true,
    emptyFolders: true,
    resumableUploads: true,
    publicLinks: true,
    caseInsensitive: true,
  };

  constructor(
    readonly dropbox: Dropbox,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'dropbox';
    dropbox.config(`DateFormat=${ISO_DATE_FORMAT}`);
  }

  /** Dropbox's path of a clean remote path: `/a/b`, the root `''`. */
  private static address(path: string): string {
    return path === '' ? '' : `/${path}`;
  }

  private async *listFolder(path: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    const entry = await this.stat(path, signal ? { signal } : {});
    if (!entry) throw new RemoteNotFound(this.name, path, 'folder');
    if (entry.kind !== 'folder') throw wrongKind(this.name, path, 'is a file, not a folder');
    for await (const r of this.dropbox.iterateResources(
      DropboxRemote.address(path),
      signal ? { signal } : {},
    )) {
      const entry = r.deleted ? undefined : entryOf(r, path);
      if (entry) yield entry;
    }
  }

  list(path: string, options: ListOptions = {}): AsyncIterable<Entry> {
    return listTree((p, s) => this.listFolder(p, s), path, options);
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry | undefined> {
    const clean = cleanPath(path);
    if (clean === '') return { path: '', name: '', kind: 'folder', size: 0, hashes: {} };
    try {
      const r = await this.dropbox.getResourceInfo(DropboxRemote.address(clean), options);
      return r.deleted ? undefined : entryOf(r, splitPath(clean)[0]);
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  private async existing(path: string, kind: 'file' | 'folder', signal?: AbortSignal): Promise<Entry> {
    return expectKind(this.name, path, await this.stat(path, signal ? { signal } : {}), kind);
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const entry = await this.existing(path, 'file', options.signal);
    const address = DropboxRemote.address(entry.path);
    return downloadAsReadable(
      (stream, { offset: startByte }, signal) =>
        this.dropbox.downloadFile(address, { stream, startByte, signal }),
      options,
      entry.size,
    );
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const clean = cleanPath(path);
    if (clean === '') throw wrongKind(this.name, clean, 'is the root folder, not a file');
    if ((await this.stat(clean))?.kind === 'folder') {
      throw wrongKind(this.name, clean, 'is a folder: a file cannot replace it');
    }
    const fragment = this.dropbox.settings.get('FragmentSize');
    const upload: UploadOptions = {
      data: withProgress(data, options.onProgress),
      ...(options.size !== undefined ? { size: options.size } : {}),
      overwrite: true,
      useResumableUpload:
        options.size === undefined || options.size > fragment || options.resume !== undefined,
      // Always per call: the instance's uploadSessionId/startByte are another call's (an interrupted one's).
      uploadSessionId: options.resume?.session ?? '',
      startByte: options.resume?.committed ?? 0,
      ...(options.modTime ? { clientModifiedTime: secondsIso(options.modTime) } : {}),
      ...(options.onResumeState ? { onSessionState: sessionReporter(options.onResumeState) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    await this.dropbox.uploadFile(DropboxRemote.address(clean), upload);
    return this.existing(clean, 'file');
  }

  async mkdir(path: string): Promise<void> {
    const clean = cleanPath(path);
    const there = await this.stat(clean);
    if (there?.kind === 'folder') return;
    if (there) throw wrongKind(this.name, clean, 'cannot be made a folder: a file is in the way');
    try {
      await this.dropbox.createFolder(DropboxRemote.address(clean));
    } catch (e) {
      // Made meanwhile by a concurrent call.
      if ((await this.stat(clean))?.kind !== 'folder') throw e;
    }
  }

  async rmdir(path: string): Promise<void> {
    const folder = await this.existing(path, 'folder');
    if (folder.path === '') throw wrongKind(this.name, '', 'is the root folder: it cannot be removed');
    for await (const _ of this.dropbox.iterateResources(DropboxRemote.address(folder.path))) {
      throw folderNotEmpty(this.name, folder.path);
    }
    await this.dropbox.deleteResource(DropboxRemote.address(folder.path));
  }

  async delete(path: string): Promise<void> {
    const entry = await this.existing(path, 'file');
    await this.dropbox.deleteResource(DropboxRemote.address(entry.path));
  }

  async purge(path: string): Promise<void> {
    const folder = await this.existing(path, 'folder');
    if (folder.path !== '') {
      await this.dropbox.deleteResource(DropboxRemote.address(folder.path));
      return;
    }
    for await (const r of this.dropbox.iterateResources('')) {
      if (!r.deleted) await this.dropbox.deleteResource(r.path);
    }
  }

  /** Makes room at `dst` for a copy or move: its folder made, a file there removed. */
  private async destination(dst: string): Promise<string> {
    const path = cleanPath(dst);
    if (path === '') throw wrongKind(this.name, path, 'is the root folder');
    const there = await this.stat(path);
    if (there?.kind === 'folder') throw wrongKind(this.name, path, 'is a folder: remove it first');
    if (there) await this.dropbox.deleteResource(DropboxRemote.address(path));
    await this.mkdir(splitPath(path)[0]);
    return path;
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.existing(src, 'file');
    const to = await this.destination(dst);
    await this.dropbox.copyResource(DropboxRemote.address(from.path), DropboxRemote.address(to));
    return this.existing(to, 'file');
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from || from.path === '') throw new RemoteNotFound(this.name, cleanPath(src));
    const to = await this.destination(dst);
    await this.dropbox.moveResource(DropboxRemote.address(from.path), DropboxRemote.address(to));
    return this.existing(to, from.kind);
  }

  async about(): Promise<Quota> {
    const account = await this.dropbox.getAccountInfo();
    return quotaOf(account.totalSpace, account.usedSpace);
  }

  async link(path: string): Promise<string> {
    const entry = await this.stat(path);
    if (!entry || entry.path === '') throw new RemoteNotFound(this.name, cleanPath(path));
    return this.dropbox.createLink(DropboxRemote.address(entry.path));
  }

  async hash(
    path: string,
    name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    return (await this.existing(path, 'file', options.signal)).hashes[name];
  }

  async close(): Promise<void> {
    await this.dropbox.close();
  }
}

/** A Dropbox resource as an entry of the folder at `folderPath` (Dropbox's casing of the name kept). */
function entryOf(r: DropboxResource, folderPath: string): Entry | undefined {
  return serviceEntry(folderPath, {
    name: r.name,
    folder: r.type === 1,
    size: r.size,
    modified: r.clientModifiedTime || r.modifiedTime,
    hashes: { dropbox: r.hash },
    ...(r.id ? { id: r.id } : {}),
  });
}
