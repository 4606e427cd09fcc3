import type { Entry } from '../../remote/types.js';
import type { Target } from '../locations.js';
import type { Session } from '../session.js';

/**
 * The entries below a target, with paths relative to it, filtered by --include/--exclude (files only;
 * folders always pass so their contents can be reached). A target that is a file lists that file.
 */
export async function* entriesBelow(
  session: Session,
  target: Target,
  recursive: boolean,
): AsyncGenerator<{ rel: string; entry: Entry }> {
  const top = await session.statOrFail(target);
  if (top.kind === 'file') {
    const rel = top.name;
    if (session.filter(rel)) yield { rel, entry: top };
    return;
  }
  const prefix = target.path === '' ? '' : `${target.path}/`;
  for await (const entry of target.remote.list(target.path, { recursive })) {
    const rel = entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : entry.path;
    if (entry.kind === 'file' && !session.filter(rel)) continue;
    yield { rel, entry };
  }
}

/** `ls`: every file below the path (recursive), with its size, as rclone prints it. */
export async function ls(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  for await (const { rel, entry } of entriesBelow(session, target, true)) {
    if (entry.kind === 'file') session.out.data(`${String(entry.size).padStart(9)} ${rel}`);
  }
}

/** `lsf`: names, folders with a trailing slash; one level unless --recursive. */
export async function lsf(
  session: Session,
  path: string,
  options: { recursive?: boolean; filesOnly?: boolean; dirsOnly?: boolean },
): Promise<void> {
  const target = await session.target(path);
  for await (const { rel, entry } of entriesBelow(session, target, options.recursive ?? false)) {
    if (entry.kind === 'folder' ? options.filesOnly : options.dirsOnly) continue;
    session.out.data(entry.kind === 'folder' ? `${rel}/` : rel);
  }
}

/**
 * `lsjson`: a JSON array with rclone's field names (Path, Name, Size, MimeType, ModTime, IsDir, Hashes, ID),
 * written entry by entry so a large tree never sits in memory.
 */
export async function lsjson(
  session: Session,
  path: string,
  options: { recursive?: boolean },
): Promise<void> {
  const target = await session.target(path);
  const out = session.out.stdout;
  out.write('[\n');
  let first = true;
  for await (const { rel, entry } of entriesBelow(session, target, options.recursive ?? false)) {
    const item: Record<string, unknown> = {
      Path: rel,
      Name: entry.name,
      Size: entry.kind === 'folder' ? -1 : entry.size,
      MimeType: entry.mimeType ?? (entry.kind === 'folder' ? 'inode/directory' : 'application/octet-stream'),
      ModTime: entry.modTime?.toISOString() ?? '',
      IsDir: entry.kind === 'folder',
    };
    if (entry.kind === 'file') item.Hashes = entry.hashes;
    if (entry.id) item.ID = entry.id;
    out.write(`${first ? '' : ',\n'}${JSON.stringify(item)}`);
    first = false;
  }
  out.write(`${first ? '' : '\n'}]\n`);
}

/** `tree`: the folder drawn as a tree, with file sizes, and a count at the end. */
export async function tree(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  session.out.data(target.path === '' ? '/' : target.path);
  // Whether a line is the last of its folder is known only once the folder is listed: names are held.
  const pending: Array<{ depth: number; text: string }> = [];
  let files = 0;
  let folders = 0;
  for await (const { rel, entry } of entriesBelow(session, target, true)) {
    const depth = rel.split('/').length - 1;
    if (entry.kind === 'file') files++;
    else folders++;
    pending.push({ depth, text: entry.kind === 'file' ? `${entry.name} (${entry.size})` : `${entry.name}/` });
  }
  const last = lastAmongSiblings(pending.map((p) => p.depth));
  const more: boolean[] = [];
  for (let i = 0; i < pending.length; i++) {
    const { depth, text } = pending[i]!;
    let prefix = '';
    for (let d = 0; d < depth; d++) prefix += more[d] ? '│   ' : '    ';
    session.out.data(`${prefix}${last[i] ? '└── ' : '├── '}${text}`);
    more[depth] = !last[i];
  }
  session.out.data(`\n${folders} folders, ${files} files`);
}

/** For each line of a depth-first listing, whether no later line at its depth follows before the tree climbs. */
function lastAmongSiblings(depths: number[]): boolean[] {
  const last = new Array<boolean>(depths.length);
  const seen: boolean[] = [];
  for (let i = depths.length - 1; i >= 0; i--) {
    const d = depths[i]!;
    last[i] = !seen[d];
    seen.length = d + 1;
    seen[d] = true;
  }
  return last;
}
