import { Queue, QueueEvents } from 'bullmq';
import { sleep } from '../core/http/retry.js';
import { connect, keyPrefix, type QueueConnection, queueName, redisOptions } from './connection.js';
import { Ledger, type TransferRecord, type TransferTally } from './ledger.js';

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  /** Commit jobs waiting for their parts, a sync's deletions waiting for its copies. */
  waitingChildren: number;
  completed: number;
  failed: number;
}

export interface TransferStatus extends TransferRecord, TransferTally {
  /** Every planned file is done or failed for good, and a sync's deletions ran (or cannot run: a copy failed). */
  finished: boolean;
}

export interface QueueStatus {
  queue: string;
  jobs: JobCounts;
  /** Workers connected to the queue now. */
  workers: number;
  /** The cap on jobs all workers run at once, when one is set. */
  maxTransfers?: number;
  /** Bytes per second over the last 10 seconds, all transfers. */
  bytesPerSecond: number;
  /** The newest transfers (or the one asked for). */
  transfers: TransferStatus[];
}

function finished(record: TransferRecord, tally: TransferTally): boolean {
  const files = tally.filesDone + tally.filesFailed >= record.files;
  if (!files) return false;
  if (record.kind !== 'sync' || record.deletes === 0) return true;
  return tally.filesFailed > 0 || tally.deletionsRan;
}

async function transferStatus(ledger: Ledger, id: string): Promise<TransferStatus | undefined> {
  const record = await ledger.transfer(id);
  if (!record) return undefined;
  const tally = await ledger.tally(id);
  return { ...record, ...tally, finished: finished(record, tally) };
}

/** What is waiting, running, done and failed on the queue, with totals and rates per transfer. */
export async function queueStatus(
  connection: QueueConnection,
  options: { transfer?: string; transfers?: number } = {},
): Promise<QueueStatus> {
  const prefix = keyPrefix(connection);
  const name = queueName(connection);
  const redis = connect(connection);
  const queue = new Queue(name, { connection: redisOptions(connection.redis), prefix });
  try {
    const ledger = new Ledger(redis, prefix, name);
    const [counts, workers, cap, rate, ids] = await Promise.all([
      queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'waiting-children',
        'completed',
        'failed',
        'prioritized',
      ),
      queue.getWorkers(),
      queue.getGlobalConcurrency(),
      ledger.rate(),
      options.transfer ? Promise.resolve([options.transfer]) : ledger.transfers(options.transfers ?? 10),
    ]);
    const transfers = (await Promise.all(ids.map((id) => transferStatus(ledger, id)))).filter(
      (t): t is TransferStatus => t !== undefined,
    );
    return {
      queue: name,
      jobs: {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        waitingChildren: counts['waiting-children'] ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
      },
      workers: workers.length,
      ...(cap !== null && cap !== undefined ? { maxTransfers: Number(cap) } : {}),
      bytesPerSecond: rate,
      transfers,
    };
  } finally {
    await queue.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** A running job's progress, as its worker last reported it. */
export interface JobProgress {
  jobId: string;
  bytes: number;
  size: number;
}

export interface TransferProgress {
  status: TransferStatus;
  /** Jobs under way on any worker, by their last report. */
  running: JobProgress[];
  /** Bytes per second over the last 10 seconds (the queue's). */
  bytesPerSecond: number;
}

/**
 * Waits until a transfer is finished, calling `onProgress` with its tally and the running jobs' progress
 * gathered from every worker (BullMQ QueueEvents). Resolves with the final status.
 */
export async function waitForTransfer(
  connection: QueueConnection,
  transferId: string,
  options: {
    onProgress?: (progress: TransferProgress) => void;
    intervalMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<TransferStatus> {
  const prefix = keyPrefix(connection);
  const name = queueName(connection);
  const redis = connect(connection);
  const events = new QueueEvents(name, { connection: redisOptions(connection.redis), prefix });
  const running = new Map<string, JobProgress>();
  events.on('progress', ({ jobId, data }) => {
    const p = data as { bytes?: number; size?: number };
    if (typeof p?.bytes === 'number') running.set(jobId, { jobId, bytes: p.bytes, size: p.size ?? 0 });
  });
  const settle = ({ jobId }: { jobId: string }) => running.delete(jobId);
  events.on('completed', settle);
  events.on('failed', settle);
  try {
    await events.waitUntilReady();
    const ledger = new Ledger(redis, prefix, name);
    for (;;) {
      const status = await transferStatus(ledger, transferId);
      if (!status) throw new Error(`There is no transfer ${transferId} on queue ${name}.`);
      const bytesPerSecond = await ledger.rate();
      options.onProgress?.({ status, running: [...running.values()], bytesPerSecond });
      if (status.finished) return status;
      await sleep(options.intervalMs ?? 500, options.signal);
    }
  } finally {
    await events.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}
