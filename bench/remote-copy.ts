/**
 * Cross-service copy benchmark: one file (1 GiB by default; BENCH_SIZE_MB) copied from Dropbox to Google
 * Drive (both emulated, in a process of their own) through the common interface, `copyFile` streaming the
 * Dropbox download into a Drive resumable upload, against the same copy made with `curl`: a download to
 * a local file, then an upload of that file, in the same run.
 *
 *   remote copy     copyFile(DropboxRemote, GoogleDriveRemote): read → write, no temporary file
 *   curl baseline   POST /2/files/download -o file, then a Drive upload (uploadType=media, -T file)
 *
 * Each side runs in a child process measured for wall time and peak RSS (bench/lib/measure.ts); the
 * remote copy's figure is the time of the copy inside its process (start-up is left out and shown apart).
 * After `npm run build` the copy runs the built library with plain Node (bench/lib/remote-copy-child.mjs),
 * so its peak RSS is the library's own; without dist/ it runs the sources under tsx (whose compiler adds
 * its own memory). The copies are downloaded again and compared with the source.
 *
 *   npx tsx bench/remote-copy.ts                 # 1 GiB, best of 2 rounds
 *   BENCH_SIZE_MB=128 BENCH_ROUNDS=1 npx tsx bench/remote-copy.ts
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmulatorServer } from '../src/emulator/core/index.js';
import { DropboxEmulator } from '../src/emulator/dropbox/index.js';
import { GoogleDriveEmulator } from '../src/emulator/googledrive/index.js';
import { Dropbox } from '../src/providers/dropbox/index.js';
import { GoogleDrive } from '../src/providers/googledrive/index.js';
import { copyFile } from '../src/remote/copy.js';
import { DropboxRemote } from '../src/remote/dropbox.js';
import { GoogleDriveRemote } from '../src/remote/googledrive.js';
import {
  sameFiles,
  serveUntilStdinEnds,
  startEmulatorProcess,
  stopEmulatorProcess,
} from './lib/emulator-process.js';
import { curlRelayScript, makeRandomFile } from './lib/input.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const MiB = 1024 * 1024;

interface Endpoints {
  dropbox: { api: string; content: string; notify: string; token: string };
  drive: { api: string; token: string };
}

/** `remote-copy.ts serve <blobDir>`: both emulators until stdin closes. */
async function serve(blobDir: string): Promise<void> {
  await serveUntilStdinEnds<Endpoints>(async () => {
    await Promise.all(['dropbox', 'drive'].map((d) => mkdir(join(blobDir, d), { recursive: true })));
    // One server per service, as `cloudstorage serve` does (each has its own hosts and routes).
    const servers = [
      new EmulatorServer({ blobDir: join(blobDir, 'dropbox') }),
      new EmulatorServer({ blobDir: join(blobDir, 'drive') }),
    ] as const;
    const dropbox = new DropboxEmulator();
    const drive = new GoogleDriveEmulator();
    dropbox.install(servers[0]);
    drive.install(servers[1]);
    await Promise.all(servers.map((s) => s.start()));
    const endpoints: Endpoints = {
      dropbox: { ...dropbox.urls, token: dropbox.issueToken().accessToken },
      drive: { api: drive.urls.api, token: drive.issueToken().accessToken },
    };
    return { endpoints, stop: async () => void (await Promise.all(servers.map((s) => s.stop()))) };
  });
}

function remotes(e: Endpoints, fragmentMiB: number) {
  const dropbox = new DropboxRemote(
    new Dropbox({
      apiBaseUrl: e.dropbox.api,
      contentBaseUrl: e.dropbox.content,
      notifyBaseUrl: e.dropbox.notify,
      authorization: `Bearer ${e.dropbox.token}`,
      fragmentSize: fragmentMiB * MiB,
    }),
  );
  const drive = new GoogleDriveRemote(
    new GoogleDrive({
      apiUrl: `${e.drive.api}/drive/v3`,
      uploadUrl: `${e.drive.api}/upload/drive/v3`,
      authorization: `Bearer ${e.drive.token}`,
      fragmentSize: fragmentMiB * MiB,
    }),
  );
  return { dropbox, drive };
}

/** `remote-copy.ts copy <endpoints> <fragment MiB>`: the measured copy; prints its time as JSON. */
async function remoteCopy(e: Endpoints, fragmentMiB: number): Promise<void> {
  const { dropbox, drive } = remotes(e, fragmentMiB);
  const started = process.hrtime.bigint();
  await copyFile(dropbox, 'bench/source.bin', drive, 'bench/copy.bin');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all([dropbox.close(), drive.close()]);
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

/** The curl baseline for these endpoints. */
function curlScript(e: Endpoints, file: string): string[] {
  return curlRelayScript(e.dropbox, e.drive, file);
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const fragmentMiB = Number(process.env.BENCH_FRAGMENT_MB ?? 8);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
  const bytes = sizeMiB * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'bench-remote-copy-'));
  const self = fileURLToPath(import.meta.url);
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulatorProcess<Endpoints>(self, join(dir, 'blobs'));
  const config = JSON.stringify(endpoints);
  const checks: string[] = [];
  const notes: string[] = [];
  try {
    const source = join(dir, 'source.bin');
    await makeRandomFile(source, bytes);
    const setup = remotes(endpoints, fragmentMiB);
    await setup.dropbox.write('bench/source.bin', createReadStream(source), { size: bytes });

    // The built library when there is one (plain Node), else the sources under tsx.
    const built = existsSync(join(dirname(self), '..', 'dist', 'index.js'));
    const builtCopy = join(dirname(self), 'lib', 'remote-copy-child.mjs');
    const copyArgs = built
      ? [builtCopy, 'copy', config, String(fragmentMiB)]
      : ['--import', 'tsx', self, 'copy', config, String(fragmentMiB)];
    const idleArgs = built ? [builtCopy, 'idle'] : ['--import', 'tsx', self, 'idle'];
    const idle = await measureProcess('remote process at rest', process.execPath, idleArgs, { bytes: 0 });
    notes.push(
      built
        ? 'the remote copy ran the built library (dist/) with plain Node'
        : 'the remote copy ran the sources under tsx (npm run build first to measure the built library)',
    );
    const runs: Measurement[] = [];
    const startups: number[] = [];
    const copyBack = join(dir, 'copy-back.bin');
    for (let round = 1; round <= rounds; round++) {
      spawnSync('sync');
      const out = join(dir, 'copy.json');
      const m = await measureProcess('remote copy (Dropbox → Drive)', process.execPath, copyArgs, {
        bytes,
        stdoutFile: out,
      });
      await new Promise((r) => setTimeout(r, 50));
      const { seconds } = JSON.parse(await readFile(out, 'utf8')) as { seconds: number };
      startups.push(m.seconds - seconds);
      runs.push({ ...m, seconds, mibPerSecond: bytes / MiB / seconds });
      const copied = await setup.drive.read('bench/copy.bin');
      await new Promise<void>((resolve, reject) =>
        copied.pipe(createWriteStream(copyBack)).on('finish', resolve).on('error', reject),
      );
      checks.push(
        `round ${round}: the remote copy = source: ${sameFiles(copyBack, source) ? 'yes' : 'DIFFERENT'}`,
      );
      spawnSync('sync');
      const temp = join(dir, 'curl-temp.bin');
      runs.push(
        await measureProcess('curl download then upload', 'sh', curlScript(endpoints, temp), { bytes }),
      );
      checks.push(
        `round ${round}: curl's temporary file = source: ${sameFiles(temp, source) ? 'yes' : 'DIFFERENT'}`,
      );
      notes.push(
        `round ${round}: curl needed a temporary file of ${((await stat(temp)).size / MiB).toFixed(0)} MiB`,
      );
      await rm(temp, { force: true });
      await rm(copyBack, { force: true });
    }
    await Promise.all([setup.dropbox.close(), setup.drive.close()]);
    const rows: Measurement[] = [];
    for (const label of ['remote copy (Dropbox → Drive)', 'curl download then upload']) {
      const mine = runs.filter((r) => r.label === label);
      const best = mine.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      rows.push({ ...best, peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)) });
      notes.push(`${label}: ${mine.map((r) => r.mibPerSecond.toFixed(0)).join(', ')} MiB/s by round`);
    }
    console.log(
      `\nCross-service copy, ${sizeMiB} MiB file, ${fragmentMiB} MiB fragments, best of ${rounds} rounds, emulators on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const [mine, curl] = rows as [Measurement, Measurement];
    console.log(
      `\nRemote copy relative to curl: ${(mine.mibPerSecond / curl.mibPerSecond).toFixed(2)}× throughput, ${(mine.peakRssMiB / curl.peakRssMiB).toFixed(2)}× peak RSS`,
    );
    console.log(
      `  peak RSS above a process at rest (${idle.peakRssMiB.toFixed(0)} MiB): ${(mine.peakRssMiB - idle.peakRssMiB).toFixed(0)} MiB`,
    );
    notes.push(
      `the remote copy's process start-up, left out of its figure: ${Math.min(...startups).toFixed(2)}–${Math.max(...startups).toFixed(2)} s`,
    );
    console.log(`\nNotes:\n  ${notes.join('\n  ')}`);
    console.log(`\nChecks:\n  ${checks.join('\n  ')}`);
    if (checks.some((c) => c.endsWith('DIFFERENT'))) process.exitCode = 1;
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'idle') {
  const { dropbox, drive } = remotes(
    {
      dropbox: {
        api: 'http://127.0.0.1:9',
        content: 'http://127.0.0.1:9',
        notify: 'http://127.0.0.1:9',
        token: 'x',
      },
      drive: { api: 'http://127.0.0.1:9', token: 'x' },
    },
    8,
  );
  await Promise.all([dropbox.close(), drive.close()]);
} else if (mode === 'serve') await serve(args[0]!);
else if (mode === 'copy') await remoteCopy(JSON.parse(args[0]!) as Endpoints, Number(args[1]));
else await main();
