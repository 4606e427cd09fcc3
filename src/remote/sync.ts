import { runParallel } from '../core/transfer/chunks.js';
import { compareFiles, type Verdict } from './compare.js';
import { copyFile } from './copy.js';
import { isFolderNotEmpty, isRemoteNotFound } from './errors.js';
import { type FilterOptions, pathFilter } from './filter.js';
import { cleanPath, isWithin, joinPath, relativeTo } from './paths.js';
import { isNativeDoc } from './service-entry.js';
import type { Entry, Remote, UploadResumeState } from './types.js';

/** One file of a copy or sync as it goes (for progress bars). */
export interface FileProgress {
  /** The path below the roots. */
  path: string;
  size: number;
  bytes: number;
  state: 'started' | 'running' | 'done' | 'failed';
  error?: Error;
}

/** The whole run as it goes. */
export interface TotalProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  errors: number;
}

export interface TreeOptions extends FilterOptions {
  /** Files compared at once (default 8). */
  checkers?: number;
  /** Read both files to compare them instead of hashes and times. */
  byContent?: boolean;
  /** Google Docs, Sheets, … (listed with size 0, no bytes of their own) are skipped unless this is set. */
  includeNativeDocs?: boolean;
  signal?: AbortSignal;
}

export interface SyncOptions extends TreeOptions {
  /** Files copied at once (default 4). */
  transfers?: number;
  /** Plan only: nothing is written or deleted (the plan is in the result). */
  dryRun?: boolean;
  /** A one-way mirror deletes on the destination what the source does not have; a copy (false) does not. */
  deleteExtraneous?: boolean;
  onProgress?: (file: FileProgress, total: TotalProgress) => void;
  /** A saved upload state to continue, by path below the roots (an interrupted run's). */
  resumeStateOf?: (path: string) => UploadResumeState | undefined;
  /** Called as a file's upload state changes (undefined once the file is done): keep it to resume. */
  onResumeState?: (path: string, state: UploadResumeState | undefined) => void;
}

/** What a sync or copy will do, paths below the roots. */
export interface SyncPlan {
  copies: Array<{ path: string; size: number; reason: 'missing' | 'different'; source: Entry }>;
  /** What is in the way on the destination (a folder where a file goes, a file where a folder goes): removed before the copies. */
  obstacles: Array<{ path: string; kind: 'file' | 'folder' }>;
  /** Files to delete on the destination, then folders (deepest first; a folder left non-empty by filters stays). */
  deletions: Array<{ path: string; kind: 'file' | 'folder' }>;
  /** Empty folders of the source to make on the destination. */
  folders: string[];
  /** Files already the same on both sides. */
  unchanged: number;
}

export interface SyncResult {
  plan: SyncPlan;
  copied: number;
  deleted: number;
  bytes: number;
  errors: Array<{ path: string; error: Error }>;
}

export interface CheckReport {
  /** On the source, not on the destination. */
  missingOnDestination: string[];
  /** On the destination, not on the source. */
  missingOnSource: string[];
  /** On both, with different content. */
  different: Array<{ path: string; by: Verdict['by'] }>;
  same: number;
  errors: Array<{ path: string; error: Error }>;
}

/**
 * The entries of a tree by their path below `root` (the root itself left out). A root that is not there is
 * an empty tree when `missingIsEmpty` (a sync's destination), else RemoteNotFound.
 */
export async function walk(
  remote: Remote,
  root: string,
  options: { signal?: AbortSignal; missingIsEmpty?: boolean } = {},
): Promise<Map<string, Entry>> {
  const base = cleanPath(root);
  const out = new Map<string, Entry>();
  try {
    const top = await remote.stat(base, options.signal ? { signal: options.signal } : {});
    if (top?.kind === 'file') {
      out.set(top.name, top);
      return out;
    }
    for await (const e of remote.list(base, {
      recursive: true,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      out.set(relativeTo(e.path, base), e);
    }
  } catch (e) {
    if (!(options.missingIsEmpty && isRemoteNotFound(e))) throw e;
  }
  return out;
}

function keyOf(path: string, caseInsensitive: boolean): string {
  return caseInsensitive ? path.toLowerCase() : path;
}

/** The two trees side by side, filtered; keys fold case when the destination does. */
async function sideBySide(src: Remote, srcRoot: string, dst: Remote, dstRoot: string, options: TreeOptions) {
  const keep = pathFilter(options);
  const signal = options.signal ? { signal: options.signal } : {};
  const [source, destination] = await Promise.all([
    walk(src, srcRoot, signal),
    walk(dst, dstRoot, { ...signal, missingIsEmpty: true }),
  ]);
  const fold = dst.features.caseInsensitive || src.features.caseInsensitive;
  const wanted = (path: string, e: Entry) =>
    e.kind === 'folder' || (keep(path) && (options.includeNativeDocs || !isNativeDoc(e)));
  const srcByKey = new Map<string, [string, Entry]>();
  for (const [p, e] of source) if (wanted(p, e)) srcByKey.set(keyOf(p, fold), [p, e]);
  const dstByKey = new Map<string, [string, Entry]>();
  for (const [p, e] of destination) if (wanted(p, e)) dstByKey.set(keyOf(p, fold), [p, e]);
  return { srcByKey, dstByKey };
}

/**
 * What a one-way sync (or, without deleteExtraneous, a copy) from `src:srcRoot` to `dst:dstRoot` would do:
 * the files missing or different on the destination (compared `checkers` at a time by {@link compareFiles}),
 * the files and folders only the destination has, the empty folders to make.
 */
export async function planSync(
  src: Remote,
  srcRoot: string,
  dst: Remote,
  dstRoot: string,
  options: SyncOptions = {},
): Promise<SyncPlan> {
  const { srcByKey, dstByKey } = await sideBySide(src, srcRoot, dst, dstRoot, options);
  const plan: SyncPlan = { copies: [], obstacles: [], deletions: [], folders: [], unchanged: 0 };
  const pairs: Array<[string, Entry, Entry]> = [];
  const nonEmpty = new Set<string>();
  for (const [path, e] of srcByKey.values()) {
    if (e.kind !== 'file') continue;
    for (let at = path.lastIndexOf('/'); at > 0; at = path.lastIndexOf('/', at - 1))
      nonEmpty.add(path.slice(0, at));
  }
  for (const [key, [path, e]] of srcByKey) {
    const [therePath, there] = dstByKey.get(key) ?? [];
    if (there && therePath !== undefined && there.kind !== e.kind) {
      plan.obstacles.push({ path: therePath, kind: there.kind });
    }
    if (e.kind === 'folder') {
      if (there?.kind !== 'folder' && dst.features.emptyFolders && !nonEmpty.has(path))
        plan.folders.push(path);
      continue;
    }
    if (there?.kind === 'file') pairs.push([path, e, there]);
    else plan.copies.push({ path, size: e.size, reason: 'missing', source: e });
  }
  await runParallel(
    pairs,
    options.checkers ?? 8,
    async ([path, a, b]) => {
      const verdict = await compareFiles(src, a, dst, b, options);
      if (verdict.same) plan.unchanged++;
      else plan.copies.push({ path, size: a.size, reason: 'different', source: a });
    },
    options.signal,
  );
  plan.copies.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  if (options.deleteExtraneous ?? true) {
    const gone: Array<{ path: string; kind: 'file' | 'folder' }> = [];
    // What is below a folder in the way goes with it.
    const inTheWay = plan.obstacles.filter((o) => o.kind === 'folder').map((o) => o.path);
    for (const [key, [path, e]] of dstByKey) {
      if (!srcByKey.has(key) && !inTheWay.some((folder) => isWithin(path, folder)))
        gone.push({ path, kind: e.kind });
    }
    // Files first, then folders deepest first (a folder is empty by the time it is removed).
    gone.sort((x, y) =>
      x.kind !== y.kind ? (x.kind === 'file' ? -1 : 1) : y.path.split('/').length - x.path.split('/').length,
    );
    plan.deletions.push(...gone);
  }
  return plan;
}

/**
 * A one-way sync: makes `dst:dstRoot` a mirror of `src:srcRoot` (with deleteExtraneous false, a copy that
 * deletes nothing). Copies run `transfers` at a time, streamed (copyFile); deletions come after all copies,
 * and only when every copy succeeded (a failed run never deletes). A run again copies nothing that is
 * already the same. With dryRun, only the plan.
 */
export async function sync(
  src: Remote,
  srcRoot: string,
  dst: Remote,
  dstRoot: string,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const plan = await planSync(src, srcRoot, dst, dstRoot, options);
  const result: SyncResult = { plan, copied: 0, deleted: 0, bytes: 0, errors: [] };
  if (options.dryRun) return result;
  const base = cleanPath(dstRoot);
  const total: TotalProgress = {
    files: 0,
    totalFiles: plan.copies.length,
    bytes: 0,
    totalBytes: plan.copies.reduce((n, c) => n + c.size, 0),
    errors: 0,
  };
  const report = options.onProgress;
  for (const o of plan.obstacles) {
    if (o.kind === 'file') await dst.delete(joinPath(base, o.path));
    else await dst.purge(joinPath(base, o.path));
    result.deleted++;
  }
  for (const folder of plan.folders) await dst.mkdir(joinPath(base, folder));
  await runParallel(
    plan.copies,
    options.transfers ?? 4,
    async (c) => {
      const file: FileProgress = { path: c.path, size: c.size, bytes: 0, state: 'started' };
      report?.(file, total);
      let counted = 0;
      try {
        const resume = options.resumeStateOf?.(c.path);
        await copyFile(src, c.source.path, dst, joinPath(base, c.path), {
          source: c.source,
          onProgress: (bytes) => {
            total.bytes += bytes - counted;
            counted = bytes;
            file.bytes = bytes;
            file.state = 'running';
            report?.(file, total);
          },
          ...(resume ? { resume } : {}),
          ...(options.onResumeState ? { onResumeState: (s) => options.onResumeState!(c.path, s) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        options.onResumeState?.(c.path, undefined);
        total.bytes += c.size - counted;
        total.files++;
        result.copied++;
        result.bytes += c.size;
        file.bytes = c.size;
        file.state = 'done';
        report?.(file, total);
      } catch (e) {
        if (options.signal?.aborted) throw e;
        const error = e instanceof Error ? e : new Error(String(e));
        result.errors.push({ path: c.path, error });
        total.errors++;
        file.state = 'failed';
        file.error = error;
        report?.(file, total);
      }
    },
    options.signal,
  );
  if (result.errors.length > 0) return result;
  for (const d of plan.deletions) {
    try {
      if (d.kind === 'file') await dst.delete(joinPath(base, d.path));
      else await dst.rmdir(joinPath(base, d.path));
      result.deleted++;
    } catch (e) {
      // A folder that only ever existed as names (B2) is gone with its files; one that still holds files
      // the filters left out stays.
      if (!isRemoteNotFound(e) && !isFolderNotEmpty(e))
        result.errors.push({ path: d.path, error: e as Error });
    }
  }
  return result;
}

/**
 * The differences between two trees: files only on one side, and files on both whose content differs
 * (compared `checkers` at a time by {@link compareFiles}).
 */
export async function check(
  src: Remote,
  srcRoot: string,
  dst: Remote,
  dstRoot: string,
  options: TreeOptions = {},
): Promise<CheckReport> {
  const { srcByKey, dstByKey } = await sideBySide(src, srcRoot, dst, dstRoot, options);
  const report: CheckReport = {
    missingOnDestination: [],
    missingOnSource: [],
    different: [],
    same: 0,
    errors: [],
  };
  const pairs: Array<[string, Entry, Entry]> = [];
  for (const [key, [path, e]] of srcByKey) {
    if (e.kind !== 'file') continue;
    const there = dstByKey.get(key)?.[1];
    if (there?.kind === 'file') pairs.push([path, e, there]);
    else report.missingOnDestination.push(path);
  }
  for (const [key, [path, e]] of dstByKey) {
    if (e.kind === 'file' && srcByKey.get(key)?.[1].kind !== 'file') report.missingOnSource.push(path);
  }
  await runParallel(
    pairs,
    options.checkers ?? 8,
    async ([path, a, b]) => {
      try {
        const verdict = await compareFiles(src, a, dst, b, options);
        if (verdict.same) report.same++;
        else report.different.push({ path, by: verdict.by });
      } catch (e) {
        report.errors.push({ path, error: e as Error });
      }
    },
    options.signal,
  );
  report.missingOnDestination.sort();
  report.missingOnSource.sort();
  report.different.sort((x, y) => (x.path < y.path ? -1 : 1));
  return report;
}
