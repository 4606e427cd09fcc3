/**
 * The world the command's tests run in: the four emulators in this process (OAuth consent auto-approved,
 * so `config add` signs in through the real browser flow with `curl` as the browser), a temporary config
 * file, and two ways to run the command: spawned as a user runs it (`spawnCli`), or `main()` in this
 * process with its own stdout/stderr (`runCli`) for the many calls of the command matrix.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { type RunningEmulators, remoteOptionsFor } from '../../src/cli/serve.js';
import { BoxEmulator, EmulatorServer, SERVICE_EMULATORS } from '../../src/emulator/index.js';
import { patternBytes } from '../helpers/pattern-bytes.js';

export const SERVICES = ['box', 'dropbox', 'googledrive', 'b2'] as const;
export type Service = (typeof SERVICES)[number];

export const ROOT = resolve(import.meta.dirname, '../..');
export const TSX = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
export const MAIN = join(ROOT, 'src/cli/main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface World {
  dir: string;
  config: string;
  env: NodeJS.ProcessEnv;
  emulators: RunningEmulators;
  server(service: Service): EmulatorServer;
  /** `config add NAME SERVICE …` arguments for a remote on that service's emulator. */
  addArgs(name: string, service: Service): string[];
  /** The command in this process. */
  runCli(args: string[], options?: { stdin?: string }): Promise<CliResult>;
  /** The command as a child process (node + tsx, the source as the bin runs it after a build). */
  spawnCli(args: string[], options?: { env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function startWorld(services: readonly Service[] = SERVICES): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  const config = join(dir, 'config', 'config.json');
  const emulators = await startTestEmulators(services);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLOUDSTORAGE_CONFIG: config,
    // The "browser" of the sign-in: follows the auto-approved consent to the loopback redirect.
    BROWSER: 'curl -sS -L --max-time 60 -o /dev/null',
    CLOUDSTORAGE_PASSWORD: '',
  };
  const server = (service: Service) => {
    const s = emulators.servers.find((x) => x.service === service);
    if (!s) throw new Error(`${service} emulator not started`);
    return s.server;
  };
  return {
    dir,
    config,
    env,
    emulators,
    server,
    addArgs(name, service) {
      const options = Object.entries(remoteOptionsFor(service, server(service))).flatMap(([k, v]) => [
        `--${k}`,
        v,
      ]);
      return ['config', 'add', name, service, ...options, ...(SMALL_SESSIONS[service] ?? [])];
    },
    async runCli(args) {
      const stdout = collect();
      const stderr = collect();
      const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, env });
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    },
    spawnCli(args, options = {}) {
      return new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
          env: { ...env, ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
        });
        child.once('error', reject);
        child.once('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
      });
    },
    async stop() {
      await emulators.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const KiB = 1024;

/** Class settings that make a few hundred KiB go through upload sessions (parts of 64 KiB). */
const SMALL_SESSIONS: Partial<Record<Service, string[]>> = {
  box: ['--setting', `MinResumableUploadSize=${100 * KiB}`, '--setting', 'UploadConcurrency=2'],
  dropbox: ['--setting', `FragmentSize=${64 * KiB}`],
  googledrive: ['--setting', `FragmentSize=${256 * KiB}`],
};

/** The emulators, each on its own server; Box takes 64 KiB parts from 100 KiB up (its real floor is 20 MB). */
async function startTestEmulators(services: readonly Service[]): Promise<RunningEmulators> {
  const servers: RunningEmulators['servers'] = [];
  try {
    for (const service of services) {
      const server = new EmulatorServer();
      const emulator =
        service === 'box'
          ? new BoxEmulator({
              autoApprove: true,
              config: { minChunkedUploadSize: 100 * KiB, partSizeFor: () => 64 * KiB },
            })
          : SERVICE_EMULATORS[service]!.create({ autoApprove: true });
      emulator.install(server);
      await server.start();
      servers.push({ service, server });
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.server.stop()));
    throw e;
  }
  return {
    servers,
    stop: async () => {
      await Promise.all(servers.map((s) => s.server.stop()));
    },
  };
}

function collect() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A folder of mixed files: text, binary, an empty file, a nested folder, a name with spaces. */
export async function makeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, ...path.split('/'));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

export const MIXED: Record<string, string | Buffer> = {
  'readme.txt': 'hello from the command line\n',
  'empty.dat': '',
  'photos/cat picture.jpg': patternBytes(70_000, 7),
  'photos/2024/dog.bin': patternBytes(150_000, 9),
  'docs/notes.md': '# notes\n\n- one\n- two\n',
};

/** The remote name used for a service in the tests. */
export const remoteName = (service: Service) => `t-${service}`;
