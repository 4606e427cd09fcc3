/**
 * `cloudstorage serve --data DIR`: the four emulators keep files, folders and tokens across a restart.
 * Remotes signed in before the restart (tokens in the command's token store) work after it, and the files
 * copied before are there with the same bytes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { remoteOptionsFor, startEmulators } from '../../src/cli/serve.js';
import { MIXED, makeTree, ROOT, SERVICES, TSX } from './helpers.js';

/** A free port with room for the 40 consecutive ports four services take. */
async function freeBasePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (port + 40 < 65535) return port;
  }
}

describe('cloudstorage serve --data', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps every emulator’s files, folders and tokens across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-data-'));
    dirs.push(dir);
    const data = join(dir, 'data');
    const env = {
      ...process.env,
      CLOUDSTORAGE_CONFIG: join(dir, 'config.json'),
      BROWSER: 'curl -sS -L --max-time 60 -o /dev/null',
    };
    const cli = async (...args: string[]) => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const code = await main(args, { env, stdout: out, stderr: out });
      return { code, text: Buffer.concat(chunks).toString() };
    };
    const source = join(dir, 'mixed');
    await makeTree(source, MIXED);
    const where = (service: string) => (service === 'b2' ? `${service}:kept-bucket/tree` : `${service}:tree`);
    // Forty fixed ports on a shared machine: another program may hold one of them; then try another block.
    let options = { services: [...SERVICES], autoApprove: true, port: await freeBasePort(), dataDir: data };
    let first: Awaited<ReturnType<typeof startEmulators>> | undefined;
    for (let attempt = 0; !first; attempt++) {
      try {
        first = await startEmulators(options);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw e;
        options = { ...options, port: await freeBasePort() };
      }
    }
    try {
      for (const { service, server } of first.servers) {
        const flags = Object.entries(remoteOptionsFor(service, server)).flatMap(([k, v]) => [`--${k}`, v]);
        const added = await cli('config', 'add', service, service, ...flags);
        assert.equal(added.code, 0, added.text);
        const copied = await cli('copy', source, where(service));
        assert.equal(copied.code, 0, copied.text);
      }
    } finally {
      await first.stop();
    }
    for (const service of SERVICES)
      assert.equal((await stat(join(data, service, 'state.json'))).mode & 0o777, 0o600);

    const second = await startEmulators(options);
    try {
      for (const service of SERVICES) {
        // Signed in before the restart: the stored tokens still work; the files are all there, the same.
        const check = await cli('check', '--download', source, where(service));
        assert.equal(check.code, 0, `${service}: ${check.text}`);
        assert.match(check.text, /5 files match/);
        const folders = await cli('lsf', where(service));
        assert.deepEqual(folders.text.trim().split('\n').sort(), [
          'docs/',
          'empty.dat',
          'photos/',
          'readme.txt',
        ]);
        // And it goes on working: a new file, new ids that do not collide with the old ones.
        const more = await cli('copyto', join(source, 'readme.txt'), `${where(service)}/after-restart.txt`);
        assert.equal(more.code, 0, more.text);
        assert.equal((await cli('cat', `${where(service)}/readme.txt`)).text, MIXED['readme.txt']);
      }
    } finally {
      await second.stop();
    }
  });

  it('a start that fails on a port in use leaves nothing open: the process exits by itself', async () => {
    // In a child process, so that a listener left open shows as a process that does not exit (the old
    // code: the test above retries on EADDRINUSE, and its test process then never exited).
    const dir = await mkdtemp(join(tmpdir(), 'serve-data-'));
    dirs.push(dir);
    const script = `
      import { createServer } from 'node:net';
      import { startEmulators } from ${JSON.stringify(join(ROOT, 'src/cli/serve.js'))};
      const listen = (port) => new Promise((resolve, reject) => {
        const s = createServer().once('error', reject).listen(port, '127.0.0.1', () => resolve(s));
      });
      const close = (s) => new Promise((resolve) => s.close(() => resolve()));
      for (let attempt = 0; ; attempt++) {
        const probe = await listen(0);
        const base = probe.address().port;
        await close(probe);
        if (base + 40 >= 65535) continue;
        // Dropbox's second host (box takes base .. base + 9): box and Dropbox's first host listen first.
        const blocker = await listen(base + 11).catch((e) => {
          if (e.code !== 'EADDRINUSE' || attempt === 10) throw e;
        });
        if (!blocker) continue;
        try {
          await startEmulators({
            services: ${JSON.stringify(SERVICES)}, autoApprove: true, port: base,
            dataDir: ${JSON.stringify(join(dir, 'data'))},
          });
          console.log('started');
        } catch (e) {
          console.log(e.code);
        }
        await close(blocker);
        break;
      }
    `;
    const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    assert.equal(signal, null, `the child did not exit within 30 s (killed); output: ${output}`);
    assert.equal(code, 0, output);
    assert.equal(output.trim(), 'EADDRINUSE');
  });
});
