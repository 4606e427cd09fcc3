/**
 * The distributed queue in one process: two workers (each with its own remotes, as on two machines) on a
 * real redis-server copy a local tree to the Box emulator. Large files go in parts sent by both workers
 * and committed once; a re-run plans nothing; a sync copies the changes and deletes after the copies; a
 * job that runs twice leaves one file; a part whose answer was lost is found on the service, not sent
 * again; a file that cannot be read fails for good and says why; the rate limit is shared in Redis.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  enqueueCopy,
  enqueueSync,
  type QueueConnection,
  type QueueWorker,
  queueStatus,
  RateLimit,
  redisOptions,
  runWorker,
  type WorkerJobEvent,
  waitForTransfer,
} from '../../src/queue/index.js';
import { jobIds } from '../../src/queue/jobs.js';
import type { Remote } from '../../src/remote/types.js';
import { buildRemotes, type Fleet, startFleet } from '../helpers/queue-fleet.js';

const PART = 64 * 1024;
const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

describe('queue: enqueue, workers, status', () => {
  let fleet: Fleet;
  let planner: Record<string, Remote>;
  const files = new Map<string, Buffer>();
  const workers: QueueWorker[] = [];
  const events: WorkerJobEvent[] = [];
  const connection = (queue: string): QueueConnection => ({ redis: fleet.redis.url, queue });

  const workerRemotes: Remote[] = [];
  async function startWorkers(queue: string, n: number) {
    for (let i = 0; i < n; i++) {
      const remotes = await buildRemotes(fleet.specs);
      workerRemotes.push(...Object.values(remotes));
      workers.push(
        await runWorker({
          connection: connection(queue),
          remotes,
          concurrency: 3,
          onJob: (e) => {
            events.push(e);
            if (process.env.QDEBUG) console.error(Date.now() % 100000, JSON.stringify(e));
          },
        }),
      );
    }
  }
  async function stopWorkers() {
    for (const w of workers.splice(0)) await w.close();
    for (const r of workerRemotes.splice(0)) await r.close();
  }
  async function put(path: string, data: Buffer) {
    await mkdir(join(fleet.dir, 'src', path, '..'), { recursive: true });
    await writeFile(join(fleet.dir, 'src', path), data);
    files.set(path, data);
  }
  const partPuts = () =>
    fleet.boxServer.requestLog.filter((e) => e.method === 'PUT' && e.path.includes('/upload_sessions/'));

  before(async () => {
    fleet = await startFleet({ boxPartSize: PART, boxMinSession: 4 * PART });
    for (let i = 0; i < 30; i++)
      await put(`set/f${i % 3}/file-${i}.bin`, randomBytes(i === 0 ? 0 : 1 + i * 613));
    await put('set/large-a.bin', randomBytes(5 * PART - 1000));
    await put('set/large-b.bin', randomBytes(4 * PART));
    planner = await buildRemotes(fleet.specs);
  });
  after(async () => {
    await stopWorkers();
    for (const r of Object.values(planner ?? {})) await r.close();
    await fleet?.close();
  });

  it('copies a tree with two workers, large files in parts from both; a re-run plans nothing', async () => {
    await startWorkers('copy', 2);
    const src = { name: 'src', remote: planner.src!, path: 'set' };
    const dst = { name: 'box', remote: planner.box!, path: 'backup' };
    const options = { connection: connection('copy'), partThreshold: 4 * PART, backoffMs: 20 };
    const plan = await enqueueCopy(src, dst, options);
    assert.equal(plan.files, 32);
    assert.equal(plan.partedFiles, 2);
    assert.equal(plan.parts, 5 + 4);
    assert.equal(
      plan.bytes,
      [...files.values()].reduce((n, d) => n + d.length, 0),
    );

    const seen: number[] = [];
    const done = await waitForTransfer(connection('copy'), plan.id, {
      intervalMs: 100,
      onProgress: (p) => seen.push(p.status.filesDone),
    });
    assert.equal(done.filesDone, 32);
    assert.equal(done.filesFailed, 0);
    assert.equal(done.bytesDone, plan.bytes);
    assert.ok(done.bytesSent >= plan.bytes, 'every byte was sent (and counted for the rates)');
    assert.equal(seen.at(-1), 32);

    for (const [path, data] of files) {
      const entry = await planner.box!.stat(`backup/${path.slice('set/'.length)}`);
      assert.equal(entry?.size, data.length, path);
      assert.equal(entry?.hashes.sha1, sha1(data), `${path} arrived intact`);
    }
    const puts = partPuts().filter((e) => e.status === 200);
    assert.equal(puts.length, 9, 'each part sent once');
    const ranges = new Set(puts.map((e) => `${e.path} ${e.headers['content-range']}`));
    assert.equal(ranges.size, 9);
    const partJobs = events.filter((e) => e.name === 'part' && e.state === 'completed');
    assert.equal(partJobs.length, 9);

    const status = await queueStatus(connection('copy'));
    assert.equal(status.workers, 2);
    assert.equal(status.jobs.failed, 0);
    assert.equal(status.jobs.waiting + status.jobs.active + status.jobs.waitingChildren, 0);
    assert.equal(status.transfers[0]?.id, plan.id);
    assert.equal(status.transfers[0]?.finished, true);

    const again = await enqueueCopy(src, dst, options);
    assert.equal(again.files, 0, 'nothing left to copy');
    assert.equal(again.skipped, 32);
    assert.equal((await waitForTransfer(connection('copy'), again.id)).finished, true);
  });

  it('a job that runs twice leaves one file', async () => {
    const queue = new Queue('copy', { connection: redisOptions(fleet.redis.url) });
    try {
      const done = await queue.getCompleted(0, 1000);
      const file = done.find((j) => j.name === 'file' && j.data.size > 0)!;
      const commit = done.find((j) => j.name === 'commit')!;
      const before = events.length;
      await queue.add('file', file.data, { jobId: `${file.id}-again` });
      await queue.add('commit', commit.data, { jobId: `${commit.id}-again` });
      const waitFor = async (id: string) => {
        for (;;) {
          const e = events.slice(before).find((x) => x.id === id);
          if (e) return e;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      assert.deepEqual((await waitFor(`${file.id}-again`)).result, { found: true });
      assert.deepEqual((await waitFor(`${commit.id}-again`)).result, { found: true });
      for (const path of [file.data.dst.path, commit.data.dst.path] as string[]) {
        const [folder, name] = [path.slice(0, path.lastIndexOf('/')), path.slice(path.lastIndexOf('/') + 1)];
        const named = [];
        for await (const e of planner.box!.list(folder)) if (e.name === name) named.push(e);
        assert.equal(named.length, 1, `one ${path}`);
      }
    } finally {
      await queue.close();
    }
  });

  it('a part whose answer was lost is found on the service on the retry, not sent again', async () => {
    await put('lost/big.bin', randomBytes(4 * PART + 7));
    const before = partPuts().length;
    // The second part's PUT is stored by Box, then the connection drops before the answer.
    fleet.boxServer.faults.add({ method: 'PUT', path: '/upload_sessions/', resetAfterBytes: 1, times: 1 });
    const plan = await enqueueCopy(
      { name: 'src', remote: planner.src!, path: 'lost' },
      { name: 'box', remote: planner.box!, path: 'lost' },
      { connection: connection('copy'), partThreshold: 4 * PART, backoffMs: 20 },
    );
    assert.equal(plan.parts, 5);
    const done = await waitForTransfer(connection('copy'), plan.id, { intervalMs: 100 });
    assert.equal(done.filesDone, 1);
    const puts = partPuts().slice(before);
    assert.equal(puts.length, 5, 'five parts, each PUT once, although one answer was lost');
    const retried = events.filter((e) => e.name === 'part' && e.state === 'failed');
    assert.ok(retried.length >= 1, 'the part job whose answer was lost failed once');
    assert.ok(
      events.some((e) => e.name === 'part' && e.result?.partOnService),
      'its retry found the part on Box',
    );
    assert.equal((await planner.box!.stat('lost/big.bin'))?.hashes.sha1, sha1(files.get('lost/big.bin')!));
  });

  it('syncs: copies what changed, then deletes what the source no longer has', async () => {
    await put('set/f1/file-1.bin', randomBytes(999));
    await put('set/new.bin', randomBytes(10));
    await rm(join(fleet.dir, 'src', 'set/f2/file-2.bin'));
    files.delete('set/f2/file-2.bin');
    const plan = await enqueueSync(
      { name: 'src', remote: planner.src!, path: 'set' },
      { name: 'box', remote: planner.box!, path: 'backup' },
      { connection: connection('copy'), backoffMs: 20 },
    );
    assert.equal(plan.files, 2);
    assert.equal(plan.deletes, 1);
    const done = await waitForTransfer(connection('copy'), plan.id, { intervalMs: 100 });
    assert.equal(done.filesDone, 2);
    assert.equal(done.deleted, 1);
    assert.equal(await planner.box!.stat('backup/f2/file-2.bin'), undefined);
    assert.equal(
      (await planner.box!.stat('backup/f1/file-1.bin'))?.hashes.sha1,
      sha1(files.get('set/f1/file-1.bin')!),
    );
  });

  it('copies large files to B2 as large files, parts from both workers, each part sent once', async () => {
    await put('b2/big-1.bin', randomBytes(3 * PART + 11));
    await put('b2/big-2.bin', randomBytes(5 * PART));
    await put('b2/small.bin', randomBytes(1000));
    const plan = await enqueueCopy(
      { name: 'src', remote: planner.src!, path: 'b2' },
      { name: 'b2', remote: planner.b2!, path: `${fleet.bucket}/copy` },
      { connection: connection('copy'), partThreshold: 2 * PART, partSize: PART, backoffMs: 20 },
    );
    assert.equal(plan.partedFiles, 2);
    assert.equal(plan.parts, 4 + 5);
    const done = await waitForTransfer(connection('copy'), plan.id, { intervalMs: 100 });
    assert.equal(done.filesDone, 3);
    for (const name of ['big-1.bin', 'big-2.bin', 'small.bin']) {
      const hash = createHash('sha1');
      for await (const chunk of await planner.b2!.read(`${fleet.bucket}/copy/${name}`))
        hash.update(chunk as Buffer);
      assert.equal(hash.digest('hex'), sha1(files.get(`b2/${name}`)!), `${name} arrived intact`);
    }
    const partPosts = fleet.b2Server.requestLog.filter((e) => e.path.includes('/b2_upload_part/'));
    assert.equal(partPosts.length, 9, 'each part sent once');
    const numbers = new Set(partPosts.map((e) => `${e.path.split('/')[4]} ${e.headers['x-bz-part-number']}`));
    assert.equal(numbers.size, 9);
  });

  it('a file that cannot be read fails for good after its attempts, and says why', async () => {
    await put('gone/a.bin', randomBytes(100));
    await put('gone/b.bin', randomBytes(100));
    await stopWorkers();
    const plan = await enqueueCopy(
      { name: 'src', remote: planner.src!, path: 'gone' },
      { name: 'box', remote: planner.box!, path: 'gone' },
      { connection: connection('copy'), attempts: 2, backoffMs: 20 },
    );
    await rm(join(fleet.dir, 'src', 'gone/a.bin'));
    await startWorkers('copy', 2);
    const done = await waitForTransfer(connection('copy'), plan.id, { intervalMs: 100 });
    assert.equal(done.finished, true);
    assert.equal(done.filesDone, 1);
    assert.equal(done.filesFailed, 1);
    assert.equal(done.failures[0]?.file, 'gone/a.bin');
    assert.match(done.failures[0]!.error, /a\.bin/);
    await stopWorkers();
  });

  it('shares a rate limit between processes through Redis', async () => {
    const [a, b] = [new Redis(fleet.redis.url), new Redis(fleet.redis.url)];
    try {
      const limitA = new RateLimit(a, 'test:rps:account', 1, 4);
      const limitB = new RateLimit(b, 'test:rps:account', 1, 4);
      const waits = [];
      for (let i = 0; i < 6; i++) waits.push(await (i % 2 ? limitA : limitB).tryTake());
      assert.deepEqual(
        waits.map((w) => w === 0),
        [true, true, true, true, false, false],
        'four tokens at once for both, then each must wait',
      );
      assert.ok(
        waits[4]! > 500 && waits[4]! <= 1000,
        `a token comes within a second at 1/s (${waits[4]} ms)`,
      );
      assert.equal(jobIds.part('k', 3), 'p-k-3');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
