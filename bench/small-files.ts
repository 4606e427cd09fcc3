/**
 * Many small files: BENCH_FILES files (default 2,000) of BENCH_FILE_KB KiB (default 4) uploaded to one Box
 * folder and downloaded again, BENCH_CONCURRENCY at a time (default 8), with the Box class and with `curl`
 * under `xargs -P`, against the same Box emulator, in one run:
 *
 *   class upload, small files     Box.uploadFile per file on one instance, 8 calls in flight
 *   curl upload, xargs -P 8       one `curl -F` (the same multipart POST /files/content) per file
 *   class download, small files   Box.downloadFile per file of curl's upload, 8 in flight
 *   curl download, xargs -P 8     one `curl -L` (GET /files/{id}/content, then the download host) per file
 *                                 of the class's upload
 *
 * The figure is files per second. The emulator runs in its own process; each side runs in a child process
 * measured for wall time and peak RSS (the class's time is inside its process, start-up left out). Every
 * downloaded file is compared with its source.
 *
 *   npm run bench -- small-files
 *   BENCH_FILES=500 BENCH_CONCURRENCY=4 npm run bench -- small-files
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boxFor, type BoxEndpoints as Endpoints, serveBox } from './lib/box-emulator.js';
import { printChecks, startEmulatorProcess, stopEmulatorProcess } from './lib/emulator-process.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const self = fileURLToPath(import.meta.url);

/** Runs `work` on every item, `concurrency` at a time. */
async function eachLimited<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/**
 * `small-files.ts upload|download <endpoints> <dir> <folder id or ids file> <concurrency>`: one class side.
 * An upload sends every file of <dir> into the folder and writes the new ids to <dir>.ids; a download
 * fetches every id of the ids file into <dir>. Prints the in-process seconds.
 */
async function classSide(
  kind: string,
  endpoints: Endpoints,
  dir: string,
  target: string,
  concurrency: number,
) {
  const box = boxFor(endpoints);
  const started = process.hrtime.bigint();
  if (kind === 'upload') {
    const names = fileNames(Number(process.env.BENCH_FILES ?? 2000));
    const ids: string[] = new Array(names.length);
    await eachLimited([...names.keys()], concurrency, async (i) => {
      ids[i] = await box.uploadFile(names[i]!, target, { localFile: join(dir, names[i]!) });
    });
    await writeFile(`${dir}.ids`, ids.map((id) => `${id.replace(/^f:/, '')}\n`).join(''));
  } else {
    const ids = (await readFile(target, 'utf8')).split('\n').filter(Boolean);
    const names = fileNames(ids.length);
    await eachLimited([...ids.keys()], concurrency, async (i) => {
      await box.downloadFile(`f:${ids[i]}`, { localFile: join(dir, names[i]!), overwrite: true });
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await box.close();
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

const fileNames = (count: number) =>
  Array.from({ length: count }, (_, i) => `small-${String(i).padStart(5, '0')}.bin`);

async function createFolder(endpoints: Endpoints, name: string): Promise<string> {
  const r = await fetch(`${endpoints.api}/2.0/folders`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${endpoints.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, parent: { id: '0' } }),
  });
  if (!r.ok) throw new Error(`create folder ${name}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

async function main(): Promise<void> {
  const count = Number(process.env.BENCH_FILES ?? 2000);
  const kib = Number(process.env.BENCH_FILE_KB ?? 4);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
  const root = await mkdtemp(join(tmpdir(), 'bench-small-'));
  const { endpoints, child } = await startEmulatorProcess<Endpoints>(self, join(root, 'blobs'));
  const rows: Measurement[] = [];
  const checks: string[] = [];
  const bytes = count * kib * 1024;
  try {
    await mkdir(join(root, 'blobs'), { recursive: true });
    const names = fileNames(count);
    const source = join(root, 'source');
    await mkdir(source);
    for (const name of names) await writeFile(join(source, name), randomBytes(kib * 1024));
    const classFolder = await createFolder(endpoints, 'class');
    const curlFolder = await createFolder(endpoints, 'curl');
    const config = JSON.stringify(endpoints);

    const viaClass = async (label: string, kind: string, dir: string, target: string) => {
      const out = join(root, `${kind}.json`);
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, self, kind, config, dir, target, String(concurrency)],
        { bytes, stdoutFile: out, env: { ...process.env, BENCH_FILES: String(count) } },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds } = JSON.parse(await readFile(out, 'utf8')) as { seconds: number };
      rows.push({ ...m, seconds, mibPerSecond: bytes / 1048576 / seconds, items: count });
    };
    const viaXargs = async (label: string, script: string, input: string) => {
      const file = join(root, `${label.replace(/\W+/g, '-')}.sh`);
      await writeFile(file, script);
      const m = await measureProcess(label, 'bash', [file], {
        bytes,
        stdinFile: input,
        stdoutFile: `${file}.out`,
      });
      await new Promise((r) => setTimeout(r, 50));
      rows.push({ ...m, items: count });
      return `${file}.out`;
    };

    await viaClass('class upload, small files', 'upload', source, `d:${classFolder}`);
    const list = join(root, 'names');
    await writeFile(list, names.map((n) => `${n}\n`).join(''));
    const auth = q(`Authorization: Bearer ${endpoints.token}`);
    const answers = join(root, 'answers');
    await mkdir(answers);
    await viaXargs(
      `curl upload, xargs -P ${concurrency}`,
      `cd ${q(source)} && xargs -P ${concurrency} -I{} curl -sS --fail -X POST ${q(`${endpoints.upload}/api/2.0/files/content`)} -H ${auth} ` +
        `-F 'attributes={"name":"{}","parent":{"id":"${curlFolder}"}}' -F 'file=@{};type=application/octet-stream' -o ${q(answers)}/{}.json\n`,
      list,
    );
    const curlIds = join(root, 'curl.ids');
    const idOf = async (name: string) => {
      const answer = await readFile(join(answers, `${name}.json`), 'utf8');
      return (JSON.parse(answer) as { entries: Array<{ id: string }> }).entries[0]!.id;
    };
    const curlIdList: string[] = [];
    for (const name of names) curlIdList.push(await idOf(name));
    await writeFile(curlIds, curlIdList.map((id) => `${id}\n`).join(''));

    const classCopy = join(root, 'class-copy');
    const curlCopy = join(root, 'curl-copy');
    await mkdir(classCopy);
    await mkdir(curlCopy);
    await viaClass('class download, small files', 'download', classCopy, curlIds);
    const classIds = (await readFile(`${source}.ids`, 'utf8')).split('\n').filter(Boolean);
    const pairs = join(root, 'pairs');
    await writeFile(pairs, classIds.map((id, i) => `${id} ${names[i]}\n`).join(''));
    await viaXargs(
      `curl download, xargs -P ${concurrency}`,
      `cd ${q(curlCopy)} && xargs -P ${concurrency} -n 2 sh -c 'curl -sS --fail -L -H ${auth.replaceAll("'", "'\\''")} -o "$2" ${q(`${endpoints.api}/2.0/files/`).replaceAll("'", "'\\''")}"$1"/content' _\n`,
      pairs,
    );
    let same = 0;
    for (const name of names) {
      const [a, b, c] = await Promise.all(
        [source, classCopy, curlCopy].map((d) => readFile(join(d, name)).catch(() => Buffer.alloc(0))),
      );
      if (a.equals(b) && a.equals(c)) same++;
    }
    checks.push(
      `files that came back identical through both sides: ${same} of ${count}: ${same === count ? 'yes' : 'DIFFERENT'}`,
    );

    console.log(
      `\n${count} files of ${kib} KiB up and down, ${concurrency} at a time, Box emulator on 127.0.0.1 (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    console.log('\nFiles per second:');
    for (const r of rows) console.log(`  ${r.label.padEnd(28)} ${(count / r.seconds).toFixed(0)}`);
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(root, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'serve') await serveBox(args[0]!);
else if (mode === 'upload' || mode === 'download')
  await classSide(mode, JSON.parse(args[0]!) as Endpoints, args[1]!, args[2]!, Number(args[3]));
else await main();
