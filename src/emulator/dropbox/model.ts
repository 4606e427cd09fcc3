import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../core/index.js';
import { checkName, lower, type ParsedPath, splitExtension } from './paths.js';
import type { Tagged } from './stone.js';

/**
 * One Dropbox namespace (a user's home): a tree of folders and files with case-insensitive, case-preserving
 * names; every file version kept as a revision (its bytes a reference-counted blob); tombstones for deleted
 * paths (`include_deleted`, deleted search, `list_revisions` of deleted files); and a change log that list
 * cursors and longpolls read. Operations throw {@link LookupFailure} / {@link WriteFailure} with the value of
 * Dropbox's `LookupError` / `WriteError` unions; routes nest them in their own error unions.
 */

/** Where a non-downloadable (export-only, "Paper-like") file can be exported to, and the bytes of each format. */
export interface ExportSpec {
  exportAs: string;
  exportOptions: string[];
  exports: Map<string, StoredContent>;
}

/** Bytes in the blob store plus Dropbox's content hash. */
export interface StoredContent {
  blobId: string;
  size: number;
  contentHash: string;
}

export interface FileRevision extends StoredContent {
  rev: string;
  fileId: string;
  name: string;
  pathDisplay: string;
  pathLower: string;
  clientModified: number;
  serverModified: number;
  export?: ExportSpec;
}

export interface FileNode {
  kind: 'file';
  id: string;
  name: string;
  parent: FolderNode;
  rev: FileRevision;
}

export interface FolderNode {
  kind: 'folder';
  id: string;
  name: string;
  parent: FolderNode | undefined;
  children: Map<string, Node>;
}

export type Node = FileNode | FolderNode;

export interface Tombstone {
  kind: 'file' | 'folder';
  name: string;
  pathDisplay: string;
  pathLower: string;
  deletedAt: number;
  fileId?: string;
  lastRev?: string;
}

export interface Change {
  seq: number;
  pathLower: string;
  pathDisplay: string;
  name: string;
}

/** A `LookupError` value (`{".tag":"not_found"}`, …). */
export class LookupFailure extends Error {
  constructor(readonly error: Record<string, unknown>) {
    super(String(error['.tag']));
  }
  static of(tag: string): LookupFailure {
    return new LookupFailure({ '.tag': tag });
  }
}

/** A `WriteError` value (`{".tag":"conflict","conflict":{".tag":"file"}}`, …). */
export class WriteFailure extends Error {
  constructor(readonly error: Record<string, unknown>) {
    super(String(error['.tag']));
  }
  static of(tag: string): WriteFailure {
    return new WriteFailure({ '.tag': tag });
  }
  static conflict(what: 'file' | 'folder' | 'file_ancestor'): WriteFailure {
    return new WriteFailure({ '.tag': 'conflict', conflict: { '.tag': what } });
  }
}

/** A failure that is a top-level tag of the route's error union (e.g. `cant_move_folder_into_itself`). */
export class RouteFailure extends Error {
  constructor(readonly tag: string) {
    super(tag);
  }
}

export interface CommitOptions {
  mode: Tagged<string | undefined>;
  autorename: boolean;
  clientModified?: Date;
  strictConflict: boolean;
}

/** Dropbox-style identifiers: `id:` + 22 URL-safe characters. */
export function newFileId(): string {
  return `id:${randomBytes(16).toString('base64url')}`;
}

const partsLower = (parts: string[]) => parts.map(lower);
const joinPath = (parts: string[]) => (parts.length ? `/${parts.join('/')}` : '');
const wholeSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;

export class Namespace {
  readonly root: FolderNode;
  private readonly byId = new Map<string, Node>();
  /** Every revision by rev string. */
  readonly revisions = new Map<string, FileRevision>();
  /** Every revision of a file id, oldest first (kept after deletion). */
  readonly history = new Map<string, FileRevision[]>();
  readonly tombstones = new Map<string, Tombstone>();
  readonly changes: Change[] = [];
  usedBytes = 0;
  private revCounter = 0;
  private readonly revSuffix: string;

  constructor(
    readonly id: string,
    private readonly blobs: BlobStore,
    private readonly now: () => number,
    /** Space in bytes; a write past it fails with `insufficient_space`. */
    public allocated: number,
    private readonly onChange: (change: Change) => void,
  ) {
    this.root = { kind: 'folder', id: newFileId(), name: '', parent: undefined, children: new Map() };
    this.revSuffix = BigInt(id).toString(16).padStart(8, '0').slice(-8);
  }

  get seq(): number {
    return this.changes.length;
  }

  // ---- paths ----

  pathParts(node: Node): string[] {
    const parts: string[] = [];
    for (let n: Node | undefined = node; n && n !== this.root; n = n.parent) parts.unshift(n.name);
    return parts;
  }

  pathDisplay(node: Node): string {
    return joinPath(this.pathParts(node));
  }

  pathLower(node: Node): string {
    return lower(this.pathDisplay(node));
  }

  nodeAt(parts: string[]): Node | undefined {
    let node: Node = this.root;
    for (const part of parts) {
      if (node.kind !== 'folder') return undefined;
      const next = node.children.get(lower(part));
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  nodeById(id: string): Node | undefined {
    return this.byId.get(id);
  }

  /**
   * Finds what a parsed path names (root, path, `id:` with optional relative path, `ns:` of this namespace).
   * `rev:` is handled by {@link revisionOf}. Throws `not_found` when nothing lives there.
   */
  lookup(parsed: ParsedPath): Node {
    const parts = this.absoluteParts(parsed, true);
    const node = this.nodeAt(parts);
    if (!node) throw LookupFailure.of('not_found');
    return node;
  }

  /** The absolute path a parsed path points at (it may not exist yet). */
  absoluteParts(parsed: ParsedPath, forLookup = false): string[] {
    switch (parsed.kind) {
      case 'root':
        return [];
      case 'path':
        return parsed.parts;
      case 'ns':
        if (parsed.ns !== this.id) throw LookupFailure.of('not_found');
        return parsed.parts;
      case 'id': {
        const base = this.byId.get(parsed.id) ?? (parsed.id === this.root.id ? this.root : undefined);
        if (!base) {
          if (forLookup) throw LookupFailure.of('not_found');
          throw WriteFailure.of('malformed_path');
        }
        if (parsed.parts.length && base.kind !== 'folder') {
          throw forLookup ? LookupFailure.of('not_folder') : WriteFailure.conflict('file_ancestor');
        }
        return [...this.pathParts(base), ...parsed.parts];
      }
      case 'rev':
        throw LookupFailure.of('malformed_path');
    }
  }

  revisionOf(rev: string): FileRevision {
    const r = this.revisions.get(rev);
    if (!r) throw LookupFailure.of('not_found');
    return r;
  }

  // ---- writes ----

  /** Throws unless `parts` could hold a new entry: its name is valid and no file sits on an ancestor. */
  private checkWritable(parts: string[]): void {
    if (parts.length === 0) throw WriteFailure.of('malformed_path');
    for (const [i, part] of parts.entries()) {
      const problem = checkName(part, i === parts.length - 1);
      if (problem) throw WriteFailure.of(problem);
    }
    let node: Node = this.root;
    for (const part of parts.slice(0, -1)) {
      const next: Node | undefined = (node as FolderNode).children.get(lower(part));
      if (!next) return;
      if (next.kind === 'file') throw WriteFailure.conflict('file_ancestor');
      node = next;
    }
  }

  /** The folder at `parts`, creating missing folders on the way (as Dropbox does for uploads and copies). */
  private ensureFolder(parts: string[]): FolderNode {
    let node: FolderNode = this.root;
    for (const part of parts) {
      const next = node.children.get(lower(part));
      if (next?.kind === 'file') throw WriteFailure.conflict('file_ancestor');
      node = next ?? this.attachFolder(node, part);
    }
    return node;
  }

  private attachFolder(parent: FolderNode, name: string): FolderNode {
    const folder: FolderNode = { kind: 'folder', id: newFileId(), name, parent, children: new Map() };
    this.attach(parent, folder);
    return folder;
  }

  private attach(parent: FolderNode, node: Node): void {
    node.parent = parent as FolderNode;
    parent.children.set(lower(node.name), node);
    this.byId.set(node.id, node);
    const pathLower = this.pathLower(node);
    this.tombstones.delete(pathLower);
    this.log(pathLower, this.pathDisplay(node), node.name);
  }

  /** A free name in `parent`: `name (1).ext`, `name (2).ext`… or `name (conflicted copy).ext`. */
  uniqueName(
    parent: FolderNode | undefined,
    name: string,
    style: 'number' | 'conflicted',
    isFolder = false,
  ): string {
    const [base, ext] = isFolder ? [name, ''] : splitExtension(name);
    const taken = (n: string) => parent?.children.has(lower(n)) ?? false;
    if (style === 'conflicted') {
      for (let i = 1; ; i++) {
        const candidate = `${base} (conflicted copy${i > 1 ? ` ${i}` : ''})${ext}`;
        if (!taken(candidate)) return candidate;
      }
    }
    for (let i = 1; ; i++) {
      const candidate = `${base} (${i})${ext}`;
      if (!taken(candidate)) return candidate;
    }
  }

  private nextRev(): string {
    this.revCounter++;
    return `${this.revCounter.toString(16).padStart(9, '0')}${this.revSuffix}`;
  }

  private newRevision(
    fileId: string,
    parts: string[],
    content: StoredContent,
    clientModified?: number,
    exp?: ExportSpec,
  ) {
    const now = wholeSeconds(this.now());
    const name = parts[parts.length - 1]!;
    const { blobId, size, contentHash } = content;
    const revision: FileRevision = {
      blobId,
      size,
      contentHash,
      rev: this.nextRev(),
      fileId,
      name,
      pathDisplay: joinPath(parts),
      pathLower: lower(joinPath(parts)),
      clientModified: clientModified === undefined ? now : wholeSeconds(clientModified),
      serverModified: now,
      ...(exp ? { export: exp } : {}),
    };
    this.revisions.set(revision.rev, revision);
    const list = this.history.get(fileId) ?? [];
    list.push(revision);
    this.history.set(fileId, list);
    return revision;
  }

  /**
   * Stores uploaded content at a path (upload, upload_session/finish, restore) following `WriteMode`:
   * identical content is a no-op (unless strict), `add` never replaces, `overwrite` always does, `update`
   * only over the given rev; conflicts fail or, with autorename, pick a new name. The blob of `content`
   * must already be retained for this call; it is released when nothing new is stored.
   */
  commitFile(parts: string[], content: StoredContent, options: CommitOptions, exp?: ExportSpec): FileNode {
    this.checkWritable(parts);
    let name = parts[parts.length - 1]!;
    const parentParts = parts.slice(0, -1);
    const parent = this.nodeAt(parentParts) as FolderNode | undefined;
    const existing = parent?.children.get(lower(name));
    const mode = options.mode.tag;
    let replace: FileNode | undefined;

    const conflict = (what: 'file' | 'folder', style: 'number' | 'conflicted') => {
      if (!options.autorename) throw WriteFailure.conflict(what);
      name = this.uniqueName(parent, name, style);
    };

    if (existing?.kind === 'folder') {
      conflict('folder', mode === 'update' ? 'conflicted' : 'number');
    } else if (existing) {
      const same = existing.rev.contentHash === content.contentHash && existing.rev.size === content.size;
      if (same && !options.strictConflict && !existing.rev.export && !exp) {
        void this.blobs.release(content.blobId);
        return existing;
      }
      if (mode === 'overwrite') replace = existing;
      else if (mode === 'update' && existing.rev.rev === options.mode.value) replace = existing;
      else conflict('file', mode === 'update' ? 'conflicted' : 'number');
    } else if (mode === 'update' && options.strictConflict) {
      const tomb = this.tombstones.get(lower(joinPath(parts)));
      if (tomb?.lastRev !== options.mode.value) conflict('file', 'conflicted');
    }

    const freed = replace ? replace.rev.size : 0;
    if (this.usedBytes - freed + content.size > this.allocated) throw WriteFailure.of('insufficient_space');

    const folder = this.ensureFolder(parentParts);
    const finalParts = [...this.pathParts(folder), replace ? replace.name : name];
    const clientModified = options.clientModified?.getTime();
    if (replace) {
      replace.rev = this.newRevision(replace.id, finalParts, content, clientModified, exp);
      this.usedBytes += content.size - freed;
      this.log(this.pathLower(replace), this.pathDisplay(replace), replace.name);
      return replace;
    }
    const id = newFileId();
    const node: FileNode = {
      kind: 'file',
      id,
      name,
      parent: folder,
      rev: this.newRevision(id, finalParts, content, clientModified, exp),
    };
    this.usedBytes += content.size;
    this.attach(folder, node);
    return node;
  }

  createFolder(parts: string[], autorename: boolean): FolderNode {
    this.checkWritable(parts);
    let name = parts[parts.length - 1]!;
    const parent = this.nodeAt(parts.slice(0, -1)) as FolderNode | undefined;
    const existing = parent?.children.get(lower(name));
    if (existing) {
      if (!autorename) throw WriteFailure.conflict(existing.kind);
      name = this.uniqueName(parent, name, 'number', true);
    }
    const folder = this.ensureFolder(parts.slice(0, -1));
    return this.attachFolder(folder, name);
  }

  /** Every node of a subtree, the root of it first (pre-order, children by name). */
  *walk(node: Node, includeSelf = true): Generator<Node> {
    if (includeSelf) yield node;
    if (node.kind === 'folder') {
      for (const child of sortedChildren(node)) yield* this.walk(child);
    }
  }

  /** Removes a subtree (delete_v2, the first half of a move), leaving tombstones and change entries. */
  remove(node: Node): void {
    if (node === this.root) throw WriteFailure.of('malformed_path');
    const deletedAt = wholeSeconds(this.now());
    for (const n of [...this.walk(node)]) {
      const pathLower = this.pathLower(n);
      const pathDisplay = this.pathDisplay(n);
      this.tombstones.set(pathLower, {
        kind: n.kind,
        name: n.name,
        pathDisplay,
        pathLower,
        deletedAt,
        ...(n.kind === 'file' ? { fileId: n.id, lastRev: n.rev.rev } : {}),
      });
      this.byId.delete(n.id);
      if (n.kind === 'file') this.usedBytes -= n.rev.size;
      this.log(pathLower, pathDisplay, n.name);
    }
    node.parent!.children.delete(lower(node.name));
  }

  /** delete_v2: `parentRev` must match a file's current rev. */
  delete(node: Node, parentRev?: string): void {
    if (parentRev !== undefined) {
      if (node.kind !== 'file') throw WriteFailure.of('malformed_path');
      if (node.rev.rev !== parentRev) throw WriteFailure.conflict('file');
    }
    this.remove(node);
  }

  /** Checks a relocation target; returns the final name (autorenamed when asked). */
  private relocationTarget(
    node: Node,
    to: string[],
    autorename: boolean,
  ): { parentParts: string[]; name: string } {
    const fromLower = this.pathLower(node);
    const toLower = lower(joinPath(to));
    if (toLower === fromLower) throw new RouteFailure('duplicated_or_nested_paths');
    if (node.kind === 'folder' && toLower.startsWith(`${fromLower}/`))
      throw new RouteFailure('cant_move_folder_into_itself');
    this.checkWritable(to);
    let name = to[to.length - 1]!;
    const parent = this.nodeAt(to.slice(0, -1)) as FolderNode | undefined;
    const existing = parent?.children.get(lower(name));
    if (existing) {
      if (!autorename) throw WriteFailure.conflict(existing.kind);
      name = this.uniqueName(parent, name, 'number', node.kind === 'folder');
    }
    return { parentParts: to.slice(0, -1), name };
  }

  move(node: Node, to: string[], autorename: boolean): Node {
    const { parentParts, name } = this.relocationTarget(node, to, autorename);
    this.remove(node);
    const folder = this.ensureFolder(parentParts);
    node.name = name;
    // Re-attach the whole subtree: new paths, a change entry for each, a new revision for each file.
    const reattach = (n: Node, parent: FolderNode) => {
      if (n.kind === 'file') {
        n.rev = this.newRevision(
          n.id,
          [...this.pathParts(parent), n.name],
          n.rev,
          n.rev.clientModified,
          n.rev.export,
        );
        this.blobs.retain(n.rev.blobId);
        this.usedBytes += n.rev.size;
      }
      this.attach(parent, n);
      if (n.kind === 'folder') {
        const children = sortedChildren(n);
        n.children.clear();
        for (const c of children) reattach(c, n);
      }
    };
    reattach(node, folder);
    return node;
  }

  copy(node: Node, to: string[], autorename: boolean): Node {
    const { parentParts, name } = this.relocationTarget(node, to, autorename);
    let bytes = 0;
    for (const n of this.walk(node)) if (n.kind === 'file') bytes += n.rev.size;
    if (this.usedBytes + bytes > this.allocated) throw new RouteFailure('insufficient_quota');
    const folder = this.ensureFolder(parentParts);
    const clone = (n: Node, parent: FolderNode, newName: string): Node => {
      if (n.kind === 'folder') {
        const f = this.attachFolder(parent, newName);
        for (const c of sortedChildren(n)) clone(c, f, c.name);
        return f;
      }
      const id = newFileId();
      this.blobs.retain(n.rev.blobId);
      const file: FileNode = {
        kind: 'file',
        id,
        name: newName,
        parent,
        rev: this.newRevision(
          id,
          [...this.pathParts(parent), newName],
          n.rev,
          n.rev.clientModified,
          n.rev.export,
        ),
      };
      this.usedBytes += file.rev.size;
      this.attach(parent, file);
      return file;
    };
    return clone(node, folder, name);
  }

  /** Forgets a path for good: the live subtree, tombstones under it, and the revisions of those files. */
  async permanentlyDelete(parts: string[]): Promise<boolean> {
    const node = this.nodeAt(parts);
    const pathLower = lower(joinPath(parts));
    if (node) this.remove(node);
    let found = !!node;
    for (const [key, tomb] of [...this.tombstones]) {
      if (key !== pathLower && !key.startsWith(`${pathLower}/`)) continue;
      found = true;
      this.tombstones.delete(key);
      if (!tomb.fileId) continue;
      for (const r of this.history.get(tomb.fileId) ?? []) {
        this.revisions.delete(r.rev);
        await this.blobs.release(r.blobId);
      }
      this.history.delete(tomb.fileId);
    }
    return found;
  }

  private log(pathLower: string, pathDisplay: string, name: string): void {
    const change: Change = { seq: this.changes.length + 1, pathLower, pathDisplay, name };
    this.changes.push(change);
    this.onChange(change);
  }
}

/** Children ordered by lower-case name: the order listings and ZIPs use. */
export function sortedChildren(folder: FolderNode): Node[] {
  return [...folder.children.values()].sort((a, b) => compareKeys(lower(a.name), lower(b.name)));
}

/** Code-unit order of lower-case names or paths, the order of listings and cursors. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two lower-case paths component by component: a folder comes right before its contents. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareKeys(pa[i]!, pb[i]!);
    if (c) return c;
  }
  return pa.length - pb.length;
}

export { joinPath, partsLower };
