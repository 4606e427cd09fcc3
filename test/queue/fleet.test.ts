/**
 * The proof of the distributed queue: three worker processes on a real redis-server copy 500 small files
 * and 3 files over the part threshold (Box parts set small) from the local disk to the Box emulator, with
 * 5 % of the emulator's answers faults (500, 503, 429, dropped connections, answers lost after Box stored
 * a part) and one worker killed with SIGKILL in the middle of its jobs. Every file arrives exactly once
 * with its SHA-1, the jobs of the killed worker are taken over, no part Box already had is sent again,
 * and the three workers share Box's rotating tokens through the Redis token store. At the same time the
 * same workers copy the large files and a folder of small ones to the B2 emulator (large files, parts
 * of the client's size), with faults too: once each, intact, no part sent again.
 *
 * QUEUE_FLEET_FULL=1 runs the full size: three files over 100 MB in Box's own 8 MiB parts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { enqueueCopy, redisOptions, waitForTransfer } from '../../src/queue/index.js';
import type { Remote } from '../../src/remote/types.js';
import {
  buildRemotes,
  exitOf,
  type Fleet,
  injectFaults,
  startFleet,
  type Worker,
} from '../helpers/queue-fleet.js';

const FULL = process.env.QUEUE_FLEET_FULL === '1';
const MiB = 1024 * 1024;
const PART = FULL ? 8 * MiB : 256 * 1024;
const LARGE = FULL ? 100 * 1000 * 1000 : 2 * MiB;
const SMALL_FILES = 500;

/** Writes `size` random bytes in 1 MiB chunks; returns the SHA-1. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha1');
  const out = createWriteStream(path);
  for (let written = 0; written < size; ) {
    const chunk = randomBytes(Math.min(MiB, size - written));
    hash.update(chunk);
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return hash.digest('hex');
}

interface JobLine {
  id: string;
  name: string;
  state: 'active' | 'completed' | 'failed' | 'lockLost';
  result?: { partOnService?: boolean };
}
const parse = (line: string): JobLine | undefined =>
  line.startsWith('{') ? (JSON.parse(line) as JobLine) : undefined;

describe('queue: three worker processes, faults and a SIGKILL', () => {
  let fleet: Fleet;
  let planner: Record<string, Remote>;
  const digests = new Map<string, string>();

  before(async () => {
    fleet = await startFleet({ boxPartSize: PART, boxMinSession: 4 * PART, tokenLifetimeSeconds: 6 });
    for (let i = 0; i < SMALL_FILES; i++) {
      const path = `d${i % 10}/file-${i}.bin`;
      await mkdir(join(fleet.dir, 'src', `d${i % 10}`), { recursive: true });
      const data = randomBytes(i % 50 === 0 ? 0 : Math.floor(Math.random() * 40_000));
      await writeFile(join(fleet.dir, 'src', path), data);
      digests.set(path, createHash('sha1').update(data).digest('hex'));
    }
    await mkdir(join(fleet.dir, 'src', 'large'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const path = `large/big-${i}.bin`;
      digests.set(path, await randomFile(join(fleet.dir, 'src', path), LARGE + i * 77_777 + 1));
    }
    planner = await buildRemotes(fleet.specs);
  });
  after(async () => {
    for (const r of Object.values(planner ?? {})) await r.close();
    await fleet?.close();
  });

  it('every file arrives exactly once, intact, and no part the service had is sent again', async () => {
    // A lock long enough that a live worker on a loaded machine keeps its jobs (one that lost a lock
    // stops the job, but another worker may have sent the part by then), short enough that the SIGKILLed
    // worker's jobs are taken over within seconds.
    const flags = ['--concurrency', '4', '--lock-ms', '8000', '--stalled-ms', '1000'];
    const workers: Worker[] = [0, 1, 2].map(() => fleet.spawnWorker(flags));
    await Promise.all(workers.map((w) => w.waitFor((l) => l === 'READY')));

    // The logs are read from here: the workers take jobs as soon as they are enqueued, while B2's copy is
    // still being planned, so a mark taken after the enqueueing could miss every Box part.
    const firstRequest = fleet.boxServer.requestLog.length;
    const firstB2Request = fleet.b2Server.requestLog.length;
    // Two part answers lost for sure, armed before anything is enqueued: only workers send parts, and they
    // may send every Box part while B2's copy is still being planned (the schedule below may hit none).
    fleet.boxServer.faults.add({ method: 'PUT', path: '/upload_sessions/', resetAfterBytes: 1, times: 2 });
    fleet.b2Server.faults.add({ path: '/b2_upload_part/', resetAfterBytes: 1, times: 2 });
    const plan = await enqueueCopy(
      { name: 'src', remote: planner.src!, path: '' },
      { name: 'box', remote: planner.box!, path: 'fleet' },
      { connection: { redis: fleet.redis.url }, partThreshold: LARGE, attempts: 10, backoffMs: 100 },
    );
    assert.equal(plan.files, SMALL_FILES + 3);
    assert.equal(plan.partedFiles, 3);
    // The large files and a folder of small ones to B2 as well, on the same workers at the same time.
    const toB2 = await enqueueCopy(
      { name: 'src', remote: planner.src!, path: '' },
      { name: 'b2', remote: planner.b2!, path: `${fleet.bucket}/fleet` },
      {
        connection: { redis: fleet.redis.url },
        include: ['large/**', 'd0/**'],
        partThreshold: LARGE,
        partSize: PART,
        attempts: 10,
        backoffMs: 100,
      },
    );
    assert.equal(toB2.files, SMALL_FILES / 10 + 3);
    assert.equal(toB2.partedFiles, 3);
    const faultedFrom = fleet.boxServer.requestLog.length;
    const b2Faults = injectFaults(fleet.b2Server, 0.05, [
      { status: 500 },
      { status: 503 },
      { status: 429, retryAfter: 0 },
      { resetConnection: true },
      { path: '/b2_upload_part/', resetAfterBytes: 1 },
    ]);
    const faults = injectFaults(fleet.boxServer, 0.05, [
      { status: 500 },
      { status: 503 },
      { status: 429, retryAfter: 0 },
      { resetConnection: true },
      // Box stores the part, the answer is lost: the retry must find it instead of sending it again.
      { method: 'PUT', path: '/upload_sessions/', resetAfterBytes: 1 },
    ]);

    // SIGKILL the first worker while it runs a part job, once it has done some work.
    const victim = workers[0]!;
    let done = 0;
    await victim.waitFor((line) => {
      const job = parse(line);
      if (job?.state === 'completed') done++;
      return done >= 20 && job?.state === 'active' && job.name === 'part';
    });
    victim.child.kill('SIGKILL');
    await exitOf(victim.child);
    const victimJobs = victim.lines.map(parse).filter((j): j is JobLine => j !== undefined);
    const cut = victimJobs.filter(
      (j) => j.state === 'active' && !victimJobs.some((k) => k.id === j.id && k.state !== 'active'),
    );
    assert.ok(cut.length >= 1, 'the worker died in the middle of at least one job');

    const status = await waitForTransfer({ redis: fleet.redis.url }, plan.id, { intervalMs: 250 });
    const b2Status = await waitForTransfer({ redis: fleet.redis.url }, toB2.id, { intervalMs: 250 });
    faults.stop();
    b2Faults.stop();
    assert.equal(status.filesFailed, 0, JSON.stringify(status.failures.slice(0, 3)));
    assert.equal(status.filesDone, SMALL_FILES + 3);
    assert.equal(b2Status.filesFailed, 0, JSON.stringify(b2Status.failures.slice(0, 3)));
    assert.equal(b2Status.filesDone, toB2.files);

    // Exactly once, and intact.
    const arrived = new Map<string, string | undefined>();
    for await (const e of planner.box!.list('fleet', { recursive: true })) {
      if (e.kind !== 'file') continue;
      const path = e.path.slice('fleet/'.length);
      assert.ok(!arrived.has(path), `${path} is there once`);
      arrived.set(path, e.hashes.sha1);
    }
    assert.equal(arrived.size, digests.size);
    for (const [path, digest] of digests) assert.equal(arrived.get(path), digest, `${path} arrived intact`);

    // On B2 too: exactly once (one version), intact (B2 keeps no SHA-1 of a large file: read it).
    const inBucket = new Map<string, number>();
    for await (const e of planner.b2!.list(`${fleet.bucket}/fleet`, { recursive: true })) {
      if (e.kind !== 'file') continue;
      const path = e.path.slice(`${fleet.bucket}/fleet/`.length);
      inBucket.set(path, (inBucket.get(path) ?? 0) + 1);
      const hash = createHash('sha1');
      for await (const chunk of await planner.b2!.read(e.path)) hash.update(chunk as Buffer);
      assert.equal(hash.digest('hex'), digests.get(path), `${path} arrived on B2 intact`);
    }
    assert.equal(inBucket.size, toB2.files);
    assert.ok([...inBucket.values()].every((n) => n === 1));
    const b2Log = fleet.b2Server.requestLog.slice(firstB2Request);
    const b2Stored = new Map<string, number>();
    for (const e of b2Log) {
      if (!e.path.includes('/b2_upload_part/') || e.status >= 300) continue;
      if (e.fault && e.fault.resetAfterBytes === undefined) continue;
      const key = `${e.path.split('/')[4]} ${e.headers['x-bz-part-number']}`;
      b2Stored.set(key, (b2Stored.get(key) ?? 0) + 1);
    }
    assert.deepEqual(
      [...b2Stored].filter(([, n]) => n > 1),
      [],
      'no B2 part sent again after B2 had it',
    );
    assert.equal(b2Stored.size, toB2.parts, 'every B2 part stored');

    // The jobs cut by the SIGKILL were started again by another worker and finished. (A job whose end
    // the victim did not get to print may have finished there: it was started once.)
    const queue = new Queue('cloudstorage', { connection: redisOptions(fleet.redis.url) });
    try {
      let takenOver = 0;
      for (const j of cut) {
        const job = await queue.getJob(j.id);
        assert.ok(job, `${j.id} is kept`);
        assert.equal(await job.getState(), 'completed', j.id);
        if (job.attemptsStarted >= 2) takenOver++;
      }
      assert.ok(takenOver >= 1, `a job of the killed worker was taken over (${takenOver} of ${cut.length})`);
    } finally {
      await queue.close();
    }

    // No part was stored twice: every PUT that reached Box's handler names a range once.
    const log = fleet.boxServer.requestLog.slice(firstRequest);
    const stored = log.filter(
      (e) =>
        e.method === 'PUT' &&
        e.path.includes('/upload_sessions/') &&
        (!e.fault || e.fault.resetAfterBytes !== undefined) &&
        e.status < 300,
    );
    const ranges = new Map<string, number>();
    for (const e of stored) {
      const key = `${e.path} ${e.headers['content-range']}`;
      ranges.set(key, (ranges.get(key) ?? 0) + 1);
    }
    const twice = [...ranges].filter(([, n]) => n > 1);
    const lockLost = workers.flatMap((w) => w.lines.map(parse).filter((j) => j?.state === 'lockLost'));
    assert.deepEqual(
      twice,
      [],
      `no part sent again after Box had it (locks lost: ${JSON.stringify(lockLost)})`,
    );
    const partCount = plan.parts;
    assert.equal(ranges.size, partCount, 'every part stored');

    // Faults happened, and tokens were shared: refreshed without a refused (already used) refresh token.
    const faulted = fleet.boxServer.requestLog.length - faultedFrom;
    assert.ok(faults.armed() >= Math.floor((faulted * 0.05) / 2), `${faults.armed()} faults in ${faulted}`);
    const lostAnswers = log.filter(
      (e) => e.fault?.resetAfterBytes !== undefined && e.path.includes('/upload_sessions/'),
    );
    assert.ok(lostAnswers.length >= 1, 'some part answers were lost');
    const tokenCalls = log.filter((e) => e.path === '/oauth2/token' && !e.fault);
    assert.ok(tokenCalls.length >= 1, 'the short-lived tokens were refreshed');
    assert.equal(tokenCalls.filter((e) => e.status >= 400).length, 0, 'no refresh token was used twice');

    for (const w of workers.slice(1)) await w.stop();
  });
});
