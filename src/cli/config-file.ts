import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { CommandError, UsageError } from './errors.js';

/**
 * The file of remotes: JSON, mode 0600 (it holds client secrets and B2 keys), written atomically. Tokens are
 * not in it: each OAuth remote's tokens live in the library's FileTokenStore, `tokens/NAME.json` next to it.
 *
 * ```json
 * { "remotes": { "work": { "type": "box", "options": { "client-id": "…", "client-secret": "…" } } } }
 * ```
 */
export interface RemoteConfig {
  type: string;
  /** Option values by their flag name (`client-id`, `api-url`, …; see backends.ts). */
  options: Record<string, string>;
  /** Config settings of the service class (`MinResumableUploadSize`, `UploadConcurrency`, …), by name. */
  settings?: Record<string, string>;
}

export interface ConfigFile {
  remotes: Record<string, RemoteConfig>;
}

/** Where the config file is: `--config`, else `CLOUDSTORAGE_CONFIG`, else the platform's config folder. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.CLOUDSTORAGE_CONFIG) return resolve(env.CLOUDSTORAGE_CONFIG);
  return join(platformConfigDir(process.platform, env, homedir()), 'cloudstorage', 'config.json');
}

/** The folder for per-user configuration: XDG on Linux and BSD, Application Support on macOS, AppData on Windows. */
export function platformConfigDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

/** The token file of a remote (FileTokenStore). */
export function tokenPath(config: string, remote: string): string {
  return join(dirname(config), 'tokens', `${remote}.json`);
}

/** The folder where interrupted uploads keep their resume state until they finish. */
export function stateDir(config: string): string {
  return join(dirname(config), 'state');
}

const REMOTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function checkRemoteName(name: string): string {
  if (!REMOTE_NAME.test(name))
    throw new UsageError(
      `"${name}" is not a valid remote name: use letters, digits, "_", "." and "-" (at most 64, not starting with "." or "-").`,
    );
  return name;
}

export async function loadConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY);
    try {
      const { mode } = await handle.stat();
      if (process.platform !== 'win32' && (mode & 0o077) !== 0)
        throw new CommandError(
          `The config file ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); it holds secrets. Run "chmod 600 ${path}".`,
        );
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { remotes: {} };
    if (e instanceof CommandError) throw e;
    throw new CommandError(`Cannot read the config file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CommandError(
      `The config file ${path} is not valid JSON (${(e as Error).message}); fix or remove it.`,
    );
  }
  const remotes = (value as ConfigFile | null)?.remotes;
  if (!remotes || typeof remotes !== 'object')
    throw new CommandError(`The config file ${path} has no "remotes" object; fix or remove it.`);
  for (const [name, r] of Object.entries(remotes)) {
    if (!r || typeof r.type !== 'string' || typeof r.options !== 'object' || r.options === null)
      throw new CommandError(`The remote "${name}" in ${path} needs a "type" and an "options" object.`);
  }
  return { remotes };
}

export async function saveConfig(path: string, config: ConfigFile): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`, 0o600);
}

export async function removeTokens(config: string, remote: string): Promise<void> {
  await rm(tokenPath(config, remote), { force: true });
  await rm(`${tokenPath(config, remote)}.lock`, { force: true });
}
