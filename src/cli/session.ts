import type { BrowserLauncher } from '../core/auth/types.js';
import type { Entry, Remote } from '../remote/types.js';
import { openRemote } from './adapters.js';
import { type ConfigFile, configPath, loadConfig, tokenPath } from './config-file.js';
import { CommandError, UsageError } from './errors.js';
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
        ...(this.io.openBrowser ? { openBrowser: this.io.openBrowser } : {}),
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
  readonly filter = {
    matches: (_rel: string): boolean => {
      if (this.options.include.length || this.options.exclude.length)
        throw new UsageError('--include and --exclude are not available in this build yet.');
      return true;
    },
  };

  /** Runs `task` for every item, at most `concurrency` at once; the first failure stops new tasks. */
  async limit<T>(concurrency: number, items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < items.length) {
        const item = items[next++]!;
        try {
          await task(item);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  }

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
    const opened = await Promise.allSettled(this.remotes.values());
    await Promise.allSettled(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
