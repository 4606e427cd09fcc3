/**
 * The queue through the `cloudstorage` command, as a user runs it: `config add` a Box remote on the
 * emulator, a `worker` process on a real redis-server, `queue copy … --wait` with a file big enough for
 * parts, `queue status --json`, and a usage error without --queue.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { MAIN, makeTree, startWorld, TSX, type World } from '../cli/helpers.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';

describe('queue: the command line', () => {
  let world: World;
  let redis: RedisServer;

  before(async () => {
    world = await startWorld(['box']);
    redis = await startRedis();
    const added = await world.runCli(world.addArgs('qbox', 'box'));
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await redis?.stop();
    await world?.stop();
  });

  it('enqueues a copy, a worker process does it, status reports it', async () => {
    const src = `${world.dir}/q-src`;
    await makeTree(src, {
      'a.txt': 'alpha',
      'sub/b.bin': randomBytes(5000),
      'big.bin': randomBytes(300 * 1024),
    });
    const worker = spawn(
      process.execPath,
      ['--import', TSX, MAIN, 'worker', '--queue', redis.url, '--concurrency', '3'],
      {
        env: world.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let workerErr = '';
    worker.stderr.on('data', (c: Buffer) => {
      workerErr += c.toString();
    });
    try {
      const copied = await world.runCli([
        'queue',
        'copy',
        src,
        'qbox:queued',
        '--queue',
        redis.url,
        '--wait',
        '--part-threshold',
        String(200 * 1024),
      ]);
      assert.equal(copied.code, 0, `${copied.stderr}\n${workerErr}`);
      assert.match(copied.stderr, /3 files .* enqueued, 1 in \d+ parts/);
      assert.match(copied.stderr, /done: 3 files/);
      const id = copied.stdout.trim();

      const listed = await world.runCli(['lsf', '-R', 'qbox:queued']);
      assert.deepEqual(listed.stdout.trim().split('\n').sort(), ['a.txt', 'big.bin', 'sub/', 'sub/b.bin']);
      const check = await world.runCli(['check', src, 'qbox:queued']);
      assert.equal(check.code, 0, check.stdout + check.stderr);

      const status = await world.runCli(['queue', 'status', '--queue', redis.url, '--json']);
      assert.equal(status.code, 0, status.stderr);
      const s = JSON.parse(status.stdout) as {
        workers: number;
        transfers: Array<{ id: string; filesDone: number; finished: boolean }>;
      };
      assert.equal(s.workers, 1);
      assert.deepEqual(
        s.transfers.map((t) => [t.id, t.filesDone, t.finished]),
        [[id, 3, true]],
      );
      const text = await world.runCli(['queue', 'status', '--queue', redis.url]);
      assert.match(text.stdout, /1 worker/);
      assert.match(text.stdout, new RegExp(`${id} copy .*3/3 files.*finished`));
    } finally {
      worker.kill('SIGTERM');
      const [code] = await once(worker, 'exit');
      assert.equal(code, 0, `the worker stops cleanly on SIGTERM: ${workerErr}`);
    }
  });

  it('says what is missing without --queue (usage error, exit 2)', async () => {
    const r = await world.runCli(['queue', 'copy', world.dir, 'qbox:x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--queue redis:\/\/host:6379 is needed/);
  });
});
