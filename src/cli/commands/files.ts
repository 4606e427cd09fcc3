import { pipeline } from 'node:stream/promises';
import { runParallel } from '../../core/transfer/chunks.js';
import type { HashName } from '../../remote/types.js';
import { CommandError, UsageError } from '../errors.js';
import { formatBytes } from '../output.js';
import type { Session } from '../session.js';
import { entriesBelow } from './listing.js';

const HASHES: readonly HashName[] = ['sha1', 'md5', 'sha256', 'dropbox'];

/** `cat`: a file's bytes (or every file below a folder, one after the other) to stdout, streamed. */
export async function cat(
  session: Session,
  path: string,
  options: { offset?: number; count?: number },
): Promise<void> {
  const target = await session.target(path);
  for await (const { entry } of entriesBelow(session, target, true)) {
    if (entry.kind !== 'file') continue;
    const data = await target.remote.read(entry.path, {
      ...(options.offset !== undefined ? { offset: options.offset } : {}),
      ...(options.count !== undefined ? { length: options.count } : {}),
    });
    await pipeline(data, session.out.stdout, { end: false });
  }
}

export async function mkdir(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  await target.remote.mkdir(target.path);
  session.out.event('made folder', { path: target.text });
}

export async function rmdir(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  if (target.path === '')
    throw new UsageError(`${path} is the root of the remote: rmdir removes a folder in it.`);
  await target.remote.rmdir(target.path);
  session.out.event('removed folder', { path: target.text });
}

/** `delete`: the file, or every file below the folder that passes the filters (folders stay, as in rclone). */
export async function deleteFiles(
  session: Session,
  path: string,
  options: { dryRun?: boolean },
): Promise<void> {
  const target = await session.target(path);
  let count = 0;
  const files: string[] = [];
  for await (const { entry } of entriesBelow(session, target, true))
    if (entry.kind === 'file') files.push(entry.path);
  await runParallel(files, session.options.checkers, async (file) => {
    if (!options.dryRun) await target.remote.delete(file);
    count++;
    session.out.event(options.dryRun ? 'would delete' : 'deleted', { path: file });
  });
  session.out.notice(
    `${options.dryRun ? 'Would delete' : 'Deleted'} ${count} file${count === 1 ? '' : 's'}.`,
    {
      deleted: count,
    },
  );
}

export async function purge(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  const top = await session.statOrFail(target);
  if (top.kind === 'file')
    throw new UsageError(`${path} is a file: purge removes a folder; use delete for a file.`);
  if (target.path === '' && target.remote.type !== 'b2')
    throw new UsageError(
      `${path} is the root of the remote: purge a folder in it, or delete its files with delete.`,
    );
  await target.remote.purge(target.path);
  session.out.event('purged', { path: target.text });
}

/** `hashsum HASH PATH`: `digest  path` lines (the format of sha1sum and friends). */
export async function hashsum(session: Session, name: string, path: string): Promise<void> {
  const hash = name.toLowerCase() as HashName;
  if (!HASHES.includes(hash))
    throw new UsageError(`Unknown hash "${name}": choose one of ${HASHES.join(', ')}.`);
  const target = await session.target(path);
  const files: Array<{ rel: string; path: string }> = [];
  for await (const { rel, entry } of entriesBelow(session, target, true))
    if (entry.kind === 'file') files.push({ rel, path: entry.path });
  const digests = new Map<string, string>();
  await runParallel(files, session.options.checkers, async (f) => {
    const digest = await target.remote.hash(f.path, hash);
    if (digest === undefined)
      throw new CommandError(
        `${target.remote.name} cannot give the ${hash} hash of ${f.rel}; it has ${target.remote.features.hashes.join(', ') || 'none'}.`,
      );
    digests.set(f.rel, digest);
  });
  for (const f of files) session.out.data(`${digests.get(f.rel)}  ${f.rel}`);
}

export async function about(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  const quota = await target.remote.about();
  if (session.options.json) {
    session.out.data(JSON.stringify(quota));
    return;
  }
  if (Object.values(quota).every((v) => v === undefined)) {
    session.out.notice(`${target.remote.name} does not report storage figures.`);
    return;
  }
  const show = (label: string, n: number | undefined) =>
    n !== undefined && session.out.data(`${label.padEnd(8)} ${formatBytes(n)} (${n})`);
  show('Total:', quota.total);
  show('Used:', quota.used);
  show('Free:', quota.free);
  show('Trashed:', quota.trashed);
}

export async function link(session: Session, path: string): Promise<void> {
  const target = await session.target(path);
  await session.statOrFail(target);
  session.out.data(await target.remote.link(target.path));
}
