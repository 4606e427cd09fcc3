/**
 * `--progress` in a real pseudo-terminal: util-linux `script` runs the command on a pty, so stderr is a
 * TTY and cli-progress draws; the bars must move and end at 100 %. Without a terminal nothing is drawn.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { patternBytes } from '../helpers/pattern-bytes.js';
import { MAIN, makeTree, remoteName, startWorld, TSX, type World } from './helpers.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the command under `script` (a pty); returns everything the terminal received. */
function inTerminal(world: World, args: string[]): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, '--import', TSX, MAIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...world.env, COLUMNS: '160', LINES: '40', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      screen += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, screen }));
  });
}

/** The percentages drawn on lines that start with `name` (escape sequences removed). */
function percentages(screen: string, name: string): number[] {
  // Cursor movements between redraws become line breaks: each drawn line stands alone.
  const plain = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '\n');
  const out: number[] = [];
  for (const line of plain.split(/\r|\n/)) {
    const m = new RegExp(`^${name}\\s.*?\\s(\\d+)% `).exec(line.trim());
    if (m) out.push(Number(m[1]));
  }
  return out;
}

describe('cloudstorage --progress', () => {
  let world: World;
  let src: string;

  before(async () => {
    world = await startWorld(['box']);
    const r = await world.runCli(world.addArgs(remoteName('box'), 'box'));
    assert.equal(r.code, 0, r.stderr);
    src = join(world.dir, 'progress-source');
    await makeTree(src, { 'one.bin': patternBytes(600 * 1024, 1), 'two.bin': patternBytes(400 * 1024, 2) });
  });
  after(() => world?.stop());

  it('draws live bars per file and in total on a terminal, ending at 100 %', async () => {
    // Parts answered slowly, so the upload lasts long enough for the bars to be redrawn as it goes.
    world.server('box').faults.add({ method: 'PUT', path: '/upload_sessions/', delayMs: 80, times: 1000 });
    const { code, screen } = await inTerminal(world, ['copy', '--progress', src, 't-box:progress']);
    world.server('box').faults.clear();
    assert.equal(code, 0, screen);
    assert.match(screen, /█/, 'bars are drawn');
    const total = percentages(screen, 'Total');
    assert.equal(total[total.length - 1], 100, `the total ends at 100 %: ${total.join(',')}`);
    assert.ok(
      total.some((p) => p > 0 && p < 100),
      `the total moved through values in between: ${total.join(',')}`,
    );
    for (const file of ['one.bin', 'two.bin']) {
      const drawn = percentages(screen, file.replace('.', '\\.'));
      assert.equal(drawn[drawn.length - 1], 100, `${file} ends at 100 %: ${drawn.join(',')}`);
    }
    assert.match(screen, /Copied 2 files/);
  });

  it('draws nothing when stderr is not a terminal', async () => {
    const r = await world.spawnCli(['copy', '--progress', src, 't-box:progress-pipe']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /█|\x1b\[/);
    assert.match(r.stderr, /Copied 2 files/);
  });
});
