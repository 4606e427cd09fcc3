/**
 * Backblaze B2 transfer benchmark: the BackblazeB2 class against `curl` on the same B2 emulator endpoints
 * and against `rclone` (its b2 backend pointed at the emulator with --b2-endpoint), in the same run:
 *
 *   simple upload   one b2_upload_file of BENCH_SIMPLE_MB (default 64)
 *     class           BackblazeB2.uploadFile (SimpleUploadLimit=-1; SHA-1 computed on the way, at the body's end)
 *     curl            `-T file` to an upload URL fetched beforehand, SHA-1 computed beforehand (not timed)
 *     rclone          copyto with --b2-upload-cutoff above the size
 *   large upload    b2_start_large_file, BENCH_PART_MB parts (default 100) BENCH_CONCURRENCY at a time
 *                   (default 4), finish; BENCH_SIZE_MB in all (default 1024)
 *     class           BackblazeB2.uploadFile (SimpleUploadLimit=0, FragmentSize, UploadConcurrency)
 *     curl            one shell lane per part URL, each lane sending its parts with `-T part` in turn; the
 *                     parts cut into files and hashed beforehand (not timed), then b2_finish_large_file
 *     rclone          copyto with --b2-chunk-size and --transfers (rclone's chunks in flight)
 *   download        GET {downloadUrl}/file/<bucket>/<name> of the large file
 *     class           BackblazeB2.downloadFile (SHA-1 checked when B2 has one), curl `-o`, rclone copyto
 *
 * The emulator runs in a process of its own; each transfer runs in a child process measured for wall time
 * and peak RSS (bench/lib/measure.ts). The class's figure is the transfer inside its process (start-up,
 * and authorize are left out). Every download is compared with the source.
 *
 *   npm run bench -- b2   # 64 MiB, 1 round (the defaults of bench/run.ts)
 *   BENCH_SIZE_MB=256 BENCH_SIMPLE_MB=32 BENCH_ROUNDS=1 npm run bench -- b2
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackblazeB2 } from '#lib/providers/b2/index.js';
import { B2Calls, type B2Endpoints as Endpoints, serveB2 } from './lib/b2-calls.js';
import { printChecks, sameFiles, startEmulatorProcess, stopEmulatorProcess } from './lib/emulator-process.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const MiB = 1024 * 1024;

/** `b2.ts simple|large|download <endpoints> <file> <remote> <part MiB> <concurrency>`: one class transfer. */
async function classTransfer(
  kind: string,
  endpoints: Endpoints,
  file: string,
  remote: string,
  partMiB: number,
  concurrency: number,
): Promise<void> {
  const b2 = new BackblazeB2({
    authURL: endpoints.api,
    applicationKeyId: endpoints.keyId,
    applicationKey: endpoints.key,
    overwrite: true,
    localFile: file,
  });
  await b2.authorize();
  b2.config(`FragmentSize=${partMiB * MiB}`);
  b2.config(`SimpleUploadLimit=${kind === 'simple' ? -1 : 0}`);
  b2.config(`UploadConcurrency=${concurrency}`);
  const started = process.hrtime.bigint();
  if (kind === 'download') await b2.downloadFile(endpoints.bucketName, remote);
  else await b2.uploadFile(endpoints.bucketId, remote);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await b2.close();
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

async function sha1OfFile(path: string, start = 0, end?: number): Promise<string> {
  const hash = createHash('sha1');
  const options = end === undefined ? { start } : { start, end: end - 1 };
  for await (const chunk of createReadStream(path, options)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Cuts `file` into part files; returns their paths and SHA-1s. */
async function cutParts(file: string, bytes: number, part: number, dir: string) {
  const parts: Array<{ path: string; sha1: string }> = [];
  for (let offset = 0, i = 0; offset < bytes; offset += part, i++) {
    const path = join(dir, `part-${String(i + 1).padStart(5, '0')}`);
    const end = Math.min(bytes, offset + part);
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(path);
      out.on('error', reject).on('close', () => resolve());
      createReadStream(file, { start: offset, end: end - 1 })
        .on('error', reject)
        .pipe(out);
    });
    parts.push({ path, sha1: await sha1OfFile(path) });
  }
  return parts;
}

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function sync(): void {
  spawnSync('sync');
}

function rcloneArgs(endpoints: Endpoints, partMiB: number, concurrency: number, cutoffMiB: number): string[] {
  return [
    '--config',
    '/dev/null',
    '--b2-account',
    endpoints.keyId,
    '--b2-key',
    endpoints.key,
    '--b2-endpoint',
    endpoints.api,
    '--b2-chunk-size',
    `${partMiB}Mi`,
    '--b2-upload-cutoff',
    `${cutoffMiB}Mi`,
    '--transfers',
    String(concurrency),
    '--checkers',
    '1',
    // Upload and download every round, even when the destination has the same file already.
    '--ignore-times',
    '-q',
  ];
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const simpleMiB = Number(process.env.BENCH_SIMPLE_MB ?? 64);
  const partMiB = Number(process.env.BENCH_PART_MB ?? 100);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
  const bytes = sizeMiB * MiB;
  const simpleBytes = simpleMiB * MiB;
  const part = partMiB * MiB;
  const haveRclone = spawnSync('rclone', ['version']).status === 0;
  const dir = await mkdtemp(join(tmpdir(), 'bench-b2-'));
  const self = fileURLToPath(import.meta.url);
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulatorProcess<Endpoints>(self, join(dir, 'blobs'));
  const api = new B2Calls(endpoints);
  await api.authorize();
  const config = JSON.stringify(endpoints);
  const checks: string[] = [];
  const notes: string[] = [];
  const runs: Measurement[] = [];
  try {
    const large = join(dir, 'large.bin');
    const simple = join(dir, 'simple.bin');
    await makeInput(large, bytes);
    await makeInput(simple, simpleBytes);
    const simpleSha1 = await sha1OfFile(simple);
    const parts = await cutParts(large, bytes, part, dir);
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

    const viaClass = async (label: string, kind: string, file: string, remote: string, size: number) => {
      sync();
      const out = join(dir, `${kind}.json`);
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, self, kind, config, file, remote, String(partMiB), String(concurrency)],
        { bytes: size, stdoutFile: out },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds } = JSON.parse(await readFile(out, 'utf8')) as { seconds: number };
      return { ...m, seconds, mibPerSecond: size / MiB / seconds };
    };

    const curlSimpleScript = async (remote: string) => {
      const url = await api.call<{ uploadUrl: string; authorizationToken: string }>('b2_get_upload_url', {
        bucketId: endpoints.bucketId,
      });
      const script = join(dir, 'curl-simple.sh');
      await writeFile(
        script,
        `curl -sS --fail -o /dev/null -X POST -T ${q(simple)} ${q(url.uploadUrl)} -H ${q(`Authorization: ${url.authorizationToken}`)} -H ${q(`X-Bz-File-Name: ${remote}`)} -H 'Content-Type: b2/x-auto' -H ${q(`X-Bz-Content-Sha1: ${simpleSha1}`)}\n`,
      );
      return script;
    };

    const curlLargeScript = async (remote: string) => {
      const started = await api.call<{ fileId: string }>('b2_start_large_file', {
        bucketId: endpoints.bucketId,
        fileName: remote,
        contentType: 'b2/x-auto',
      });
      const lanes: string[][] = Array.from({ length: concurrency }, () => []);
      for (let lane = 0; lane < concurrency; lane++) {
        const url = await api.call<{ uploadUrl: string; authorizationToken: string }>(
          'b2_get_upload_part_url',
          {
            fileId: started.fileId,
          },
        );
        for (let i = lane; i < parts.length; i += concurrency) {
          const p = parts[i]!;
          lanes[lane]!.push(
            `curl -sS --fail -o /dev/null -X POST -T ${q(p.path)} ${q(url.uploadUrl)} -H ${q(`Authorization: ${url.authorizationToken}`)} -H 'X-Bz-Part-Number: ${i + 1}' -H 'X-Bz-Content-Sha1: ${p.sha1}'`,
          );
        }
      }
      const finish = JSON.stringify({ fileId: started.fileId, partSha1Array: parts.map((p) => p.sha1) });
      const lines = ['set -e'];
      for (const lane of lanes) if (lane.length) lines.push(`( ${lane.join(' && ')} ) &`);
      lines.push('wait');
      lines.push(
        `curl -sS --fail -o /dev/null -X POST ${q(`${api.apiUrl}/b2api/v2/b2_finish_large_file`)} -H ${q(`Authorization: ${api.token}`)} -H 'Content-Type: application/json' --data-binary ${q(finish)}`,
      );
      const script = join(dir, 'curl-large.sh');
      await writeFile(script, `${lines.join('\n')}\n`);
      return script;
    };

    const fileUrl = (name: string) => `${api.downloadUrl}/file/${endpoints.bucketName}/${name}`;
    const remote = (name: string) => `:b2:${endpoints.bucketName}/${name}`;
    const rc = (cutoff: number) => rcloneArgs(endpoints, partMiB, concurrency, cutoff);

    for (let round = 1; round <= rounds; round++) {
      runs.push(await viaClass('class simple upload', 'simple', simple, 'class-simple.bin', simpleBytes));
      sync();
      runs.push(
        await measureProcess('curl simple upload', 'sh', [await curlSimpleScript('curl-simple.bin')], {
          bytes: simpleBytes,
        }),
      );
      if (haveRclone) {
        sync();
        runs.push(
          await measureProcess(
            'rclone simple upload',
            'rclone',
            ['copyto', simple, remote('rclone-simple.bin'), ...rc(simpleMiB + 1)],
            {
              bytes: simpleBytes,
            },
          ),
        );
      }
      runs.push(await viaClass('class large upload', 'large', large, 'class-large.bin', bytes));
      sync();
      runs.push(
        await measureProcess('curl large upload', 'sh', [await curlLargeScript('curl-large.bin')], { bytes }),
      );
      if (haveRclone) {
        sync();
        runs.push(
          await measureProcess(
            'rclone large upload',
            'rclone',
            ['copyto', large, remote('rclone-large.bin'), ...rc(partMiB)],
            {
              bytes,
            },
          ),
        );
      }
      const classCopy = join(dir, 'class.out');
      const curlCopy = join(dir, 'curl.out');
      const rcloneCopy = join(dir, 'rclone.out');
      runs.push(await viaClass('class download', 'download', classCopy, 'curl-large.bin', bytes));
      sync();
      runs.push(
        await measureProcess(
          'curl download',
          'curl',
          ['-sS', '--fail', '-H', `Authorization: ${api.token}`, '-o', curlCopy, fileUrl('class-large.bin')],
          { bytes },
        ),
      );
      if (haveRclone) {
        sync();
        runs.push(
          await measureProcess(
            'rclone download',
            'rclone',
            ['copyto', remote('class-large.bin'), rcloneCopy, ...rc(partMiB)],
            {
              bytes,
            },
          ),
        );
      }
      checks.push(
        `round ${round}: class download of curl's large upload = source: ${sameFiles(classCopy, large) ? 'yes' : 'DIFFERENT'}`,
      );
      checks.push(
        `round ${round}: curl download of the class's large upload = source: ${sameFiles(curlCopy, large) ? 'yes' : 'DIFFERENT'}`,
      );
      if (haveRclone)
        checks.push(
          `round ${round}: rclone download of the class's large upload = source: ${sameFiles(rcloneCopy, large) ? 'yes' : 'DIFFERENT'}`,
        );
      await Promise.all([classCopy, curlCopy, rcloneCopy].map((f) => rm(f, { force: true })));
    }
    if (!haveRclone) notes.push('rclone is not installed: its rows are missing');

    const rows: Measurement[] = [];
    const labels = [...new Set(runs.map((r) => r.label))];
    for (const label of labels) {
      const mine = runs.filter((r) => r.label === label);
      const best = mine.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      rows.push({ ...best, peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)) });
      notes.push(`${label}: ${mine.map((r) => r.mibPerSecond.toFixed(0)).join(', ')} MiB/s by round`);
    }
    console.log(
      `\nBackblazeB2 class vs curl and rclone: simple ${simpleMiB} MiB, large ${sizeMiB} MiB in ${partMiB} MiB parts × ${concurrency}, best of ${rounds} rounds, emulator on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const row = (l: string) => rows.find((r) => r.label === l);
    const ratio = (a: string, b: string) => {
      const x = row(a);
      const y = row(b);
      if (!x || !y) return 'n/a';
      return `${(x.mibPerSecond / y.mibPerSecond).toFixed(2)}× throughput, ${(x.peakRssMiB / y.peakRssMiB).toFixed(2)}× peak RSS`;
    };
    console.log('\nClass relative to curl / rclone:');
    for (const what of ['simple upload', 'large upload', 'download']) {
      console.log(
        `  ${what.padEnd(14)} curl: ${ratio(`class ${what}`, `curl ${what}`)}; rclone: ${ratio(`class ${what}`, `rclone ${what}`)}`,
      );
    }
    const above = (label: string) =>
      ((row(label)?.peakRssMiB ?? idle.peakRssMiB) - idle.peakRssMiB).toFixed(0);
    console.log(
      `  peak RSS above the class's process at rest: simple ${above('class simple upload')} MiB, large ${above('class large upload')} MiB, download ${above('class download')} MiB`,
    );
    console.log(`\nNotes:\n  ${notes.join('\n  ')}`);
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'idle') await new BackblazeB2().close();
else if (mode === 'serve') await serveB2(args[0]!, 'bench-bucket-b2');
else if (mode === 'simple' || mode === 'large' || mode === 'download')
  await classTransfer(
    mode,
    JSON.parse(args[0]!) as Endpoints,
    args[1]!,
    args[2]!,
    Number(args[3]),
    Number(args[4]),
  );
else await main();
