import { Readable } from 'node:stream';
import { Mutex } from '../core/auth/stores/mutex.js';
import type { HashName } from '../core/transfer/hash.js';
import type { GoogleDrive } from '../providers/googledrive/index.js';
import {
  blankPermission,
  GoogleDrivePermissionModOp,
  GoogleDrivePermissionRole,
  GoogleDrivePermissionType,
  type GoogleDriveResource,
  type UploadOptions,
} from '../providers/googledrive/types.js';
import { sessionReporter } from './box.js';
import { RemoteNotFound, wrongKind } from './errors.js';
import { FolderIds } from './folder-ids.js';
import { cleanPath, joinPath, splitPath } from './paths.js';
import { entryName, modTimeOf } from './service-entry.js';
import { downloadAsReadable, withProgress } from './streams.js';
import { walkTree } from './tree.js';
import type {
  Entry,
  ListOptions,
  Quota,
  ReadOptions,
  Remote,
  RemoteFeatures,
  WriteOptions,
} from './types.js';

const GOOGLE_APPS_PREFIX = 'application/vnd.google-apps.';
const FOLDER_MIME = `${GOOGLE_APPS_PREFIX}folder`;

/**
 * Google Drive as a remote, on the GoogleDrive class. Folders are found by their parents (folder ids kept
 * in a small cache); hashes are Drive's MD5, SHA-1 and SHA-256; the modification time is Drive's
 * modifiedTime (milliseconds). Google-native documents are listed with size 0 and their MIME type (copies
 * skip them unless asked). Files larger than FragmentSize, and streams of unknown size, go through
 * resumable sessions. Deleted items go to Drive's trash.
 */
export class GoogleDriveRemote implements Remote {
  readonly type = 'googledrive' as const;
  readonly name: string;
  readonly features: RemoteFeatures = {
    hashes: ['md5', 'sha1', 'sha256'],
    modTimePrecision: 1,
    setModTime: true,
    serverSideCopy: true,
    serverSideMove: true,
    emptyFolders: true,
    resumableUploads: true,
    publicLinks: true,
    caseInsensitive: false,
  };
  private readonly folders: FolderIds;
  /** Links go through the class's permissions collection (updatePermissions): one at a time. */
  private readonly linking = new Mutex();

  constructor(
    readonly drive: GoogleDrive,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'googledrive';
    this.folders = new FolderIds(
      {
        rootId: 'root',
        caseInsensitive: false,
        listChildren: (id, path, signal) => this.children(id, path, signal),
        createFolder: (name, parentId) => drive.createFolder(name, parentId),
      },
      this.name,
    );
  }

  private async *children(folderId: string, folderPath: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    for await (const r of this.drive.iterateChildren(folderId, signal ? { signal } : {})) {
      const entry = r.trashed ? undefined : entryOf(r, folderPath);
      if (entry) yield entry;
    }
  }

  private async *listFolder(path: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    const id = await this.folders.existingFolder(path, signal);
    yield* this.children(id, path, signal);
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
    if (clean === '') return { path: '', name: '', kind: 'folder', size: 0, hashes: {}, id: 'root' };
    return this.folders.entry(clean, options.signal);
  }

  private async existing(
    path: string,
    kind: 'file' | 'folder',
    signal?: AbortSignal,
  ): Promise<Entry & { id: string }> {
    const entry = await this.stat(path, signal ? { signal } : {});
    if (!entry?.id) throw new RemoteNotFound(this.name, cleanPath(path), kind);
    if (entry.kind !== kind) throw wrongKind(this.name, entry.path, `is a ${entry.kind}, not a ${kind}`);
    return entry as Entry & { id: string };
  }

  /** The entry of a file or folder by id, at a known path. */
  private async byId(id: string, path: string): Promise<Entry> {
    const [r] = await this.drive.getResourceInfo(id);
    const entry = r ? entryOf(r, splitPath(path)[0]) : undefined;
    if (!entry) throw new RemoteNotFound(this.name, path);
    return entry;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const entry = await this.existing(path, 'file', options.signal);
    const native = entry.mimeType?.startsWith(GOOGLE_APPS_PREFIX) ?? false;
    if (!native && ((options.offset ?? 0) >= entry.size || options.length === 0)) return Readable.from([]);
    return downloadAsReadable(
      (stream, { offset: startByte }, signal) =>
        this.drive.downloadFile(entry.id, '', { stream, startByte, signal }),
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
    const fragment = this.drive.settings.get('FragmentSize');
    const modifiedTime = options.modTime?.toISOString();
    const upload: UploadOptions = {
      data: withProgress(data, options.onProgress),
      ...(options.size !== undefined ? { size: options.size } : {}),
      useResumableUpload:
        options.size === undefined || options.size > fragment || options.resume !== undefined,
      // Always per call: the instance's resumeUrl/startByte are another call's (an interrupted one's).
      resumeUrl: options.resume?.session ?? '',
      startByte: options.resume?.committed ?? 0,
      ...(options.onResumeState ? { onSessionState: sessionReporter(options.onResumeState) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    let id: string;
    if (existing?.id) {
      id = existing.id;
      await this.drive.updateResource(id, { ...upload, metadata: modifiedTime ? { modifiedTime } : {} });
    } else {
      id = await this.drive.uploadFile(name, '', {
        ...upload,
        metadata: { name, parentIds: parentId, ...(modifiedTime ? { modifiedTime } : {}) },
      });
    }
    return this.byId(id, clean);
  }

  async mkdir(path: string): Promise<void> {
    await this.folders.makeFolder(cleanPath(path));
  }

  async rmdir(path: string): Promise<void> {
    const folder = await this.existing(path, 'folder');
    if (folder.path === '') throw wrongKind(this.name, '', 'is the root folder: it cannot be removed');
    for await (const _ of this.children(folder.id, folder.path)) {
      throw wrongKind(this.name, folder.path, 'is not empty: remove what is in it first, or purge it');
    }
    await this.drive.trashResource(folder.id);
    this.folders.forget(folder.path);
  }

  async delete(path: string): Promise<void> {
    await this.drive.trashResource((await this.existing(path, 'file')).id);
  }

  async purge(path: string): Promise<void> {
    const folder = await this.existing(path, 'folder');
    if (folder.path !== '') await this.drive.trashResource(folder.id);
    else
      for await (const child of this.children(folder.id, ''))
        if (child.id) await this.drive.trashResource(child.id);
    this.folders.forget(folder.path);
  }

  /** Makes room at `dst` for a copy or move: its folder made, a file there trashed. */
  private async destination(dst: string): Promise<{ path: string; name: string; parentId: string }> {
    const path = cleanPath(dst);
    const [parent, name] = splitPath(path);
    if (path === '') throw wrongKind(this.name, path, 'is the root folder');
    const parentId = await this.folders.makeFolder(parent);
    const there = await this.folders.find(parentId, parent, name);
    if (there?.kind === 'folder') throw wrongKind(this.name, path, 'is a folder: remove it first');
    if (there?.id) await this.drive.trashResource(there.id);
    return { path, name, parentId };
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.existing(src, 'file');
    const to = await this.destination(dst);
    const id = await this.drive.copyResource(from.id, to.name, to.parentId);
    return this.byId(id, to.path);
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from?.id || from.path === '') throw new RemoteNotFound(this.name, cleanPath(src));
    const to = await this.destination(dst);
    await this.drive.moveResource(from.id, to.parentId);
    if (to.name !== from.name) await this.drive.updateResource(from.id, { metadata: { name: to.name } });
    this.folders.forget(from.path);
    return this.byId(from.id, to.path);
  }

  async about(): Promise<Quota> {
    const a = await this.drive.getAccountInfo();
    const total = a.storageQuota >= 0 ? a.storageQuota : undefined;
    const used = a.storageUsage >= 0 ? a.storageUsage : undefined;
    return {
      ...(total !== undefined ? { total } : {}),
      ...(used !== undefined ? { used } : {}),
      ...(total !== undefined && used !== undefined ? { free: Math.max(0, total - used) } : {}),
      ...(a.trashUsage >= 0 ? { trashed: a.trashUsage } : {}),
    };
  }

  /** Anyone with the link may read the item; the link is its web view link. */
  async link(path: string): Promise<string> {
    const entry = await this.stat(path);
    if (!entry?.id || entry.path === '') throw new RemoteNotFound(this.name, cleanPath(path));
    const id = entry.id;
    await this.linking.run(async () => {
      this.drive.permissions = [
        {
          ...blankPermission(),
          modOp: GoogleDrivePermissionModOp.Create,
          role: GoogleDrivePermissionRole.Reader,
          type: GoogleDrivePermissionType.Anyone,
        },
      ];
      await this.drive.updatePermissions(id);
    });
    const [r] = await this.drive.getResourceInfo(id);
    if (!r?.viewLink) throw new RemoteNotFound(this.name, entry.path);
    return r.viewLink;
  }

  async hash(
    path: string,
    name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    return (await this.existing(path, 'file', options.signal)).hashes[name];
  }

  async close(): Promise<void> {
    await this.drive.close();
  }
}

/** A Drive resource as an entry of the folder at `folderPath`. */
function entryOf(r: GoogleDriveResource, folderPath: string): Entry | undefined {
  const name = entryName(r.name);
  if (name === undefined) return undefined;
  const folder = r.mimeType === FOLDER_MIME || r.type === 1;
  // A Google-native document has no bytes of its own (only exports): size 0, whatever Drive reports.
  const native = !folder && r.mimeType.startsWith(GOOGLE_APPS_PREFIX);
  const modTime = modTimeOf(r.modifiedTime);
  const hashes: Entry['hashes'] = {};
  if (!folder && r.md5Checksum) hashes.md5 = r.md5Checksum.toLowerCase();
  if (!folder && r.sha1Checksum) hashes.sha1 = r.sha1Checksum.toLowerCase();
  if (!folder && r.sha256Checksum) hashes.sha256 = r.sha256Checksum.toLowerCase();
  return {
    path: joinPath(folderPath, name),
    name,
    kind: folder ? 'folder' : 'file',
    size: folder || native ? 0 : Math.max(0, r.size),
    ...(modTime ? { modTime } : {}),
    hashes,
    id: r.id,
    ...(r.mimeType && !folder ? { mimeType: r.mimeType } : {}),
  };
}
