import { Readable } from 'node:stream';
import { Mutex } from '../core/auth/stores/mutex.js';
import type { HashName } from '../core/transfer/hash.js';
import type { Box } from '../providers/box/index.js';
import type { BoxResource, BoxUploadOptions } from '../providers/box/types.js';
import { RemoteNotFound, wrongKind } from './errors.js';
import { FolderIds } from './folder-ids.js';
import { cleanPath, joinPath, splitPath } from './paths.js';
import { entryName, modTimeOf, secondsIso } from './service-entry.js';
import { downloadAsReadable, withProgress } from './streams.js';
import { walkTree } from './tree.js';
import type {
  Entry,
  ListOptions,
  Quota,
  ReadOptions,
  Remote,
  RemoteFeatures,
  UploadResumeState,
  WriteOptions,
} from './types.js';

/**
 * Box as a remote, on the Box class. Paths are resolved to ids through the folders' listings (folder ids
 * kept in a small cache); hashes are Box's SHA-1; the modification time is Box's content_modified_at
 * (whole seconds). Files from MinResumableUploadSize up go through upload sessions (parallel parts,
 * resumable in another process from the session URL); smaller ones, and streams of unknown size, in one
 * request. Deleted items go to Box's trash, as in Box's own apps.
 */
export class BoxRemote implements Remote {
  readonly type = 'box' as const;
  readonly name: string;
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
  private readonly folders: FolderIds;
  /** Replacing a file's content goes through the class's resources collection (updateResource): one at a time. */
  private readonly replacing = new Mutex();

  constructor(
    readonly box: Box,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'box';
    this.folders = new FolderIds(
      {
        rootId: 'd:0',
        caseInsensitive: true,
        listChildren: (id, path, signal) => this.children(id, path, signal),
        createFolder: (name, parentId) => box.createFolder(name, parentId),
      },
      this.name,
    );
  }

  private async *children(folderId: string, folderPath: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    for await (const r of this.box.iterateResources(folderId, signal ? { signal } : {})) {
      const entry = entryOf(r, folderPath);
      if (entry) yield entry;
    }
  }

  private async *listFolder(path: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    const id = await this.folders.existingFolder(path, signal);
    for await (const entry of this.children(id, path, signal)) {
      if (entry.kind === 'folder' && entry.id) this.folders.remember(entry.path, entry.id);
      yield entry;
    }
  }

  list(path: string, options: ListOptions = {}): AsyncIterable<Entry> {
    return walkTree(
      (p, s) => this.listFolder(p, s),
      cleanPath(path),
      options.recursive ?? false,
      options.signal,
    );
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry | undefined> {
    const clean = cleanPath(path);
    if (clean === '') return { path: '', name: '', kind: 'folder', size: 0, hashes: {}, id: 'd:0' };
    return this.folders.entry(clean, options.signal);
  }

  private async file(path: string, signal?: AbortSignal): Promise<Entry & { id: string }> {
    const entry = await this.stat(path, signal ? { signal } : {});
    if (!entry?.id) throw new RemoteNotFound(this.name, cleanPath(path), 'file');
    if (entry.kind !== 'file') throw wrongKind(this.name, entry.path, 'is a folder, not a file');
    return entry as Entry & { id: string };
  }

  private async folder(path: string): Promise<Entry & { id: string }> {
    const entry = await this.stat(path);
    if (!entry?.id) throw new RemoteNotFound(this.name, cleanPath(path), 'folder');
    if (entry.kind !== 'folder') throw wrongKind(this.name, entry.path, 'is a file, not a folder');
    return entry as Entry & { id: string };
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const entry = await this.file(path, options.signal);
    if ((options.offset ?? 0) >= entry.size || options.length === 0) return Readable.from([]);
    return downloadAsReadable(
      (stream, { offset: startByte }, signal) =>
        this.box.downloadFile(entry.id, { stream, startByte, signal }),
      options,
    );
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const clean = cleanPath(path);
    const [parent, name] = splitPath(clean);
    if (clean === '') throw wrongKind(this.name, clean, 'is the root folder, not a file');
    const parentId = await this.folders.makeFolder(parent);
    const existing = await this.folders.find(parentId, parent, name, options.signal);
    if (existing?.kind === 'folder')
      throw wrongKind(this.name, clean, 'is a folder: a file cannot replace it');
    const minimum = this.box.settings.get('MinResumableUploadSize');
    const resumable = options.resume !== undefined || (options.size !== undefined && options.size >= minimum);
    const upload: BoxUploadOptions = {
      data: withProgress(data, options.onProgress),
      ...(options.size !== undefined ? { size: options.size } : {}),
      useResumableUpload: resumable,
      resumeUrl: options.resume?.session ?? '',
      ...(options.modTime ? { clientModifiedTime: secondsIso(options.modTime) } : {}),
      ...(options.onResumeState ? { onSessionState: sessionReporter(options.onResumeState) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    let id: string;
    if (existing?.id) {
      const fileId = existing.id;
      // A new version of the file (Box keeps the old one in its version history).
      await this.replacing.run(async () => {
        await this.box.getResourceInfo(fileId);
        await this.box.updateResource(fileId, upload);
      });
      id = fileId;
    } else {
      id = await this.box.uploadFile(name, parentId, upload);
    }
    const written = await this.folders.find(parentId, parent, name);
    if (!written || written.id !== id) throw new RemoteNotFound(this.name, clean, 'file');
    return written;
  }

  async mkdir(path: string): Promise<void> {
    await this.folders.makeFolder(cleanPath(path));
  }

  async rmdir(path: string): Promise<void> {
    const folder = await this.folder(path);
    if (folder.path === '') throw wrongKind(this.name, '', 'is the root folder: it cannot be removed');
    for await (const _ of this.children(folder.id, folder.path)) {
      throw wrongKind(this.name, folder.path, 'is not empty: remove what is in it first, or purge it');
    }
    await this.box.deleteResource(folder.id);
    this.folders.forget(folder.path);
  }

  async delete(path: string): Promise<void> {
    const entry = await this.file(path);
    await this.box.deleteResource(entry.id);
  }

  async purge(path: string): Promise<void> {
    const folder = await this.folder(path);
    if (folder.path !== '') await this.box.deleteResource(folder.id);
    else
      for await (const child of this.children(folder.id, ''))
        if (child.id) await this.box.deleteResource(child.id);
    this.folders.forget(folder.path);
  }

  /** The parent's id and the entry in the way of a copy or move to `dst` (a file there is replaced). */
  private async destination(
    dst: string,
  ): Promise<{ path: string; parent: string; name: string; parentId: string }> {
    const path = cleanPath(dst);
    const [parent, name] = splitPath(path);
    if (path === '') throw wrongKind(this.name, path, 'is the root folder');
    const parentId = await this.folders.makeFolder(parent);
    const there = await this.folders.find(parentId, parent, name);
    if (there?.kind === 'folder') throw wrongKind(this.name, path, 'is a folder: remove it first');
    if (there?.id) await this.box.deleteResource(there.id);
    return { path, parent, name, parentId };
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.file(src);
    const to = await this.destination(dst);
    await this.box.copyResource(from.id, to.parentId, to.name);
    return this.found(to);
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from?.id) throw new RemoteNotFound(this.name, cleanPath(src));
    const to = await this.destination(dst);
    await this.box.moveResource(from.id, to.parentId, to.name);
    this.folders.forget(from.path);
    return this.found(to);
  }

  private async found(to: { path: string; parent: string; name: string; parentId: string }): Promise<Entry> {
    const entry = await this.folders.find(to.parentId, to.parent, to.name);
    if (!entry) throw new RemoteNotFound(this.name, to.path);
    return entry;
  }

  async about(): Promise<Quota> {
    const account = await this.box.getAccountInfo();
    const total = account.totalSpace >= 0 ? account.totalSpace : undefined;
    const used = account.usedSpace >= 0 ? account.usedSpace : undefined;
    return {
      ...(total !== undefined ? { total } : {}),
      ...(used !== undefined ? { used } : {}),
      ...(total !== undefined && used !== undefined ? { free: Math.max(0, total - used) } : {}),
    };
  }

  async link(path: string): Promise<string> {
    const entry = await this.stat(path);
    if (!entry?.id || entry.path === '') throw new RemoteNotFound(this.name, cleanPath(path));
    return this.box.createLink(entry.id);
  }

  async hash(
    path: string,
    name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const entry = await this.file(path, options.signal);
    return entry.hashes[name];
  }

  async close(): Promise<void> {
    await this.box.close();
  }
}

/** A Box resource as an entry of the folder at `folderPath`. */
function entryOf(r: BoxResource, folderPath: string): Entry | undefined {
  const name = entryName(r.name);
  if (name === undefined) return undefined;
  const folder = r.type === 1;
  const modTime = modTimeOf(r.clientModifiedTime || r.modifiedTime);
  return {
    path: joinPath(folderPath, name),
    name,
    kind: folder ? 'folder' : 'file',
    size: folder ? 0 : r.size,
    ...(modTime ? { modTime } : {}),
    hashes: !folder && r.hash ? { sha1: r.hash.toLowerCase() } : {},
    id: r.id,
  };
}

/** The class's per-call session state as the interface's resume state (only while a session is open). */
export function sessionReporter(
  onResumeState: (state: UploadResumeState) => void,
): (state: { session: string; startByte: number }) => void {
  return (state) => {
    if (state.session) onResumeState({ session: state.session, committed: state.startByte });
  };
}
