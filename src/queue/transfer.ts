import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { CloudStorageError, ErrorCode } from '../core/errors.js';
import { sameFile } from '../remote/compare.js';
import { copyFile } from '../remote/copy.js';
import { isRemoteNotFound } from '../remote/errors.js';
import { type PartUploads, partRange, partUploadsOf, type UploadedPart } from '../remote/parts.js';
import type { Entry, Remote } from '../remote/types.js';
import type { CommitJobData, DeletionsJobData, FileJobData, JobResult, PartJobData } from './jobs.js';
import type { Ledger } from './ledger.js';

/**
 * What the worker does with each job. Every job may run more than once (a retry, a worker killed
 * mid-job whose job another worker picks up), so each first looks at what is already done: the
 * destination (equal hash = done), the ledger in Redis (parts confirmed), and on a re-run the service
 * itself (the parts it holds), and never sends again what the service has.
 */
export interface TransferContext {
  remotes: ReadonlyMap<string, Remote>;
  ledger: Ledger;
  /** Least time between two progress reports of a job (ms). */
  progressEveryMs: number;
}

function remoteOf(ctx: TransferContext, name: string): Remote {
  const remote = ctx.remotes.get(name);
  if (!remote) {
    throw new UnrecoverableError(
      `This worker has no remote named "${name}": start it with the same remotes as the enqueuing side.`,
    );
  }
  return remote;
}

function partsOf(remote: Remote): PartUploads {
  const parts = partUploadsOf(remote);
  if (!parts) throw new UnrecoverableError(`${remote.name} on this worker cannot upload in parts.`);
  return parts;
}

/** The source file as planned. */
function sourceEntry(data: FileJobData): Entry {
  const name = data.src.path.slice(data.src.path.lastIndexOf('/') + 1);
  return {
    path: data.src.path,
    name,
    kind: 'file',
    size: data.size,
    hashes: data.hashes,
    ...(data.modTime !== undefined ? { modTime: new Date(data.modTime) } : {}),
  };
}

/** Errors no retry can mend go to the failed set at once. */
function final(e: unknown, what: string): unknown {
  if (e instanceof CloudStorageError) {
    if (e.code === ErrorCode.InvalidArgument || e.code === ErrorCode.UnsupportedOperation) {
      return new UnrecoverableError(`${what}: ${e.message}`);
    }
  }
  return e;
}

/** Reports a job's bytes to BullMQ (QueueEvents `progress`) and the ledger's rates, at most every few ms. */
class Reporter {
  private reported = 0;
  private last = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly job: Job,
    private readonly ctx: TransferContext,
    private readonly transfer: string,
    private readonly size: number,
  ) {}

  update(bytes: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.ctx.progressEveryMs) return;
    this.last = now;
    const delta = bytes - this.reported;
    this.reported = bytes;
    this.pending = Promise.all([
      this.pending,
      this.job.updateProgress({ bytes, size: this.size }),
      this.ctx.ledger.sent(this.transfer, delta),
    ]).catch(() => undefined);
  }

  async done(bytes: number): Promise<void> {
    this.update(bytes, true);
    await this.pending;
  }
}

/** `file`: the whole file, streamed (server-side when both ends are one remote that can copy). */
export async function runFileJob(
  ctx: TransferContext,
  job: Job<FileJobData>,
  signal?: AbortSignal,
): Promise<JobResult> {
  const data = job.data;
  const src = remoteOf(ctx, data.src.remote);
  const dst = remoteOf(ctx, data.dst.remote);
  const opts = signal ? { signal } : {};
  const source = sourceEntry(data);
  const there = await dst.stat(data.dst.path, opts);
  if (there?.kind === 'file' && (await sameFile(src, source, dst, there, opts))) {
    await ctx.ledger.fileDone(data.transfer, data.key, data.size, true);
    return { found: true };
  }
  const reporter = new Reporter(job, ctx, data.transfer, data.size);
  try {
    await copyFile(src, data.src.path, dst, data.dst.path, {
      source,
      onProgress: (bytes) => reporter.update(bytes),
      ...opts,
    });
  } catch (e) {
    throw final(e, `${data.src.path} → ${data.dst.path}`);
  }
  await reporter.done(data.size);
  await ctx.ledger.fileDone(data.transfer, data.key, data.size);
  return { bytes: data.size };
}

/** Reads exactly `length` bytes of a stream into one buffer (a part: bounded by the part size). */
async function readPart(stream: Readable, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (filled + chunk.length > length) {
      stream.destroy();
      throw new CloudStorageError(
        ErrorCode.StreamError,
        `The source sent more than the ${length} bytes of the part.`,
      );
    }
    chunk.copy(buffer, filled);
    filled += chunk.length;
  }
  if (filled !== length) {
    throw new CloudStorageError(
      ErrorCode.StreamError,
      `The source ended after ${filled} of the part's ${length} bytes: it changed since it was planned.`,
    );
  }
  return buffer;
}

const sha1Hex = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

/**
 * `part`: one part of a large file. Done already when the ledger has it; on a re-run (the job started
 * before: a retry, or a worker that died mid-job) the service is asked first, and a part it holds is
 * taken as sent instead of being sent again.
 */
export async function runPartJob(
  ctx: TransferContext,
  job: Job<PartJobData>,
  signal?: AbortSignal,
): Promise<JobResult> {
  const { transfer, key, session, index } = job.data;
  if (await ctx.ledger.part(key, index)) return { partOnService: true };
  const src = remoteOf(ctx, job.data.src.remote);
  const parts = partsOf(remoteOf(ctx, job.data.dst.remote));
  const { offset, length } = partRange(session, index);
  const opts = signal ? { signal } : {};
  if (job.attemptsStarted > 1 || job.attemptsMade > 0) {
    const held = (await parts.listParts(session, opts)).find((p) => p.index === index);
    if (held && held.size === length) {
      await ctx.ledger.savePart(key, held);
      return { partOnService: true };
    }
  }
  const bytes = await readPart(await src.read(job.data.src.path, { offset, length, ...opts }), length);
  let part: UploadedPart;
  try {
    part = await parts.uploadPart(session, index, bytes, opts);
  } catch (e) {
    throw final(e, `part ${index + 1} of ${job.data.dst.path}`);
  }
  const sent = sha1Hex(bytes);
  if (part.sha1 && part.sha1 !== sent) {
    throw new CloudStorageError(
      ErrorCode.StreamError,
      `The service stored part ${index + 1} of ${job.data.dst.path} with SHA-1 ${part.sha1}, but ${sent} was sent.`,
    );
  }
  await ctx.ledger.savePart(key, { ...part, sha1: part.sha1 || sent });
  await ctx.ledger.sent(transfer, length);
  await job.updateProgress({ bytes: length, size: length });
  return { bytes: length };
}

/**
 * `commit`: runs once every part job is done. A destination that already holds the file (equal SHA-1,
 * or the very file this session made) means an earlier run committed; otherwise the parts the service
 * lists are checked to be all there, and committed with the whole file's SHA-1.
 */
export async function runCommitJob(
  ctx: TransferContext,
  job: Job<CommitJobData>,
  signal?: AbortSignal,
): Promise<JobResult> {
  const data = job.data;
  const { session } = data;
  const src = remoteOf(ctx, data.src.remote);
  const dst = remoteOf(ctx, data.dst.remote);
  const parts = partsOf(dst);
  const opts = signal ? { signal } : {};
  const sha1 = (data.hashes.sha1 ?? (await src.hash(data.src.path, 'sha1', opts)))?.toLowerCase();
  if (!sha1) throw new UnrecoverableError(`${src.name} cannot give the SHA-1 of ${data.src.path}.`);
  const there = await dst.stat(data.dst.path, opts);
  if (there && there.size === data.size && (there.hashes.sha1 === sha1 || there.id === session.session)) {
    await finish(ctx, data, true);
    return { found: true };
  }
  const held = (await parts.listParts(session, opts)).sort((a, b) => a.index - b.index);
  for (let i = 0; i < session.partCount; i++) {
    if (held[i]?.index !== i || held[i]!.size !== partRange(session, i).length) {
      throw new CloudStorageError(
        ErrorCode.ServerError,
        `Part ${i + 1} of ${data.dst.path} is not on ${dst.name} although its job is done; the commit is retried.`,
      );
    }
  }
  let entry: Entry;
  try {
    entry = await parts.commit(session, held.slice(0, session.partCount), {
      sha1,
      ...(data.modTime !== undefined ? { modTime: new Date(data.modTime) } : {}),
      ...opts,
    });
  } catch (e) {
    throw final(e, `commit of ${data.dst.path}`);
  }
  if (entry.hashes.sha1 && entry.hashes.sha1 !== sha1) {
    throw new UnrecoverableError(
      `${dst.name} committed ${data.dst.path} with SHA-1 ${entry.hashes.sha1}, but the source's is ${sha1}.`,
    );
  }
  await finish(ctx, data, false);
  return { bytes: data.size };
}

async function finish(ctx: TransferContext, data: CommitJobData, found: boolean): Promise<void> {
  await ctx.ledger.fileDone(data.transfer, data.key, data.size, found);
  await ctx.ledger.dropSession(data.key);
}

/** `deletions`: what a sync removes from the destination, once every copy of the sync is done. */
export async function runDeletionsJob(ctx: TransferContext, job: Job<DeletionsJobData>): Promise<JobResult> {
  const dst = remoteOf(ctx, job.data.dst);
  let deleted = 0;
  for (const { path, kind } of await ctx.ledger.deletions(job.data.transfer)) {
    try {
      if (kind === 'file') await dst.delete(path);
      else await dst.rmdir(path);
      deleted++;
    } catch (e) {
      if (!isRemoteNotFound(e)) throw e;
    }
  }
  await ctx.ledger.deleted(job.data.transfer, deleted);
  return { deleted };
}
