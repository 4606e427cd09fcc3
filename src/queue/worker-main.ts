/**
 * A worker process: `tsx src/queue/worker-main.ts --redis redis://host:6379 --remotes ./remotes.js`.
 * The remotes module's default export is a function that returns the remotes by name (the same names
 * the enqueuing side used); it is where a deployment builds its adapters and their token stores.
 * Prints `READY` once it takes jobs, then one JSON line per finished job; SIGTERM or SIGINT stops it
 * after the jobs under way (the command line's `cloudstorage worker` does the same from its config file).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Remote } from '../remote/types.js';
import { runWorker } from './worker.js';

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    queue: { type: 'string' },
    prefix: { type: 'string' },
    remotes: { type: 'string' },
    concurrency: { type: 'string' },
    'max-transfers': { type: 'string' },
    rps: { type: 'string', multiple: true },
    'lock-ms': { type: 'string' },
    'stalled-ms': { type: 'string' },
    quiet: { type: 'boolean' },
  },
});
if (!values.redis || !values.remotes) {
  process.stderr.write(
    'usage: worker-main --redis redis://host:6379 --remotes MODULE [--queue NAME] [--concurrency N]\n',
  );
  process.exit(2);
}
const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const module = (await import(pathToFileURL(resolve(values.remotes)).href)) as {
  default: () => Promise<Record<string, Remote>>;
};
const remotes = await module.default();
const requestsPerSecond = Object.fromEntries(
  (values.rps ?? []).map((spec) => {
    const [name, rate] = spec.split('=');
    return [name!, Number(rate)];
  }),
);
const maxTransfers = number(values['max-transfers']);
const lockDurationMs = number(values['lock-ms']);
const stalledIntervalMs = number(values['stalled-ms']);
const worker = await runWorker({
  connection: {
    redis: values.redis,
    ...(values.queue ? { queue: values.queue } : {}),
    ...(values.prefix ? { prefix: values.prefix } : {}),
  },
  remotes,
  concurrency: number(values.concurrency) ?? 4,
  requestsPerSecond,
  ...(maxTransfers !== undefined ? { maxTransfers } : {}),
  ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
  ...(stalledIntervalMs !== undefined ? { stalledIntervalMs } : {}),
  onJob: values.quiet ? undefined : (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
});
worker.worker.on('active', (job) => {
  if (!values.quiet)
    process.stdout.write(`${JSON.stringify({ id: job.id, name: job.name, state: 'active' })}\n`);
});
worker.worker.on('lockRenewalFailed', (ids) => {
  if (!values.quiet) process.stdout.write(`${JSON.stringify({ ids, state: 'lockLost' })}\n`);
});
process.stdout.write('READY\n');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.close();
  for (const remote of Object.values(remotes)) await remote.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
