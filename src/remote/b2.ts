import type { Readable } from 'node:stream';
import { trimTrailingSlashes } from '../core/http/url.js';
import type { HashName } from '../core/transfer/hash.js';
import type { BackblazeB2 } from '../providers/b2/index.js';
import type { B2File, B2UploadOptions } from '../providers/b2/types.js';
import { folderNotEmpty, RemoteNotFound, wrongKind } from './errors.js';
import { cleanPath, joinPath, pathElements, splitPath } from './paths.js';
import { entryName, expectKind, serviceEntry, sessionReporter } from './service-entry.js';
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

/** The marker file B2's web console leaves in a folder made there; not a file of the user's. */
const EMPTY_FOLDER_MARKER = '.bzEmpty';
/** How long a link to a file of a private bucket stays valid: a week, B2's maximum. */
const PRIVATE_LINK_SECONDS = 604_800;

/** A path on B2: the bucket (the first element) and the file name inside it ('' the bucket itself). */
interface B2Path {
  bucket: string;
  key: string;
}

function b2Path(path: string): B2Path {
  const [bucket = '', ...rest] = pathElements(path);
  return { bucket, key: rest.join('/') };
}

/**
 * Backblaze B2 as a remote, on the BackblazeB2 class. The first path element is the bucket; below it,
 * folders are only the `/` in file names (`emptyFolders: false`: mkdir makes a bucket, or nothing).
 * Hashes are B2's SHA-1 (for large files, their `large_file_sha1` info when the uploader set one); the
 * modification time is the `src_last_modified_millis` info. Files above SimpleUploadLimit, and streams
 * that turn out larger, go up as large files in parallel parts, resumable from ResumableUploadState.
 * Deleting a file deletes all its versions; move is a server-side copy and a delete.
 */
export class B2Remote implements Remote {
  readonly type = 'b2' as const;
  readonly name: string;
  readonly features: RemoteFeatures = {
    hashes: ['sha1'],
    modTimePrecision: 1,
    setModTime: true,
    serverSideCopy: true,
    serverSideMove: true,
    emptyFolders: false,
    resumableUploads: true,
    publicLinks: true,
    caseInsensitive: false,
  };
  private buckets = new Map<string, { id: string; kind: string }>();

  constructor(
    readonly b2: BackblazeB2,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'b2';
  }

  /** The bucket of a name (the list is read again when a name is not known yet). */
  private async bucket(name: string): Promise<{ id: string; kind: string } | undefined> {
    const known = this.buckets.get(name);
    if (known) return known;
    await this.refreshBuckets();
    return this.buckets.get(name);
  }

  private async refreshBuckets(): Promise<void> {
    const list = await this.b2.listBuckets();
    this.buckets = new Map(list.map((b) => [b.name, { id: b.id, kind: b.kind }]));
  }

  private async existingBucket(name: string): Promise<{ id: string; kind: string }> {
    const b = await this.bucket(name);
    if (!b) throw new RemoteNotFound(this.name, name, 'folder');
    return b;
  }

  /** The entries right below a path: buckets at the root, else names up to the next `/`. */
  private async *listFolder(path: string, signal?: AbortSignal): AsyncGenerator<Entry> {
    const { bucket, key } = b2Path(path);
    if (bucket === '') {
      await this.refreshBuckets();
      for (const name of [...this.buckets.keys()].sort()) {
        yield { path: name, name, kind: 'folder', size: 0, hashes: {} };
      }
      return;
    }
    const { id } = await this.existingBucket(bucket);
    let any = false;
    const prefix = key === '' ? '' : `${key}/`;
    for await (const f of this.b2.iterateFiles(id, {
      prefix,
      delimiter: '/',
      ...(signal ? { signal } : {}),
    })) {
      any = true;
      const entry = entryOf(f, bucket);
      if (entry && entry.name !== EMPTY_FOLDER_MARKER) yield entry;
    }
    if (!any && key !== '') throw new RemoteNotFound(this.name, path, 'folder');
  }

  list(path: string, options: ListOptions = {}): AsyncIterable<Entry> {
    return listTree((p, s) => this.listFolder(p, s), path, options);
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry | undefined> {
    const clean = cleanPath(path);
    const { bucket, key } = b2Path(clean);
    if (bucket === '') return { path: '', name: '', kind: 'folder', size: 0, hashes: {} };
    const b = await this.bucket(bucket);
    if (!b) return undefined;
    if (key === '') return { path: clean, name: bucket, kind: 'folder', size: 0, hashes: {}, id: b.id };
    const folder = `${key}/`;
    const files = this.b2.iterateFiles(b.id, { prefix: key, delimiter: '/', ...options });
    for await (const f of files) {
      // Names come sorted: past `key/`, neither the file nor the folder can follow.
      if (f.name > folder) break;
      if (f.name === key || f.name === folder) return entryOf(f, bucket);
    }
    return undefined;
  }

  private async file(path: string, signal?: AbortSignal): Promise<Entry & { id: string }> {
    const entry = expectKind(this.name, path, await this.stat(path, signal ? { signal } : {}), 'file');
    if (!entry.id) throw new RemoteNotFound(this.name, entry.path, 'file');
    return entry as Entry & { id: string };
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const entry = await this.file(path, options.signal);
    return downloadAsReadable(
      (stream, { offset, length }, signal) => {
        const end = length === undefined ? '' : String(Math.min(entry.size, offset + length) - 1);
        const range = offset === 0 && end === '' ? '' : `${offset}-${end}`;
        return this.b2.downloadFileById(entry.id, { stream, range, signal });
      },
      options,
      entry.size,
    );
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const clean = cleanPath(path);
    const { bucket, key } = b2Path(clean);
    if (key === '') throw wrongKind(this.name, clean, 'is a bucket (or the root), not a file');
    await this.mkdir(bucket);
    const b = await this.existingBucket(bucket);
    const upload: B2UploadOptions = {
      data: withProgress(data, options.onProgress),
      ...(options.size !== undefined ? { size: options.size } : {}),
      ...(options.modTime ? { clientModifiedTime: String(options.modTime.getTime()) } : {}),
      // B2 has no SHA-1 of a large file unless the uploader gives it: a known one is kept in its info.
      ...(options.hashes?.sha1 && /^[0-9a-f]{40}$/.test(options.hashes.sha1)
        ? { fileInfo: { large_file_sha1: options.hashes.sha1 } }
        : {}),
      // Always per call: the instance's ResumableUploadState/startByte are another call's.
      resumableUploadState: options.resume?.session ?? '',
      startByte: options.resume?.committed ?? 0,
      ...(options.onResumeState ? { onSessionState: sessionReporter(options.onResumeState) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    await this.b2.uploadFile(b.id, key, upload);
    return this.file(clean);
  }

  /** Makes the bucket (private) when it is not there; folders below it need nothing on B2. */
  async mkdir(path: string): Promise<void> {
    const { bucket } = b2Path(cleanPath(path));
    if (bucket === '' || (await this.bucket(bucket))) return;
    try {
      await this.b2.createBucket(bucket, 'allPrivate');
    } catch (e) {
      await this.refreshBuckets();
      if (!this.buckets.has(bucket)) throw e;
    }
    await this.refreshBuckets();
  }

  async rmdir(path: string): Promise<void> {
    const clean = cleanPath(path);
    const { bucket, key } = b2Path(clean);
    if (bucket === '') throw wrongKind(this.name, '', 'is the root: it cannot be removed');
    const b = await this.existingBucket(bucket);
    const prefix = key === '' ? '' : `${key}/`;
    for await (const f of this.b2.iterateFiles(b.id, { prefix, delimiter: '/' })) {
      if (f.name !== `${prefix}${EMPTY_FOLDER_MARKER}`) {
        throw folderNotEmpty(this.name, clean);
      }
      await this.b2.deleteFile(b.id, f.name);
    }
    if (key === '') {
      await this.b2.deleteBucket(b.id);
      this.buckets.delete(bucket);
    }
  }

  async delete(path: string): Promise<void> {
    const entry = await this.file(path);
    const { bucket, key } = b2Path(entry.path);
    await this.b2.deleteFile((await this.existingBucket(bucket)).id, key);
  }

  /** The files below a folder (every level), by their full names. */
  private async *filesBelow(bucketId: string, key: string): AsyncGenerator<B2File> {
    for await (const f of this.b2.iterateFiles(bucketId, {
      prefix: key === '' ? '' : `${key}/`,
      delimiter: '',
    })) {
      if (f.kind !== 'folder') yield f;
    }
  }

  async purge(path: string): Promise<void> {
    const clean = cleanPath(path);
    expectKind(this.name, clean, await this.stat(clean), 'folder');
    const { bucket, key } = b2Path(clean);
    if (bucket === '') {
      await this.refreshBuckets();
      for (const name of [...this.buckets.keys()]) await this.purge(name);
      return;
    }
    const b = await this.existingBucket(bucket);
    for await (const f of this.filesBelow(b.id, key)) await this.b2.deleteFile(b.id, f.name);
    if (key === '') {
      await this.b2.deleteBucket(b.id);
      this.buckets.delete(bucket);
    }
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.file(src);
    const to = cleanPath(dst);
    const { bucket, key } = b2Path(to);
    if (key === '') throw wrongKind(this.name, to, 'is a bucket (or the root), not a file');
    await this.mkdir(bucket);
    await this.b2.copyFile(from.id, (await this.existingBucket(bucket)).id, key);
    return this.file(to);
  }

  /** A server-side copy then a delete, for a file or (file by file) a folder. */
  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from || from.path === '') throw new RemoteNotFound(this.name, cleanPath(src));
    const to = cleanPath(dst);
    if (from.kind === 'file') {
      const moved = await this.copy(from.path, to);
      await this.delete(from.path);
      return moved;
    }
    const { bucket, key } = b2Path(from.path);
    if (key === '') throw wrongKind(this.name, from.path, 'is a bucket: B2 cannot rename buckets');
    const b = await this.existingBucket(bucket);
    for await (const f of this.filesBelow(b.id, key)) {
      const below = f.name.slice(key.length + 1);
      await this.copy(joinPath(bucket, f.name), joinPath(to, below));
      await this.b2.deleteFile(b.id, f.name);
    }
    return (await this.stat(to)) ?? { path: to, name: splitPath(to)[1], kind: 'folder', size: 0, hashes: {} };
  }

  /** B2 has no quota of its own (the account is billed by use). */
  async about(): Promise<Quota> {
    return {};
  }

  /**
   * The download URL of a file (by name). In a private bucket it carries a download authorization valid a
   * week for that file only.
   */
  async link(path: string): Promise<string> {
    const entry = await this.file(path);
    const { bucket, key } = b2Path(entry.path);
    const b = await this.existingBucket(bucket);
    const base = trimTrailingSlashes(this.b2.settings.get('DownloadURL'));
    const url = `${base}/file/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    if (b.kind === 'allPublic') return url;
    const token = await this.b2.getDownloadAuthToken(b.id, key, PRIVATE_LINK_SECONDS);
    return `${url}?Authorization=${encodeURIComponent(token)}`;
  }

  async hash(
    path: string,
    name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    return (await this.file(path, options.signal)).hashes[name];
  }

  async close(): Promise<void> {
    await this.b2.close();
  }
}

/** A B2 file (or folder, a name ending in `/`) as an entry of its bucket. */
function entryOf(f: B2File, bucket: string): Entry | undefined {
  const folder = f.kind === 'folder';
  const elements = (folder ? trimTrailingSlashes(f.name) : f.name).split('/');
  // Every element must be a plain name (B2 names are free-form); the last is the entry's.
  const name = elements.pop() as string;
  if (elements.some((e) => entryName(e) === undefined)) return undefined;
  const sha1 = f.sha1Hash || f.info.find((i) => i.name === 'large_file_sha1')?.value || '';
  return serviceEntry(joinPath(bucket, ...elements), {
    name,
    folder,
    size: f.size,
    modified: folder
      ? undefined
      : f.modifiedTime >= 0
        ? f.modifiedTime
        : f.createdTime >= 0
          ? f.createdTime
          : undefined,
    hashes: /^[0-9a-f]{40}$/i.test(sha1) ? { sha1 } : {},
    ...(f.id ? { id: f.id } : {}),
  });
}
