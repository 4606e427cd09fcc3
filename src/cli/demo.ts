import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { consentBot } from './consent-bot.js';
import { main } from './main.js';
import { remoteOptionsFor, startEmulators } from './serve.js';

export interface DemoLeg {
  from: string;
  to: string;
  encrypted: 'encrypt' | 'decrypt' | undefined;
  summary: string;
}

export interface DemoResult {
  /** The remotes signed in to, with how. */
  signedIn: Array<{ remote: string; how: string }>;
  legs: DemoLeg[];
  files: number;
  /** Files whose SHA-1 on B2 (after four services and an encrypted leg) equals the original's. */
  matching: number;
  /** What the encrypted leg left on Drive (rclone crypt names: `name.bin`). */
  encryptedNames: string[];
}

export interface DemoOptions {
  /** Where the commands' own output goes (progress bars draw when it is a terminal). */
  stdout?: Writable;
  stderr?: Writable;
  /** Bytes of the large file in the folder (default 6 MB). */
  largeFile?: number;
}

const SERVICES = ['box', 'dropbox', 'googledrive', 'b2'] as const;

/** A folder of mixed files: text, JSON, an empty file, binaries, nested folders, a name with spaces. */
function mixedFolder(largeFile: number): Record<string, Buffer> {
  return {
    'README.txt': Buffer.from('A folder that travels through four cloud services.\n'),
    'notes/today.md': Buffer.from('# Today\n\n- sync everything\n- check every hash\n'),
    'notes/empty.txt': Buffer.alloc(0),
    'data/report.json': Buffer.from(JSON.stringify({ year: 2026, values: [1, 2, 3] }, null, 2)),
    'photos/holiday photo.jpg': randomBytes(300_000),
    'photos/2026/large video.bin': randomBytes(largeFile),
  };
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/**
 * The whole product, offline: starts the emulators of Box, Dropbox, Google Drive and B2 on 127.0.0.1, signs
 * in to each the way that service signs in (OAuth 2.0 authorization code + PKCE through the consent page,
 * answered by a scripted user, for Box, Dropbox and Drive; the application key for B2) with
 * `cloudstorage config add`, then moves a folder of mixed files local → Box → Dropbox → Google Drive (that
 * leg encrypted in rclone's crypt format) → B2 (decrypted on the way) with `cloudstorage copy --progress`,
 * and checks every file's SHA-1 on B2 against the original.
 */
export async function demo(
  print: (line: string) => void = console.log,
  options: DemoOptions = {},
): Promise<DemoResult> {
  const running = await startEmulators({ services: [...SERVICES], autoApprove: false, port: 0 });
  const work = await mkdtemp(join(tmpdir(), 'cloudstorage-demo-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLOUDSTORAGE_CONFIG: join(work, 'config', 'config.json'),
    CLOUDSTORAGE_PASSWORD: 'correct horse battery staple',
  };
  const io = {
    env,
    openBrowser: consentBot('allow'),
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
  };
  const run = async (...args: string[]) => {
    const code = await main(args, io);
    if (code !== 0) throw new Error(`cloudstorage ${args.join(' ')} failed (exit code ${code})`);
  };
  /** A command whose stdout the demo reads. */
  const read = async (...args: string[]) => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const code = await main(args, { ...io, stdout: out });
    if (code !== 0) throw new Error(`cloudstorage ${args.join(' ')} failed (exit code ${code})`);
    return Buffer.concat(chunks).toString('utf8');
  };
  const result: DemoResult = { signedIn: [], legs: [], files: 0, matching: 0, encryptedNames: [] };
  try {
    print('cloudstorage demo: four cloud services, emulated on 127.0.0.1');
    for (const { service, server } of running.servers) print(`  ${service.padEnd(12)} ${server.url('api')}`);

    print('\n1. Sign in to each service with "cloudstorage config add"');
    for (const { service, server } of running.servers) {
      const flags = Object.entries(remoteOptionsFor(service, server)).flatMap(([k, v]) => [`--${k}`, v]);
      await run('config', 'add', service, service, ...flags);
      const how =
        service === 'b2'
          ? 'application key id + key (b2_authorize_account)'
          : 'OAuth 2.0 code + PKCE: consent page answered by a scripted user, redirect to the loopback server';
      result.signedIn.push({ remote: service, how });
      print(`   ${service}: ${how}`);
    }

    const source = join(work, 'folder');
    const files = mixedFolder(options.largeFile ?? 6_000_000);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(source, path, '..'), { recursive: true });
      await writeFile(join(source, path), content);
    }
    result.files = Object.keys(files).length;
    const total = Object.values(files).reduce((n, b) => n + b.length, 0);
    print(`\n2. A folder of ${result.files} mixed files (${total} bytes): ${Object.keys(files).join(', ')}`);

    await run('mkdir', 'b2:demo-bucket');
    const legs: Array<[string, string, DemoLeg['encrypted']]> = [
      [source, 'box:demo', undefined],
      ['box:demo', 'dropbox:demo', undefined],
      ['dropbox:demo', 'googledrive:demo', 'encrypt'],
      ['googledrive:demo', 'b2:demo-bucket/demo', 'decrypt'],
    ];
    print('\n3. Copy it from service to service (streamed: no temporary file between two services)');
    for (const [i, [from, to, crypt]] of legs.entries()) {
      const shownFrom = from === source ? 'the local folder' : from;
      print(
        `   ${String.fromCharCode(97 + i)}. ${shownFrom} → ${to}${crypt ? ` (${crypt}ed: rclone crypt format)` : ''}`,
      );
      await run('copy', '--progress', ...(crypt ? [`--${crypt}`] : []), from, to);
      result.legs.push({ from: shownFrom, to, encrypted: crypt, summary: 'copied' });
    }
    result.encryptedNames = (await read('lsf', '-R', '--files-only', 'googledrive:demo')).trim().split('\n');
    print(`   On Drive the files are ciphertext: ${result.encryptedNames.slice(0, 3).join(', ')}, …`);

    print('\n4. Check every file on B2 against the original (SHA-1)');
    const sums = await read('hashsum', 'sha1', 'b2:demo-bucket/demo');
    const onB2 = new Map(
      sums
        .trim()
        .split('\n')
        .map((line) => [line.slice(42), line.slice(0, 40)] as const),
    );
    for (const [path, content] of Object.entries(files)) {
      const same = onB2.get(path) === sha1(content);
      if (same) result.matching++;
      print(`   ${same ? 'ok  ' : 'DIFF'} ${sha1(content)}  ${path}`);
    }
    print(
      `\nDone: ${result.matching} of ${result.files} files arrived on B2 byte for byte after Box, Dropbox and an encrypted stay on Google Drive.`,
    );
    return result;
  } finally {
    await running.stop();
    await rm(work, { recursive: true, force: true });
  }
}
