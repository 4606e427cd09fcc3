/**
 * Dropbox transfer benchmark: uploads and downloads one file (set BENCH_SIZE_MB) with
 * the Dropbox class and with `curl` against the same Dropbox emulator endpoints, in the same run:
 *
 *   class upload    Dropbox.uploadFile, upload session (start, append_v2 per fragment, finish)
 *   curl upload     upload_session/start, append_v2 per fragment (`--data-binary @part`), finish
 *   class download  Dropbox.downloadFile to a local file (content hash checked on the way)
 *   curl download   POST /2/files/download with Dropbox-API-Arg, `-o file`
 *
 * Both sides use the same fragment size (BENCH_FRAGMENT_MB, default 32: a multiple of 4 MiB, as Dropbox
 * wants for hashing and concurrent sessions; the curl side reads each fragment from a file cut in
 * advance, since `--data-binary` holds its data in memory and one request may carry at most 150 MiB).
 * The emulator runs in a process of its own; each transfer runs in a child process measured for wall time
 * and peak RSS (bench/lib/measure.ts). The class's figure is the time of the transfer inside its process
 * (its start-up is left out; the wall time including it is shown too).
 * Every download is compared with the source byte for byte.
 *
 *   npm run bench -- dropbox   # 64 MiB, 1 round (the defaults of bench/run.ts)
 *   BENCH_SIZE_MB=64 BENCH_ROUNDS=3 npm run bench -- dropbox
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dropbox } from '#lib/providers/dropbox/index.js';
import {
  printChecks,
  sameFiles,
  serveUntilStdinEnds,
  startEmulatorProcess,
  stopEmulatorProcess,
} from './lib/emulator-process.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const MiB = 1024 * 1024;

interface Endpoints {
  api: string;
  content: string;
  notify: string;
  token: string;
}

/** `dropbox.ts serve <blobDir>`: runs the emulator until stdin closes; prints its endpoints as JSON. */
async function serve(blobDir: string): Promise<void> {
  await serveUntilStdinEnds<Endpoints>(async () => {
    // Imported here, so that the class's processes load the client only.
    const { EmulatorServer } = await import('#lib/emulator/core/index.js');
    const { DropboxEmulator } = await import('#lib/emulator/dropbox/index.js');
    const server = new EmulatorServer({ blobDir });
    const emulator = new DropboxEmulator();
    emulator.install(server);
    await server.start();
    const endpoints: Endpoints = { ...emulator.urls, token: emulator.issueToken().accessToken };
    return { endpoints, stop: () => server.stop() };
  });
}

/** `dropbox.ts upload|download <endpoints json> <file> <remote path> <fragment MiB>`: one class transfer. */
async function classTransfer(
  kind: string,
  endpoints: Endpoints,
  file: string,
  remote: string,
  fragmentMiB: number,
): Promise<void> {
  const dropbox = new Dropbox({
    apiBaseUrl: endpoints.api,
    contentBaseUrl: endpoints.content,
    notifyBaseUrl: endpoints.notify,
    authorization: `Bearer ${endpoints.token}`,
    fragmentSize: fragmentMiB * MiB,
    useResumableUpload: true,
    overwrite: true,
    localFile: file,
  });
  const started = process.hrtime.bigint();
  if (kind === 'upload') await dropbox.uploadFile(remote);
  else await dropbox.downloadFile(remote);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await dropbox.close();
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

async function makeInput(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(4 * MiB);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    const piece = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Cuts `file` into `fragment`-byte part files for curl; returns their paths. */
async function cutParts(file: string, bytes: number, fragment: number, dir: string): Promise<string[]> {
  const parts: string[] = [];
  for (let offset = 0, i = 0; offset < bytes || i === 0; offset += fragment, i++) {
    const part = join(dir, `part-${String(i).padStart(5, '0')}`);
    const end = Math.min(bytes, offset + fragment);
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(part);
      const input = end > offset ? createReadStream(file, { start: offset, end: end - 1 }) : undefined;
      out.on('error', reject).on('close', () => resolve());
      if (input) input.on('error', reject).pipe(out);
      else out.end();
    });
    parts.push(part);
  }
  return parts;
}

/** The shell script that uploads the parts with curl: upload_session/start, append_v2 per part, finish. */
function curlUploadScript(
  endpoints: Endpoints,
  parts: string[],
  fragment: number,
  total: number,
  remote: string,
): string {
  const headers = `-H 'Authorization: Bearer ${endpoints.token}' -H 'Content-Type: application/octet-stream'`;
  const url = (route: string) => `'${endpoints.content}/2/files/upload_session/${route}'`;
  // The session id is spliced into each Dropbox-API-Arg from the shell variable.
  const cursor = (offset: number) => `{"session_id":"'"$id"'","offset":${offset}}`;
  const lines = [
    'set -e',
    `id=$(curl -sS --fail -X POST ${url('start')} ${headers} -H 'Dropbox-API-Arg: {"close":false}' --data-binary '' | sed 's/.*"session_id": *"\\([^"]*\\)".*/\\1/')`,
  ];
  parts.forEach((part, i) => {
    const arg = `{"cursor":${cursor(i * fragment)},"close":false}`;
    lines.push(
      `curl -sS --fail -o /dev/null -X POST ${url('append_v2')} ${headers} -H 'Dropbox-API-Arg: ${arg}' --data-binary @'${part}'`,
    );
  });
  const commit = `{"cursor":${cursor(total)},"commit":{"path":"${remote}","mode":"overwrite"}}`;
  lines.push(
    `curl -sS --fail -o /dev/null -X POST ${url('finish')} ${headers} -H 'Dropbox-API-Arg: ${commit}' --data-binary ''`,
  );
  return `${lines.join('\n')}\n`;
}

function sync(): void {
  spawnSync('sync');
}

function startEmulator(blobDir: string) {
  return startEmulatorProcess<Endpoints>(fileURLToPath(import.meta.url), blobDir);
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const fragmentMiB = Number(process.env.BENCH_FRAGMENT_MB ?? 32);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
  const bytes = sizeMiB * MiB;
  const fragment = fragmentMiB * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'bench-dropbox-'));
  const self = fileURLToPath(import.meta.url);
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulator(join(dir, 'blobs'));
  const rows: Measurement[] = [];
  const notes: string[] = [];
  const startups: number[] = [];
  const checks: string[] = [];
  try {
    const source = join(dir, 'source.bin');
    await makeInput(source, bytes);
    const parts = await cutParts(source, bytes, fragment, dir);
    const config = JSON.stringify(endpoints);

    /** A class transfer in its own process: the in-process transfer time, and the peak RSS. */
    const viaClass = async (label: string, kind: 'upload' | 'download', file: string, remote: string) => {
      sync();
      const out = join(dir, `${kind}.json`);
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, self, kind, config, file, remote, String(fragmentMiB)],
        { bytes, stdoutFile: out },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds } = JSON.parse(await readFile(out, 'utf8')) as { seconds: number };
      startups.push(m.seconds - seconds);
      return { ...m, seconds, mibPerSecond: bytes / MiB / seconds };
    };

    // What a process that loads the class takes before transferring anything.
    const idle = await measureProcess(
      'class process at rest',
      process.execPath,
      [...process.execArgv, self, 'idle'],
      {
        bytes: 0,
      },
    );
    notes.push(
      `a process that loads the class and does nothing peaks at ${idle.peakRssMiB.toFixed(0)} MiB RSS`,
    );
    const script = join(dir, 'curl-upload.sh');
    await writeFile(script, curlUploadScript(endpoints, parts, fragment, bytes, '/bench/curl.bin'));
    const classCopy = join(dir, 'class.out');
    const curlCopy = join(dir, 'curl.out');
    const curlDownload = [
      '-sS',
      '--fail',
      '-X',
      'POST',
      `${endpoints.content}/2/files/download`,
      '-H',
      `Authorization: Bearer ${endpoints.token}`,
      '-H',
      'Dropbox-API-Arg: {"path":"/bench/class.bin"}',
      '-o',
      curlCopy,
    ];
    // Class and curl take turns, round after round; each row keeps its best round (the least disturbed
    // by whatever else the machine does) and its highest peak RSS.
    const runs: Measurement[] = [];
    for (let round = 1; round <= rounds; round++) {
      runs.push(await viaClass('class upload', 'upload', source, '/bench/class.bin'));
      sync();
      runs.push(await measureProcess('curl upload', 'sh', [script], { bytes }));
      runs.push(await viaClass('class download', 'download', classCopy, '/bench/curl.bin'));
      sync();
      runs.push(await measureProcess('curl download', 'curl', curlDownload, { bytes }));
      checks.push(
        `round ${round}: class download of curl's upload = source: ${sameFiles(classCopy, source) ? 'yes' : 'DIFFERENT'}`,
      );
      checks.push(
        `round ${round}: curl download of the class's upload = source: ${sameFiles(curlCopy, source) ? 'yes' : 'DIFFERENT'}`,
      );
      await Promise.all([classCopy, curlCopy].map((f) => rm(f, { force: true })));
    }
    for (const label of ['class upload', 'curl upload', 'class download', 'curl download']) {
      const mine = runs.filter((r) => r.label === label);
      const best = mine.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      rows.push({ ...best, peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)) });
      notes.push(`${label}: ${mine.map((r) => `${r.mibPerSecond.toFixed(0)}`).join(', ')} MiB/s by round`);
    }

    console.log(
      `\nDropbox class vs curl, ${sizeMiB} MiB file, ${fragmentMiB} MiB fragments, best of ${rounds} rounds, emulator on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const ratio = (a: string, b: string) => {
      const x = rows.find((r) => r.label === a)!;
      const y = rows.find((r) => r.label === b)!;
      return `${(x.mibPerSecond / y.mibPerSecond).toFixed(2)}× throughput, ${(x.peakRssMiB / y.peakRssMiB).toFixed(2)}× peak RSS`;
    };
    const base = idle.peakRssMiB;
    console.log('\nClass relative to curl:');
    console.log(`  upload    ${ratio('class upload', 'curl upload')}`);
    console.log(`  download  ${ratio('class download', 'curl download')}`);
    notes.push(
      `the class's process start-up, left out of its figures: ${Math.min(...startups).toFixed(2)}–${Math.max(...startups).toFixed(2)} s`,
    );
    const above = (label: string) => (rows.find((r) => r.label === label)!.peakRssMiB - base).toFixed(0);
    console.log(
      `  peak RSS above the class's process at rest: upload ${above('class upload')} MiB, download ${above('class download')} MiB`,
    );
    console.log(`\nNotes:\n  ${notes.join('\n  ')}`);
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'idle') await new Dropbox().close();
else if (mode === 'serve') await serve(args[0]!);
else if (mode === 'upload' || mode === 'download')
  await classTransfer(mode, JSON.parse(args[0]!) as Endpoints, args[1]!, args[2]!, Number(args[3]));
else await main();
