import { type FlowJobNode, FlowProducer, type JobsOptions, Queue } from 'bullmq';
import { partUploadsOf } from '../remote/parts.js';
import { cleanPath, joinPath } from '../remote/paths.js';
import { planSync } from '../remote/sync.js';
import type { Remote } from '../remote/types.js';
import { connect, keyPrefix, type QueueConnection, queueName, redisOptions } from './connection.js';
import {
  type CommitJobData,
  type DeletionsJobData,
  type FileJobData,
  jobIds,
  type PartJobData,
} from './jobs.js';
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
  /** Globs of the files to take, and to leave (paths below the source root; see remote `pathFilter`). */
  include?: readonly string[];
  exclude?: readonly string[];
  /** Files compared at once while planning (default 8). */
  checkers?: number;
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
  const signal = options.signal;
  const srcRoot = cleanPath(src.path);
  const dstRoot = cleanPath(dst.path);
  // What to copy and what is already there, by the remote operations' compare (hash, else size + time).
  const plan = await planSync(src.remote, srcRoot, dst.remote, dstRoot, {
    deleteExtraneous: kind === 'sync',
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.checkers ? { checkers: options.checkers } : {}),
    ...(signal ? { signal } : {}),
  });
  for (const folder of plan.folders) await dst.remote.mkdir(joinPath(dstRoot, folder));

  const redis = connect(connection);
  const queue = new Queue(name, { connection: redisOptions(connection.redis), prefix });
  const flows = new FlowProducer({ connection: redisOptions(connection.redis), prefix });
  const ledger = new Ledger(redis, prefix, name);
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const id = Ledger.newTransferId();
  const result: EnqueuedTransfer = {
    id,
    files: plan.copies.length,
    bytes: plan.copies.reduce((n, c) => n + c.size, 0),
    partedFiles: 0,
    parts: 0,
    skipped: plan.unchanged,
    deletes: plan.deletions.length,
  };
  try {
    if (options.maxTransfers !== undefined) await queue.setGlobalConcurrency(options.maxTransfers);
    await ledger.createTransfer({
      id,
      kind,
      src: `${src.name}:${srcRoot}`,
      dst: `${dst.name}:${dstRoot}`,
      createdAt: Date.now(),
      files: result.files,
      bytes: result.bytes,
      skipped: result.skipped,
      deletes: result.deletes,
    });
    const parts = partUploadsOf(dst.remote);
    const threshold = parts
      ? Math.max(options.partThreshold ?? DEFAULT_PART_THRESHOLD, await parts.minFileSize())
      : Number.POSITIVE_INFINITY;

    const planned: PlannedJob[] = [];
    let batch: PlannedJob[] = [];
    for (const copy of plan.copies) {
      const dstPath = joinPath(dstRoot, copy.path);
      const key = Ledger.fileKey(id, dst.name, dstPath);
      const entry = copy.source;
      const data: FileJobData = {
        transfer: id,
        key,
        src: { remote: src.name, path: entry.path },
        dst: { remote: dst.name, path: dstPath },
        size: entry.size,
        ...(entry.modTime ? { modTime: entry.modTime.getTime() } : {}),
        hashes: entry.hashes,
      };
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
              // A part that fails for good fails its file's commit.
              opts: { ...jobOptions, jobId: jobIds.part(key, index), failParentOnFailure: true },
            };
          }),
        });
      } else {
        batch.push({ name: 'file', queueName: name, data, opts: { ...jobOptions, jobId: jobIds.file(key) } });
      }
      // A copy's jobs go out as they are planned; a sync's wait to become the children of its deletions.
      if (batch.length >= BATCH || copy === plan.copies.at(-1)) {
        if (kind === 'sync' && plan.deletions.length > 0) planned.push(...batch);
        else await addJobs(queue, flows, batch);
        batch = [];
      }
    }

    if (kind === 'sync' && plan.deletions.length > 0) {
      await ledger.addDeletions(
        id,
        plan.deletions.map((d) => ({ path: joinPath(dstRoot, d.path), kind: d.kind })),
      );
      const deletions: DeletionsJobData = { transfer: id, dst: dst.name };
      // One parent over every copy: BullMQ runs it once all its children are done.
      await flows.add({
        name: 'deletions',
        queueName: name,
        data: deletions,
        opts: { ...jobOptions, jobId: jobIds.deletions(id) },
        children: planned,
      });
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
