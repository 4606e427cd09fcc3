import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Remote } from '../remote/types.js';
import { connect, keyPrefix, type QueueConnection, queueName, redisOptions } from './connection.js';
import type {
  CommitJobData,
  DeletionsJobData,
  FileJobData,
  JobName,
  JobResult,
  PartJobData,
} from './jobs.js';
import { Ledger } from './ledger.js';
import { limitedRemote, RateLimit } from './limits.js';
import { runCommitJob, runDeletionsJob, runFileJob, runPartJob, type TransferContext } from './transfer.js';

export interface WorkerOptions {
  connection: QueueConnection;
  /** The remotes the jobs name, under the names the enqueuing side gave them. */
  remotes: Record<string, Remote>;
  /** Jobs this worker runs at once (default 4). */
  concurrency?: number;
  /** Jobs all workers of the queue run at once (BullMQ global concurrency; stored in Redis). */
  maxTransfers?: number;
  /**
   * Calls per second per service account, shared by every worker (a token bucket in Redis): by remote
   * name. Remotes of one account must share its limit: name the account in `accounts`.
   */
  requestsPerSecond?: Record<string, number>;
  /** The account a remote belongs to (the bucket's key); default the remote's type and name. */
  accounts?: Record<string, string>;
  /** How long a job's lock lasts without renewal (ms, default 30 s): a killed worker's jobs are taken over after it. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (ms, default 30 s). */
  stalledIntervalMs?: number;
  /** Least time between two progress reports of a job (ms, default 250). */
  progressEveryMs?: number;
  /** Called for each job that ends (done, or failed for good). */
  onJob?: (event: WorkerJobEvent) => void;
}

export interface WorkerJobEvent {
  id: string;
  name: JobName;
  state: 'completed' | 'failed';
  /** Only for `failed`: whether retries remain. */
  willRetry?: boolean;
  result?: JobResult;
  error?: string;
}

export interface QueueWorker {
  readonly worker: Worker<unknown, JobResult, JobName>;
  /** Stops taking jobs, waits for the running ones, and closes the connections. */
  close(): Promise<void>;
}

/** A worker: takes file, part, commit and deletion jobs from the queue until closed. */
export async function runWorker(options: WorkerOptions): Promise<QueueWorker> {
  const connection = options.connection;
  const prefix = keyPrefix(connection);
  const name = queueName(connection);
  const redis: Redis = connect(connection);
  const ledger = new Ledger(redis, prefix, name);
  const remotes = new Map<string, Remote>();
  for (const [remoteName, remote] of Object.entries(options.remotes)) {
    const perSecond = options.requestsPerSecond?.[remoteName];
    const account = options.accounts?.[remoteName] ?? `${remote.type}:${remoteName}`;
    remotes.set(
      remoteName,
      perSecond
        ? limitedRemote(remote, new RateLimit(redis, `${prefix}:${name}:cs:rps:${account}`, perSecond))
        : remote,
    );
  }
  if (options.maxTransfers !== undefined) {
    const queue = new Queue(name, { connection: redisOptions(connection.redis), prefix });
    await queue.setGlobalConcurrency(options.maxTransfers);
    await queue.close();
  }
  const ctx: TransferContext = { remotes, ledger, progressEveryMs: options.progressEveryMs ?? 250 };

  const worker = new Worker<unknown, JobResult, JobName>(
    name,
    async (job, _token, signal) => {
      switch (job.name) {
        case 'file':
          return runFileJob(ctx, job as Job<FileJobData>, signal);
        case 'part':
          return runPartJob(ctx, job as Job<PartJobData>, signal);
        case 'commit':
          return runCommitJob(ctx, job as Job<CommitJobData>, signal);
        case 'deletions':
          return runDeletionsJob(ctx, job as Job<DeletionsJobData>);
        default:
          throw new Error(`Unknown job ${job.name as string}: is this worker older than the enqueuing side?`);
      }
    },
    {
      connection: redisOptions(connection.redis),
      prefix,
      concurrency: options.concurrency ?? 4,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A job whose worker died is taken over a few times before it counts as failed.
      maxStalledCount: 5,
    },
  );
  worker.on('completed', (job, result) => {
    options.onJob?.({ id: job.id ?? '', name: job.name, state: 'completed', result });
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const willRetry = job.attemptsMade < (job.opts.attempts ?? 1) && error.name !== 'UnrecoverableError';
    if (!willRetry && (job.name === 'file' || job.name === 'commit')) {
      const data = job.data as FileJobData;
      ledger.fileFailed(data.transfer, data.key, data.dst.path, error.message).catch(() => undefined);
    }
    options.onJob?.({ id: job.id ?? '', name: job.name, state: 'failed', willRetry, error: error.message });
  });
  // A job whose lock could not be renewed (this process was starved, or Redis was slow) may already be
  // another worker's: stop it here rather than run it twice at once.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) {
      worker.cancelJob(id, `job ${id} lost its lock: another worker may run it`);
    }
  });
  // Errors of the connection are retried by BullMQ; without a listener Node would throw them.
  worker.on('error', () => undefined);
  await worker.waitUntilReady();

  return {
    worker,
    async close() {
      await worker.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
