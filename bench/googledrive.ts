/**
 * Google Drive transfer benchmark: uploads and downloads one file (set BENCH_SIZE_MB)
 * with the GoogleDrive class and with `curl` against the same Drive emulator endpoints, in the same run:
 *
 *   class simple     GoogleDrive.uploadFile, one multipart/related request (metadata, then the file)
 *   curl simple      the same multipart body (`cat head file tail | curl -T -`) to the same endpoint
 *   class resumable  GoogleDrive.uploadFile with useResumableUpload: a session, FragmentSize chunks
 *   curl resumable   POST uploadType=resumable for the session, then one `curl -T part` per chunk
 *   class download   GoogleDrive.downloadFile to a local file (MD5 checked on the way)
 *   curl download    GET /drive/v3/files/{id}?alt=media, `-o file`
 *
 * Both resumable sides use the same chunk size (BENCH_FRAGMENT_MB, default 32: a multiple of 256 KiB; the
 * curl side reads each chunk from a file cut in advance). The emulator runs in a process of its own; each
 * transfer runs in a child process measured for wall time and peak RSS (bench/lib/measure.ts). The class's
 * figure is the time of the transfer inside its process (its start-up is left
 * out). Every download is compared with the source byte for byte.
 *
 *   npm run bench -- googledrive   # 64 MiB, 1 round (the defaults of bench/run.ts)
 *   BENCH_SIZE_MB=64 BENCH_ROUNDS=3 npm run bench -- googledrive
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoogleDrive } from '#lib/providers/googledrive/index.js';
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
  token: string;
}

/** `googledrive.ts serve <blobDir>`: runs the emulator until stdin closes; prints its endpoints as JSON. */
async function serve(blobDir: string): Promise<void> {
  await serveUntilStdinEnds<Endpoints>(async () => {
    // Imported here, so that the class's processes load the client only.
    const { EmulatorServer } = await import('#lib/emulator/core/index.js');
    const { GoogleDriveEmulator } = await import('#lib/emulator/googledrive/index.js');
    const server = new EmulatorServer({ blobDir });
    const emulator = new GoogleDriveEmulator();
    emulator.install(server);
    await server.start();
    const endpoints: Endpoints = { api: emulator.urls.api, token: emulator.issueToken().accessToken };
    return { endpoints, stop: () => server.stop() };
  });
}

function client(
  endpoints: Endpoints,
  options: { localFile: string; fragmentMiB: number; resumable: boolean },
) {
  return new GoogleDrive({
    apiUrl: `${endpoints.api}/drive/v3`,
    uploadUrl: `${endpoints.api}/upload/drive/v3`,
    authorization: `Bearer ${endpoints.token}`,
    fragmentSize: options.fragmentMiB * MiB,
    useResumableUpload: options.resumable,
    overwrite: true,
    localFile: options.localFile,
  });
}

/** `googledrive.ts simple|resumable|download <endpoints json> <file> <name or id> <fragment MiB>`. */
async function classTransfer(
  kind: string,
  endpoints: Endpoints,
  file: string,
  target: string,
  fragmentMiB: number,
): Promise<void> {
  const drive = client(endpoints, { localFile: file, fragmentMiB, resumable: kind === 'resumable' });
  const started = process.hrtime.bigint();
  let id = target;
  if (kind === 'download') await drive.downloadFile(target, '');
  else id = await drive.uploadFile(target, '');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await drive.close();
  process.stdout.write(`${JSON.stringify({ seconds, id })}\n`);
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
  for (let offset = 0, i = 0; offset < bytes; offset += fragment, i++) {
    const part = join(dir, `part-${String(i).padStart(5, '0')}`);
    const end = Math.min(bytes, offset + fragment);
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(part);
      out.on('error', reject).on('close', () => resolve());
      createReadStream(file, { start: offset, end: end - 1 })
        .on('error', reject)
        .pipe(out);
    });
    parts.push(part);
  }
  return parts;
}

/** The multipart/related upload with curl: the head, the file and the tail streamed through a pipe. */
async function curlSimpleScript(endpoints: Endpoints, source: string, dir: string): Promise<string> {
  const boundary = 'bench_boundary_0123456789';
  const head = join(dir, 'multipart-head');
  const tail = join(dir, 'multipart-tail');
  await writeFile(
    head,
    `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"name":"curl-simple.bin"}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  await writeFile(tail, `\r\n--${boundary}--\r\n`);
  return [
    'set -e',
    `cat '${head}' '${source}' '${tail}' | curl -sS --fail -o /dev/null -X POST -T - \\`,
    `  -H 'Authorization: Bearer ${endpoints.token}' -H 'Content-Type: multipart/related; boundary=${boundary}' \\`,
    `  '${endpoints.api}/upload/drive/v3/files?uploadType=multipart&supportsAllDrives=true'`,
    '',
  ].join('\n');
}

/** The resumable upload with curl: the session (Location from the headers), then one PUT per chunk. */
function curlResumableScript(endpoints: Endpoints, parts: string[], fragment: number, total: number): string {
  const auth = `-H 'Authorization: Bearer ${endpoints.token}'`;
  const lines = [
    'set -e',
    `session=$(curl -sS --fail -D - -o /dev/null -X POST ${auth} -H 'Content-Type: application/json; charset=UTF-8' --data-binary '{"name":"curl-resumable.bin"}' '${endpoints.api}/upload/drive/v3/files?uploadType=resumable&supportsAllDrives=true' | tr -d '\\r' | sed -n 's/^[Ll]ocation: //p')`,
  ];
  parts.forEach((part, i) => {
    const start = i * fragment;
    const end = Math.min(total, start + fragment) - 1;
    // A 308 is not a failure here: no --fail.
    lines.push(
      `curl -sS -o /dev/null -T '${part}' ${auth} -H 'Content-Range: bytes ${start}-${end}/${total}' "$session"`,
    );
  });
  return `${lines.join('\n')}\n`;
}

function sync(): void {
  spawnSync('sync');
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 512);
  const fragmentMiB = Number(process.env.BENCH_FRAGMENT_MB ?? 32);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
  const bytes = sizeMiB * MiB;
  const fragment = fragmentMiB * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'bench-googledrive-'));
  const self = fileURLToPath(import.meta.url);
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulatorProcess<Endpoints>(self, join(dir, 'blobs'));
  const rows: Measurement[] = [];
  const notes: string[] = [];
  const startups: number[] = [];
  const checks: string[] = [];
  try {
    const source = join(dir, 'source.bin');
    await makeInput(source, bytes);
    const parts = await cutParts(source, bytes, fragment, dir);
    const config = JSON.stringify(endpoints);

    /** A class transfer in its own process: the in-process transfer time, the peak RSS, the file id. */
    const viaClass = async (
      label: string,
      kind: 'simple' | 'resumable' | 'download',
      file: string,
      target: string,
    ) => {
      sync();
      const out = join(dir, `${kind}.json`);
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, self, kind, config, file, target, String(fragmentMiB)],
        { bytes, stdoutFile: out },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds, id } = JSON.parse(await readFile(out, 'utf8')) as { seconds: number; id: string };
      startups.push(m.seconds - seconds);
      return { m: { ...m, seconds, mibPerSecond: bytes / MiB / seconds }, id };
    };

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
    const simpleScript = join(dir, 'curl-simple.sh');
    await writeFile(simpleScript, await curlSimpleScript(endpoints, source, dir));
    const resumableScript = join(dir, 'curl-resumable.sh');
    await writeFile(resumableScript, curlResumableScript(endpoints, parts, fragment, bytes));
    const classCopy = join(dir, 'class.out');
    const curlCopy = join(dir, 'curl.out');

    const runs: Measurement[] = [];
    for (let round = 1; round <= rounds; round++) {
      const simple = await viaClass('class simple', 'simple', source, 'class-simple.bin');
      runs.push(simple.m);
      sync();
      runs.push(await measureProcess('curl simple', 'sh', [simpleScript], { bytes }));
      const resumable = await viaClass('class resumable', 'resumable', source, 'class-resumable.bin');
      runs.push(resumable.m);
      sync();
      runs.push(await measureProcess('curl resumable', 'sh', [resumableScript], { bytes }));
      runs.push((await viaClass('class download', 'download', classCopy, resumable.id)).m);
      sync();
      const curlDownload = [
        '-sS',
        '--fail',
        `${endpoints.api}/drive/v3/files/${simple.id}?alt=media`,
        '-H',
        `Authorization: Bearer ${endpoints.token}`,
        '-o',
        curlCopy,
      ];
      runs.push(await measureProcess('curl download', 'curl', curlDownload, { bytes }));
      checks.push(
        `round ${round}: class download of the class's resumable upload = source: ${sameFiles(classCopy, source) ? 'yes' : 'DIFFERENT'}`,
      );
      checks.push(
        `round ${round}: curl download of the class's simple upload = source: ${sameFiles(curlCopy, source) ? 'yes' : 'DIFFERENT'}`,
      );
      await Promise.all([classCopy, curlCopy].map((f) => rm(f, { force: true })));
    }
    const labels = [
      'class simple',
      'curl simple',
      'class resumable',
      'curl resumable',
      'class download',
      'curl download',
    ];
    for (const label of labels) {
      const mine = runs.filter((r) => r.label === label);
      const best = mine.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      rows.push({ ...best, peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)) });
      notes.push(`${label}: ${mine.map((r) => `${r.mibPerSecond.toFixed(0)}`).join(', ')} MiB/s by round`);
    }

    console.log(
      `\nGoogleDrive class vs curl, ${sizeMiB} MiB file, ${fragmentMiB} MiB chunks, best of ${rounds} rounds, emulator on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const ratio = (a: string, b: string) => {
      const x = rows.find((r) => r.label === a)!;
      const y = rows.find((r) => r.label === b)!;
      return `${(x.mibPerSecond / y.mibPerSecond).toFixed(2)}× throughput, ${(x.peakRssMiB / y.peakRssMiB).toFixed(2)}× peak RSS`;
    };
    console.log('\nClass relative to curl:');
    console.log(`  simple     ${ratio('class simple', 'curl simple')}`);
    console.log(`  resumable  ${ratio('class resumable', 'curl resumable')}`);
    console.log(`  download   ${ratio('class download', 'curl download')}`);
    notes.push(
      `the class's process start-up, left out of its figures: ${Math.min(...startups).toFixed(2)}–${Math.max(...startups).toFixed(2)} s`,
    );
    const above = (label: string) =>
      (rows.find((r) => r.label === label)!.peakRssMiB - idle.peakRssMiB).toFixed(0);
    console.log(
      `  peak RSS above the class's process at rest: simple ${above('class simple')} MiB, resumable ${above('class resumable')} MiB, download ${above('class download')} MiB`,
    );
    console.log(`\nNotes:\n  ${notes.join('\n  ')}`);
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'idle') await new GoogleDrive().close();
else if (mode === 'serve') await serve(args[0]!);
else if (mode === 'simple' || mode === 'resumable' || mode === 'download')
  await classTransfer(mode, JSON.parse(args[0]!) as Endpoints, args[1]!, args[2]!, Number(args[3]));
else await main();
