import type { BrowserLauncher } from '../core/auth/types.js';
import { pathFilter } from '../remote/filter.js';
import type { Entry, Remote } from '../remote/types.js';
import { openRemote } from './adapters.js';
import { browserFromEnvironment } from './backends.js';
import { type ConfigFile, configPath, loadConfig, tokenPath } from './config-file.js';
import { CommandError } from './errors.js';
import { localRootAndPath, parseLocation, type Target } from './locations.js';
import { Output } from './output.js';
import { createProgress, type ProgressDisplay } from './progress.js';

/** The options every command takes (before or after the command name). */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
  progress?: boolean;
  transfers: number;
  checkers: number;
  include: string[];
  exclude: string[];
  encrypt?: boolean;
  decrypt?: boolean;
  password?: string;
}

export interface SessionIo {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Ctrl-C stops the command cleanly (the binary; not when main() runs inside another program). */
  handleSignals?: boolean;
  /** Replaces the browser sign-in opens (tests, the demo). */
  openBrowser?: BrowserLauncher;
}

/**
 * One run of the command: the config file (read once), the remotes it opened (one instance per remote name,
 * closed at the end), where messages go, and the progress display.
 */
export class Session {
  readonly configFile: string;
  readonly out: Output;
  private config: ConfigFile | undefined;
  private readonly remotes = new Map<string, Promise<Remote>>();

  constructor(
    readonly options: GlobalOptions,
    readonly io: SessionIo,
  ) {
    this.configFile = configPath(options.config, io.env);
    this.out = new Output(
      io.stdout as NodeJS.WritableStream as never,
      io.stderr as never,
      options.json ?? false,
      options.verbose ?? false,
    );
    this.openBrowser = io.openBrowser ?? browserFromEnvironment(io.env);
    this.filter = pathFilter({ include: options.include, exclude: options.exclude });
    this.signal = this.abort.signal;
    if (io.handleSignals) {
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
  }

  async loadConfig(): Promise<ConfigFile> {
    this.config ??= await loadConfig(this.configFile);
    return this.config;
  }

  /** The remote and path an argument names (`name:path` or a local path). */
  async target(text: string): Promise<Target> {
    const location = parseLocation(text, await this.loadConfig());
    if (location.kind === 'local') {
      const { root, path } = localRootAndPath(location.absolute);
      return { remote: await this.open(`local:${root}`, () => openRemote.local(root)), path, text };
    }
    const entry = this.config!.remotes[location.remote]!;
    const remote = await this.open(location.remote, () =>
      openRemote.configured(location.remote, entry, {
        tokenFile: tokenPath(this.configFile, location.remote),
        openBrowser: this.openBrowser,
      }),
    );
    return { remote, path: location.path, text };
  }

  private open(key: string, make: () => Promise<Remote> | Remote): Promise<Remote> {
    let remote = this.remotes.get(key);
    if (!remote) {
      remote = Promise.resolve(make());
      this.remotes.set(key, remote);
    }
    return remote;
  }

  /** Whether a file (its path below the command's root) passes --include / --exclude. */
  readonly filter: (rel: string) => boolean;
  /** What sign-in opens the authorization URL with. */
  readonly openBrowser: BrowserLauncher;
  /** Aborted by Ctrl-C (SIGINT) or SIGTERM: transfers stop, upload state stays for the next run. */
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private readonly onSignal = () =>
    this.abort.abort(new CommandError('Interrupted; run the command again to continue.', 130));

  /** The entry at a target; a missing path is an error that says where to look. The root is a folder. */
  async statOrFail(target: Target): Promise<Entry> {
    const entry = await target.remote.stat(target.path);
    if (entry) return entry;
    if (target.path === '') return { path: '', name: '', kind: 'folder', size: 0, hashes: {} };
    const parent = target.text.includes('/')
      ? target.text.slice(0, target.text.lastIndexOf('/'))
      : target.text.slice(0, target.text.indexOf(':') + 1) || '.';
    throw new CommandError(
      `${target.text}: no such file or folder. "cloudstorage lsf ${parent}" shows what is there.`,
    );
  }

  progress(): ProgressDisplay {
    return createProgress(this.io.stderr as NodeJS.WriteStream, this.options.progress ?? false);
  }

  async close(): Promise<void> {
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    const opened = await Promise.allSettled(this.remotes.values());
    await Promise.allSettled(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
