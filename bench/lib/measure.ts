/**
 * Measuring helpers for the benchmarks: run a child process (or a function in a fresh child) and
 * report wall-clock throughput and peak resident memory.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f '%M'`), which reads the kernel's accounting when
 * the child exits; that figure includes the child's own children (e.g. `age` run under `script`).
 * Where GNU time is missing, the child's VmHWM is polled from /proc instead (slightly less exact).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, createReadStream, createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface Measurement {
  label: string;
  /** Bytes of payload processed (for the throughput figure). */
  bytes: number;
  seconds: number;
  /** Payload throughput in MiB/s. */
  mibPerSecond: number;
  peakRssMiB: number;
  /**
   * User + system CPU time of the process (GNU time), start-up included: on a shared machine a steadier
   * measure of what a side costs than its wall time.
   */
  cpuSeconds?: number;
  /** For benchmarks that count things rather than bytes (entries listed, files moved): how many. */
  items?: number;
}

export interface ProcessOptions {
  /** Payload size, for the throughput figure. */
  bytes: number;
  /** File to feed to standard input. */
  stdinFile?: string;
  /** File to write standard output to (default: discarded). */
  stdoutFile?: string;
  env?: NodeJS.ProcessEnv;
}

const GNU_TIME = '/usr/bin/time';

/** Runs `cmd args…` to completion and measures it; rejects if it exits non-zero. */
export async function measureProcess(
  label: string,
  cmd: string,
  args: string[],
  options: ProcessOptions,
): Promise<Measurement> {
  const useTime = existsSync(GNU_TIME);
  const marker = '@@peak-rss-kib=';
  const cpuMarker = '@@cpu-seconds=';
  const format = `${marker}%M ${cpuMarker}%U+%S`;
  const [program, argv] = useTime ? [GNU_TIME, ['-f', format, cmd, ...args]] : [cmd, args];
  const started = process.hrtime.bigint();
  const child = spawn(program, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
  if (options.stdinFile) createReadStream(options.stdinFile).pipe(child.stdin);
  else child.stdin.end();
  if (options.stdoutFile) child.stdout.pipe(createWriteStream(options.stdoutFile));
  else child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let polledKiB = 0;
  const poll = useTime
    ? undefined
    : setInterval(async () => {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) polledKiB = Math.max(polledKiB, Number(m[1]));
      }, 20);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (poll) clearInterval(poll);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${label}: ${cmd} exited with ${code}: ${stderr.slice(-2000)}`);
  const peakKiB = useTime ? Number(new RegExp(`${marker}(\\d+)`).exec(stderr)?.[1] ?? 0) : polledKiB;
  const cpu = new RegExp(`${cpuMarker}([\\d.]+)\\+([\\d.]+)`).exec(stderr);
  return {
    label,
    bytes: options.bytes,
    seconds,
    mibPerSecond: options.bytes / 1048576 / seconds,
    peakRssMiB: peakKiB / 1024,
    ...(cpu ? { cpuSeconds: Number(cpu[1]) + Number(cpu[2]) } : {}),
  };
}

/**
 * Formats measurements as an aligned text table. The table a benchmark prints is also its result for
 * `bench/run.ts`: when BENCH_RESULTS names a file, the rows are appended to it, one JSON object a line.
 */
export function formatTable(rows: Measurement[]): string {
  const results = process.env.BENCH_RESULTS;
  if (results) appendFileSync(results, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const header = ['what', 'seconds', 'MiB/s', 'peak RSS MiB'];
  const lines = rows.map((r) => [
    r.label,
    r.seconds.toFixed(2),
    r.mibPerSecond.toFixed(1),
    r.peakRssMiB.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
