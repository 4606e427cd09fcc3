import { CloudStorageError } from '../core/errors.js';
import { RemoteNotFound, wrongKind } from './errors.js';
import { joinPath, pathElements, splitPath } from './paths.js';
import type { Entry } from './types.js';

/** What a service whose items have ids and parents (Box, Google Drive) offers the path resolution. */
export interface IdTree {
  rootId: string;
  caseInsensitive: boolean;
  /** The entries of a folder (with their `id`), their paths below `folderPath`. */
  listChildren(folderId: string, folderPath: string, signal?: AbortSignal): AsyncIterable<Entry>;
  /** Makes a folder; a name taken meanwhile (by a concurrent mkdir) may fail: the folder is looked up again. */
  createFolder(name: string, parentId: string): Promise<string>;
}

/**
 * Paths to ids for services that address items by id: the ids of folders met so far are kept (a small
 * cache, dropped below a path that is removed or moved), files are found by listing their folder. A folder
 * made by two calls at once is made once (the second waits for the first).
 */
export class FolderIds {
  private readonly ids = new Map<string, string>();
  private readonly making = new Map<string, Promise<string>>();

  constructor(
    private readonly tree: IdTree,
    private readonly remote: string,
  ) {}

  private key(path: string): string {
    return this.tree.caseInsensitive ? path.toLowerCase() : path;
  }

  private same(a: string, b: string): boolean {
    return this.tree.caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b;
  }

  /** Notes the id of a folder at a path (a listing or a new folder). */
  remember(path: string, id: string): void {
    if (this.ids.size > 10_000) this.ids.clear();
    this.ids.set(this.key(path), id);
  }

  /** Drops what is known of a path and everything below it. */
  forget(path: string): void {
    const key = this.key(path);
    for (const k of this.ids.keys()) if (k === key || k.startsWith(`${key}/`)) this.ids.delete(k);
  }

  /** The entry at a path (its folder is listed), or undefined. */
  async entry(path: string, signal?: AbortSignal): Promise<Entry | undefined> {
    const [parent, name] = splitPath(path);
    const parentId = await this.folderId(parent, signal);
    return parentId === undefined ? undefined : this.find(parentId, parent, name, signal);
  }

  /** The child of a folder with this name (the exact case first), or undefined. */
  async find(
    folderId: string,
    folderPath: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Entry | undefined> {
    let found: Entry | undefined;
    for await (const child of this.tree.listChildren(folderId, folderPath, signal)) {
      if (child.kind === 'folder' && child.id) this.remember(child.path, child.id);
      if (this.same(child.name, name) && (!found || child.name === name)) found = child;
    }
    return found;
  }

  /** The id of the folder at a path; undefined when there is none (a file there is an error). */
  async folderId(path: string, signal?: AbortSignal): Promise<string | undefined> {
    if (path === '') return this.tree.rootId;
    const known = this.ids.get(this.key(path));
    if (known) return known;
    let id = this.tree.rootId;
    let at = '';
    for (const name of pathElements(path)) {
      at = joinPath(at, name);
      const cached = this.ids.get(this.key(at));
      if (cached) {
        id = cached;
        continue;
      }
      const child = await this.find(id, splitPath(at)[0], name, signal);
      if (!child?.id) return undefined;
      if (child.kind !== 'folder') throw wrongKind(this.remote, at, 'is a file, not a folder');
      this.remember(at, child.id);
      id = child.id;
    }
    return id;
  }

  /** The id of the folder at a path, which must exist. */
  async existingFolder(path: string, signal?: AbortSignal): Promise<string> {
    const id = await this.folderId(path, signal);
    if (id === undefined) throw new RemoteNotFound(this.remote, path, 'folder');
    return id;
  }

  /** The id of the folder at a path, made with its missing parents. */
  async makeFolder(path: string): Promise<string> {
    if (path === '') return this.tree.rootId;
    const known = this.ids.get(this.key(path));
    if (known) return known;
    const key = this.key(path);
    let pending = this.making.get(key);
    if (!pending) {
      pending = this.make(path).finally(() => this.making.delete(key));
      this.making.set(key, pending);
    }
    return pending;
  }

  private async make(path: string): Promise<string> {
    const elements = pathElements(path);
    const name = elements.pop() as string;
    const parentPath = elements.join('/');
    const parentId = await this.makeFolder(parentPath);
    const existing = await this.find(parentId, parentPath, name);
    if (existing?.id) {
      if (existing.kind !== 'folder') {
        throw wrongKind(this.remote, path, 'cannot be made a folder: a file is in the way');
      }
      this.remember(path, existing.id);
      return existing.id;
    }
    let id: string;
    try {
      id = await this.tree.createFolder(name, parentId);
    } catch (e) {
      // Made by someone else between the look-up and the creation: take theirs.
      const other = e instanceof CloudStorageError ? await this.find(parentId, parentPath, name) : undefined;
      if (other?.kind !== 'folder' || !other.id) throw e;
      id = other.id;
    }
    this.remember(path, id);
    return id;
  }
}
