#!/usr/bin/env node
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { allOptionSpecs, BACKENDS } from './backends.js';
import * as configCommands from './commands/config.js';
import * as files from './commands/files.js';
import * as listing from './commands/listing.js';
import { registerQueueCommands } from './commands/queue.js';
import * as transfer from './commands/transfer.js';
import { describeError, ExitCode } from './errors.js';
import { type GlobalOptions, Session, type SessionIo } from './session.js';

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${value}".`);
    return n;
  };
}

function packageVersion(): string {
  // The same relative path from src/cli and from dist/cli.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * The command line: commander parses it (help on every command, usage errors with exit code 2), each action
 * runs in a Session (config file, open remotes, output) that is closed whatever happens.
 */
function buildProgram(io: SessionIo, setExit: (code: number) => void): Command {
  const program = new Command('cloudstorage');
  program
    .description(
      'Box, Dropbox, Google Drive, Backblaze B2 and the local disk through one set of commands.\nPaths are remote:path (a remote from the config file) or local paths.',
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--config <path>',
      'the config file of remotes (default: $CLOUDSTORAGE_CONFIG, else the platform config folder)',
    )
    .option('--transfers <n>', 'files transferred in parallel', wholeNumber(1), 4)
    .option('--checkers <n>', 'files compared (hashes, stats) in parallel', wholeNumber(1), 8)
    .option('--include <glob>', 'only files whose path matches (repeatable)', collect, [])
    .option('--exclude <glob>', 'skip files whose path matches (repeatable)', collect, [])
    .option('-P, --progress', 'live bars per file and in total (on a terminal only)')
    .option('--json', 'log lines as JSON objects on stderr')
    .option('-v, --verbose', 'say what is done to each file')
    .option('--encrypt', 'encrypt what is written to the destination (rclone crypt format)')
    .option('--decrypt', 'decrypt what is read from the source (rclone crypt format)')
    .option('--password <password>', 'the crypt password (better: set $CLOUDSTORAGE_PASSWORD)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 the operation failed (or check found differences), 2 bad usage.\nRun "cloudstorage <command> --help" for the options of a command.',
    );

  /** Wraps an action: a Session from the global options, closed at the end; a number returned is the exit code. */
  const run =
    <A extends unknown[]>(action: (session: Session, ...args: A) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const session = new Session(command.optsWithGlobals<GlobalOptions>(), io);
      try {
        const code = await action(session, ...(args.slice(0, -1) as A));
        setExit(typeof code === 'number' ? code : ExitCode.Ok);
      } catch (e) {
        // Whatever a transfer threw as it was stopped, the user pressed Ctrl-C: say so (exit 130).
        throw session.signal.aborted ? session.signal.reason : e;
      } finally {
        await session.close();
      }
    };

  program
    .command('ls')
    .description('list the files below a path (recursive), with sizes')
    .argument('<path>', 'remote:path or a local path')
    .action(run((s, path: string) => listing.ls(s, path)));
  program
    .command('lsf')
    .description('list names, folders ending in /, for scripts')
    .argument('<path>')
    .option('-R, --recursive', 'the whole tree')
    .option('--files-only', 'files only')
    .option('--dirs-only', 'folders only')
    .action(run((s, path: string, o: Parameters<typeof listing.lsf>[2]) => listing.lsf(s, path, o)));
  program
    .command('lsjson')
    .description('list as JSON (rclone fields: Path, Name, Size, ModTime, IsDir, Hashes, ID)')
    .argument('<path>')
    .option('-R, --recursive', 'the whole tree')
    .action(run((s, path: string, o: { recursive?: boolean }) => listing.lsjson(s, path, o)));
  program
    .command('tree')
    .description('draw the tree below a path')
    .argument('<path>')
    .action(run((s, path: string) => listing.tree(s, path)));
  program
    .command('cat')
    .description("print a file's bytes (every file below a folder)")
    .argument('<path>')
    .option('--offset <bytes>', 'start at this byte', wholeNumber(0))
    .option('--count <bytes>', 'print at most this many bytes', wholeNumber(0))
    .action(run((s, path: string, o: { offset?: number; count?: number }) => files.cat(s, path, o)));

  // copy, copyto, move, moveto: one shape, four verbs.
  const transfers = [
    ['copy', 'copy a file or the contents of a folder into a folder'],
    ['copyto', 'copy a file to a new name (or a folder to a folder)'],
    ['move', 'move a file or the contents of a folder into a folder'],
    ['moveto', 'move a file to a new name (or a folder to a folder)'],
  ] as const;
  for (const [verb, what] of transfers) {
    program
      .command(verb)
      .description(
        `${what}; files already there and the same (hash, else size and time) are skipped, so an interrupted run continues`,
      )
      .argument('<source>')
      .argument('<dest>')
      .option('-n, --dry-run', `show what would be ${verb.startsWith('copy') ? 'copied' : 'moved'}`)
      .action(
        run((s, src: string, dst: string, o: transfer.TransferFlags) =>
          verb === 'copy' || verb === 'copyto'
            ? transfer.copy(s, src, dst, o, verb)
            : transfer.move(s, src, dst, o, verb),
        ),
      );
  }
  program
    .command('sync')
    .description('make dest the same as source: copies first, then deletes what source does not have')
    .argument('<source>')
    .argument('<dest>')
    .option('-n, --dry-run', 'show the plan, change nothing')
    .action(run((s, src: string, dst: string, o: transfer.TransferFlags) => transfer.sync(s, src, dst, o)));
  program
    .command('check')
    .description('compare source and dest; lists differences, exit code 1 when there are any')
    .argument('<source>')
    .argument('<dest>')
    .option('--download', 'compare the bytes, not hashes or sizes')
    .action(run((s, src: string, dst: string, o: { download?: boolean }) => transfer.check(s, src, dst, o)));

  program
    .command('delete')
    .description('delete a file, or the files below a folder (the folders stay)')
    .argument('<path>')
    .option('-n, --dry-run', 'show what would be deleted')
    .action(run((s, path: string, o: { dryRun?: boolean }) => files.deleteFiles(s, path, o)));
  program
    .command('purge')
    .description('remove a folder and everything in it (filters do not apply)')
    .argument('<path>')
    .action(run((s, path: string) => files.purge(s, path)));
  program
    .command('mkdir')
    .description('make a folder (and its parents)')
    .argument('<path>')
    .action(run((s, path: string) => files.mkdir(s, path)));
  program
    .command('rmdir')
    .description('remove an empty folder')
    .argument('<path>')
    .action(run((s, path: string) => files.rmdir(s, path)));
  program
    .command('hashsum')
    .description('print a hash of every file (sha1, md5, sha256, dropbox), as sha1sum does')
    .argument('<hash>')
    .argument('<path>')
    .action(run((s, hash: string, path: string) => files.hashsum(s, hash, path)));
  program
    .command('about')
    .description("the remote's storage: total, used, free, trashed")
    .argument('<remote>', 'remote: (or a local path)')
    .action(run((s, path: string) => files.about(s, path)));
  program
    .command('link')
    .description('a public link to a file or folder')
    .argument('<path>')
    .action(run((s, path: string) => files.link(s, path)));

  registerQueueCommands(program, run);

  const config = program
    .command('config')
    .description('the remotes: add (signs in), list, show, remove')
    .addHelpText(
      'after',
      `\nTypes: ${Object.values(BACKENDS)
        .map((b) => `\n  ${b.type.padEnd(12)} ${b.description}`)
        .join('')}`,
    );
  const add = config
    .command('add')
    .description(
      'add a remote and sign in to it (OAuth: browser + loopback redirect; B2: the key is checked)',
    )
    .argument('<name>', 'the name to use in name:path')
    .argument('<type>', Object.keys(BACKENDS).join(', '))
    .option('--setting <name=value>', "a config setting of the service's class (repeatable)", collect, []);
  for (const spec of allOptionSpecs()) add.option(`--${spec.flag} <value>`, spec.help);
  add.action(
    run(async (s, name: string, type: string, o: Record<string, string>) => {
      const { setting, ...rest } = o as Record<string, string> & { setting: string[] };
      const given: Record<string, string> = {};
      for (const spec of allOptionSpecs()) {
        const key = spec.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
        if (rest[key] !== undefined) given[spec.flag] = rest[key]!;
      }
      await configCommands.configAdd(s, name, type, given, { settings: setting });
    }),
  );
  config
    .command('list')
    .description('the configured remotes (--json: as JSON)')
    .action(run((s) => configCommands.configList(s)));
  config
    .command('show')
    .description("a remote's settings (secrets masked) and whether it holds tokens")
    .argument('<name>')
    .action(run((s, name: string) => configCommands.configShow(s, name)));
  config
    .command('remove')
    .description('remove a remote and its tokens')
    .argument('<name>')
    .action(run((s, name: string) => configCommands.configRemove(s, name)));

  program
    .command('serve')
    .description('run the emulators of the four services on 127.0.0.1 until Ctrl-C')
    .option('--services <list>', 'comma-separated', 'box,dropbox,googledrive,b2')
    .option('--port <n>', 'port of the first service (0: free ports)', wholeNumber(0), 0)
    .option('--auto-approve', 'grant OAuth consent without the consent page')
    .option('--data <dir>', 'keep files, folders and tokens in DIR across restarts (saved at Ctrl-C)')
    .option(
      '--box-jwt-app <config.json>',
      'register a Box JWT app (its config file) so that it signs in to the Box emulator (repeatable)',
      collect,
      [],
    )
    .option(
      '--google-service-account <key.json>',
      'register a Google service account (its JSON key) with the Drive emulator (repeatable)',
      collect,
      [],
    )
    .action(
      async (o: {
        services: string;
        port: number;
        autoApprove?: boolean;
        data?: string;
        boxJwtApp: string[];
        googleServiceAccount: string[];
      }) => {
        if (o.port > 65535) throw new InvalidArgumentError(`--port: not a port number: ${o.port}`);
        // The emulators load only for serve and demo.
        const { describeEmulators, startEmulators } = await import('./serve.js');
        const running = await startEmulators({
          services: o.services
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          autoApprove: o.autoApprove ?? false,
          port: o.port,
          ...(o.data ? { dataDir: resolve(o.data) } : {}),
          boxJwtApps: o.boxJwtApp,
          googleServiceAccounts: o.googleServiceAccount,
        });
        io.stdout.write(`${describeEmulators(running)}\nPress Ctrl-C to stop.\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await running.stop();
      },
    );
  program
    .command('demo')
    .description('the whole product on the embedded emulators')
    .action(async () => {
      const { demo } = await import('./demo.js');
      await demo((line) => io.stdout.write(`${line}\n`));
    });
  return program;
}

/** Runs the command line; resolves to the exit code (messages already written). */
export async function main(argv: string[], io: Partial<SessionIo> = {}): Promise<number> {
  const full: SessionIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, ...io };
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(full, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.Usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end with exitCode 0; every other commander error is a usage error.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (e instanceof InvalidArgumentError) {
      full.stderr.write(`cloudstorage: ${e.message}\n`);
      return ExitCode.Usage;
    }
    const { message, exitCode: code, expected } = describeError(e);
    full.stderr.write(`cloudstorage: ${message}\n`);
    if (!expected && full.env.CLOUDSTORAGE_DEBUG && e instanceof Error && e.stack)
      full.stderr.write(`${e.stack}\n`);
    return code;
  }
}

/**
 * The installed command (bin/cloudstorage.js) and `node dist/cli/main.js`: the process is the command's
 * own, so it is tuned for transfers, then the command runs and the process exits with its code.
 *
 * The tuning: V8 keeps undici's HTTP parser (llhttp, WebAssembly) in its baseline compiler's code. By
 * default it compiles the parser again with its optimising compiler once it is hot, on a background
 * thread that holds 30-35 MiB and takes about 0.3 s of CPU in the middle of the first large transfer,
 * for a parser that is not what a transfer waits for (docs/BENCHMARKS.md). The command loads no other
 * WebAssembly, so the flag costs it nothing; a program that uses the library decides for its own process.
 */
export function runAsCommand(argv = process.argv.slice(2)): void {
  // Before the first connection: undici compiles its parser when it opens one.
  v8.setFlagsFromString('--liftoff-only');
  main(argv, { handleSignals: true }).then(
    (code) => {
      process.exitCode = code;
      // Whatever a service client left open (a keep-alive socket) must not hold the exit up.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runAsCommand();
