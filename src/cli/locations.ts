import { isAbsolute, parse as parsePath, relative, resolve } from 'node:path';
import type { Remote } from '../remote/types.js';
import type { ConfigFile } from './config-file.js';
import { UsageError } from './errors.js';

/**
 * Where a command argument points: `name:path` on a configured remote, or a local path. As in rclone a
 * local name with a colon is written `./a:b` (anything with a slash before the colon is local); a Windows
 * drive letter (`C:\…`) is local too.
 */
export type Location =
  | { kind: 'remote'; remote: string; path: string; text: string }
  | { kind: 'local'; absolute: string; text: string };

export function parseLocation(text: string, config: ConfigFile, platform = process.platform): Location {
  if (text === '') throw new UsageError('An empty path: give remote:path or a local path.');
  const colon = text.indexOf(':');
  const slash = text.search(/[/\\]/);
  const driveLetter = platform === 'win32' && colon === 1;
  if (colon > 0 && (slash < 0 || slash > colon) && !driveLetter) {
    const remote = text.slice(0, colon);
    if (!config.remotes[remote]) {
      const known = Object.keys(config.remotes);
      throw new UsageError(
        `There is no remote "${remote}" in the config file. ${known.length ? `Configured: ${known.join(', ')}.` : 'None is configured yet.'} Add one with "cloudstorage config add ${remote} TYPE …", or write ./${text} for a local file.`,
      );
    }
    return { kind: 'remote', remote, path: trimSlashes(text.slice(colon + 1)), text };
  }
  return { kind: 'local', absolute: resolve(text), text };
}

function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path[start] === '/') start++;
  while (end > start && path[end - 1] === '/') end--;
  return path.slice(start, end);
}

/** A local path as a path on the local remote rooted at the file system's root. */
export function localRootAndPath(absolute: string): { root: string; path: string } {
  const root = parsePath(absolute).root;
  const rel = relative(root, absolute);
  if (isAbsolute(rel)) throw new UsageError(`Cannot use the local path ${absolute}.`);
  return { root, path: rel.split(/[\\/]/).filter(Boolean).join('/') };
}

/** A remote with a path on it, as commands use them. */
export interface Target {
  remote: Remote;
  path: string;
  /** How the user wrote it, for messages. */
  text: string;
}
