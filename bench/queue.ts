/**
 * Queue scaling benchmark: the same job — BENCH_QUEUE_FILES small files (default 300, 16–64 KiB) and
 * BENCH_QUEUE_LARGE files of BENCH_QUEUE_LARGE_MB MiB each (default 3 × 4 MiB, in 256 KiB parts) copied
 * from the local disk to the Box emulator — run with 1, 2 and 3 worker processes (4 jobs each) on one
 * redis-server, in one run. For each: wall time from the first job to the last, throughput (MiB/s,
 * files/s), the emulator's request rate, and the speed-up against one worker.
 *
 * The emulator and Redis run in this process and on this machine: on a 2-core machine the workers, the
 * emulator and Redis share the cores, so the speed-up shows how far the queue itself scales, not what
 * separate machines would reach.
 *
 *   npx tsx bench/queue.ts
 *   BENCH_QUEUE_FILES=1000 BENCH_QUEUE_LARGE_MB=32 npx tsx bench/queue.ts
 *
 * Not part of `npm test`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enqueueCopy, waitForTransfer } from '../src/queue/index.js';
import { buildRemotes, startFleet } from '../test/helpers/queue-fleet.js';

const MiB = 1024 * 1024;
const FILES = Number(process.env.BENCH_QUEUE_FILES ?? 300);
const LARGE = Number(process.env.BENCH_QUEUE_LARGE ?? 3);
const LARGE_BYTES = Number(process.env.BENCH_QUEUE_LARGE_MB ?? 4) * MiB;
const PART = 256 * 1024;

const fleet = await startFleet({ boxPartSize: PART, boxMinSession: 4 * PART });
try {
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    await mkdir(join(fleet.dir, 'src', `d${i % 10}`), { recursive: true });
    const data = randomBytes(16 * 1024 + ((i * 7919) % (48 * 1024)));
    bytes += data.length;
    await writeFile(join(fleet.dir, 'src', `d${i % 10}`, `f${i}.bin`), data);
  }
  await mkdir(join(fleet.dir, 'src', 'large'), { recursive: true });
  for (let i = 0; i < LARGE; i++) {
    await writeFile(join(fleet.dir, 'src', 'large', `big${i}.bin`), randomBytes(LARGE_BYTES));
    bytes += LARGE_BYTES;
  }
  const planner = await buildRemotes(fleet.specs);
  const rows: Array<{ workers: number; seconds: number; requests: number }> = [];
  for (const n of [1, 2, 3]) {
    const connection = { redis: fleet.redis.url, queue: `bench-${n}` };
    const workers = Array.from({ length: n }, () =>
      fleet.spawnWorker(['--queue', connection.queue, '--concurrency', '4', '--quiet']),
    );
    await Promise.all(workers.map((w) => w.waitFor((l) => l === 'READY')));
    // The time includes the planning (listing both sides, opening the part sessions), the same in every run.
    const before = fleet.boxServer.requestLog.length;
    const started = performance.now();
    const plan = await enqueueCopy(
      { name: 'src', remote: planner.src!, path: '' },
      { name: 'box', remote: planner.box!, path: `run-${n}` },
      { connection, partThreshold: 4 * PART },
    );
    await waitForTransfer(connection, plan.id, {
      intervalMs: 50,
      ...(process.env.BENCH_DEBUG
        ? { onProgress: (p) => console.error(n, p.status.filesDone, p.status.files, p.status.filesFailed) }
        : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    rows.push({ workers: n, seconds, requests: fleet.boxServer.requestLog.length - before });
    for (const w of workers) await w.stop();
  }
  for (const r of Object.values(planner)) await r.close();

  const files = FILES + LARGE;
  console.log(
    `queue benchmark: ${files} files, ${(bytes / MiB).toFixed(1)} MiB (${LARGE} × ${LARGE_BYTES / MiB} MiB in ${PART / 1024} KiB parts), local → Box emulator, 4 jobs per worker`,
  );
  console.log('workers  seconds  MiB/s  files/s  requests/s  speed-up');
  const base = rows[0]!.seconds;
  for (const r of rows) {
    console.log(
      `${String(r.workers).padStart(7)}  ${r.seconds.toFixed(2).padStart(7)}  ${(bytes / MiB / r.seconds).toFixed(2).padStart(5)}  ${(files / r.seconds).toFixed(1).padStart(7)}  ${(r.requests / r.seconds).toFixed(0).padStart(10)}  ${(base / r.seconds).toFixed(2).padStart(8)}x`,
    );
  }
} finally {
  await fleet.close();
}
