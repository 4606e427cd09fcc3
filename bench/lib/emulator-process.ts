import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The benchmarks run the emulator in a process of its own, so its CPU and memory are not counted as the
 * client's. The script re-runs itself with `serve <blobDir>`: that side calls {@link serveUntilStdinEnds};
 * the measuring side calls {@link startEmulatorProcess} and reads the endpoints from its first line.
 */
export async function serveUntilStdinEnds<T>(
  start: () => Promise<{ endpoints: T; stop: () => Promise<void> }>,
) {
  const { endpoints, stop } = await start();
  process.stdout.write(`${JSON.stringify(endpoints)}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', () => resolve()));
  await stop();
}

export async function startEmulatorProcess<T>(
  script: string,
  blobDir: string,
  extraArgs: string[] = [],
): Promise<{ endpoints: T; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, script, 'serve', blobDir, ...extraArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  return { endpoints: JSON.parse(line) as T, child };
}

/** Closes the emulator process's stdin and waits for it to exit. */
export async function stopEmulatorProcess(child: ChildProcess): Promise<void> {
  child.stdin?.end();
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Whether two files have the same bytes (`cmp`). */
export const sameFiles = (a: string, b: string): boolean => spawnSync('cmp', ['-s', a, b]).status === 0;

/** Prints the checks of a run; a check that ends in DIFFERENT (or NO) makes the benchmark exit non-zero. */
export function printChecks(checks: string[], title = 'Checks'): void {
  console.log(`\n${title}:\n  ${checks.join('\n  ')}`);
  if (checks.some((c) => /(DIFFERENT|NO)$/.test(c))) process.exitCode = 1;
}
