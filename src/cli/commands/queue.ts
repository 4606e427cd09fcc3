import { type Command, InvalidArgumentError } from 'commander';
import type { QueueConnection, TransferStatus } from '../../queue/index.js';
import type { Remote } from '../../remote/types.js';
import { withServiceParts } from '../../remote/with-parts.js';
import { openRemote } from '../adapters.js';
import { tokenPath } from '../config-file.js';
import { CommandError, ExitCode, UsageError } from '../errors.js';
import { parseLocation } from '../locations.js';
import { formatBytes } from '../output.js';
import type { Session } from '../session.js';

/**
 * The queue (BullMQ, ioredis), loaded by the commands that use it: every other command, and
 * `cloudstorage --version`, starts without it.
 */
const queueModule = () => import('../../queue/index.js');

/**
 * The distributed queue on the command line: `queue copy|sync SRC DST --queue redis://…` plans and
 * enqueues (with `--wait`, shows the progress gathered from every worker), `worker --queue redis://…`
 * runs the transfers on any number of machines, `queue status` shows the queue. Jobs name remotes as
 * the config file does (`box:` is `box`); local paths are the remote `local` (the file system from its
 * root), so every worker must see them at the same path.
 */

/** The local disk's name in jobs. */
const LOCAL = 'local';

type Run = (
  action: (session: Session, ...args: never[]) => Promise<unknown>,
) => (...args: unknown[]) => Promise<void>;

function connectionOf(o: { queue?: string; queueName?: string }): QueueConnection {
  if (!o.queue) throw new UsageError('--queue redis://host:6379 is needed: the Redis the workers share.');
  if (!/^rediss?:\/\//.test(o.queue))
    throw new UsageError(`--queue takes a Redis URL (redis://host:6379 or rediss://…), not "${o.queue}".`);
  return { redis: o.queue, ...(o.queueName ? { queue: o.queueName } : {}) };
}

function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}".`);
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

interface EnqueueFlags {
  queue?: string;
  queueName?: string;
  wait?: boolean;
  partThreshold?: number;
}

/** The remote a path names, by the name the workers know it under, with its part uploads. */
async function endpoint(session: Session, text: string, role: 'source' | 'destination') {
  if (session.options.encrypt || session.options.decrypt)
    throw new UsageError('--encrypt and --decrypt do not go through the queue yet: copy without --queue.');
  const location = parseLocation(text, await session.loadConfig());
  const target = await session.target(text, role);
  return {
    name: location.kind === 'remote' ? location.remote : LOCAL,
    remote: withServiceParts(target.remote),
    path: target.path,
  };
}

async function enqueue(
  session: Session,
  mode: 'copy' | 'sync',
  source: string,
  dest: string,
  flags: EnqueueFlags,
) {
  const connection = connectionOf(flags);
  const src = await endpoint(session, source, 'source');
  const dst = await endpoint(session, dest, 'destination');
  const options = {
    connection,
    include: session.options.include,
    exclude: session.options.exclude,
    checkers: session.options.checkers,
    ...(flags.partThreshold ? { partThreshold: flags.partThreshold } : {}),
    signal: session.signal,
  };
  const { enqueueCopy, enqueueSync, waitForTransfer } = await queueModule();
  const t = await (mode === 'sync' ? enqueueSync : enqueueCopy)(src, dst, options);
  session.out.notice(
    `Transfer ${t.id}: ${t.files} file${t.files === 1 ? '' : 's'} (${formatBytes(t.bytes)}) enqueued${t.partedFiles ? `, ${t.partedFiles} in ${t.parts} parts` : ''}; ${t.skipped} already there${mode === 'sync' ? `; ${t.deletes} to delete after the copies` : ''}.`,
    { transfer: t.id, ...t },
  );
  session.out.data(t.id);
  if (!flags.wait) return ExitCode.Ok;
  let last = 0;
  const status = await waitForTransfer(connection, t.id, {
    signal: session.signal,
    onProgress: ({ status: s, running, bytesPerSecond }) => {
      if (Date.now() - last < 1000 && !s.finished) return;
      last = Date.now();
      const moving = running.reduce((n, r) => n + r.bytes, 0);
      session.out.notice(
        `${s.filesDone}/${s.files} files, ${formatBytes(s.bytesDone)} of ${formatBytes(s.bytes)} done, ${running.length} running (${formatBytes(moving)}), ${formatBytes(bytesPerSecond)}/s${s.filesFailed ? `, ${s.filesFailed} failed` : ''}`,
        { transfer: t.id, filesDone: s.filesDone, files: s.files, bytesDone: s.bytesDone, bytesPerSecond },
      );
    },
  });
  return report(session, status);
}

function report(session: Session, s: TransferStatus): number {
  for (const f of s.failures) session.out.error(`${f.file}: ${f.error}`, { path: f.file });
  if (s.filesFailed > 0) {
    throw new CommandError(
      `${s.filesFailed} of ${s.files} files failed for good (see above); run the same command again to retry them.`,
    );
  }
  session.out.notice(`Transfer ${s.id} done: ${s.filesDone} files, ${formatBytes(s.bytesDone)}.`);
  return ExitCode.Ok;
}

/** Every remote of the config file (and the local disk), under the names jobs use. */
async function workerRemotes(session: Session): Promise<Record<string, Remote>> {
  const config = await session.loadConfig();
  const remotes: Record<string, Remote> = { [LOCAL]: openRemote.local('/') };
  for (const [name, entry] of Object.entries(config.remotes)) {
    remotes[name] = withServiceParts(
      await openRemote.configured(name, entry, {
        tokenFile: tokenPath(session.configFile, name),
        openBrowser: session.openBrowser,
      }),
    );
  }
  return remotes;
}

async function worker(
  session: Session,
  flags: { queue?: string; queueName?: string; concurrency: number; maxTransfers?: number; rps: string[] },
) {
  const connection = connectionOf(flags);
  const requestsPerSecond: Record<string, number> = {};
  for (const spec of flags.rps) {
    const [name, rate] = spec.split('=');
    if (!name || !(Number(rate) > 0))
      throw new UsageError(`--rps takes remote=calls-per-second, not "${spec}".`);
    requestsPerSecond[name] = Number(rate);
  }
  const remotes = await workerRemotes(session);
  try {
    const { runWorker } = await queueModule();
    const running = await runWorker({
      connection,
      remotes,
      concurrency: flags.concurrency,
      requestsPerSecond,
      ...(flags.maxTransfers ? { maxTransfers: flags.maxTransfers } : {}),
      onJob: (e) => {
        if (e.state === 'failed')
          session.out.error(`${e.name} job ${e.id}: ${e.error}`, { job: e.id, retry: e.willRetry });
        else session.out.event(`${e.name} job done`, { job: e.id, ...e.result });
      },
    });
    session.out.notice(
      `Worker on ${connection.queue ?? 'cloudstorage'} (${connection.redis.replace(/\/\/[^@/]*@/, '//')}): ${flags.concurrency} jobs at once. Ctrl-C stops it after the jobs under way.`,
    );
    await new Promise<void>((resolve) => {
      if (session.signal.aborted) resolve();
      session.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await running.close();
  } finally {
    for (const r of Object.values(remotes)) await r.close().catch(() => undefined);
  }
  return ExitCode.Ok;
}

async function status(session: Session, flags: { queue?: string; queueName?: string; transfer?: string }) {
  const { queueStatus } = await queueModule();
  const s = await queueStatus(connectionOf(flags), flags.transfer ? { transfer: flags.transfer } : {});
  if (session.options.json) {
    session.out.data(JSON.stringify(s));
    return ExitCode.Ok;
  }
  const j = s.jobs;
  session.out.data(
    `queue ${s.queue}: ${s.workers} worker${s.workers === 1 ? '' : 's'}${s.maxTransfers ? `, at most ${s.maxTransfers} jobs at once` : ''}, ${formatBytes(s.bytesPerSecond)}/s`,
  );
  session.out.data(
    `jobs: ${j.waiting} waiting, ${j.active} running, ${j.delayed} retrying later, ${j.waitingChildren} waiting for parts, ${j.completed} done, ${j.failed} failed`,
  );
  for (const t of s.transfers) {
    session.out.data(
      `${t.id} ${t.kind} ${t.src} → ${t.dst}: ${t.filesDone}/${t.files} files, ${formatBytes(t.bytesDone)} of ${formatBytes(t.bytes)}, ${t.filesFailed} failed, ${t.skipped} skipped${t.kind === 'sync' ? `, ${t.deleted}/${t.deletes} deleted` : ''}${t.finished ? ' (finished)' : ''}`,
    );
  }
  return ExitCode.Ok;
}

/** Adds `worker` and `queue copy|sync|status` to the program (`run` opens and closes the session). */
export function registerQueueCommands(program: Command, run: Run): void {
  const queueOption = [
    '--queue <url>',
    'the Redis the workers share: redis://[:password@]host:6379[/db]',
  ] as const;
  const nameOption = ['--queue-name <name>', 'the queue in that Redis (default cloudstorage)'] as const;
  program
    .command('worker')
    .description('take transfer jobs from a queue until Ctrl-C (run on any number of machines)')
    .option(...queueOption)
    .option(...nameOption)
    .option('--concurrency <n>', 'jobs this worker runs at once', positive, 4)
    .option('--max-transfers <n>', 'jobs all workers run at once (kept in Redis)', positive)
    .option(
      '--rps <remote=n>',
      'calls per second to a remote, shared by all workers (repeatable)',
      collect,
      [],
    )
    .action(run((s, o: Parameters<typeof worker>[1]) => worker(s, o)));
  const queue = program.command('queue').description('bulk transfers on a Redis queue that workers run');
  for (const mode of ['copy', 'sync'] as const) {
    queue
      .command(mode)
      .description(
        mode === 'copy'
          ? 'plan a copy of source into dest and enqueue one job per file (parts for large files to Box and B2)'
          : 'plan a one-way mirror: copies enqueued, then the deletions once every copy is done',
      )
      .argument('<source>')
      .argument('<dest>')
      .option(...queueOption)
      .option(...nameOption)
      .option('--wait', 'wait and show the progress of every worker')
      .option('--part-threshold <bytes>', 'files from this size go in parts (default 100 MiB)', positive)
      .action(run((s, src: string, dst: string, o: EnqueueFlags) => enqueue(s, mode, src, dst, o)));
  }
  queue
    .command('status')
    .description('what is waiting, running, done and failed, with totals and rates (--json for scripts)')
    .option(...queueOption)
    .option(...nameOption)
    .option('--transfer <id>', 'one transfer only')
    .action(run((s, o: { queue?: string; queueName?: string; transfer?: string }) => status(s, o)));
}
