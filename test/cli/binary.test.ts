/**
 * The command as a user runs it: a child process (node + the source, as bin/ runs the build), a config
 * file of its own, the emulators of the services, real files. Few processes, each making one point.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { patternBytes } from '../helpers/pattern-bytes.js';
import { MAIN, MIXED, makeTree, remoteName, type Service, startWorld, TSX, type World } from './helpers.js';

const SERVICES: Service[] = ['box', 'dropbox', 'googledrive', 'b2'];

const NO_STACK = /\n\s+at .+:\d+:\d+/;

describe('the cloudstorage binary', () => {
  let world: World;

  before(async () => {
    world = await startWorld(SERVICES);
    // The remotes the tests use; the first test signs in to one more through the spawned binary.
    for (const service of SERVICES) {
      const r = await world.runCli(world.addArgs(remoteName(service), service));
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => world?.stop());

  it('config add signs in through the browser and keeps secrets private; list, show, remove', async () => {
    const added = await world.spawnCli(world.addArgs('spare', 'box'));
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /Added remote "spare" \(box\)/);
    // Other processes read what that one wrote: config and tokens, both 0600.
    assert.equal((await stat(world.config)).mode & 0o777, 0o600);
    assert.equal((await stat(join(world.dir, 'config', 'tokens', 'spare.json'))).mode & 0o777, 0o600);
    const list = await world.spawnCli(['config', 'list']);
    assert.equal(list.code, 0);
    for (const service of SERVICES)
      assert.match(list.stdout, new RegExp(`^${remoteName(service)}: +${service}$`, 'm'));
    const show = await world.spawnCli(['config', 'show', 'spare']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /client-secret: +\*\*\* \(set\)/);
    assert.match(show.stdout, /tokens: +stored \(with a refresh token\)/);
    assert.doesNotMatch(show.stdout + show.stderr, /box-emulator-client-secret/);
    const config = await readFile(world.config, 'utf8');
    assert.doesNotMatch(config, /accessToken|refreshToken/, 'tokens live in the token store, not the config');

    // Removed: the remote and its tokens go.
    const removed = await world.spawnCli(['config', 'remove', 'spare']);
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects(stat(join(world.dir, 'config', 'tokens', 'spare.json')), /ENOENT/);
    assert.doesNotMatch(await readFile(world.config, 'utf8'), /"spare"/);
  });

  it('bad input: a clear message, exit code 2 (usage) or 1 (operation), no stack trace, nothing written', async () => {
    const before = await readFile(world.config, 'utf8');
    const local = join(world.dir, 'bad-input');
    await makeTree(local, { 'a.txt': 'a' });
    // The first three spawned, the rest through main() (same code, without a process start each).
    const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
      { args: ['ls', 'nowhere:x'], code: 2, message: /no remote "nowhere".*config add nowhere/ },
      {
        args: ['copy', join(world.dir, 'missing'), 't-box:bad'],
        code: 1,
        message: /missing: no such file or folder/,
      },
      {
        args: ['copy', local, 't-box:bad', '--transfers', '0'],
        code: 2,
        message: /--transfers.*whole number ≥ 1/,
      },
      {
        args: ['copy', local, 't-box:bad', '--frobnicate'],
        code: 2,
        message: /unknown option '--frobnicate'/,
      },
      { args: ['frobnicate'], code: 2, message: /unknown command 'frobnicate'/ },
      { args: ['config', 'add', 'x', 'box'], code: 2, message: /needs --client-id/ },
      { args: ['config', 'add', 'x', 'ftp'], code: 2, message: /Unknown remote type "ftp"/ },
      {
        args: ['config', 'add', 't-box', 'box', '--client-id', 'a'],
        code: 2,
        message: /already a remote "t-box"/,
      },
      { args: ['hashsum', 'crc99', local], code: 2, message: /Unknown hash "crc99"/ },
    ];
    for (const [i, c] of cases.entries()) {
      const r = i < 3 ? await world.spawnCli(c.args) : await world.runCli(c.args);
      assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, c.message, c.args.join(' '));
      assert.doesNotMatch(r.stderr, NO_STACK, c.args.join(' '));
    }
    assert.equal(await readFile(world.config, 'utf8'), before, 'the config file is unchanged');
    const listing = await world.runCli(['lsf', 't-box:']);
    assert.doesNotMatch(listing.stdout, /^bad\//m, 'no failed command made the destination');
  });

  it('sync across every remote with changes and deletions; a re-run copies nothing; check finds a planted difference', async () => {
    const src = join(world.dir, 'sync-source');
    await makeTree(src, MIXED);
    const chain = [
      src,
      ...SERVICES.map((s) => (s === 'b2' ? `${remoteName(s)}:sync-bucket/tree` : `${remoteName(s)}:tree`)),
    ];
    // The legs run in this process (main(), the same code as the binary): twelve spawns would take minutes.
    const leg = async (from: string, to: string) => {
      const r = await world.runCli(['sync', from, to, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stderr.trim().split('\n').pop()!) as Record<string, number>;
    };
    for (let i = 1; i < chain.length; i++) assert.equal((await leg(chain[i - 1]!, chain[i]!)).copied, 5);

    // Changes: one file edited, one deleted, one added.
    await writeFile(join(src, 'readme.txt'), 'edited\n');
    await rm(join(src, 'docs', 'notes.md'));
    await writeFile(join(src, 'photos', 'new.txt'), 'new file');
    for (let i = 1; i < chain.length; i++) {
      const dry = await world.runCli(['sync', '--dry-run', chain[i - 1]!, chain[i]!]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stderr, /would copy photos\/new\.txt \(missing/);
      assert.match(dry.stderr, /would copy readme\.txt \(different/);
      assert.match(dry.stderr, /would delete file docs\/notes\.md/);
      const summary = await leg(chain[i - 1]!, chain[i]!);
      assert.deepEqual([summary.copied, summary.deleted, summary.unchanged], [2, 1, 3]);
    }
    // Nothing changed: every leg copies and deletes nothing.
    for (let i = 1; i < chain.length; i++) {
      const summary = await leg(chain[i - 1]!, chain[i]!);
      assert.deepEqual([summary.copied, summary.deleted, summary.unchanged], [0, 0, 5]);
    }
    const last = chain[chain.length - 1]!;
    assert.equal((await world.runCli(['cat', `${last}/readme.txt`])).stdout, 'edited\n');
    const same = await world.runCli(['check', src, last]);
    assert.equal(same.code, 0, same.stderr);

    // A planted difference on the far end: check lists it and exits 1.
    const planted = join(world.dir, 'planted.txt');
    await writeFile(planted, 'not the same bytes');
    assert.equal((await world.runCli(['copyto', planted, `${last}/photos/new.txt`])).code, 0);
    const differs = await world.spawnCli(['check', src, last]);
    assert.equal(differs.code, 1);
    assert.match(differs.stdout, /^\* photos\/new\.txt$/m);
    assert.match(differs.stderr, /1 difference/);
  });

  it('an interrupted copy (Ctrl-C) run again skips what finished and resumes the open upload', async () => {
    const src = join(world.dir, 'big-source');
    const big = patternBytes(2 * 1024 * 1024, 42);
    await makeTree(src, { 'small.txt': 'small', 'big.bin': big });
    const box = world.server('box');
    // Slow parts, so the first run is still uploading when it is interrupted.
    box.faults.add({ method: 'PUT', path: '/upload_sessions/', delayMs: 150, times: 1000 });
    const stateRoot = join(world.dir, 'config', 'state');
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'copy', src, 't-box:resume'], {
      env: world.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
    const committed = await waitForState(stateRoot, exited).catch((e: Error) => {
      throw new Error(`${e.message}; the command said: ${stderr}`);
    });
    assert.ok(committed > 0 && committed < big.length, `some parts were confirmed (${committed})`);
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Interrupted; run the command again/);
    assert.doesNotMatch(stderr, NO_STACK);
    box.faults.clear();
    const sessionsBefore = box.requestLog.filter(
      (e) => e.method === 'POST' && /upload_sessions$/.test(e.path),
    ).length;
    const partsBefore = box.requestLog.filter(
      (e) => e.method === 'PUT' && e.path.includes('/upload_sessions/'),
    ).length;

    const again = await world.spawnCli(['copy', src, 't-box:resume']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Resuming 1 interrupted upload/);
    assert.match(again.stderr, /Copied 1 file .*1 unchanged/, 'small.txt finished in the first run');
    const sessionsAfter = box.requestLog.filter(
      (e) => e.method === 'POST' && /upload_sessions$/.test(e.path),
    ).length;
    const partsAfter = box.requestLog.filter(
      (e) => e.method === 'PUT' && e.path.includes('/upload_sessions/'),
    ).length;
    assert.equal(sessionsAfter, sessionsBefore, 'no new upload session: the open one was continued');
    assert.ok(
      partsAfter - partsBefore < big.length / (64 * 1024),
      'the parts already confirmed were not sent again',
    );
    const sums = await world.runCli(['hashsum', 'sha1', 't-box:resume']);
    assert.match(
      sums.stdout,
      new RegExp(`^${createHash('sha1').update(big).digest('hex')}  big\\.bin$`, 'm'),
    );
    await assert.rejects(stat(stateRoot), /ENOENT/, 'the state folder is removed once nothing is open');
  });
});

/** Polls the state folder until an upload state with confirmed bytes appears; fails if the run ends first. */
async function waitForState(stateRoot: string, exited: Promise<number>): Promise<number> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    for (const run of await readdir(stateRoot).catch(() => [] as string[])) {
      for (const file of await readdir(join(stateRoot, run)).catch(() => [] as string[])) {
        const text = await readFile(join(stateRoot, run, file), 'utf8').catch(() => '');
        const committed = text ? (JSON.parse(text) as { state: { committed: number } }).state.committed : 0;
        if (committed > 0) return committed;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the copy ended before any upload state was written');
}
