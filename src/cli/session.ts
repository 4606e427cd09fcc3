import type { Writable } from 'node:stream';
import type { BrowserLauncher } from '../core/auth/types.js';
import { CryptRemote } from '../remote/crypt.js';
import { pathFilter } from '../remote/filter.js';
import type { Entry, Remote } from '../remote/types.js';
import { openRemote } from './adapters.js';
import { browserFromEnvironment } from './backends.js';
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
  stdout: Writable;
  /** Messages, and the progress bars when it is a terminal. */
  stderr: Writable;
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
  /** Encrypting views of the remotes above; they hold nothing of their own to close. */
  private readonly crypts = new Map<string, Remote>();

  constructor(
    readonly options: GlobalOptions,
    readonly io: SessionIo,
  ) {
    this.configFile = configPath(options.config, io.env);
    this.out = new Output(io.stdout, io.stderr, options.json ?? false, options.verbose ?? false);
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

  /**
   * The remote and path an argument names (`name:path` or a local path). `--encrypt` wraps a transfer's
   * destination in the rclone-crypt remote, `--decrypt` its source; a one-path command (ls, cat, …) sees
   * through the encryption with either.
   */
  async target(text: string, role: 'source' | 'destination' | 'path' = 'path'): Promise<Target> {
    const location = parseLocation(text, await this.loadConfig());
    let key: string;
    let remote: Remote;
    let path: string;
    if (location.kind === 'local') {
      const rooted = localRootAndPath(location.absolute);
      key = `local:${rooted.root}`;
      remote = await this.open(key, () => openRemote.local(rooted.root));
      path = rooted.path;
    } else {
      const entry = this.config!.remotes[location.remote]!;
      key = location.remote;
      remote = await this.open(key, () =>
        openRemote.configured(location.remote, entry, {
          tokenFile: tokenPath(this.configFile, location.remote),
          openBrowser: this.openBrowser,
        }),
      );
      path = location.path;
    }
    const { encrypt, decrypt } = this.options;
    const crypt = role === 'destination' ? encrypt : role === 'source' ? decrypt : encrypt || decrypt;
    if (crypt) remote = this.encrypted(key, remote);
    return { remote, path, text };
  }

  /** The rclone-crypt view of a remote (one per remote, so the key is derived once). */
  private encrypted(key: string, inner: Remote): Remote {
    const known = this.crypts.get(key);
    if (known) return known;
    const password = this.options.password || this.io.env.CLOUDSTORAGE_PASSWORD;
    if (!password)
      throw new UsageError(
        '--encrypt and --decrypt need the password: set CLOUDSTORAGE_PASSWORD (or pass --password, which other users can see in the process list).',
      );
    const crypt = new CryptRemote(inner, { password, name: `${inner.name} (encrypted)` });
    this.crypts.set(key, crypt);
    return crypt;
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
    return createProgress(this.io.stderr, this.options.progress ?? false);
  }

  async close(): Promise<void> {
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    const opened = await Promise.allSettled(this.remotes.values());
    await Promise.allSettled(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}
