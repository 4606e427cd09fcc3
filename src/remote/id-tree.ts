import { folderNotEmpty, RemoteNotFound, wrongKind } from './errors.js';
import { FolderIds } from './folder-ids.js';
import { cleanPath, splitPath } from './paths.js';
import { expectKind } from './service-entry.js';
import { listTree } from './tree.js';
import type { Entry, HashName, ListOptions } from './types.js';

/** Where a copy or move lands: the parent folder's id (made as needed) and the new name. */
export interface Destination {
  path: string;
  parent: string;
  name: string;
  parentId: string;
}

/**
 * What the remotes of services that name items by id and parent (Box, Google Drive) share: paths resolved
 * through the folders' listings (folder ids cached in {@link FolderIds}), listing, stat, folders made and
 * removed, deletions. An adapter says how to list a folder's children, make a folder and remove an item,
 * and adds the transfers.
 */
export abstract class IdTreeRemote {
  readonly name: string;
  protected readonly folders: FolderIds;

  constructor(
    name: string,
    private readonly rootId: string,
    caseInsensitive: boolean,
  ) {
    this.name = name;
    this.folders = new FolderIds(
      {
        rootId,
        caseInsensitive,
        listChildren: (id, path, signal) => this.children(id, path, signal),
        createFolder: (folderName, parentId) => this.createFolder(folderName, parentId),
      },
      name,
    );
  }

  /** The entries of a folder (with ids), paths below `folderPath`. */
  protected abstract children(
    folderId: string,
    folderPath: string,
    signal?: AbortSignal,
  ): AsyncIterable<Entry>;
  /** Makes a folder; returns its id. */
  protected abstract createFolder(name: string, parentId: string): Promise<string>;
  /** Removes a file, or a folder with everything in it (to the service's trash where it has one). */
  protected abstract removeItem(id: string): Promise<void>;

  private async *listFolder(path: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    const id = await this.folders.existingFolder(path, signal);
    for await (const entry of this.children(id, path, signal)) {
      if (entry.kind === 'folder' && entry.id) this.folders.remember(entry.path, entry.id);
      yield entry;
    }
  }

  list(path: string, options: ListOptions = {}): AsyncIterable<Entry> {
    return listTree((p, s) => this.listFolder(p, s), path, options);
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry | undefined> {
    const clean = cleanPath(path);
    if (clean === '') return { path: '', name: '', kind: 'folder', size: 0, hashes: {}, id: this.rootId };
    return this.folders.entry(clean, options.signal);
  }

  /** The entry (with its id) at a path, which must be of this kind. */
  protected async existing(
    path: string,
    kind: 'file' | 'folder',
    signal?: AbortSignal,
  ): Promise<Entry & { id: string }> {
    const entry = expectKind(this.name, path, await this.stat(path, signal ? { signal } : {}), kind);
    if (!entry.id) throw new RemoteNotFound(this.name, entry.path, kind);
    return entry as Entry & { id: string };
  }

  async mkdir(path: string): Promise<void> {
    await this.folders.makeFolder(cleanPath(path));
  }

  async rmdir(path: string): Promise<void> {
    const folder = await this.existing(path, 'folder');
    if (folder.path === '') throw wrongKind(this.name, '', 'is the root folder: it cannot be removed');
    for await (const _ of this.children(folder.id, folder.path)) {
      throw folderNotEmpty(this.name, folder.path);
    }
    await this.removeItem(folder.id);
    this.folders.forget(folder.path);
  }

  async delete(path: string): Promise<void> {
    await this.removeItem((await this.existing(path, 'file')).id);
  }

  async purge(path: string): Promise<void> {
    const folder = await this.existing(path, 'folder');
    if (folder.path !== '') await this.removeItem(folder.id);
    else
      for await (const child of this.children(folder.id, '')) if (child.id) await this.removeItem(child.id);
    this.folders.forget(folder.path);
  }

  /** The service's own hash of a file (it keeps every hash it has in the listing). */
  async hash(
    path: string,
    name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    return (await this.existing(path, 'file', options.signal)).hashes[name];
  }

  /** Makes room at `dst` for a copy or a move: its folder made, a file there removed (a folder refused). */
  protected async destination(dst: string): Promise<Destination> {
    const path = cleanPath(dst);
    const [parent, name] = splitPath(path);
    if (path === '') throw wrongKind(this.name, path, 'is the root folder');
    const parentId = await this.folders.makeFolder(parent);
    const there = await this.folders.find(parentId, parent, name);
    if (there?.kind === 'folder') throw wrongKind(this.name, path, 'is a folder: remove it first');
    if (there?.id) await this.removeItem(there.id);
    return { path, parent, name, parentId };
  }

  /** Where a write goes: the parent's id (made as needed) and the file there now, if any (a folder is refused). */
  protected async writeTarget(
    path: string,
    signal?: AbortSignal,
  ): Promise<Destination & { existing?: string }> {
    const clean = cleanPath(path);
    const [parent, name] = splitPath(clean);
    if (clean === '') throw wrongKind(this.name, clean, 'is the root folder, not a file');
    const parentId = await this.folders.makeFolder(parent);
    const there = await this.folders.find(parentId, parent, name, signal);
    if (there?.kind === 'folder') throw wrongKind(this.name, clean, 'is a folder: a file cannot replace it');
    return { path: clean, parent, name, parentId, ...(there?.id ? { existing: there.id } : {}) };
  }
}
