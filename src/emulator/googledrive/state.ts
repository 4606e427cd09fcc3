import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../core/index.js';
import { BlobTooLargeError } from '../core/index.js';
import { driveError, forbidden, notFound } from './errors.js';
import {
  type ChangeRecord,
  type DriveUser,
  type FileRecord,
  FOLDER_MIME,
  isGoogleNative,
  type PermissionRecord,
  type PermissionRole,
  type RevisionRecord,
  ROLE_RANK,
  type SharedDriveRecord,
} from './model.js';

/** Everything tunable about the emulated Drive; each default is what Google does. */
export interface DriveSettings {
  /** Largest file an upload accepts (about.maxUploadSize; Drive: 5,120 GB). */
  maxUploadSize: number;
  /** Largest export (Drive: 10 MB); beyond it files.export answers 403 `exportSizeLimitExceeded`. */
  exportSizeLimit: number;
  /** Lifetime of a resumable upload session (Drive: one week). */
  sessionLifetimeMs: number;
  /** The user's quota (storageQuota.limit); undefined: unlimited (no `limit` field). */
  storageLimit: number | undefined;
  /** Whether corpora=allDrives listings report `incompleteSearch: true` (Drive does when it skips drives). */
  allDrivesIncompleteSearch: boolean;
  /** Largest file a conversion to a Google format accepts (about.maxImportSizes). */
  maxImportSize: number;
}

export function defaultSettings(): DriveSettings {
  return {
    maxUploadSize: 5_497_558_138_880,
    exportSizeLimit: 10 * 1024 * 1024,
    sessionLifetimeMs: 7 * 86_400_000,
    storageLimit: 15 * 1024 ** 3,
    allDrivesIncompleteSearch: false,
    maxImportSize: 10 * 1024 * 1024,
  };
}

/** Drive ids: 33 characters of base64url, the shape real file ids have. */
export function newFileId(): string {
  return `1${randomBytes(24).toString('base64url').slice(0, 32)}`;
}

/** Shared drive ids and My Drive roots start with `0A` and are 19 characters. */
export function newRootId(): string {
  return `0A${randomBytes(12).toString('base64url').slice(0, 14)}Uk9PVA`;
}

/** A user's stable permission id (Drive derives it from the account; here from the email). */
export function permissionIdFor(email: string): string {
  const digest = createHash('sha256').update(email.toLowerCase()).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 20n).toString().padStart(20, '0');
}

export interface ContentInput {
  source: Readable | Uint8Array | string;
  mimeType: string;
  originalFilename?: string;
}

/** The emulated Drive: users, files, shared drives and the change log, with Drive's rules. */
export class DriveState {
  readonly users = new Map<string, DriveUser>();
  readonly files = new Map<string, FileRecord>();
  readonly drives = new Map<string, SharedDriveRecord>();
  readonly changes: ChangeRecord[] = [];
  private seq = 0;

  constructor(
    readonly blobs: BlobStore,
    readonly settings: DriveSettings,
    readonly now: () => number,
  ) {}

  // ---- users ----------------------------------------------------------------------------------------

  addUser(emailAddress: string, displayName: string): DriveUser {
    const key = emailAddress.toLowerCase();
    const existing = this.users.get(key);
    if (existing) return existing;
    const user: DriveUser = {
      permissionId: permissionIdFor(emailAddress),
      emailAddress,
      displayName,
      rootId: newRootId(),
      appDataId: newRootId(),
    };
    this.users.set(key, user);
    const now = this.now();
    for (const [id, name, space] of [
      [user.rootId, 'My Drive', 'drive'],
      [user.appDataId, 'Application Data', 'appDataFolder'],
    ] as const) {
      const root = this.blankFile(id, name, FOLDER_MIME, now, user);
      root.isRoot = true;
      root.space = space;
      this.files.set(id, root);
    }
    return user;
  }

  /** A user by email; unknown addresses become users on first mention (a permission, a seeded owner). */
  user(emailAddress: string): DriveUser {
    return (
      this.users.get(emailAddress.toLowerCase()) ??
      this.addUser(emailAddress, emailAddress.split('@')[0] ?? emailAddress)
    );
  }

  userByPermissionId(id: string): DriveUser | undefined {
    for (const u of this.users.values()) if (u.permissionId === id) return u;
    return undefined;
  }

  // ---- files ----------------------------------------------------------------------------------------

  blankFile(
    id: string,
    name: string,
    mimeType: string,
    now: number,
    owner: DriveUser | undefined,
  ): FileRecord {
    return {
      id,
      name,
      mimeType,
      parents: [],
      driveId: undefined,
      owner: owner?.emailAddress,
      createdTime: now,
      modifiedTime: now,
      modifiedByMeTime: now,
      viewedByMeTime: now,
      description: undefined,
      starred: false,
      explicitlyTrashed: false,
      trashedTime: undefined,
      trashingUser: undefined,
      properties: {},
      appProperties: {},
      revisions: [],
      native: undefined,
      permissions: owner
        ? [
            {
              id: owner.permissionId,
              type: 'user',
              role: 'owner',
              emailAddress: owner.emailAddress,
              displayName: owner.displayName,
            },
          ]
        : [],
      version: 1,
      originalFilename: undefined,
      copyRequiresWriterPermission: false,
      writersCanShare: true,
      folderColorRgb: undefined,
      shortcutTargetId: undefined,
      contentHints: undefined,
      lastModifyingUser: owner?.emailAddress ?? '',
      sharedWithMeTime: undefined,
      sharingUser: undefined,
      abusive: false,
      resourceKey: undefined,
      isRoot: false,
      space: 'drive',
    };
  }

  /** Resolves the `root` and `appDataFolder` aliases of a user. */
  resolveId(id: string, me: DriveUser): string {
    if (id === 'root') return me.rootId;
    if (id === 'appDataFolder' || id === 'appdata') return me.appDataId;
    return id;
  }

  /** The file `id` as `me` may see it, or Drive's 404 (also for shared-drive items without supportsAllDrives). */
  file(id: string, me: DriveUser, supportsAllDrives = true): FileRecord {
    const f = this.files.get(this.resolveId(id, me));
    if (!f || !this.canSee(f, me) || (f.driveId && !supportsAllDrives)) throw notFound(id);
    return f;
  }

  /** `me`'s role on a file: owner, a shared-drive membership, or a permission on it or an ancestor. */
  roleOf(f: FileRecord, me: DriveUser): PermissionRole | undefined {
    if (f.driveId) {
      const drive = this.drives.get(f.driveId);
      return drive ? this.memberRole(drive, me) : undefined;
    }
    if (f.owner && f.owner.toLowerCase() === me.emailAddress.toLowerCase()) return 'owner';
    let best: PermissionRole | undefined;
    const seen = new Set<string>();
    for (let cur: FileRecord | undefined = f; cur && !seen.has(cur.id); ) {
      seen.add(cur.id);
      for (const p of cur.permissions) {
        if (!this.permissionCovers(p, me)) continue;
        // Owning a folder makes one a writer (not the owner) of what others put in it.
        const role = cur !== f && p.role === 'owner' ? 'writer' : p.role;
        if (!best || ROLE_RANK[role] > ROLE_RANK[best]) best = role;
      }
      cur = cur.parents[0] ? this.files.get(cur.parents[0]) : undefined;
    }
    return best;
  }

  memberRole(drive: SharedDriveRecord, me: DriveUser): PermissionRole | undefined {
    let best: PermissionRole | undefined;
    for (const p of drive.members) {
      if (this.permissionCovers(p, me) && (!best || ROLE_RANK[p.role] > ROLE_RANK[best])) best = p.role;
    }
    return best;
  }

  private permissionCovers(p: PermissionRecord, me: DriveUser): boolean {
    if (p.expirationTime !== undefined && p.expirationTime <= this.now()) return false;
    if (p.type === 'anyone') return true;
    if (p.type === 'domain') return p.domain?.toLowerCase() === domainOf(me.emailAddress);
    return p.emailAddress?.toLowerCase() === me.emailAddress.toLowerCase();
  }

  canSee(f: FileRecord, me: DriveUser): boolean {
    return this.roleOf(f, me) !== undefined;
  }

  /** Throws 403 unless `me` holds at least `role` on the file. */
  requireRole(f: FileRecord, me: DriveUser, role: PermissionRole): void {
    const has = this.roleOf(f, me);
    if (!has || ROLE_RANK[has] < ROLE_RANK[role]) {
      throw forbidden(
        'insufficientFilePermissions',
        `The user does not have sufficient permissions for file ${f.id}.`,
      );
    }
  }

  /** Trashed explicitly or through a trashed ancestor. */
  isTrashed(f: FileRecord): boolean {
    const seen = new Set<string>();
    for (let cur: FileRecord | undefined = f; cur && !seen.has(cur.id); ) {
      if (cur.explicitlyTrashed) return true;
      seen.add(cur.id);
      cur = cur.parents[0] ? this.files.get(cur.parents[0]) : undefined;
    }
    return false;
  }

  /** Whether `ancestorId` is `f` or above it (moves must not make cycles). */
  isWithin(f: FileRecord, ancestorId: string): boolean {
    const seen = new Set<string>();
    for (let cur: FileRecord | undefined = f; cur && !seen.has(cur.id); ) {
      if (cur.id === ancestorId) return true;
      seen.add(cur.id);
      cur = cur.parents[0] ? this.files.get(cur.parents[0]) : undefined;
    }
    return false;
  }

  children(folderId: string): FileRecord[] {
    const out: FileRecord[] = [];
    for (const f of this.files.values()) if (f.parents.includes(folderId)) out.push(f);
    return out;
  }

  /** Which space a file lives in (app data items are listed only with spaces=appDataFolder). */
  spaceOf(f: FileRecord): 'drive' | 'appDataFolder' {
    const seen = new Set<string>();
    for (let cur: FileRecord | undefined = f; cur && !seen.has(cur.id); ) {
      if (cur.isRoot) return cur.space;
      seen.add(cur.id);
      cur = cur.parents[0] ? this.files.get(cur.parents[0]) : undefined;
    }
    return 'drive';
  }

  /**
   * Checks a parent for a new or moved item and returns its resolved id and shared drive. Drive allows one
   * parent only; a shared-drive parent needs supportsAllDrives.
   */
  checkParent(parentId: string, me: DriveUser, supportsAllDrives: boolean): FileRecord {
    const parent = this.files.get(this.resolveId(parentId, me));
    if (!parent || !this.canSee(parent, me) || (parent.driveId && !supportsAllDrives))
      throw notFound(parentId);
    if (parent.mimeType !== FOLDER_MIME)
      throw driveError(403, 'notAFolder', `The specified parent is not a folder: ${parentId}.`);
    this.requireRole(parent, me, 'writer');
    return parent;
  }

  insert(f: FileRecord): void {
    this.files.set(f.id, f);
    this.recordFileChange(f);
  }

  /** Stores content as a new revision (hashes computed while it streams in). */
  async storeRevision(input: ContentInput, me: DriveUser): Promise<RevisionRecord> {
    let info: Awaited<ReturnType<BlobStore['put']>>;
    try {
      info = await this.blobs.put(input.source, {
        hashes: ['md5', 'sha1', 'sha256'],
        maxBytes: this.settings.maxUploadSize,
      });
    } catch (e) {
      if (e instanceof BlobTooLargeError)
        throw driveError(
          413,
          'uploadTooLarge',
          `The file exceeds the maximum upload size of ${e.limit} bytes.`,
        );
      throw e;
    }
    return this.revisionFromBlob(info, input, me);
  }

  revisionFromBlob(
    info: { id: string; size: number; hashes: Record<string, string | undefined> },
    input: { mimeType: string; originalFilename?: string },
    me: DriveUser,
  ): RevisionRecord {
    return {
      id: `0B${randomBytes(18).toString('base64url').slice(0, 24)}`,
      blobId: info.id,
      size: info.size,
      md5: info.hashes.md5 ?? '',
      sha1: info.hashes.sha1 ?? '',
      sha256: info.hashes.sha256 ?? '',
      mimeType: input.mimeType,
      modifiedTime: this.now(),
      keepForever: false,
      originalFilename: input.originalFilename,
      lastModifyingUser: me.emailAddress,
    };
  }

  /** Adds a revision as the head; Drive keeps 100 revisions (unpinned old ones go first). */
  pushRevision(f: FileRecord, rev: RevisionRecord): void {
    f.revisions.push(rev);
    while (f.revisions.length > 100) {
      const i = f.revisions.findIndex((r, n) => !r.keepForever && n < f.revisions.length - 1);
      if (i < 0) break;
      const [gone] = f.revisions.splice(i, 1);
      void this.blobs.release(gone!.blobId);
    }
    f.mimeType = isGoogleNative(f.mimeType) ? f.mimeType : rev.mimeType;
    f.modifiedTime = rev.modifiedTime;
    f.modifiedByMeTime = rev.modifiedTime;
    f.version++;
  }

  /** Permanently deletes a file (a folder with everything below it); records removals. */
  async remove(f: FileRecord): Promise<void> {
    for (const child of this.children(f.id)) await this.remove(child);
    this.files.delete(f.id);
    for (const rev of f.revisions) await this.blobs.release(rev.blobId);
    this.changes.push({
      seq: ++this.seq,
      time: this.now(),
      changeType: 'file',
      id: f.id,
      driveId: f.driveId,
      removed: true,
    });
  }

  touch(f: FileRecord, me: DriveUser): void {
    f.version++;
    f.lastModifyingUser = me.emailAddress;
    this.recordFileChange(f);
  }

  // ---- changes --------------------------------------------------------------------------------------

  recordFileChange(f: FileRecord): void {
    if (f.isRoot) return;
    this.changes.push({
      seq: ++this.seq,
      time: this.now(),
      changeType: 'file',
      id: f.id,
      driveId: f.driveId,
      removed: false,
    });
  }

  recordDriveChange(d: SharedDriveRecord, removed = false): void {
    this.changes.push({
      seq: ++this.seq,
      time: this.now(),
      changeType: 'drive',
      id: d.id,
      driveId: d.id,
      removed,
    });
  }

  /** The token of the next change to come (changes.getStartPageToken). */
  get nextChangeSeq(): number {
    return this.seq + 1;
  }

  // ---- usage ----------------------------------------------------------------------------------------

  usage(me: DriveUser): { usage: number; inDrive: number; inTrash: number } {
    let inDrive = 0;
    let inTrash = 0;
    for (const f of this.files.values()) {
      if (f.driveId || f.owner?.toLowerCase() !== me.emailAddress.toLowerCase()) continue;
      const bytes = f.revisions.reduce((n, r) => n + r.size, 0);
      inDrive += bytes;
      if (this.isTrashed(f)) inTrash += bytes;
    }
    return { usage: inDrive, inDrive, inTrash };
  }
}

export function domainOf(email: string): string {
  return (email.split('@')[1] ?? '').toLowerCase();
}
