import { randomBytes, randomUUID } from 'node:crypto';
import type { BlobStore } from '../core/index.js';
import { badRequest, boxError, notFound, trashedError } from './errors.js';
import {
  currentVersion,
  type EnterpriseRecord,
  type FileRecord,
  type FileVersionRecord,
  type FolderRecord,
  type ItemRecord,
  ROOT_ID,
  type UserRecord,
} from './model.js';

/** Box's name limit. */
export const MAX_NAME_LENGTH = 255;

export interface NewFileContent {
  blobId: string;
  sha1: string;
  size: number;
}

/** A minimal rendering of a conflicting item, set by the store; shapes.ts turns it into JSON. */
export type ConflictRenderer = (item: ItemRecord) => Record<string, unknown>;

/**
 * The emulator's state and the Box semantics of changing it: name rules, case-insensitive uniqueness per
 * folder, trash and restore, versions, copies. Route handlers parse HTTP and call these methods; the
 * methods throw Box errors (`HttpError` with a Box code).
 */
export class BoxStore {
  readonly items = new Map<string, ItemRecord>();
  /** The enterprise's users, shared by the stores of all of them. */
  readonly users: Map<string, UserRecord>;
  /** Id counters shared by all the stores: ids are unique across the enterprise. */
  private readonly ids: { item: number; version: number; lock: number; user: number };
  /** Turns an item into the JSON of `context_info.conflicts`; set by the emulator once shapes exist. */
  renderConflict: ConflictRenderer = (item) => ({ type: item.type, id: item.id, name: item.name });

  /**
   * The file tree of one user (`owner`), its root folder "0" included. `of` is the store of another
   * user of the same enterprise, whose users and id counters this one shares.
   */
  constructor(
    readonly blobs: BlobStore,
    readonly owner: UserRecord,
    readonly enterprise: EnterpriseRecord,
    readonly now: () => number = Date.now,
    of?: BoxStore,
  ) {
    this.users = of?.users ?? new Map();
    this.ids = of?.ids ?? { item: 1_000_000_001, version: 2_000_000_001, lock: 3_000_001, user: 30_000_001 };
    this.users.set(owner.id, owner);
    const t = now();
    const root: FolderRecord = {
      type: 'folder',
      id: ROOT_ID,
      name: 'All Files',
      description: '',
      parentId: null,
      createdAt: t,
      modifiedAt: t,
      contentCreatedAt: t,
      contentModifiedAt: t,
      sequence: 0,
      createdBy: owner.id,
      modifiedBy: owner.id,
      ownedBy: owner.id,
      status: 'active',
      trashedAt: null,
      trashRootId: null,
      tags: [],
      sharedLink: null,
      metadata: new Map(),
      ...folderDefaults(),
      syncState: 'synced',
    };
    this.items.set(ROOT_ID, root);
  }

  newItemId(): string {
    return String(this.ids.item++);
  }
  newVersionId(): string {
    return String(this.ids.version++);
  }
  /** A new user of the enterprise (an app user, a service account, a managed user). */
  addUser(overrides: Partial<UserRecord>): UserRecord {
    const id = String(this.ids.user++);
    const user = userRecord(this.now(), { login: `user${id}@example.com`, role: 'user', ...overrides, id });
    this.users.set(id, user);
    return user;
  }
  newLockId(): string {
    return String(this.ids.lock++);
  }
  static newToken(bytes = 16): string {
    return randomBytes(bytes).toString('hex');
  }
  static newUuid(): string {
    return randomUUID();
  }

  // ---- lookups -------------------------------------------------------------------------------------

  /** A file or folder of the given type in any state (active, trashed), or a 404. */
  find(type: 'file', id: string): FileRecord;
  find(type: 'folder', id: string): FolderRecord;
  find(type: 'file' | 'folder', id: string): ItemRecord;
  find(type: 'file' | 'folder', id: string): ItemRecord {
    checkIdFormat(id);
    const item = this.items.get(id);
    if (!item || item.type !== type || item.status === 'deleted') throw notFound();
    return item;
  }

  /** An item that must not be in the trash (Box answers 404 `trashed` for most calls on trashed items). */
  active(type: 'file', id: string): FileRecord;
  active(type: 'folder', id: string): FolderRecord;
  active(type: 'file' | 'folder', id: string): ItemRecord;
  active(type: 'file' | 'folder', id: string): ItemRecord {
    const item = this.find(type, id);
    if (item.status === 'trashed') throw trashedError();
    return item;
  }

  /** A destination folder for a create/move/copy/upload: missing or trashed folders are a 404 `not_found`. */
  destination(id: unknown): FolderRecord {
    if (typeof id !== 'string' || id === '') throw badRequest('parent.id is required', 'bad_request');
    const item = this.items.get(id);
    if (item?.type !== 'folder' || item.status !== 'active') throw notFound('Not Found');
    return item;
  }

  children(folder: FolderRecord): ItemRecord[] {
    const out: ItemRecord[] = [];
    for (const id of folder.children) {
      const child = this.items.get(id);
      if (child && child.status === 'active') out.push(child);
    }
    return out;
  }

  /** Ancestors of an item, root first, not including the item. */
  ancestors(item: ItemRecord): FolderRecord[] {
    const chain: FolderRecord[] = [];
    let parentId = item.parentId;
    while (parentId !== null) {
      const parent = this.items.get(parentId) as FolderRecord | undefined;
      if (!parent) break;
      chain.unshift(parent);
      parentId = parent.parentId;
    }
    return chain;
  }

  isDescendantOf(item: ItemRecord, folderId: string): boolean {
    return this.ancestors(item).some((a) => a.id === folderId);
  }

  /** Bytes of a folder's active content (Box's folder `size`) or a file's current version. */
  sizeOf(item: ItemRecord): number {
    if (item.type === 'file') return currentVersion(item).size;
    let total = 0;
    for (const child of this.children(item)) total += this.sizeOf(child);
    return total;
  }

  /** All bytes the account stores: every version of every file that is not purged (Box counts versions). */
  spaceUsed(): number {
    let total = 0;
    for (const item of this.items.values()) {
      if (item.type !== 'file' || item.status === 'deleted') continue;
      for (const v of item.versions) if (v.purgedAt === null) total += v.size;
    }
    return total;
  }

  // ---- names ---------------------------------------------------------------------------------------

  /**
   * Box's name rules (openapi.json, `name` of POST /folders): 1–255 characters, no `/` or `\`, no
   * non-printable ASCII, not `.` or `..`, no trailing spaces. Leading and inner spaces are fine.
   */
  validateName(name: unknown): string {
    if (typeof name !== 'string') throw badRequest('name is required', 'bad_request');
    if (name.length > MAX_NAME_LENGTH) throw badRequest('Item name too long', 'item_name_too_long');
    const invalid = /[/\\\x00-\x1f\x7f]/.test(name);
    if (name.length === 0 || invalid || name === '.' || name === '..' || name.endsWith(' ')) {
      throw badRequest('Item name invalid', 'item_name_invalid');
    }
    return name;
  }

  /** The active item in `folder` whose name equals `name` case-insensitively (Box's uniqueness rule). */
  nameTaken(folder: FolderRecord, name: string, exceptId?: string): ItemRecord | undefined {
    const wanted = name.toLowerCase();
    for (const child of this.children(folder)) {
      if (child.id !== exceptId && child.name.toLowerCase() === wanted) return child;
    }
    return undefined;
  }

  /**
   * Throws Box's 409 `item_name_in_use`. `context_info.conflicts` is one object for uploads and
   * pre-flight checks and an array elsewhere (as the real service answers, see PROTOCOLS A3).
   */
  assertNameFree(folder: FolderRecord, name: string, shape: 'object' | 'array', exceptId?: string): void {
    const taken = this.nameTaken(folder, name, exceptId);
    if (!taken) return;
    const conflict = this.renderConflict(taken);
    throw boxError(409, 'item_name_in_use', 'Item with the same name already exists', {
      conflicts: shape === 'object' ? conflict : [conflict],
    });
  }

  // ---- changes -------------------------------------------------------------------------------------

  touch(item: ItemRecord, by = this.owner.id): void {
    item.sequence++;
    item.modifiedAt = this.now();
    item.modifiedBy = by;
  }

  private baseItem(name: string, parent: FolderRecord, at: number) {
    return {
      id: this.newItemId(),
      name,
      description: '',
      parentId: parent.id,
      createdAt: at,
      modifiedAt: at,
      contentCreatedAt: at,
      contentModifiedAt: at,
      sequence: 0,
      createdBy: this.owner.id,
      modifiedBy: this.owner.id,
      ownedBy: this.owner.id,
      status: 'active' as const,
      trashedAt: null,
      trashRootId: null,
      tags: [] as string[],
      sharedLink: null,
      metadata: new Map(),
    };
  }

  createFolder(parent: FolderRecord, rawName: unknown): FolderRecord {
    const name = this.validateName(rawName);
    this.assertNameFree(parent, name, 'array');
    const folder: FolderRecord = {
      ...this.baseItem(name, parent, this.now()),
      type: 'folder',
      ...folderDefaults(),
      syncState: 'not_synced',
    };
    this.items.set(folder.id, folder);
    parent.children.add(folder.id);
    return folder;
  }

  /** A new file from uploaded content (the blob is owned by the new version from now on). */
  createFile(
    parent: FolderRecord,
    name: string,
    content: NewFileContent,
    times: { contentCreatedAt?: number; contentModifiedAt?: number } = {},
  ): FileRecord {
    const at = this.now();
    const file: FileRecord = {
      ...this.baseItem(name, parent, at),
      type: 'file',
      versions: [],
      lock: null,
      dispositionAt: null,
    };
    file.contentCreatedAt = times.contentCreatedAt ?? times.contentModifiedAt ?? at;
    file.contentModifiedAt = times.contentModifiedAt ?? at;
    file.versions.push(this.versionRecord(name, content, at));
    this.items.set(file.id, file);
    parent.children.add(file.id);
    return file;
  }

  private versionRecord(name: string, content: NewFileContent, at: number): FileVersionRecord {
    return {
      id: this.newVersionId(),
      blobId: content.blobId,
      sha1: content.sha1,
      size: content.size,
      name,
      createdAt: at,
      modifiedAt: at,
      modifiedBy: this.owner.id,
      trashedAt: null,
      trashedBy: null,
      restoredAt: null,
      restoredBy: null,
      purgedAt: null,
      uploaderDisplayName: this.owner.name,
    };
  }

  /** A new current version (upload of new content, or a promoted old version). */
  addVersion(
    file: FileRecord,
    content: NewFileContent,
    name = file.name,
    contentModifiedAt?: number,
  ): FileVersionRecord {
    const at = this.now();
    const version = this.versionRecord(name, content, at);
    file.versions.push(version);
    file.name = name;
    file.contentModifiedAt = contentModifiedAt ?? at;
    this.touch(file);
    return version;
  }

  /** Box's `If-Match` check on an item (a stale etag is a 412). */
  checkIfMatch(item: ItemRecord, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    const wanted = ifMatch.replace(/^W\//, '').replace(/^"|"$/g, '');
    if (wanted !== String(item.sequence)) {
      throw boxError(
        412,
        'precondition_failed',
        'The resource has been modified. Please retrieve the resource again and retry',
      );
    }
  }

  rename(item: ItemRecord, rawName: unknown): void {
    const name = this.validateName(rawName);
    if (name === item.name) return;
    const parent = this.items.get(item.parentId ?? '') as FolderRecord | undefined;
    if (parent) this.assertNameFree(parent, name, 'array', item.id);
    item.name = name;
  }

  move(item: ItemRecord, destination: FolderRecord, newName?: string): void {
    if (item.id === ROOT_ID)
      throw boxError(
        403,
        'access_denied_insufficient_permissions',
        'Access denied - insufficient permission',
      );
    if (item.type === 'folder' && (destination.id === item.id || this.isDescendantOf(destination, item.id))) {
      throw badRequest('Cannot move a folder into itself or one of its subfolders', 'bad_request');
    }
    const name = newName ?? item.name;
    if (destination.id !== item.parentId || name !== item.name)
      this.assertNameFree(destination, name, 'array', item.id);
    const from = this.items.get(item.parentId ?? '') as FolderRecord | undefined;
    from?.children.delete(item.id);
    destination.children.add(item.id);
    item.parentId = destination.id;
    item.name = name;
    if (from) this.touch(from);
    this.touch(destination);
  }

  /** Copies a file (optionally one of its versions) or a folder tree; blobs are shared, not duplicated. */
  copy(item: ItemRecord, destination: FolderRecord, name: string, versionId?: string): ItemRecord {
    this.assertNameFree(destination, name, 'array');
    if (item.type === 'folder' && (destination.id === item.id || this.isDescendantOf(destination, item.id))) {
      throw badRequest('Cannot copy a folder into itself', 'bad_request');
    }
    const copy = this.copyTree(item, destination, name, versionId);
    this.touch(destination);
    return copy;
  }

  private copyTree(
    item: ItemRecord,
    destination: FolderRecord,
    name: string,
    versionId?: string,
  ): ItemRecord {
    const at = this.now();
    if (item.type === 'file') {
      const source = versionId
        ? item.versions.find((v) => v.id === versionId && v.trashedAt === null)
        : currentVersion(item);
      if (!source) throw notFound('Not Found');
      this.blobs.retain(source.blobId);
      const file = this.createFile(destination, name, source, {
        contentCreatedAt: item.contentCreatedAt,
        contentModifiedAt: item.contentModifiedAt,
      });
      file.description = item.description;
      file.tags = [...item.tags];
      file.createdAt = at;
      return file;
    }
    const folder: FolderRecord = {
      ...this.baseItem(name, destination, at),
      type: 'folder',
      ...folderDefaults(),
      syncState: item.syncState,
      canNonOwnersInvite: item.canNonOwnersInvite,
      canNonOwnersViewCollaborators: item.canNonOwnersViewCollaborators,
      isCollaborationRestrictedToEnterprise: item.isCollaborationRestrictedToEnterprise,
      description: item.description,
      tags: [...item.tags],
    };
    this.items.set(folder.id, folder);
    destination.children.add(folder.id);
    for (const child of this.children(item)) this.copyTree(child, folder, child.name);
    return folder;
  }

  /** Moves an item (and a folder's whole subtree) to the trash. */
  trash(item: ItemRecord): void {
    if (item.id === ROOT_ID)
      throw boxError(
        403,
        'access_denied_insufficient_permissions',
        'Access denied - insufficient permission',
      );
    const at = this.now();
    const mark = (it: ItemRecord) => {
      it.status = 'trashed';
      it.trashedAt = at;
      it.trashRootId = item.id;
      it.sequence++;
      if (it.type === 'folder') for (const child of this.children(it)) mark(child);
    };
    mark(item);
    const parent = this.items.get(item.parentId ?? '');
    if (parent) this.touch(parent);
  }

  /** Restores a trashed item (and what went to the trash with it), optionally under a new name or parent. */
  restore(item: ItemRecord, rawName?: unknown, parentId?: unknown): void {
    if (item.status !== 'trashed' || item.trashRootId !== item.id) throw notFound('Not Found');
    let parent = this.items.get(item.parentId ?? '') as FolderRecord | undefined;
    if (parentId !== undefined) parent = this.destination(parentId);
    else if (parent?.status !== 'active') {
      throw notFound('The parent folder of this item no longer exists; restore it with a new parent');
    }
    const name = rawName === undefined ? item.name : this.validateName(rawName);
    this.assertNameFree(parent, name, 'array', item.id);
    const rootId = item.id;
    const unmark = (it: ItemRecord) => {
      if (it.trashRootId !== rootId) return;
      it.status = 'active';
      it.trashedAt = null;
      it.trashRootId = null;
      it.sequence++;
      if (it.type === 'folder') {
        for (const id of it.children) {
          const child = this.items.get(id);
          if (child) unmark(child);
        }
      }
    };
    unmark(item);
    if (parent.id !== item.parentId) {
      (this.items.get(item.parentId ?? '') as FolderRecord | undefined)?.children.delete(item.id);
      parent.children.add(item.id);
      item.parentId = parent.id;
    }
    item.name = name;
    this.touch(parent);
  }

  /** Deletes a trashed item for good, releasing its blobs. */
  async purge(item: ItemRecord): Promise<void> {
    const remove = async (it: ItemRecord) => {
      if (it.type === 'folder') {
        for (const id of [...it.children]) {
          const child = this.items.get(id);
          // A child the user trashed on its own has its own trash entry: it stays in the trash (its
          // original folder is gone, so restoring it needs a new parent).
          if (child && !(child.status === 'trashed' && child.trashRootId === child.id)) await remove(child);
        }
      } else {
        for (const v of it.versions) await this.blobs.release(v.blobId);
      }
      it.status = 'deleted';
      this.items.delete(it.id);
    };
    (this.items.get(item.parentId ?? '') as FolderRecord | undefined)?.children.delete(item.id);
    await remove(item);
  }

  /** The items the user deleted (what `GET /folders/trash/items` lists). */
  trashRoots(): ItemRecord[] {
    return [...this.items.values()].filter((i) => i.status === 'trashed' && i.trashRootId === i.id);
  }

  /** Every item in any state except purged (search walks it). */
  allItems(): ItemRecord[] {
    return [...this.items.values()].filter((i) => i.id !== ROOT_ID && i.status !== 'deleted');
  }
}

/** Box ids are digit strings; anything else is a 405 `method_not_allowed` (as the spec documents). */
export function checkIdFormat(id: string): void {
  if (!/^\d+$/.test(id)) throw boxError(405, 'method_not_allowed', 'Method Not Allowed');
}

/** A new folder's collaboration settings (Box's defaults) and no upload email. */
function folderDefaults() {
  return {
    children: new Set<string>(),
    canNonOwnersInvite: true,
    canNonOwnersViewCollaborators: true,
    isCollaborationRestrictedToEnterprise: false,
    uploadEmail: null,
  };
}

/** A user record with Box's defaults for what `overrides` leaves out. */
export function userRecord(now: number, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: '20000001',
    name: 'Emulated User',
    login: 'user@example.com',
    createdAt: now,
    modifiedAt: now,
    language: 'en',
    timezone: 'America/Los_Angeles',
    spaceAmount: 10 * 1024 ** 4,
    maxUploadSize: 50 * 1024 ** 3,
    status: 'active',
    jobTitle: '',
    phone: '',
    address: '',
    role: 'admin',
    myTags: [],
    hostname: 'https://app.box.com/',
    notificationEmail: null,
    ...overrides,
  };
}
