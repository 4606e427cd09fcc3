/**
 * `npm run bench`: every benchmark on the built JavaScript, then one summary table.
 *
 * `npm run bench` compiles the package (`dist/`) and the benchmarks (`dist-bench/`, importing the package
 * through the `#lib/*` subpath of package.json) and runs this file. Each benchmark runs in a process of its
 * own and prints its full report; the rows of its table come back through BENCH_RESULTS (see
 * {@link formatTable}) and are paired here, class against baseline, into the summary.
 *
 *   npm run bench                          # every benchmark, 64 MiB files
 *   npm run bench -- box dropbox           # some of them
 *   npm run bench -- platform              # curl, plain node:http, plain undici and the class, same endpoints
 *   BENCH_SIZE_MB=4096 npm run bench -- b2 # sizes and rounds by environment variable, as each file says
 *
 * Defaults here (each overridable): BENCH_SIZE_MB=64, BENCH_ROUNDS=1, BENCH_PART_MB=16 (B2 parts),
 * BENCH_SIMPLE_MB=BENCH_SIZE_MB.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Measurement, measureProcess } from './lib/measure.js';

/** One line of the summary: a class row against its baseline row, with the goal for the ratio. */
interface Pair {
  path: string;
  mine: string;
  baseline: string;
  goal: number;
}

interface Benchmark {
  name: string;
  script: string;
  pairs: Pair[];
}

const transfer = (path: string, mine: string, baseline: string): Pair => ({
  path,
  mine,
  baseline,
  goal: 0.9,
});

const BENCHMARKS: Benchmark[] = [
  {
    name: 'box',
    script: 'box.js',
    pairs: [
      transfer('Box simple upload', 'class upload, simple', 'curl upload'),
      transfer('Box session upload (parallel parts)', 'class upload, sessions', 'curl upload'),
      transfer('Box download', 'class download', 'curl download'),
    ],
  },
  {
    name: 'dropbox',
    script: 'dropbox.js',
    pairs: [
      transfer('Dropbox upload (session fragments)', 'class upload', 'curl upload'),
      transfer('Dropbox download', 'class download', 'curl download'),
    ],
  },
  {
    name: 'googledrive',
    script: 'googledrive.js',
    pairs: [
      transfer('Google Drive simple upload', 'class simple', 'curl simple'),
      transfer('Google Drive resumable upload', 'class resumable', 'curl resumable'),
      transfer('Google Drive download', 'class download', 'curl download'),
    ],
  },
  {
    name: 'b2',
    script: 'b2.js',
    pairs: [
      transfer('B2 simple upload', 'class simple upload', 'curl simple upload'),
      transfer('B2 large file (parallel parts)', 'class large upload', 'curl large upload'),
      transfer('B2 download', 'class download', 'curl download'),
    ],
  },
  {
    // What Node itself reaches on the same endpoints: the ceiling under the class's ratios (bench/platform.ts).
    name: 'platform',
    script: 'platform.js',
    pairs: [
      transfer('Node http download, no library', 'Node http download', 'curl download'),
      transfer('undici download, no library', 'undici download', 'curl download'),
      transfer('Box class download / undici', 'class download', 'undici download'),
      transfer('Node http upload, no library', 'Node http upload', 'curl upload'),
      transfer('undici upload, no library', 'undici upload', 'curl upload'),
      transfer('Box class upload / undici', 'class upload', 'undici upload'),
    ],
  },
  {
    name: 'listing',
    script: 'listing.js',
    pairs: [
      transfer('B2 listing one folder, iterator', 'class listing, iterator', 'curl paging loop'),
      transfer('B2 listing one folder, collection', 'class listing, collection', 'curl paging loop'),
    ],
  },
  {
    name: 'small-files',
    script: 'small-files.js',
    pairs: [
      transfer('Box small files up, 8 at a time', 'class upload, small files', 'curl upload, xargs -P 8'),
      transfer(
        'Box small files down, 8 at a time',
        'class download, small files',
        'curl download, xargs -P 8',
      ),
    ],
  },
  {
    name: 'crypto',
    script: 'crypto.js',
    pairs: [
      {
        path: 'AES-256-CBC encrypt',
        mine: 'library aes encrypt',
        baseline: 'openssl enc -aes-256-cbc -e',
        goal: 0.8,
      },
      {
        path: 'AES-256-CBC decrypt',
        mine: 'library aes decrypt',
        baseline: 'openssl enc -aes-256-cbc -d',
        goal: 0.8,
      },
      { path: 'age encrypt', mine: 'library age encrypt', baseline: 'age -p (encrypt)', goal: 1 },
      { path: 'age decrypt', mine: 'library age decrypt', baseline: 'age -d (decrypt)', goal: 1 },
      {
        path: 'rclone crypt encrypt',
        mine: 'library rclone encrypt',
        baseline: 'rclone rcat (encrypt)',
        goal: 1,
      },
      {
        path: 'rclone crypt decrypt',
        mine: 'library rclone decrypt',
        baseline: 'rclone cat (decrypt)',
        goal: 1,
      },
    ],
  },
];

/** The peak RSS goal of any transfer (issue 10), in MiB. */
const RSS_GOAL_MIB = 96;

const here = dirname(fileURLToPath(import.meta.url));

function runBenchmark(script: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(process.execPath, [...process.execArgv, join(here, script)], { stdio: 'inherit', env });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

async function readRows(file: string): Promise<Measurement[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Measurement);
}

/** What the package costs to load: `import` it and create a `Box`, against a bare `node`. */
async function loadCost(): Promise<string[]> {
  const pkg = join(here, '..', 'dist', 'index.js');
  const bare = await measureProcess('bare node', process.execPath, ['-e', '0'], { bytes: 0 });
  const code = `const { Box } = await import(${JSON.stringify(pkg)}); new Box();`;
  const loaded = await measureProcess(
    'import + new Box()',
    process.execPath,
    ['--input-type=module', '-e', code],
    {
      bytes: 0,
    },
  );
  // The service's own entry point (`cloudstorage/box`), which loads no other service.
  const boxOnly = join(here, '..', 'dist', 'providers', 'box', 'index.js');
  const one = await measureProcess(
    'import cloudstorage/box + new Box()',
    process.execPath,
    ['--input-type=module', '-e', `const { Box } = await import(${JSON.stringify(boxOnly)}); new Box();`],
    { bytes: 0 },
  );
  const cpu = (m: Measurement) => `${m.cpuSeconds?.toFixed(2) ?? '-'} s CPU`;
  const above = (m: Measurement) => `${(m.peakRssMiB - bare.peakRssMiB).toFixed(0)} MiB above bare node`;
  return [
    `bare node: ${bare.peakRssMiB.toFixed(0)} MiB peak RSS, ${cpu(bare)}`,
    `import the package from dist/ and create a Box: ${loaded.peakRssMiB.toFixed(0)} MiB peak RSS, ${cpu(loaded)} (${above(loaded)})`,
    `import cloudstorage/box only and create a Box: ${one.peakRssMiB.toFixed(0)} MiB peak RSS, ${cpu(one)} (${above(one)})`,
  ];
}

/** Throughput: items per second where the row counts items, else MiB per second. */
const rate = (r: Measurement) => (r.items ? r.items / r.seconds : r.mibPerSecond);
const shown = (r: Measurement) => (r.items ? `${rate(r).toFixed(0)}/s` : rate(r).toFixed(1));

function summaryTable(lines: string[][]): string {
  const header = [
    'path',
    'class MiB/s',
    'baseline',
    'baseline MiB/s',
    'ratio',
    'goal',
    'class peak RSS MiB',
    'CPU s class / baseline',
    'met',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}: choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
  }
  const chosen = BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name));
  const size = process.env.BENCH_SIZE_MB ?? '64';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_SIZE_MB: size,
    BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? '1',
    BENCH_PART_MB: process.env.BENCH_PART_MB ?? '16',
    BENCH_SIMPLE_MB: process.env.BENCH_SIMPLE_MB ?? size,
  };
  const dir = await mkdtemp(join(tmpdir(), 'bench-run-'));
  const lines: string[][] = [];
  const failed: string[] = [];
  try {
    for (const bench of chosen) {
      const results = join(dir, `${bench.name}.jsonl`);
      console.log(`\n=== ${bench.name} ===`);
      const code = await runBenchmark(bench.script, { ...env, BENCH_RESULTS: results });
      if (code !== 0) failed.push(`${bench.name} (exit ${code})`);
      const rows = await readRows(results);
      for (const pair of bench.pairs) {
        const mine = rows.find((r) => r.label === pair.mine);
        const base = rows.find((r) => r.label === pair.baseline);
        if (!mine || !base) {
          lines.push([
            pair.path,
            '-',
            pair.baseline,
            '-',
            'missing',
            `${pair.goal.toFixed(1)}x`,
            '-',
            '-',
            'no',
          ]);
          continue;
        }
        const ratio = rate(mine) / rate(base);
        const met = ratio >= pair.goal && mine.peakRssMiB <= RSS_GOAL_MIB;
        lines.push([
          pair.path,
          shown(mine),
          pair.baseline,
          shown(base),
          `${ratio.toFixed(2)}x`,
          `${pair.goal.toFixed(1)}x`,
          mine.peakRssMiB.toFixed(0),
          `${mine.cpuSeconds?.toFixed(2) ?? '-'} / ${base.cpuSeconds?.toFixed(2) ?? '-'}`,
          met ? 'yes' : 'no',
        ]);
      }
    }
    const load = await loadCost();
    console.log(
      `\n=== summary: ${size} MiB files, node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, ${new Date().toISOString()} ===\n`,
    );
    console.log(summaryTable(lines));
    console.log(
      `\nGoals: the ratio (class / baseline throughput, same run) and peak RSS ≤ ${RSS_GOAL_MIB} MiB.`,
    );
    console.log('Listing and small files count entries or files per second (n/s), not MiB/s.');
    console.log(
      "CPU s: user + system time of each side's process, the class's start-up included (see the load cost below).",
    );
    console.log(`\n${load.join('\n')}`);
    if (failed.length > 0) {
      console.log(`\nBenchmarks that failed: ${failed.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
