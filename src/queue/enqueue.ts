import { type FlowJobNode, FlowProducer, type JobsOptions, Queue } from 'bullmq';
import { CloudStorageError, ErrorCode } from '../core/errors.js';
import { partUploadsOf } from '../remote/parts.js';
import { cleanPath, joinPath, relativeTo } from '../remote/paths.js';
import type { Entry, Remote } from '../remote/types.js';
import { sameContent } from './compare.js';
import { connect, keyPrefix, type QueueConnection, queueName, redisOptions } from './connection.js';
import { type CommitJobData, type FileJobData, jobIds, type PartJobData } from './jobs.js';
import { Ledger } from './ledger.js';

/** A folder (or file) on a remote, and the name workers know that remote by. */
export interface RemotePath {
  /** The name the workers' `remotes` have this remote under. */
  name: string;
  remote: Remote;
  path: string;
}

export interface EnqueueOptions {
  connection: QueueConnection;
  /**
   * Files from this size up go in parts (one job per part) to a destination that uploads in parts (Box,
   * B2); never below the service's own minimum. Default 100 MiB.
   */
  partThreshold?: number;
  /** The part size where the service lets the client choose (B2). */
  partSize?: number;
  /** Attempts per job before it fails for good (default 5), with exponential backoff from `backoffMs` (default 2 s). */
  attempts?: number;
  backoffMs?: number;
  /** Jobs all workers run at once (BullMQ global concurrency, kept in Redis). */
  maxTransfers?: number;
  /** Which source files to take (relative paths); default all. */
  filter?: (relativePath: string, entry: Entry) => boolean;
  signal?: AbortSignal;
}

export interface EnqueuedTransfer {
  /** The transfer's id: `queueStatus` and `waitForTransfer` take it. */
  id: string;
  /** Files with jobs, their bytes, and those split into parts. */
  files: number;
  bytes: number;
  partedFiles: number;
  parts: number;
  /** Files already at the destination. */
  skipped: number;
  /** Files a sync deletes once every copy is done. */
  deletes: number;
}

const DEFAULT_PART_THRESHOLD = 100 * 1024 * 1024;

/** How many jobs go to Redis in one request. */
const BATCH = 500;

/**
 * Plans a copy of `src` to `dst` (what is already there, by hash or size and time, is skipped) and puts
 * one job per file on the queue; large files to Box or B2 become a commit job with one child job per
 * part. Returns once everything is enqueued; workers (`runWorker`) do the transfers.
 */
export function enqueueCopy(
  src: RemotePath,
  dst: RemotePath,
  options: EnqueueOptions,
): Promise<EnqueuedTransfer> {
  return enqueue('copy', src, dst, options);
}

/**
 * Like `enqueueCopy`, and afterwards deletes from `dst` the files that are not in `src` (a one-way
 * mirror): the deletions are one job that runs only once every copy of the sync is done, so a failed
 * copy leaves the destination's files in place.
 */
export function enqueueSync(
  src: RemotePath,
  dst: RemotePath,
  options: EnqueueOptions,
): Promise<EnqueuedTransfer> {
  return enqueue('sync', src, dst, options);
}

/** A job as BullMQ's flows take it (file jobs, and commit jobs with their part children). */
type PlannedJob = FlowJobNode;

async function enqueue(
  kind: 'copy' | 'sync',
  src: RemotePath,
  dst: RemotePath,
  options: EnqueueOptions,
): Promise<EnqueuedTransfer> {
  const connection = options.connection;
  const prefix = keyPrefix(connection);
  const name = queueName(connection);
  const redis = connect(connection);
  const queue = new Queue(name, { connection: redisOptions(connection.redis), prefix });
  const flows = new FlowProducer({ connection: redisOptions(connection.redis), prefix });
  const ledger = new Ledger(redis, prefix, name);
  const signal = options.signal;
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const id = Ledger.newTransferId();
  const result: EnqueuedTransfer = {
    id,
    files: 0,
    bytes: 0,
    partedFiles: 0,
    parts: 0,
    skipped: 0,
    deletes: 0,
  };
  try {
    if (options.maxTransfers !== undefined) await queue.setGlobalConcurrency(options.maxTransfers);
    await ledger.createTransfer({
      id,
      kind,
      src: `${src.name}:${src.path}`,
      dst: `${dst.name}:${dst.path}`,
      createdAt: Date.now(),
      files: 0,
      bytes: 0,
      skipped: 0,
      deletes: 0,
    });
    const srcRoot = cleanPath(src.path);
    const dstRoot = cleanPath(dst.path);
    const existing = await destinationFiles(dst.remote, dstRoot, signal);
    const parts = partUploadsOf(dst.remote);
    const threshold = parts
      ? Math.max(options.partThreshold ?? DEFAULT_PART_THRESHOLD, await parts.minFileSize())
      : Number.POSITIVE_INFINITY;
    const fold = (p: string) => (dst.remote.features.caseInsensitive ? p.toLowerCase() : p);

    let batch: PlannedJob[] = [];
    const kept: PlannedJob[] = [];
    const flush = async () => {
      if (kind === 'sync') kept.push(...batch);
      else await addJobs(queue, flows, batch);
      await ledger.plan(id, batch.length, 0, 0);
      batch = [];
    };

    for await (const entry of sourceFiles(src.remote, srcRoot, signal)) {
      const rel = relativeTo(entry.path, srcRoot) || entry.name;
      if (options.filter && !options.filter(rel, entry)) continue;
      const dstPath = joinPath(dstRoot, rel);
      const there = existing.get(fold(rel));
      existing.delete(fold(rel));
      if (there && (await sameContent(src.remote, entry, dst.remote, there, signal))) {
        result.skipped++;
        await ledger.plan(id, 0, 0, 1);
        continue;
      }
      const key = Ledger.fileKey(id, dst.name, dstPath);
      const data: FileJobData = {
        transfer: id,
        key,
        src: { remote: src.name, path: entry.path },
        dst: { remote: dst.name, path: dstPath },
        size: entry.size,
        ...(entry.modTime ? { modTime: entry.modTime.getTime() } : {}),
        hashes: entry.hashes,
      };
      result.files++;
      result.bytes += entry.size;
      await ledger.plan(id, 0, entry.size, 0);
      if (parts && entry.size >= threshold) {
        const session = await parts.start(dstPath, entry.size, {
          ...(options.partSize ? { partSize: options.partSize } : {}),
          ...(signal ? { signal } : {}),
        });
        await ledger.saveSession(key, session);
        result.partedFiles++;
        result.parts += session.partCount;
        const commit: CommitJobData = { ...data, session };
        batch.push({
          name: 'commit',
          queueName: name,
          data: commit,
          opts: { ...jobOptions, jobId: jobIds.commit(key) },
          children: Array.from({ length: session.partCount }, (_, index) => {
            const part: PartJobData = { transfer: id, key, src: data.src, dst: data.dst, session, index };
            return {
              name: 'part',
              queueName: name,
              data: part,
              opts: { ...jobOptions, jobId: jobIds.part(key, index), failParentOnFailure: true },
            };
          }),
        });
      } else {
        batch.push({ name: 'file', queueName: name, data, opts: { ...jobOptions, jobId: jobIds.file(key) } });
      }
      if (batch.length >= BATCH) await flush();
    }
    await flush();

    if (kind === 'sync') {
      const deletions = [...existing.values()].map((e) => e.path);
      result.deletes = deletions.length;
      await ledger.addDeletions(id, deletions);
      await ledger.plan(id, 0, 0, 0, deletions.length);
      if (deletions.length === 0) {
        await addJobs(queue, flows, kept);
      } else {
        // One parent over every copy: BullMQ runs it once all its children are done.
        await flows.add({
          name: 'deletions',
          queueName: name,
          data: { transfer: id, dst: dst.name },
          opts: { ...jobOptions, jobId: jobIds.deletions(id) },
          children: kept,
        });
      }
    }
    return result;
  } finally {
    await flows.close();
    await queue.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** File jobs in bulk; a commit job with its parts as one flow. */
async function addJobs(queue: Queue, flows: FlowProducer, jobs: PlannedJob[]): Promise<void> {
  const files = jobs.filter((j) => !j.children);
  if (files.length > 0)
    await queue.addBulk(files.map((j) => ({ name: j.name, data: j.data, opts: j.opts ?? {} })));
  for (const flow of jobs.filter((j) => j.children)) await flows.add(flow);
}

/** The source's files below `root` (or `root` itself when it is a file). */
async function* sourceFiles(remote: Remote, root: string, signal?: AbortSignal): AsyncGenerator<Entry> {
  const top = await remote.stat(root, signal ? { signal } : {});
  if (!top) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `There is nothing at ${JSON.stringify(root || '/')} on ${remote.name} to copy: check the source path.`,
      { httpStatus: 404, providerCode: 'not_found' },
    );
  }
  if (top.kind === 'file') {
    yield top;
    return;
  }
  for await (const entry of remote.list(root, { recursive: true, ...(signal ? { signal } : {}) })) {
    if (entry.kind === 'file') yield entry;
  }
}

/** The destination's files below `root`, by relative path (folded when the remote ignores case). */
async function destinationFiles(
  remote: Remote,
  root: string,
  signal?: AbortSignal,
): Promise<Map<string, Entry>> {
  const files = new Map<string, Entry>();
  const top = await remote.stat(root, signal ? { signal } : {});
  if (top?.kind !== 'folder') return files;
  for await (const entry of remote.list(root, { recursive: true, ...(signal ? { signal } : {}) })) {
    if (entry.kind !== 'file') continue;
    const rel = relativeTo(entry.path, root);
    files.set(remote.features.caseInsensitive ? rel.toLowerCase() : rel, entry);
  }
  return files;
}
