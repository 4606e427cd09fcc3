/**
 * An optional capability of a remote: uploads in parts that any process may send, in any order, and one
 * process commits once all are in (Box upload sessions, B2 large files). The distributed queue splits a
 * large file into one job per part with it. Services whose sessions take bytes in order only (Drive
 * resumable uploads, Dropbox upload sessions) do not offer it.
 *
 * A session is plain JSON (`PartSession`), so it can be kept in Redis and handed to another process.
 */
import type { Entry, Remote } from './types.js';

/** An upload in parts under way; JSON, so any process can continue it. */
export interface PartSession {
  /** The remote path of the file being uploaded. */
  path: string;
  /** The service's session: the Box upload session URL, the B2 large file id. */
  session: string;
  size: number;
  /** Every part but the last is exactly this size. */
  partSize: number;
  partCount: number;
}

/** A part the service holds. */
export interface UploadedPart {
  /** 0-based: part `index` covers bytes `index * partSize` up to the next part. */
  index: number;
  size: number;
  /** SHA-1 of the part, lower-case hex. */
  sha1: string;
  /** The service's own id of the part, where it has one (Box `part_id`). */
  id?: string;
}

export interface PartUploadStartOptions {
  /** The part size wanted, where the service lets the client choose (B2); a service may round it. */
  partSize?: number;
  signal?: AbortSignal;
}

export interface PartCommitOptions {
  /** SHA-1 of the whole file, lower-case hex (Box requires it; B2 checks each part's). */
  sha1: string;
  /** Kept where the service takes it at commit (Box `content_modified_at`). */
  modTime?: Date;
  signal?: AbortSignal;
}

export interface PartUploads {
  /** The smallest file the service takes in parts. */
  minFileSize(): Promise<number>;
  /** Opens a session for a `size`-byte file at `path` (replacing what is there once committed). */
  start(path: string, size: number, options?: PartUploadStartOptions): Promise<PartSession>;
  /**
   * Sends part `index` (exactly its bytes). Sent once: a failure is not repeated here, because the caller
   * should first ask `listParts` whether the service got it (a lost answer is not a lost part).
   */
  uploadPart(
    session: PartSession,
    index: number,
    data: Uint8Array,
    options?: { signal?: AbortSignal },
  ): Promise<UploadedPart>;
  /** Every part the service holds for the session. */
  listParts(session: PartSession, options?: { signal?: AbortSignal }): Promise<UploadedPart[]>;
  /** Makes the file from all its parts; returns what the remote now has at the path. */
  commit(session: PartSession, parts: readonly UploadedPart[], options: PartCommitOptions): Promise<Entry>;
  /** Discards the session and its parts (nothing when it is already gone). */
  abort(session: PartSession, options?: { signal?: AbortSignal }): Promise<void>;
}

/** A remote that uploads in parts. */
export interface PartUploadingRemote extends Remote {
  readonly parts: PartUploads;
}

/** The remote's part uploads, or undefined when it has none. */
export function partUploadsOf(remote: Remote): PartUploads | undefined {
  return (remote as Partial<PartUploadingRemote>).parts;
}

/** The byte range of part `index` of a session. */
export function partRange(session: PartSession, index: number): { offset: number; length: number } {
  const offset = index * session.partSize;
  return { offset, length: Math.min(session.partSize, session.size - offset) };
}

/** `remote` with part uploads attached (for adapters that do not attach their own). */
export function withPartUploads<R extends Remote>(remote: R, parts: PartUploads): R & PartUploadingRemote {
  return Object.assign(remote, { parts });
}
