import type { HashName } from '../core/transfer/hash.js';
import type { PartSession } from '../remote/parts.js';

/**
 * The jobs on the queue. Every job names its remotes by name: each worker has its own remote objects
 * under the same names (its own configuration, its own connections).
 */

/** A path on a named remote. */
export interface FileRef {
  remote: string;
  path: string;
}

/** `file`: one whole file, streamed from the source to the destination. */
export interface FileJobData {
  transfer: string;
  /** Ledger key of the file (Ledger.fileKey). */
  key: string;
  src: FileRef;
  dst: FileRef;
  size: number;
  /** The source's modification time, ms since the epoch. */
  modTime?: number;
  /** The source's hashes as planned (lower-case hex). */
  hashes: Partial<Record<HashName, string>>;
}

/** `part`: one part of a large file; a child of its file's `commit` job. */
export interface PartJobData {
  transfer: string;
  key: string;
  src: FileRef;
  dst: FileRef;
  session: PartSession;
  index: number;
}

/** `commit`: makes the file from its parts, once every `part` child is done. */
export interface CommitJobData extends FileJobData {
  session: PartSession;
}

/** `deletions`: a sync's deletions at the destination, after every copy of the sync is done. */
export interface DeletionsJobData {
  transfer: string;
  dst: string;
}

export type JobName = 'file' | 'part' | 'commit' | 'deletions';

/** What a finished job reports (BullMQ's return value). */
export interface JobResult {
  /** The destination already had the file (nothing was sent). */
  found?: boolean;
  bytes?: number;
  /** The part was on the service already (a re-run after a lost answer or a killed worker). */
  partOnService?: boolean;
  deleted?: number;
}

/** BullMQ job ids (no `:`) from the ledger key of a file. */
export const jobIds = {
  file: (key: string) => `f-${key}`,
  commit: (key: string) => `c-${key}`,
  part: (key: string, index: number) => `p-${key}-${index}`,
  deletions: (transfer: string) => `d-${transfer}`,
};
