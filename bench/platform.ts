/**
 * What Node itself reaches on this machine: the same Box emulator endpoints, the same file, moved by curl,
 * by a few lines of plain Node (`node:http` and streams, no library), by undici's `request` (the HTTP
 * client the package is built on, with nothing of ours around it), and by the Box class. The class's
 * ratio to curl is the product of two ratios this prints separately: Node's own to curl (what no code on
 * top of Node's sockets and streams can win back), and the class's to plain undici (what the library
 * costs).
 *
 *   download   GET /files/{id}/content, its 302 followed, the body streamed into a file
 *   upload     the multipart/form-data simple upload of the file, streamed from disk
 *
 * The class's upload hashes the bytes it sends (SHA-1, on the way), so that an upload whose outcome is
 * unknown can be recognised on the service instead of sent twice; "class upload, Content-MD5" also turns
 * on HashSimpleUploads, a first pass over the file for Box to check the SHA-1 against. "Node http upload,
 * reused buffers" sends from four buffers reused once written, where every other row reads into fresh ones.
 * Plain Node and undici rows time the transfer inside the process (no start-up), as the class rows do;
 * curl's rows are its whole process. BENCH_SIZE_MB (default 256), BENCH_ROUNDS (best of; default 1).
 */
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { boxFor, type BoxEndpoints as Endpoints, serveBox } from './lib/box-emulator.js';
import { printChecks, sameFiles, startEmulatorProcess, stopEmulatorProcess } from './lib/emulator-process.js';
import { formatTable, type Measurement, measureProcess } from './lib/measure.js';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);
/**
 * V8 compiles undici's HTTP parser (llhttp, WebAssembly) a second time, with its optimising compiler, once
 * the parser is hot: a background thread that takes 30-35 MiB and about 0.3 s of CPU, in the middle of
 * the first large transfer. With this flag the baseline compiler's code stays (the parser is not the
 * bottleneck of a transfer); the "--liftoff-only" rows show what that does to the class's figures.
 */
const LIFTOFF = ['--liftoff-only'];

/** The file streams' buffer in the plain rows: the class's own (STREAM_BUFFER_BYTES), so only the code differs. */
const BUFFER = MiB;

/** A multipart/form-data upload body around a file, as Box's simple upload takes it. */
function multipart(file: string, name: string) {
  const boundary = `platform-bench-${process.pid}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${JSON.stringify({ name, parent: { id: '0' } })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    head,
    tail,
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + statSync(file).size + tail.length,
    async *chunks() {
      yield head;
      for await (const chunk of createReadStream(file, { highWaterMark: BUFFER })) yield chunk as Buffer;
      yield tail;
    },
  };
}

/** `node:http` only: GET (following one redirect) into a file; POST a multipart body from a file. */
async function nodeHttp(kind: string, endpoints: Endpoints, file: string, target: string): Promise<void> {
  const auth = { authorization: `Bearer ${endpoints.token}` };
  if (kind === 'download') {
    const get = (url: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) =>
        http.get(url, { headers: auth }, resolve).on('error', reject),
      );
    let res = await get(`${endpoints.api}/2.0/files/${target}/content`);
    if (res.statusCode === 302) {
      res.resume();
      res = await get(res.headers.location!);
    }
    if (res.statusCode !== 200) throw new Error(`download answered ${res.statusCode}`);
    await pipeline(res, createWriteStream(file, { highWaterMark: BUFFER }));
    return;
  }
  const body = multipart(file, target);
  await new Promise<void>((resolve, reject) => {
    const req = http.request(
      `${endpoints.upload}/api/2.0/files/content`,
      {
        method: 'POST',
        headers: { ...auth, 'content-type': body.contentType, 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 201 ? resolve() : reject(new Error(`upload answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    pipeline(body.chunks(), req).catch(reject);
  });
}

/**
 * The `node:http` upload again, with the file read by position into four buffers that are reused once the
 * socket has written them (`write`'s callback). Fresh buffers cost a page fault per 4 KiB the first time
 * they are touched; this row shows what the same transfer costs without that. undici (and so the class)
 * gives no per-chunk "written" signal, so it cannot reuse a buffer it has handed over.
 */
async function nodeHttpReusedBuffers(endpoints: Endpoints, file: string, target: string): Promise<void> {
  const body = multipart(file, target);
  const size = statSync(file).size;
  const handle = await open(file);
  try {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${endpoints.upload}/api/2.0/files/content`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${endpoints.token}`,
            'content-type': body.contentType,
            'content-length': body.length,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`upload answered ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      const free = Array.from({ length: 4 }, () => Buffer.allocUnsafeSlow(BUFFER));
      let wake: (() => void) | undefined;
      const send = async () => {
        req.write(body.head);
        for (let position = 0; position < size; ) {
          while (free.length === 0) await new Promise<void>((r) => (wake = r));
          const buffer = free.pop()!;
          const { bytesRead } = await handle.read(buffer, 0, BUFFER, position);
          if (bytesRead === 0) throw new Error('the file ended early');
          position += bytesRead;
          req.write(buffer.subarray(0, bytesRead), () => {
            free.push(buffer);
            wake?.();
          });
        }
        req.end(body.tail);
      };
      send().catch(reject);
    });
  } finally {
    await handle.close();
  }
}

/** undici's `request`, nothing around it: the same two transfers. */
async function plainUndici(kind: string, endpoints: Endpoints, file: string, target: string): Promise<void> {
  const auth = { authorization: `Bearer ${endpoints.token}` };
  if (kind === 'download') {
    let res = await request(`${endpoints.api}/2.0/files/${target}/content`, { headers: auth });
    if (res.statusCode === 302) {
      await res.body.dump();
      res = await request(String(res.headers.location), { headers: auth });
    }
    if (res.statusCode !== 200) throw new Error(`download answered ${res.statusCode}`);
    await pipeline(res.body, createWriteStream(file, { highWaterMark: BUFFER }));
    return;
  }
  const body = multipart(file, target);
  const res = await request(`${endpoints.upload}/api/2.0/files/content`, {
    method: 'POST',
    headers: { ...auth, 'content-type': body.contentType, 'content-length': String(body.length) },
    body: Readable.from(body.chunks(), { objectMode: false }),
  });
  await res.body.dump();
  if (res.statusCode !== 201) throw new Error(`upload answered ${res.statusCode}`);
}

async function viaClass(kind: string, endpoints: Endpoints, file: string, target: string, md5: boolean) {
  const box = boxFor(endpoints);
  box.localFile = file;
  box.overwrite = true;
  if (md5) box.config('HashSimpleUploads=true');
  if (kind === 'download') await box.downloadFile(`f:${target}`);
  else await box.uploadFile(target, '');
  await box.close();
}

/** `platform.js <http|undici|class|class-md5> <download|upload> <endpoints> <file> <id or name>`. */
async function transfer(who: string, kind: string, endpoints: Endpoints, file: string, target: string) {
  const started = process.hrtime.bigint();
  if (who === 'http-reuse') await nodeHttpReusedBuffers(endpoints, file, target);
  else if (who === 'http') await nodeHttp(kind, endpoints, file, target);
  else if (who === 'undici') await plainUndici(kind, endpoints, file, target);
  else await viaClass(kind, endpoints, file, target, who === 'class-md5');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MB ?? 256);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  const bytes = sizeMiB * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'bench-platform-'));
  await mkdir(join(dir, 'blobs'));
  const { endpoints, child } = await startEmulatorProcess<Endpoints>(self, join(dir, 'blobs'));
  const config = JSON.stringify(endpoints);
  const best = new Map<string, Measurement>();
  const keep = (m: Measurement) => {
    const seen = best.get(m.label);
    if (!seen || m.mibPerSecond > seen.mibPerSecond) best.set(m.label, m);
  };
  const checks: string[] = [];
  try {
    const source = join(dir, 'source.bin');
    const out = createWriteStream(source);
    const block = Buffer.alloc(4 * MiB);
    for (let written = 0; written < bytes; written += block.length) {
      randomFillSync(block);
      if (!out.write(block.subarray(0, Math.min(block.length, bytes - written))))
        await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));

    const node = async (
      label: string,
      who: string,
      kind: string,
      file: string,
      target: string,
      flags: string[] = [],
    ) => {
      const result = join(dir, 'result.json');
      const m = await measureProcess(
        label,
        process.execPath,
        [...process.execArgv, ...flags, self, who, kind, config, file, target],
        { bytes, stdoutFile: result },
      );
      await new Promise((r) => setTimeout(r, 50));
      const { seconds } = JSON.parse(await readFile(result, 'utf8')) as { seconds: number };
      keep({ ...m, seconds, mibPerSecond: bytes / MiB / seconds });
    };
    const curl = async (label: string, args: string[]) => {
      const body = join(dir, 'curl.json');
      const m = await measureProcess(label, 'curl', ['-sS', '--fail', ...args], { bytes, stdoutFile: body });
      keep(m);
      return readFile(body, 'utf8');
    };
    const auth = ['-H', `Authorization: Bearer ${endpoints.token}`];

    let fileId = '';
    for (let round = 1; round <= rounds; round++) {
      const name = (who: string) => `${who}-${round}.bin`;
      const answer = await curl('curl upload', [
        '-X',
        'POST',
        ...auth,
        '--form-string',
        `attributes={"name":"${name('curl')}","parent":{"id":"0"}}`,
        '-F',
        `file=@${source};type=application/octet-stream`,
        `${endpoints.upload}/api/2.0/files/content`,
      ]);
      fileId = (JSON.parse(answer) as { entries: Array<{ id: string }> }).entries[0]!.id;
      await node('Node http upload', 'http', 'upload', source, name('http'));
      await node('Node http upload, reused buffers', 'http-reuse', 'upload', source, name('http-reuse'));
      await node('undici upload', 'undici', 'upload', source, name('undici'));
      await node('class upload', 'class', 'upload', source, name('class'));
      await node('class upload, --liftoff-only', 'class', 'upload', source, name('class-liftoff'), LIFTOFF);
      await node('class upload, Content-MD5', 'class-md5', 'upload', source, name('class-md5'));

      await curl('curl download', [
        '-L',
        ...auth,
        '-o',
        join(dir, 'curl.out'),
        `${endpoints.api}/2.0/files/${fileId}/content`,
      ]);
      for (const [label, who, flags] of [
        ['Node http download', 'http', []],
        ['undici download', 'undici', []],
        ['class download', 'class', []],
        ['class download, --liftoff-only', 'class', LIFTOFF],
      ] as const) {
        const copy = join(dir, `${who}.out`);
        await node(label, who, 'download', copy, fileId, [...flags]);
        if (round === 1) checks.push(`${label} = source: ${sameFiles(copy, source) ? 'yes' : 'DIFFERENT'}`);
        await rm(copy, { force: true });
      }
    }
    const box = boxFor(endpoints);
    const hashes = new Map((await box.listResources('d:0')).resources.map((r) => [r.name, r.hash]));
    await box.close();
    const sent = hashes.get('curl-1.bin');
    checks.push(
      `every upload of round 1 arrived whole (Box's SHA-1 = curl's upload's): ${['http', 'http-reuse', 'undici', 'class', 'class-liftoff', 'class-md5'].every((w) => sent && hashes.get(`${w}-1.bin`) === sent) ? 'yes' : 'NO'}`,
    );

    const rows = [...best.values()];
    console.log(
      `\nThe platform: Box emulator on 127.0.0.1, ${sizeMiB} MiB file, best of ${rounds} round(s) (${new Date().toISOString()})\n`,
    );
    console.log(formatTable(rows));
    const get = (label: string) => best.get(label)!;
    const ratio = (a: string, b: string) => (get(a).mibPerSecond / get(b).mibPerSecond).toFixed(2);
    console.log('\nRatios:');
    for (const kind of ['download', 'upload']) {
      console.log(
        `  ${kind}: Node http / curl ${ratio(`Node http ${kind}`, `curl ${kind}`)}x, undici / curl ${ratio(`undici ${kind}`, `curl ${kind}`)}x, class / curl ${ratio(`class ${kind}`, `curl ${kind}`)}x, class / undici ${ratio(`class ${kind}`, `undici ${kind}`)}x`,
      );
    }
    console.log(
      `  upload from reused buffers: Node http / curl ${ratio('Node http upload, reused buffers', 'curl upload')}x (fresh buffers: ${ratio('Node http upload', 'curl upload')}x)`,
    );
    console.log(
      `  upload with HashSimpleUploads (a first pass over the file): class / curl ${ratio('class upload, Content-MD5', 'curl upload')}x, class / undici ${ratio('class upload, Content-MD5', 'undici upload')}x`,
    );
    printChecks(checks);
  } finally {
    await stopEmulatorProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const [, , mode, ...args] = process.argv;
if (mode === 'serve') await serveBox(args[0]!);
else if (
  mode === 'http' ||
  mode === 'http-reuse' ||
  mode === 'undici' ||
  mode === 'class' ||
  mode === 'class-md5'
)
  await transfer(mode, args[0]!, JSON.parse(args[1]!) as Endpoints, args[2]!, args[3]!);
else await main();
