import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { B2Emulator } from '../../../src/emulator/b2/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';

/**
 * rclone's b2 backend as a judge: pointed at the emulator with `endpoint` (its authorize URL base), it
 * uploads a small file simply and a 12 MiB one as a large file (5 MiB chunks), lists, hashes, reads and
 * deletes. rclone 1.60 calls /b2api/v1 throughout; newer ones authorize with v4.
 */

const run = promisify(execFile);
const hasRclone = (() => {
  try {
    execFileSync('rclone', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

describe('rclone b2 backend against the B2 emulator', {
  skip: hasRclone ? false : 'rclone is not installed',
}, () => {
  let server: EmulatorServer;
  let b2: B2Emulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const small = Buffer.from('hello from rclone\n');
  const large = randomBytes(12 * 1024 * 1024 + 123);

  const rclone = async (...args: string[]) =>
    (await run('rclone', args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout;

  before(async () => {
    server = new EmulatorServer();
    b2 = new B2Emulator();
    b2.install(server);
    await server.start();
    dir = await mkdtemp(join(tmpdir(), 'b2-rclone-'));
    await writeFile(join(dir, 'small.txt'), small);
    await writeFile(join(dir, 'large.bin'), large);
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      RCLONE_CONFIG: join(dir, 'none.conf'),
      RCLONE_CONFIG_EMU_TYPE: 'b2',
      RCLONE_CONFIG_EMU_ACCOUNT: b2.accountId,
      RCLONE_CONFIG_EMU_KEY: b2.masterKey,
      RCLONE_CONFIG_EMU_ENDPOINT: b2.urls.api,
    };
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies a small file simply and a large one in parts', async () => {
    await rclone('mkdir', 'emu:rclone-bucket');
    await rclone(
      'copy',
      dir,
      'emu:rclone-bucket/up',
      '--include',
      '*.{txt,bin}',
      '--b2-upload-cutoff',
      '5M',
      '--b2-chunk-size',
      '5M',
    );
    const calls = server.requestLog.map((e) => e.path);
    assert.equal(calls.filter((p) => p.includes('/b2_upload_file/')).length, 1);
    assert.equal(calls.filter((p) => p.includes('/b2_upload_part/')).length, 3);
    assert.ok(calls.some((p) => p.endsWith('/b2_finish_large_file')));
  });

  it('lists with sizes and SHA-1 hashes (the large file by its large_file_sha1)', async () => {
    const ls = await rclone('ls', 'emu:rclone-bucket');
    assert.deepEqual(
      ls
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)),
      [
        [String(large.length), 'up/large.bin'],
        [String(small.length), 'up/small.txt'],
      ],
    );
    const entries = JSON.parse(await rclone('lsjson', '--hash', '-R', 'emu:rclone-bucket/up')) as Array<{
      Path: string;
      Size: number;
      Hashes?: { sha1?: string };
    }>;
    const byPath = Object.fromEntries(entries.map((e) => [e.Path, e]));
    assert.equal(byPath['small.txt']!.Hashes!.sha1, sha1(small));
    assert.equal(byPath['large.bin']!.Hashes!.sha1, sha1(large));
    assert.equal(byPath['large.bin']!.Size, large.length);
  });

  it('reads files back and finds no differences', async () => {
    assert.equal(await rclone('cat', 'emu:rclone-bucket/up/small.txt'), small.toString());
    const out = await run('rclone', ['cat', 'emu:rclone-bucket/up/large.bin'], {
      env,
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.ok(out.stdout.equals(large));
    await rclone('check', dir, 'emu:rclone-bucket/up', '--include', '*.{txt,bin}');
  });

  it('gets a new upload URL when one answers 503 too busy, for simple and part uploads', async () => {
    b2.failNextUploads(1, 'file');
    b2.failNextUploads(1, 'part');
    const before = server.requestLog.length;
    await rclone(
      'copy',
      dir,
      'emu:rclone-bucket/busy',
      '--include',
      '*.{txt,bin}',
      '--b2-upload-cutoff',
      '5M',
      '--b2-chunk-size',
      '5M',
    );
    const log = server.requestLog.slice(before);
    assert.equal(log.filter((e) => e.status === 503).length, 2);
    assert.equal(
      log.filter((e) => e.path.endsWith('/b2_get_upload_url')).length,
      2,
      'a fresh URL after the 503',
    );
    const entries = JSON.parse(await rclone('lsjson', '--hash', 'emu:rclone-bucket/busy')) as Array<{
      Path: string;
      Hashes: { sha1: string };
    }>;
    assert.deepEqual(entries.map((e) => [e.Path, e.Hashes.sha1]).sort(), [
      ['large.bin', sha1(large)],
      ['small.txt', sha1(small)],
    ]);
    await rclone('purge', 'emu:rclone-bucket/busy');
  });

  it('deletes (hiding by default, removing versions with --b2-hard-delete)', async () => {
    await rclone('delete', 'emu:rclone-bucket/up/small.txt');
    assert.equal((await rclone('ls', 'emu:rclone-bucket')).includes('small.txt'), false);
    const versions = await rclone('ls', '--b2-versions', 'emu:rclone-bucket');
    assert.ok(versions.includes('small'), versions);
    await rclone('delete', '--b2-hard-delete', 'emu:rclone-bucket/up/large.bin');
    assert.equal((await rclone('ls', 'emu:rclone-bucket')).trim(), '');
    assert.ok(server.requestLog.some((e) => e.path.endsWith('/b2_delete_file_version')));
  });
});
