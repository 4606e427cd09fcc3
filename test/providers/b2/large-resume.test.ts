import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Env, startEnv } from './helpers.js';

const MiB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('./upload-child.ts', import.meta.url));

interface Line {
  part?: number;
  done?: string;
  state: string;
  startByte: number;
}

/** Runs the upload child; `onLine` may kill it. Resolves with its lines once it exited. */
function runChild(args: string[], onLine: (line: Line, child: ChildProcess) => void): Promise<Line[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    onLine(line, child);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(lines);
    });
  });
}

async function sha1OfFile(path: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('BackblazeB2 large upload resumed by another process', () => {
  let env: Env;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await env.stop();
  });

  test('a 110 MiB upload killed midway is finished by a new process without re-sending finished parts', async () => {
    const bucket = env.bucket();
    const path = join(env.dir, 'big.bin');
    const file = await open(path, 'w');
    for (let i = 0; i < 110; i++) await file.write(randomBytes(MiB));
    await file.close();
    const base = [
      env.emulator.urls.api,
      env.emulator.accountId,
      env.emulator.masterKey,
      bucket.id,
      path,
      'big/file.bin',
    ];

    // Slow parts down so that the first process is surely killed in the middle.
    const slow = env.server.faults.add({ path: 'b2_upload_part', delayMs: 150, times: 1000 });
    const first = await runChild([...base, 'first-process'], (line, child) => {
      if (line.startByte >= 40 * MiB) child.kill('SIGKILL');
    });
    env.server.faults.clear(slow);
    const finishedParts = first.filter((l) => l.part !== undefined).map((l) => l.part!);
    assert.ok(
      finishedParts.length >= 4 && finishedParts.length < 11,
      `killed after ${finishedParts.length} parts`,
    );
    assert.ok(!first.some((l) => l.done), 'the first process did not finish');
    const last = first[first.length - 1]!;
    assert.notEqual(last.state, '');
    assert.ok(last.startByte >= 40 * MiB);

    const second = await runChild([...base, 'second-process', last.state, String(last.startByte)], () => {});
    const done = second.find((l) => l.done);
    assert.ok(done, 'the second process finished the upload');
    assert.equal(done.state, '');
    assert.equal(done.startByte, 0);

    const resent = env.server.requestLog
      .filter((e) => e.path.includes('b2_upload_part') && e.headers['user-agent'] === 'second-process')
      .map((e) => Number(e.headers['x-bz-part-number']));
    // The parts the first process saw finish are left alone; so may be one B2 stored while the answer was
    // lost in the kill (B2's part list shows it, with its SHA-1).
    for (const part of finishedParts) assert.ok(!resent.includes(part), `part ${part} was sent again`);
    assert.ok(
      resent.length <= 11 - finishedParts.length,
      `${resent.length} parts sent by the second process`,
    );
    // The second process asked B2 which parts it has.
    assert.ok(
      env.server.requestLog.some(
        (e) => e.path.endsWith('b2_list_parts') && e.headers['user-agent'] === 'second-process',
      ),
    );

    // Byte for byte: the SHA-1 of what B2 serves equals the local file's.
    const { BackblazeB2 } = await import('../../../src/providers/b2/index.js');
    const reader = new BackblazeB2({
      authURL: env.emulator.urls.api,
      applicationKeyId: env.emulator.accountId,
      applicationKey: env.emulator.masterKey,
    });
    const out = join(env.dir, 'big.out');
    await reader.downloadFileById(done.done!, { localFile: out });
    await reader.close();
    assert.equal(await sha1OfFile(out), await sha1OfFile(path));
  });
});
