import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileTokenStore } from '../../../src/core/auth/stores/file.js';

/**
 * FileTokenStore's refresh lock across real processes: N contenders (test/helpers/lock-contender.ts) take
 * it in turns, each doing a read-modify-write of the token record while holding it. Exactly one may hold
 * it at a time (the shared log of enter/exit never interleaves, no update is lost), a lock left by a
 * crashed process is taken over by one of them only, and nobody deadlocks (every process exits).
 */
const N = 8;
const ROUNDS = 4;
const CONTENDER = fileURLToPath(new URL('../../helpers/lock-contender.ts', import.meta.url));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-token-lock-'));
});
after(() => rm(dir, { recursive: true, force: true }));

interface Run {
  store: string;
  log: string;
}

async function setUp(name: string): Promise<Run> {
  const folder = join(dir, name);
  await mkdir(folder);
  const store = join(folder, 'tokens.json');
  await new FileTokenStore(store).set({ accessToken: '0' });
  return { store, log: join(folder, 'log.txt') };
}

/** Runs N contenders at once; rejects when one fails or they do not all finish within `limitMs`. */
async function contend(run: Run, staleLockMs: number, firstHoldMs: number, limitMs = 180_000): Promise<void> {
  const children = Array.from({ length: N }, (_, i) =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CONTENDER,
        run.store,
        run.log,
        `p${i}`,
        String(ROUNDS),
        String(staleLockMs),
        String(i === 0 ? firstHoldMs : 0),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  const timer = setTimeout(() => {
    for (const c of children) c.kill('SIGKILL');
  }, limitMs);
  try {
    const results = await Promise.all(
      children.map(
        (c) =>
          new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
            let stderr = '';
            c.stderr!.on('data', (d) => {
              stderr += String(d);
            });
            c.once('exit', (code, signal) => resolve({ code, signal, stderr }));
          }),
      ),
    );
    for (const r of results) {
      assert.equal(r.signal, null, `a contender was killed after ${limitMs} ms (deadlock?)`);
      assert.equal(r.code, 0, r.stderr);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the log: enter/exit strictly alternate with the same holder, times never overlap, none lost. */
async function checkExclusive(run: Run): Promise<void> {
  const lines = (await readFile(run.log, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 2 * N * ROUNDS, 'every contender entered and left every round');
  let lastExit = 0;
  for (let i = 0; i < lines.length; i += 2) {
    const [inKind, inName, inAt] = lines[i]!.split(' ');
    const [outKind, outName, outAt] = lines[i + 1]!.split(' ');
    assert.equal(inKind, 'enter', `line ${i + 1}: ${lines[i]}`);
    assert.equal(outKind, 'exit', `two holders at once: ${lines[i]} then ${lines[i + 1]}`);
    assert.equal(outName, inName, `two holders at once: ${lines[i]} then ${lines[i + 1]}`);
    assert.ok(
      Number(inAt) >= lastExit,
      `${inName} entered at ${inAt} before the previous holder left at ${lastExit}`,
    );
    lastExit = Number(outAt);
  }
  const record = await new FileTokenStore(run.store).get();
  assert.equal(record?.accessToken, String(N * ROUNDS), 'no refresh was lost');
  assert.deepEqual(
    (await readdir(join(run.store, '..'))).filter((f) => f !== 'log.txt').sort(),
    ['tokens.json'],
    'the lock is gone',
  );
}

describe('FileTokenStore lock across processes', () => {
  test(`${N} processes over a stale lock left by a crashed process, and a holder slower than staleLockMs`, async () => {
    const run = await setUp('stale-file');
    // What a crashed holder leaves: an old lock that nobody touches any more.
    await writeFile(`${run.store}.lock`, '99999\n');
    const old = new Date(Date.now() - 10_000);
    await utimes(`${run.store}.lock`, old, old);
    await contend(run, 600, 1500);
    await checkExclusive(run);
  });

  test(`${N} processes over a lock whose holder's process is gone: taken over without waiting for staleLockMs`, async () => {
    const run = await setUp('dead-owner');
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = dead.pid!;
    await new Promise((r) => dead.once('exit', r));
    await mkdir(`${run.store}.lock`, { mode: 0o700 });
    await writeFile(
      join(`${run.store}.lock`, 'owner-0123456789abcdef01234567'),
      JSON.stringify({ pid, host: hostname() }),
    );
    // Fresh, and staleLockMs far beyond the lock timeout: only the dead pid lets them in.
    const store = new FileTokenStore(run.store, { staleLockMs: 3_600_000, lockTimeoutMs: 20_000 });
    assert.equal(await store.withRefreshLock(async () => 'in'), 'in');
    await mkdir(`${run.store}.lock`, { mode: 0o700 });
    await writeFile(
      join(`${run.store}.lock`, 'owner-0123456789abcdef01234568'),
      JSON.stringify({ pid, host: hostname() }),
    );
    await contend(run, 3_600_000, 50);
    await checkExclusive(run);
  });
});
