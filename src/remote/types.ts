/**
 * The common by-path interface: what every service (and the local disk) offers to the command line, to
 * copies between services and to the distributed queue. One adapter per service implements it on top of
 * that service's class (a feature reaches this interface through the class, never beside it).
 *
 * Paths are relative to the remote's root, `/`-separated, without a leading or trailing slash: `''` is the
 * root, `photos/2024/a.jpg` a file. Ids stay inside the adapters. For B2 the first element is the bucket.
 */
import type { Readable } from 'node:stream';
import type { HashName } from '../core/transfer/hash.js';

export type { HashName };

/** The kinds of remote; `local` is the file system. */
export type RemoteType = 'local' | 'box' | 'dropbox' | 'googledrive' | 'b2';

/** A file or a folder, as listed or stat'ed. */
export interface Entry {
  /** The full path from the remote's root (see the module comment). */
  path: string;
  /** The last path element. */
  name: string;
  kind: 'file' | 'folder';
  /** Bytes; 0 for folders. */
  size: number;
  /** The modification time the service keeps for the file (client-set where the service allows). */
  modTime?: Date;
  /** Every hash the service has for the file, lower-case hex; empty for folders. */
  hashes: Partial<Record<HashName, string>>;
  /** The service's id (an adapter detail, for messages and for the queue's session state). */
  id?: string;
  mimeType?: string;
}

/** What a remote can do; copy and sync planning choose their way by it. */
export interface RemoteFeatures {
  /** The hashes the service computes for every file, strongest first. */
  hashes: readonly HashName[];
  /** Whether `write` can set the modification time (`modTime` option). */
  setModTime: boolean;
  /** How finely the service keeps modification times, in milliseconds (1000: whole seconds). */
  modTimePrecision: number;
  /** Copy and move of a file inside the remote without moving the bytes through this process. */
  serverSideCopy: boolean;
  serverSideMove: boolean;
  /** Folders exist on their own (B2 and other object stores only have names with slashes). */
  emptyFolders: boolean;
  /** A large upload can be resumed in a new process from `WriteOptions.resume` state. */
  resumableUploads: boolean;
  /** Public (shared) links. */
  publicLinks: boolean;
  /** Names compare case-insensitively on this remote (Box, Dropbox, Windows/macOS disks). */
  caseInsensitive: boolean;
}

export interface ListOptions {
  /** Walk the whole tree below the path (depth first, folders before their contents). */
  recursive?: boolean;
  signal?: AbortSignal;
}

export interface ReadOptions {
  /** The first byte to read (default 0). */
  offset?: number;
  /** How many bytes at most (default: to the end). */
  length?: number;
  signal?: AbortSignal;
}

/** State a resumable upload reports as it goes, and takes back to continue in a new process. */
export interface UploadResumeState {
  /** The service's session (Box upload session URL, Drive resumable URI, B2 large file id, …). */
  session: string;
  /** Bytes the service confirmed. */
  committed: number;
  /** Anything else the adapter needs, as JSON. */
  extra?: Record<string, unknown>;
}

export interface WriteOptions {
  /** The size when known (some services need it to choose simple vs session uploads). */
  size?: number;
  /** Kept on the destination where the service allows (`features.setModTime`). */
  modTime?: Date;
  /**
   * Hashes of the data known before it is sent (a copy's source entry): a service that cannot compute one
   * itself for every upload stores it (B2 keeps `large_file_sha1` for large files).
   */
  hashes?: Partial<Record<HashName, string>>;
  /** Called with the number of bytes sent so far. */
  onProgress?: (bytes: number) => void;
  /** Continue an interrupted upload (`features.resumableUploads`). */
  resume?: UploadResumeState;
  /** Called each time the resume state changes (store it to continue after a crash). */
  onResumeState?: (state: UploadResumeState) => void;
  signal?: AbortSignal;
}

export interface Quota {
  /** Bytes; undefined where the service does not say. */
  total?: number;
  used?: number;
  free?: number;
  trashed?: number;
}

/**
 * One remote. Errors are CloudStorageErrors: a missing path is `RemoteNotFound` (`errors.ts`, code 600 with
 * httpStatus 404, as the classes report it); what a service cannot do is 601 (UnsupportedOperation) with a
 * message that says which. Folders in `write`, `copy` and `move` destinations are made as needed.
 */
export interface Remote {
  /** The remote's name for messages (`box`, `backup:`, or the local root). */
  readonly name: string;
  readonly type: RemoteType;
  readonly features: RemoteFeatures;

  /** The entries of a folder (all pages), or of the tree below it with `recursive`. */
  list(path: string, options?: ListOptions): AsyncIterable<Entry>;
  /** The entry at a path, or undefined when there is none. */
  stat(path: string, options?: { signal?: AbortSignal }): Promise<Entry | undefined>;
  /** A file's bytes as a stream, from `offset` for `length` bytes. */
  read(path: string, options?: ReadOptions): Promise<Readable>;
  /** Writes a file from a stream (replacing one at the path); returns what the service now has. */
  write(path: string, data: Readable, options?: WriteOptions): Promise<Entry>;
  /** Makes a folder and its missing parents; nothing when it exists. */
  mkdir(path: string): Promise<void>;
  /** Removes an empty folder. */
  rmdir(path: string): Promise<void>;
  /** Deletes a file. */
  delete(path: string): Promise<void>;
  /** Removes a folder and everything in it. */
  purge(path: string): Promise<void>;
  /** Server-side copy inside this remote (`features.serverSideCopy`). */
  copy(src: string, dst: string): Promise<Entry>;
  /** Server-side move or rename inside this remote (`features.serverSideMove`). */
  move(src: string, dst: string): Promise<Entry>;
  /** The account's storage figures. */
  about(): Promise<Quota>;
  /** A public link to a file or folder (`features.publicLinks`). */
  link(path: string): Promise<string>;
  /**
   * A hash of a file: the service's own when it has it; otherwise computed by reading the file (the
   * local disk computes every hash on demand). Undefined when the remote cannot give that hash.
   */
  hash(path: string, name: HashName, options?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** Ends what the remote holds open (pools, servers). */
  close(): Promise<void>;
}
