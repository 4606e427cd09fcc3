import type { Readable } from 'node:stream';
import { Mutex } from '../core/auth/stores/mutex.js';
import type { GoogleDrive } from '../providers/googledrive/index.js';
import {
  blankPermission,
  GoogleDrivePermissionModOp,
  GoogleDrivePermissionRole,
  GoogleDrivePermissionType,
  type GoogleDriveResource,
  type UploadOptions,
} from '../providers/googledrive/types.js';
import { RemoteNotFound } from './errors.js';
import { IdTreeRemote } from './id-tree.js';
import { splitPath } from './paths.js';
import { quotaOf, serviceEntry, sessionReporter } from './service-entry.js';
import { downloadAsReadable, withProgress } from './streams.js';
import type { Entry, Quota, ReadOptions, Remote, RemoteFeatures, WriteOptions } from './types.js';

const GOOGLE_APPS_PREFIX = 'application/vnd.google-apps.';
const FOLDER_MIME = `${GOOGLE_APPS_PREFIX}folder`;

/**
 * Google Drive as a remote, on the GoogleDrive class. Folders are found by their parents (folder ids kept
 * in a small cache); hashes are Drive's MD5, SHA-1 and SHA-256; the modification time is Drive's
 * modifiedTime (milliseconds). Google-native documents are listed with size 0 and their MIME type (copies
 * skip them unless asked). Files larger than FragmentSize, and streams of unknown size, go through
 * resumable sessions. Deleted items go to Drive's trash.
 */
export class GoogleDriveRemote extends IdTreeRemote implements Remote {
  readonly type = 'googledrive' as const;
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
  /** Links go through the class's permissions collection (updatePermissions): one at a time. */
  private readonly linking = new Mutex();

  constructor(
    readonly drive: GoogleDrive,
    options: { name?: string } = {},
  ) {
    super(options.name ?? 'googledrive', 'root', false);
  }

  protected async *children(
    folderId: string,
    folderPath: string,
    signal?: AbortSignal,
  ): AsyncGenerator<Entry> {
    for await (const r of this.drive.iterateChildren(folderId, signal ? { signal } : {})) {
      const entry = r.trashed ? undefined : entryOf(r, folderPath);
      if (entry) yield entry;
    }
  }

  protected createFolder(name: string, parentId: string): Promise<string> {
    return this.drive.createFolder(name, parentId);
  }

  protected removeItem(id: string): Promise<void> {
    return this.drive.trashResource(id);
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
    // A native document's size is 0 but its export has bytes.
    const native = entry.mimeType?.startsWith(GOOGLE_APPS_PREFIX) ?? false;
    return downloadAsReadable(
      (stream, { offset: startByte }, signal) =>
        this.drive.downloadFile(entry.id, '', { stream, startByte, signal }),
      options,
      native ? undefined : entry.size,
    );
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const target = await this.writeTarget(path, options.signal);
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
    let id = target.existing;
    if (id) {
      await this.drive.updateResource(id, { ...upload, metadata: modifiedTime ? { modifiedTime } : {} });
    } else {
      id = await this.drive.uploadFile(target.name, '', {
        ...upload,
        metadata: {
          name: target.name,
          parentIds: target.parentId,
          ...(modifiedTime ? { modifiedTime } : {}),
        },
      });
    }
    return this.byId(id, target.path);
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.existing(src, 'file');
    const to = await this.destination(dst);
    const id = await this.drive.copyResource(from.id, to.name, to.parentId);
    return this.byId(id, to.path);
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from?.id || from.path === '') throw new RemoteNotFound(this.name, src);
    const to = await this.destination(dst);
    await this.drive.moveResource(from.id, to.parentId);
    if (to.name !== from.name) await this.drive.updateResource(from.id, { metadata: { name: to.name } });
    this.folders.forget(from.path);
    return this.byId(from.id, to.path);
  }

  async about(): Promise<Quota> {
    const a = await this.drive.getAccountInfo();
    return quotaOf(a.storageQuota, a.storageUsage, a.trashUsage);
  }

  /** Anyone with the link may read the item; the link is its web view link. */
  async link(path: string): Promise<string> {
    const entry = await this.stat(path);
    if (!entry?.id || entry.path === '') throw new RemoteNotFound(this.name, path);
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

  async close(): Promise<void> {
    await this.drive.close();
  }
}

/** A Drive resource as an entry of the folder at `folderPath`. */
function entryOf(r: GoogleDriveResource, folderPath: string): Entry | undefined {
  const folder = r.mimeType === FOLDER_MIME || r.type === 1;
  // A Google-native document has no bytes of its own (only exports): size 0, whatever Drive reports.
  const native = !folder && r.mimeType.startsWith(GOOGLE_APPS_PREFIX);
  return serviceEntry(folderPath, {
    name: r.name,
    folder,
    size: native ? 0 : r.size,
    modified: r.modifiedTime,
    hashes: { md5: r.md5Checksum, sha1: r.sha1Checksum, sha256: r.sha256Checksum },
    id: r.id,
    mimeType: r.mimeType,
  });
}
