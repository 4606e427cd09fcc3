import type { Readable } from 'node:stream';
import { Mutex } from '../core/auth/stores/mutex.js';
import type { Box } from '../providers/box/index.js';
import type { BoxResource, BoxUploadOptions } from '../providers/box/types.js';
import { RemoteNotFound } from './errors.js';
import { type Destination, IdTreeRemote } from './id-tree.js';
import { quotaOf, secondsIso, serviceEntry, sessionReporter } from './service-entry.js';
import { downloadAsReadable, withProgress } from './streams.js';
import type { Entry, Quota, ReadOptions, Remote, RemoteFeatures, WriteOptions } from './types.js';

/**
 * Box as a remote, on the Box class. Paths are resolved to ids through the folders' listings (folder ids
 * kept in a small cache); hashes are Box's SHA-1; the modification time is Box's content_modified_at
 * (whole seconds). Files from MinResumableUploadSize up go through upload sessions (parallel parts,
 * resumable in another process from the session URL); smaller ones, and streams of unknown size, in one
 * request. Deleted items go to Box's trash, as in Box's own apps.
 */
export class BoxRemote extends IdTreeRemote implements Remote {
  readonly type = 'box' as const;
  readonly features: RemoteFeatures = {
    hashes: ['sha1'],
    modTimePrecision: 1000,
    setModTime: true,
    serverSideCopy: true,
    serverSideMove: true,
    emptyFolders: true,
    resumableUploads: true,
    publicLinks: true,
    caseInsensitive: true,
  };
  /** Replacing a file's content goes through the class's resources collection (updateResource): one at a time. */
  private readonly replacing = new Mutex();

  constructor(
    readonly box: Box,
    options: { name?: string } = {},
  ) {
    super(options.name ?? 'box', 'd:0', true);
  }

  protected async *children(
    folderId: string,
    folderPath: string,
    signal?: AbortSignal,
  ): AsyncGenerator<Entry> {
    for await (const r of this.box.iterateResources(folderId, signal ? { signal } : {})) {
      const entry = entryOf(r, folderPath);
      if (entry) yield entry;
    }
  }

  protected createFolder(name: string, parentId: string): Promise<string> {
    return this.box.createFolder(name, parentId);
  }

  protected removeItem(id: string): Promise<void> {
    return this.box.deleteResource(id);
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const entry = await this.existing(path, 'file', options.signal);
    return downloadAsReadable(
      (stream, { offset: startByte }, signal) =>
        this.box.downloadFile(entry.id, { stream, startByte, signal }),
      options,
      entry.size,
    );
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const target = await this.writeTarget(path, options.signal);
    const minimum = this.box.settings.get('MinResumableUploadSize');
    const upload: BoxUploadOptions = {
      data: withProgress(data, options.onProgress),
      ...(options.size !== undefined ? { size: options.size } : {}),
      useResumableUpload:
        options.resume !== undefined || (options.size !== undefined && options.size >= minimum),
      // Always per call: the instance's resumeUrl is another call's (an interrupted one's).
      resumeUrl: options.resume?.session ?? '',
      ...(options.modTime ? { clientModifiedTime: secondsIso(options.modTime) } : {}),
      ...(options.onResumeState ? { onSessionState: sessionReporter(options.onResumeState) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const fileId = target.existing;
    let id: string;
    if (fileId) {
      // A new version of the file (Box keeps the old one in its version history).
      await this.replacing.run(async () => {
        await this.box.getResourceInfo(fileId);
        await this.box.updateResource(fileId, upload);
      });
      id = fileId;
    } else {
      id = await this.box.uploadFile(target.name, target.parentId, upload);
    }
    const written = await this.found(target);
    if (written.id !== id) throw new RemoteNotFound(this.name, target.path, 'file');
    return written;
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.existing(src, 'file');
    const to = await this.destination(dst);
    await this.box.copyResource(from.id, to.parentId, to.name);
    return this.found(to);
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from?.id || from.path === '') throw new RemoteNotFound(this.name, src);
    const to = await this.destination(dst);
    await this.box.moveResource(from.id, to.parentId, to.name);
    this.folders.forget(from.path);
    return this.found(to);
  }

  private async found(to: Destination): Promise<Entry> {
    const entry = await this.folders.find(to.parentId, to.parent, to.name);
    if (!entry) throw new RemoteNotFound(this.name, to.path);
    return entry;
  }

  async about(): Promise<Quota> {
    const account = await this.box.getAccountInfo();
    return quotaOf(account.totalSpace, account.usedSpace);
  }

  async link(path: string): Promise<string> {
    const entry = await this.stat(path);
    if (!entry?.id || entry.path === '') throw new RemoteNotFound(this.name, path);
    return this.box.createLink(entry.id);
  }

  async close(): Promise<void> {
    await this.box.close();
  }
}

/** A Box resource as an entry of the folder at `folderPath`. */
function entryOf(r: BoxResource, folderPath: string): Entry | undefined {
  return serviceEntry(folderPath, {
    name: r.name,
    folder: r.type === 1,
    size: r.size,
    modified: r.clientModifiedTime || r.modifiedTime,
    hashes: { sha1: r.hash },
    id: r.id,
  });
}
