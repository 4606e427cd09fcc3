/**
 * The command's copy between two services: `cloudstorage copyto dropbox:… googledrive:…` (1 GiB by default;
 * BENCH_SIZE_MB) as a user runs it, a process of its own measured for wall time and peak RSS, against the
 * same copy made with `curl` (a download to a local file, then an upload of that file), in the same run.
 * The emulators run in another process. The command runs the build (dist/, `npm run build`) when there is
 * one, else the source through tsx; its figure includes its start-up, as a user waits for it.
 *
 *   npx tsx bench/cli-copy.ts                    # 1 GiB, best of 2 rounds
 *   BENCH_SIZE_MB=128 BENCH_ROUNDS=1 npx tsx bench/cli-copy.ts
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { saveConfig, tokenPath } from '../src/cli/config-file.js';
import { main as cli } from '../src/cli/main.js';
import { remoteOptionsFor } from '../src/cli/serve.js';
import { FileTokenStore } from '../src/core/auth/stores/file.js';
import { DropboxEmulator, EmulatorServer, GoogleDriveEmulator } from '../src/emulator/index.js';
import {
  sameFiles,
  serveUntilStdinEnds,
  startEmulatorProcess,
  stopEmulatorProcess,
} from './lib/emulator-process.js';
import { curlRelayScript, makeRandomFile } from './lib/input.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const MiB = 1024 * 1024;
const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

interface Endpoints {
  dropbox: { options: Record<string, string>; content: string; token: string };
  googledrive: { options: Record<string, string>; api: string; token: string };
}

/** `cli-copy.ts serve <blobDir>`: both emulators until stdin closes. */
async function serve(blobDir: string): Promise<void> {
  await serveUntilStdinEnds<Endpoints>(async () => {
    await Promise.all(['dropbox', 'googledrive'].map((d) => mkdir(join(blobDir, d), { recursive: true })));
    const dropboxServer = new EmulatorServer({ blobDir: join(blobDir, 'dropbox') });
    const driveServer = new EmulatorServer({ blobDir: join(blobDir, 'googledrive') });
    const dropbox = new DropboxEmulator();
    const drive = new GoogleDriveEmulator();
    dropbox.install(dropboxServer);
    drive.install(driveServer);
    await Promise.all([dropboxServer.start(), driveServer.start()]);
    return {
      endpoints: {
        dropbox: {
          options: remoteOptionsFor('dropbox', dropboxServer),
          content: dropbox.urls.content,
          token: dropbox.issueToken().accessToken,
        },
        googledrive: {
          options: remoteOptionsFor('googledrive', driveServer),
          api: drive.urls.api,
          token: drive.issueToken().accessToken,
        },
      },
      stop: async () => void (await Promise.all([dropboxServer.stop(), driveServer.stop()])),
    };
  });
}

/** A config file with the two remotes, signed in with tokens the emulators issued (the token store's files). */
async function writeConfig(path: string, e: Endpoints, fragmentMiB: number): Promise<void> {
  const settings = { FragmentSize: String(fragmentMiB * MiB) };
  await saveConfig(path, {
    remotes: {
      dropbox: { type: 'dropbox', options: e.dropbox.options, settings },
      googledrive: { type: 'googledrive', options: e.googledrive.options, settings },
    },
  });
  await new FileTokenStore(tokenPath(path, 'dropbox')).set({ accessToken: e.dropbox.token });
  await new FileTokenStore(tokenPath(path, 'googledrive')).set({ accessToken: e.googledrive.token });
}

async function sha1File(path: string): Promise<string> {
  const h = createHash('sha1');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** The command in this process (set-up and checks, not measured); its stdout. */
async function run(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await cli(args, { env, stdout: out, stderr: process.stderr });
  if (code !== 0) throw new Error(`cloudstorage ${args.join(' ')}: exit code ${code}`);
  return Buffer.concat(chunks).toString();
}

/** The curl baseline for these endpoints. */
function curlScript(e: Endpoints, file: string): string[] {
  return curlRelayScript(e.dropbox, e.googledrive, file);
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const fragmentMiB = Number(process.env.BENCH_FRAGMENT_MB ?? 8);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
  const bytes = sizeMiB * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'bench-cli-copy-'));
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulatorProcess<Endpoints>(
    fileURLToPath(import.meta.url),
    join(dir, 'blobs'),
  );
  const config = join(dir, 'config', 'config.json');
  const env = { ...process.env, CLOUDSTORAGE_CONFIG: config };
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  const command = existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
  const checks: string[] = [];
  try {
    await writeConfig(config, endpoints, fragmentMiB);
    const source = join(dir, 'source.bin');
    await makeRandomFile(source, bytes);
    const want = await sha1File(source);
    await run(env, 'copyto', source, 'dropbox:bench/source.bin');
    const runs: Measurement[] = [];
    for (let round = 1; round <= rounds; round++) {
      spawnSync('sync');
      runs.push(
        await measureProcess(
          'cloudstorage copyto (Dropbox → Drive)',
          process.execPath,
          [...command, 'copyto', 'dropbox:bench/source.bin', `googledrive:bench/copy-${round}.bin`],
          { bytes, env },
        ),
      );
      const sums = await run(env, 'hashsum', 'sha1', `googledrive:bench/copy-${round}.bin`);
      checks.push(
        `round ${round}: the command's copy has the source's SHA-1: ${sums.startsWith(want) ? 'yes' : 'DIFFERENT'}`,
      );
      spawnSync('sync');
      const temp = join(dir, 'curl-temp.bin');
      runs.push(
        await measureProcess('curl download then upload', 'sh', curlScript(endpoints, temp), { bytes }),
      );
      checks.push(
        `round ${round}: curl's temporary file = source: ${sameFiles(temp, source) ? 'yes' : 'DIFFERENT'}`,
      );
      checks.push(
        `round ${round}: curl needed a temporary file of ${((await stat(temp)).size / MiB).toFixed(0)} MiB`,
      );
      await rm(temp, { force: true });
    }
    const rows = ['cloudstorage copyto (Dropbox → Drive)', 'curl download then upload'].map((label) => {
      const mine = runs.filter((r) => r.label === label);
      const best = mine.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      return { ...best, peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)) };
    });
    console.log(
      `\nThe command's copy between two services, ${sizeMiB} MiB, ${fragmentMiB} MiB fragments, best of ${rounds} (${command[0] === built ? 'dist' : 'tsx'}), emulators on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const [mine, curl] = rows as [Measurement, Measurement];
    console.log(
      `\nThe command relative to curl: ${(mine.mibPerSecond / curl.mibPerSecond).toFixed(2)}× throughput, ${(mine.peakRssMiB / curl.peakRssMiB).toFixed(2)}× peak RSS (${mine.peakRssMiB.toFixed(0)} MiB; target ≤ 96 MiB)`,
    );
    console.log(`\nChecks:\n  ${checks.join('\n  ')}`);
    if (checks.some((c) => c.endsWith('DIFFERENT'))) process.exitCode = 1;
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'serve') await serve(args[0]!);
else await main();
