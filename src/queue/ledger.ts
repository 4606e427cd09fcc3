import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PartSession, UploadedPart } from '../remote/parts.js';

/**
 * What the queue keeps in Redis besides BullMQ's jobs: each transfer's plan and tally (files done once
 * each, however often their jobs run), the part sessions of large files (the session, and every part the
 * service confirmed), and per-second byte counts for the rates. All keys are under
 * `<prefix>:<queue>:cs:`, next to BullMQ's own.
 */

export interface TransferRecord {
  id: string;
  kind: 'copy' | 'sync';
  src: string;
  dst: string;
  createdAt: number;
  /** Files planned (jobs added), and their bytes. */
  files: number;
  bytes: number;
  /** Files already at the destination when planned. */
  skipped: number;
  /** Files a sync deletes from the destination once the copies are done. */
  deletes: number;
}

export interface TransferTally {
  filesDone: number;
  bytesDone: number;
  filesFailed: number;
  /** Files found already done at the destination when their job ran (a re-run, or another copy). */
  filesFound: number;
  deleted: number;
  /** A sync's deletions job ran. */
  deletionsRan: boolean;
  /** Bytes sent so far, parts included (what the rates count). */
  bytesSent: number;
  failures: Array<{ file: string; error: string }>;
}

/** A path a sync deletes on the destination. */
export interface Deletion {
  path: string;
  kind: 'file' | 'folder';
}

/** Records a file done only the first time (a job that runs twice counts once). */
const FILE_DONE = `
if redis.call('sadd', KEYS[1], ARGV[1]) == 1 then
  redis.call('hincrby', KEYS[2], 'filesDone', 1)
  redis.call('hincrby', KEYS[2], 'bytesDone', ARGV[2])
  if ARGV[3] == '1' then redis.call('hincrby', KEYS[2], 'filesFound', 1) end
  redis.call('hdel', KEYS[3], ARGV[1])
  return 1
end
return 0`;

/** How long per-second byte counts are kept (the rate window is shorter). */
const RATE_KEEP_SECONDS = 300;

export class Ledger {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    queue: string,
  ) {
    this.base = `${prefix}:${queue}:cs`;
  }

  static newTransferId(): string {
    return randomUUID().replace(/-/g, '').slice(0, 16);
  }

  /** A stable key of one file of a transfer: the jobs' ids derive from it, so a plan added twice is one. */
  static fileKey(transferId: string, dstRemote: string, dstPath: string): string {
    return createHash('sha1').update(`${transferId}\0${dstRemote}\0${dstPath}`).digest('hex').slice(0, 24);
  }

  private key(...parts: string[]): string {
    return [this.base, ...parts].join(':');
  }

  async createTransfer(record: TransferRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key('t', record.id), {
        kind: record.kind,
        src: record.src,
        dst: record.dst,
        createdAt: record.createdAt,
        files: record.files,
        bytes: record.bytes,
        skipped: record.skipped,
        deletes: record.deletes,
      })
      .zadd(this.key('transfers'), record.createdAt, record.id)
      .exec();
  }

  /** Adds to a transfer's planned totals (planning adds files as it finds them). */
  async plan(transferId: string, files: number, bytes: number, skipped: number, deletes = 0): Promise<void> {
    await this.redis
      .multi()
      .hincrby(this.key('t', transferId), 'files', files)
      .hincrby(this.key('t', transferId), 'bytes', bytes)
      .hincrby(this.key('t', transferId), 'skipped', skipped)
      .hincrby(this.key('t', transferId), 'deletes', deletes)
      .exec();
  }

  async transfer(id: string): Promise<TransferRecord | undefined> {
    const h = await this.redis.hgetall(this.key('t', id));
    if (!h.kind) return undefined;
    return {
      id,
      kind: h.kind as 'copy' | 'sync',
      src: h.src ?? '',
      dst: h.dst ?? '',
      createdAt: Number(h.createdAt),
      files: Number(h.files ?? 0),
      bytes: Number(h.bytes ?? 0),
      skipped: Number(h.skipped ?? 0),
      deletes: Number(h.deletes ?? 0),
    };
  }

  /** The ids of the transfers, newest first. */
  async transfers(limit = 20): Promise<string[]> {
    return this.redis.zrevrange(this.key('transfers'), 0, limit - 1);
  }

  /** A file is at the destination; counted once per file. `found`: it was already there. */
  async fileDone(transferId: string, fileKey: string, bytes: number, found = false): Promise<boolean> {
    const added = await this.redis.eval(
      FILE_DONE,
      3,
      this.key('t', transferId, 'done'),
      this.key('t', transferId, 'tally'),
      this.key('t', transferId, 'failed'),
      fileKey,
      String(bytes),
      found ? '1' : '0',
    );
    return added === 1;
  }

  /** A file whose jobs ran out of attempts. */
  async fileFailed(transferId: string, fileKey: string, file: string, error: string): Promise<void> {
    if (await this.redis.sismember(this.key('t', transferId, 'done'), fileKey)) return;
    await this.redis.hset(this.key('t', transferId, 'failed'), fileKey, JSON.stringify({ file, error }));
  }

  /** A sync's deletions ran (`count` files were still there to delete). */
  async deleted(transferId: string, count: number): Promise<void> {
    await this.redis
      .multi()
      .hincrby(this.key('t', transferId, 'tally'), 'deleted', count)
      .hset(this.key('t', transferId, 'tally'), 'deletionsRan', 1)
      .exec();
  }

  /** Bytes sent (a file, or a part): the transfer's total and the per-second counts of the rates. */
  async sent(transferId: string, bytes: number, now = Date.now()): Promise<void> {
    if (bytes <= 0) return;
    const second = this.key('rate', String(Math.floor(now / 1000)));
    await this.redis
      .multi()
      .hincrby(this.key('t', transferId, 'tally'), 'bytesSent', bytes)
      .incrby(second, bytes)
      .expire(second, RATE_KEEP_SECONDS)
      .exec();
  }

  /** Bytes per second over the last `seconds` full seconds, all transfers of the queue. */
  async rate(seconds = 10, now = Date.now()): Promise<number> {
    const current = Math.floor(now / 1000);
    const keys = Array.from({ length: seconds }, (_, i) => this.key('rate', String(current - 1 - i)));
    const values = await this.redis.mget(keys);
    return values.reduce((sum, v) => sum + Number(v ?? 0), 0) / seconds;
  }

  async tally(transferId: string): Promise<TransferTally> {
    const [tally, failed] = await Promise.all([
      this.redis.hgetall(this.key('t', transferId, 'tally')),
      this.redis.hvals(this.key('t', transferId, 'failed')),
    ]);
    return {
      filesDone: Number(tally.filesDone ?? 0),
      bytesDone: Number(tally.bytesDone ?? 0),
      filesFound: Number(tally.filesFound ?? 0),
      deleted: Number(tally.deleted ?? 0),
      deletionsRan: tally.deletionsRan === '1',
      bytesSent: Number(tally.bytesSent ?? 0),
      filesFailed: failed.length,
      failures: failed.map((f) => JSON.parse(f) as { file: string; error: string }),
    };
  }

  // ---- part sessions ---------------------------------------------------------------------------------

  async saveSession(fileKey: string, session: PartSession): Promise<void> {
    await this.redis.hset(this.key('session', fileKey), 'session', JSON.stringify(session));
  }

  async session(fileKey: string): Promise<PartSession | undefined> {
    const text = await this.redis.hget(this.key('session', fileKey), 'session');
    return text ? (JSON.parse(text) as PartSession) : undefined;
  }

  /** A part the service confirmed. */
  async savePart(fileKey: string, part: UploadedPart): Promise<void> {
    await this.redis.hset(this.key('session', fileKey), `part:${part.index}`, JSON.stringify(part));
  }

  async part(fileKey: string, index: number): Promise<UploadedPart | undefined> {
    const text = await this.redis.hget(this.key('session', fileKey), `part:${index}`);
    return text ? (JSON.parse(text) as UploadedPart) : undefined;
  }

  /** Forgets a session once its file is committed. */
  async dropSession(fileKey: string): Promise<void> {
    await this.redis.del(this.key('session', fileKey));
  }

  // ---- the paths a sync deletes ------------------------------------------------------------------------

  /** Files first, then folders deepest first (as planSync orders them). */
  async addDeletions(transferId: string, items: Deletion[]): Promise<void> {
    const key = this.key('t', transferId, 'deletions');
    for (let i = 0; i < items.length; i += 1000) {
      await this.redis.rpush(key, ...items.slice(i, i + 1000).map((d) => JSON.stringify(d)));
    }
  }

  async deletions(transferId: string): Promise<Deletion[]> {
    const items = await this.redis.lrange(this.key('t', transferId, 'deletions'), 0, -1);
    return items.map((d) => JSON.parse(d) as Deletion);
  }
}
