/**
 * Bulk transfers across many machines on BullMQ + Redis: `enqueueCopy` / `enqueueSync` plan and put one
 * job per file on the queue (large files to Box or B2: one job per part and a commit), `runWorker` runs
 * anywhere and does the transfers, `queueStatus` and `waitForTransfer` report.
 */
export { DEFAULT_PREFIX, DEFAULT_QUEUE, type QueueConnection, redisOptions } from './connection.js';
export {
  type EnqueuedTransfer,
  type EnqueueOptions,
  enqueueCopy,
  enqueueSync,
  type RemotePath,
} from './enqueue.js';
export type { CommitJobData, FileJobData, FileRef, JobName, JobResult, PartJobData } from './jobs.js';
export type { TransferRecord, TransferTally } from './ledger.js';
export { limitedRemote, RateLimit } from './limits.js';
export {
  type JobCounts,
  type JobProgress,
  type QueueStatus,
  queueStatus,
  type TransferProgress,
  type TransferStatus,
  waitForTransfer,
} from './status.js';
export { type QueueWorker, runWorker, type WorkerJobEvent, type WorkerOptions } from './worker.js';
