/**
 * Box transfer benchmark: one file (BENCH_SIZE_MB sets the size in MiB) uploaded and
 * downloaded with the Box class and with `curl`, against the same Box emulator endpoints, in one run:
 *
 *   class upload, simple      Box.uploadFile: one multipart POST /files/content, streamed from disk
 *   class upload, sessions    Box.uploadFile with useResumableUpload: an upload session, parts of the
 *                             size the server chose sent UploadConcurrency (4) at a time, each with its
 *                             SHA-1, committed with the whole file's SHA-1
 *   curl upload               curl -F (attributes, then the file): the same multipart POST
 *   class download            Box.downloadFile to a file (GET /files/{id}/content, 302 to the download host)
 *   curl download             curl -L on the same URL
 *
 * The emulator runs in its own process; each transfer runs in a child process measured for wall time
 * and peak RSS (bench/lib/measure.ts). For the class, the time is the transfer inside its process (the
 * start-up is left out; the wall time including it is in the notes). Every
 * download is compared with the source byte for byte.
 *
 *   npm run bench -- box   # 64 MiB, 1 round (the defaults of bench/run.ts)
 *   BENCH_SIZE_MB=64 npm run bench -- box
 *
 * Not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Box } from '#lib/providers/box/index.js';
import { boxFor, type BoxEndpoints as Endpoints, serveBox } from './lib/box-emulator.js';
import { printChecks, sameFiles, startEmulatorProcess, stopEmulatorProcess } from './lib/emulator-process.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

/**
 * `box.ts <upload|upload-sessions|download> <endpoints> <local file> <name or id>`: one class transfer;
 * prints the in-process seconds (and the new file id of an upload) as JSON.
 */
async function classTransfer(
  kind: string,
  endpoints: Endpoints,
  file: string,
  target: string,
): Promise<void> {
  const box = boxFor(endpoints);
  box.localFile = file;
  box.overwrite = true;
  box.useResumableUpload = kind === 'upload-sessions';
  const started = process.hrtime.bigint();
  let id = target;
  if (kind === 'download') await box.downloadFile(target);
  else id = await box.uploadFile(target, '');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await box.close();
  process.stdout.write(`${JSON.stringify({ seconds, id })}\n`);
}

async function makeInput(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(4 * MiB);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    if (!out.write(block.subarray(0, Math.min(block.length, bytes - written)))) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

function startEmulator(blobDir: string) {
  return startEmulatorProcess<Endpoints>(self, blobDir);
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const bytes = sizeMiB * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'bench-box-'));
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulator(join(dir, 'blobs'));
  const rows: Measurement[] = [];
  const notes: string[] = [];
  const checks: string[] = [];
  const config = JSON.stringify(endpoints);
  try {
    const source = join(dir, 'source.bin');
    await makeInput(source, bytes);

    const viaClass = async (label: string, kind: string, file: string, target: string) => {
      spawnSync('sync');
      const out = join(dir, `${kind}.json`);
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, self, kind, config, file, target],
        {
          bytes,
          stdoutFile: out,
        },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds, id } = JSON.parse(await readFile(out, 'utf8')) as { seconds: number; id: string };
      notes.push(`${label}: ${m.seconds.toFixed(2)} s wall time including process start-up`);
      return { row: { ...m, seconds, mibPerSecond: bytes / MiB / seconds }, id };
    };
    const curl = async (label: string, args: string[]) => {
      spawnSync('sync');
      const out = join(dir, `${label.replace(/\W+/g, '-')}.json`);
      const m = await measureProcess(label, 'curl', ['-sS', '--fail', ...args], { bytes, stdoutFile: out });
      return { row: m, body: await readFile(out, 'utf8') };
    };
    /** curl -F: the multipart POST /files/content the class's simple upload makes. */
    const curlUpload = (label: string, name: string) =>
      curl(label, [
        '-X',
        'POST',
        `${endpoints.upload}/api/2.0/files/content`,
        '-H',
        `Authorization: Bearer ${endpoints.token}`,
        '--form-string',
        `attributes={"name":"${name}","parent":{"id":"0"}}`,
        '-F',
        `file=@${source};type=application/octet-stream`,
      ]);

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

    // A first transfer warms the emulator (its JIT, its blob store), so that the class's upload, the first
    // measured row, does not pay for that while curl's, measured later, would not.
    await curlUpload('warm-up', 'warm-up.bin');
    const simple = await viaClass('class upload, simple', 'upload', source, 'class-simple.bin');
    rows.push(simple.row);
    const sessions = await viaClass(
      'class upload, sessions',
      'upload-sessions',
      source,
      'class-sessions.bin',
    );
    rows.push(sessions.row);
    const curlUp = await curlUpload('curl upload', 'curl.bin');
    rows.push(curlUp.row);
    const curlFileId = (JSON.parse(curlUp.body) as { entries: Array<{ id: string }> }).entries[0]!.id;

    const classCopy = join(dir, 'class.out');
    rows.push((await viaClass('class download', 'download', classCopy, `f:${curlFileId}`)).row);
    const curlCopy = join(dir, 'curl.out');
    const sessionsId = sessions.id.slice(2);
    rows.push(
      (
        await curl('curl download', [
          '-L',
          '-H',
          `Authorization: Bearer ${endpoints.token}`,
          '-o',
          curlCopy,
          `${endpoints.api}/2.0/files/${sessionsId}/content`,
        ])
      ).row,
    );
    checks.push(
      `class download of curl's upload = source: ${sameFiles(classCopy, source) ? 'yes' : 'DIFFERENT'}`,
    );
    checks.push(
      `curl download of the class's session upload = source: ${sameFiles(curlCopy, source) ? 'yes' : 'DIFFERENT'}`,
    );
    const simpleCopy = join(dir, 'simple.out');
    await curl('curl check', [
      '-L',
      '-H',
      `Authorization: Bearer ${endpoints.token}`,
      '-o',
      simpleCopy,
      `${endpoints.api}/2.0/files/${simple.id.slice(2)}/content`,
    ]);
    checks.push(`the class's simple upload = source: ${sameFiles(simpleCopy, source) ? 'yes' : 'DIFFERENT'}`);

    console.log(
      `\nBox class vs curl, ${sizeMiB} MiB file, emulator on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const find = (label: string) => rows.find((r) => r.label === label)!;
    const ratio = (a: string, b: string) =>
      `${(find(a).mibPerSecond / find(b).mibPerSecond).toFixed(2)}× throughput, ${(find(a).peakRssMiB / find(b).peakRssMiB).toFixed(2)}× peak RSS`;
    console.log('\nClass relative to curl:');
    console.log(`  upload, simple    ${ratio('class upload, simple', 'curl upload')}`);
    console.log(`  upload, sessions  ${ratio('class upload, sessions', 'curl upload')}`);
    console.log(`  download          ${ratio('class download', 'curl download')}`);
    const above = (label: string) => (find(label).peakRssMiB - idle.peakRssMiB).toFixed(0);
    console.log(
      `  peak RSS above the class's process at rest: simple upload ${above('class upload, simple')} MiB, session upload ${above('class upload, sessions')} MiB, download ${above('class download')} MiB`,
    );
    console.log(`\nNotes:\n  ${notes.join('\n  ')}`);
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'idle') await new Box().close();
else if (mode === 'serve') await serveBox(args[0]!);
else if (mode === 'upload' || mode === 'upload-sessions' || mode === 'download')
  await classTransfer(mode, JSON.parse(args[0]!) as Endpoints, args[1]!, args[2]!);
else await main();
