import { runParallel } from '../../core/transfer/chunks.js';
import { compareFiles } from '../../remote/compare.js';
import { copyFile, moveFile } from '../../remote/copy.js';
import { joinPath, splitPath } from '../../remote/paths.js';
import {
  check as checkTrees,
  type SyncOptions,
  type SyncResult,
  sync as syncTrees,
  walk,
} from '../../remote/sync.js';
import type { Entry } from '../../remote/types.js';
import { stateDir } from '../config-file.js';
import { CommandError, ExitCode, UsageError } from '../errors.js';
import type { Target } from '../locations.js';
import { formatBytes } from '../output.js';
import { ResumeStates } from '../resume-state.js';
import type { Session } from '../session.js';

export interface TransferFlags {
  dryRun?: boolean;
}

/**
 * `copy` / `copyto`: a folder's files into a folder (what is there and the same is skipped: a run again
 * after an interruption continues, and resumes open uploads from the state folder); a file into a folder
 * (`copy`) or to a new name (`copyto`).
 */
export async function copy(
  session: Session,
  source: string,
  dest: string,
  flags: TransferFlags,
  mode: 'copy' | 'copyto',
): Promise<number> {
  const [src, dst] = await endpoints(session, source, dest);
  const top = await session.statOrFail(src);
  if (top.kind === 'file')
    return copyOneFile(session, src, top, fileDestination(dst, top, mode), flags, 'copy');
  const result = await runTree(session, src, dst, flags, false);
  return finish(session, result, flags, 'Copied');
}

export async function move(
  session: Session,
  source: string,
  dest: string,
  flags: TransferFlags,
  mode: 'move' | 'moveto',
): Promise<number> {
  const [src, dst] = await endpoints(session, source, dest);
  const top = await session.statOrFail(src);
  if (top.kind === 'file')
    return copyOneFile(session, src, top, fileDestination(dst, top, mode), flags, 'move');
  const result = await runTree(session, src, dst, flags, false);
  const code = finish(session, result, flags, 'Copied');
  if (code !== ExitCode.Ok || flags.dryRun) return code;
  // Every file is on the destination and the same: the sources go (their folders stay, as in rclone).
  const files = [...(await walk(src.remote, src.path))].filter(
    ([rel, e]) => e.kind === 'file' && session.filter(rel),
  );
  await runParallel(files, session.options.checkers, async ([, e]) => {
    await src.remote.delete(e.path);
    session.out.event('deleted source', { path: e.path });
  });
  session.out.notice(`Moved ${files.length} file${files.length === 1 ? '' : 's'}.`, { moved: files.length });
  return ExitCode.Ok;
}

/** `sync`: makes the destination a mirror of the source; deletions only after every copy succeeded. */
export async function sync(
  session: Session,
  source: string,
  dest: string,
  flags: TransferFlags,
): Promise<number> {
  const [src, dst] = await endpoints(session, source, dest);
  const top = await session.statOrFail(src);
  if (top.kind === 'file')
    throw new UsageError(`${source} is a file: sync mirrors a folder; use copyto for a file.`);
  const result = await runTree(session, src, dst, flags, true);
  return finish(session, result, flags, 'Copied');
}

/** `check`: the differences, one per line on stdout; exit code 1 when there is any (as rclone). */
export async function check(
  session: Session,
  source: string,
  dest: string,
  flags: { download?: boolean },
): Promise<number> {
  const [src, dst] = await endpoints(session, source, dest);
  await session.statOrFail(src);
  const report = await checkTrees(src.remote, src.path, dst.remote, dst.path, {
    ...treeFilters(session),
    checkers: session.options.checkers,
    ...(flags.download ? { byContent: true } : {}),
    signal: session.signal,
  });
  for (const p of report.missingOnDestination) session.out.data(`+ ${p}`);
  for (const p of report.missingOnSource) session.out.data(`- ${p}`);
  for (const d of report.different) session.out.data(`* ${d.path}`);
  for (const e of report.errors) session.out.error(`${e.path}: ${e.error.message}`, { path: e.path });
  const differences =
    report.missingOnDestination.length + report.missingOnSource.length + report.different.length;
  session.out.notice(
    differences === 0 && report.errors.length === 0
      ? `${report.same} files match.`
      : `${differences} difference${differences === 1 ? '' : 's'} (+ only in ${source}, - only in ${dest}, * different), ${report.same} files match${report.errors.length ? `, ${report.errors.length} could not be compared` : ''}.`,
    {
      same: report.same,
      missingOnDestination: report.missingOnDestination.length,
      missingOnSource: report.missingOnSource.length,
      different: report.different.length,
      errors: report.errors.length,
    },
  );
  return differences + report.errors.length === 0 ? ExitCode.Ok : ExitCode.Failure;
}

async function endpoints(session: Session, source: string, dest: string): Promise<[Target, Target]> {
  const src = await session.target(source, 'source');
  const dst = await session.target(dest, 'destination');
  if (src.remote === dst.remote && (isWithinOrSame(src.path, dst.path) || isWithinOrSame(dst.path, src.path)))
    throw new UsageError(
      `${source} and ${dest} overlap (one is in the other): choose a destination outside the source.`,
    );
  return [src, dst];
}

function isWithinOrSame(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}

/** Where a single file goes: into the destination folder (copy, move) or to that very name (copyto, moveto). */
function fileDestination(dst: Target, file: Entry, mode: string): Target {
  return mode.endsWith('to') ? dst : { ...dst, path: joinPath(dst.path, file.name) };
}

function treeFilters(session: Session) {
  return { include: session.options.include, exclude: session.options.exclude };
}

/** A copy (or, with mirror, a sync) of a tree, with the progress display and the run's resume state. */
async function runTree(
  session: Session,
  src: Target,
  dst: Target,
  flags: TransferFlags,
  mirror: boolean,
): Promise<SyncResult> {
  const states = await ResumeStates.open(
    stateDir(session.configFile),
    `${src.remote.name}\n${src.path}\n${dst.remote.name}\n${dst.path}`,
  );
  const progress = session.progress();
  const options: SyncOptions = {
    ...treeFilters(session),
    transfers: session.options.transfers,
    checkers: session.options.checkers,
    deleteExtraneous: mirror,
    signal: session.signal,
    onProgress: (file, total) => {
      progress.update(file, total);
      if (file.state === 'done') session.out.event('copied', { path: file.path, size: file.size });
      if (file.state === 'failed')
        session.out.error(`${file.path}: ${file.error?.message}`, { path: file.path });
    },
    resumeStateOf: (path) => states.get(path),
    onResumeState: (path, state) => states.set(path, state),
    ...(flags.dryRun ? { dryRun: true } : {}),
  };
  if (states.size > 0)
    session.out.notice(`Resuming ${states.size} interrupted upload${states.size === 1 ? '' : 's'}.`);
  try {
    const result = await syncTrees(src.remote, src.path, dst.remote, dst.path, options);
    if (!flags.dryRun && result.errors.length === 0) {
      for (const d of result.plan.deletions) session.out.event('deleted', { path: d.path, kind: d.kind });
    }
    return result;
  } finally {
    progress.stop();
    await states.close();
  }
}

/** The summary of a tree run, the dry run's plan, and the exit code. */
function finish(session: Session, result: SyncResult, flags: TransferFlags, verb: string): number {
  const { plan } = result;
  if (flags.dryRun) {
    for (const c of plan.copies)
      session.out.notice(`would copy ${c.path} (${c.reason}, ${formatBytes(c.size)})`, {
        path: c.path,
        action: 'copy',
        reason: c.reason,
      });
    for (const f of plan.folders) session.out.notice(`would make folder ${f}`, { path: f, action: 'mkdir' });
    for (const d of plan.deletions)
      session.out.notice(`would delete ${d.kind} ${d.path}`, {
        path: d.path,
        action: 'delete',
        kind: d.kind,
      });
    session.out.notice(
      `Dry run: ${plan.copies.length} to copy, ${plan.deletions.length} to delete, ${plan.unchanged} unchanged; nothing was changed.`,
      {
        copies: plan.copies.length,
        deletions: plan.deletions.length,
        unchanged: plan.unchanged,
        dryRun: true,
      },
    );
    return ExitCode.Ok;
  }
  session.out.notice(
    `${verb} ${result.copied} file${result.copied === 1 ? '' : 's'} (${formatBytes(result.bytes)}), deleted ${result.deleted}, ${plan.unchanged} unchanged${result.errors.length ? `, ${result.errors.length} failed` : ''}.`,
    {
      copied: result.copied,
      bytes: result.bytes,
      deleted: result.deleted,
      unchanged: plan.unchanged,
      errors: result.errors.length,
    },
  );
  if (result.errors.length === 0) return ExitCode.Ok;
  throw new CommandError(
    `${result.errors.length} file${result.errors.length === 1 ? '' : 's'} could not be copied${result.plan.deletions.length ? ', so nothing was deleted' : ''}. Run the command again: what is done is skipped, open uploads resume. First error: ${result.errors[0]!.path}: ${result.errors[0]!.error.message}`,
  );
}

/** One file: skipped when the destination has the same, else copied (or moved) with its bar. */
async function copyOneFile(
  session: Session,
  src: Target,
  file: Entry,
  dst: Target,
  flags: TransferFlags,
  action: 'copy' | 'move',
): Promise<number> {
  const existing = await dst.remote.stat(dst.path, { signal: session.signal });
  if (existing?.kind === 'folder')
    throw new UsageError(
      `${dst.text} is a folder: give the file's new name (copyto/moveto ${src.text} ${dst.text}/${file.name}).`,
    );
  const same =
    existing !== undefined &&
    (await compareFiles(src.remote, file, dst.remote, existing, { signal: session.signal })).same;
  if (flags.dryRun) {
    session.out.notice(
      same ? `${file.path} is already there and the same` : `would ${action} ${file.path} to ${dst.text}`,
    );
    return ExitCode.Ok;
  }
  if (same && action === 'copy') {
    session.out.notice(`${dst.text} is already the same; nothing copied.`, { path: dst.path, unchanged: 1 });
    return ExitCode.Ok;
  }
  if (same) {
    await src.remote.delete(file.path);
    session.out.notice(`${dst.text} was already the same; removed the source.`, { path: dst.path });
    return ExitCode.Ok;
  }
  const states = await ResumeStates.open(
    stateDir(session.configFile),
    `${src.remote.name}\n${file.path}\n${dst.remote.name}\n${dst.path}`,
  );
  const progress = session.progress();
  const [, name] = splitPath(dst.path);
  const total = { files: 0, totalFiles: 1, bytes: 0, totalBytes: file.size, errors: 0 };
  const report = (bytes: number, state: 'started' | 'running' | 'done') => {
    total.bytes = bytes;
    if (state === 'done') total.files = 1;
    progress.update({ path: name, size: file.size, bytes, state }, total);
  };
  try {
    report(0, 'started');
    const resume = states.get('');
    if (resume) session.out.notice('Resuming an interrupted upload.');
    const run = action === 'copy' ? copyFile : moveFile;
    await run(src.remote, file.path, dst.remote, dst.path, {
      source: file,
      onProgress: (bytes) => report(bytes, 'running'),
      ...(resume ? { resume } : {}),
      onResumeState: (state) => states.set('', state),
      signal: session.signal,
    });
    states.set('', undefined);
    report(file.size, 'done');
  } finally {
    progress.stop();
    await states.close();
  }
  session.out.notice(
    `${action === 'copy' ? 'Copied' : 'Moved'} ${file.path} to ${dst.text} (${formatBytes(file.size)}).`,
    {
      path: dst.path,
      bytes: file.size,
    },
  );
  return ExitCode.Ok;
}
