import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The digests a {@link StreamingHash} computes: node's `md5`, `sha1`, `sha256`, and Dropbox's content hash. */
export type StreamingHashName = 'md5' | 'sha1' | 'sha256' | 'dropbox';

/**
 * A digest of bytes handed on in order, computed on a worker thread when one is free (so a download that
 * checks its hash does not spend its own thread hashing) and on the calling thread otherwise. Either way
 * the bytes are taken at once or copied: the caller may reuse or pass on a buffer as soon as `update`
 * returns (or its promise resolves).
 *
 * Call `digest()` once at the end, or `release()` to give up; both free the thread.
 */
export interface StreamingHash {
  /** Hands on bytes. Returns a promise only when the thread is behind and the caller must wait for room. */
  update(data: Uint8Array): Promise<void> | undefined;
  /** Lowercase hex digest of every byte handed on. */
  digest(): Promise<string>;
  /**
   * With `partSize`: the SHA-1 (hex) of part `index` (0-based) of that many bytes, once its bytes are in; the
   * last, shorter part's at `digest()`. Each part's digest is handed out once. Rejects for a part past the
   * end, and after `release()`.
   */
  part(index: number): Promise<string>;
  /** Gives the hash up (a failed download): frees its thread. Safe to call after `digest()` and twice. */
  release(): void;
  /** Whether the hash runs on a worker thread (for tests and benchmarks). */
  readonly offThread: boolean;
}

export interface StreamingHashOptions {
  /**
   * How many bytes are coming, when known: below {@link THREAD_MIN_BYTES} the hash stays on this thread,
   * where a few kilobytes cost less than a round trip to another one.
   */
  expectedBytes?: number;
  /** Also the SHA-1 of every part of this many bytes (see {@link StreamingHash.part}); 0 or absent: none. */
  partSize?: number;
}

/** Below this many expected bytes, a hash is computed on the calling thread. */
export const THREAD_MIN_BYTES = 1024 * 1024;

/** Bytes of the ring each hashing thread reads from (shared memory, one ring per thread). */
const RING_BYTES = 4 * 1024 * 1024;

// Slots of the control array shared with a hashing thread.
const FILL = 0; // bytes written to the ring and not hashed yet
const STATE = 1; // 0 running, 1 the writer is done, 2 the job is given up
const WRITES = 2; // bumped by the writer after every change (the thread waits on it)
const READS = 3; // bumped by the thread after it has hashed bytes (the writer waits on it for room)
const SLEEPING = 4; // 1 while the thread waits for bytes: only then does the writer need to wake it

/**
 * The writer wakes a sleeping thread once this many bytes are waiting (or at the end): one wake-up per
 * megabyte instead of one per network chunk. A thread that is awake takes every byte as soon as it is in.
 */
const WAKE_BYTES = RING_BYTES / 4;

/** `Atomics.waitAsync` (in Node since 16; in TypeScript's lib only from ES2024). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ): { async: boolean; value: Promise<unknown> | string };
  }
).waitAsync;

const RUNNING = 0;
const DONE = 1;
const ABANDONED = 2;

/**
 * How a job hashes, as JavaScript source: run by the hashing threads and, through `new Function`, by this
 * thread when no hashing thread is free, so both compute the digests with the same code.
 * `jobHasher(createHash, job, onPart)` returns `{ update(bytes), digest() }`: the digest (hex) of
 * `job.algorithm` over every byte (`dropbox`: SHA-256 of the SHA-256 of each 4 MiB block), and, when
 * `job.partSize` > 0, `onPart(index, hex)` with the SHA-1 of each part of that size as soon as it is complete
 * (the last, shorter part at `digest()`).
 */
const HASHING_SOURCE = `
function plainHasher(createHash, name) {
  if (name !== 'dropbox') {
    const h = createHash(name);
    return { update: (b) => h.update(b), digest: () => h.digest('hex') };
  }
  const BLOCK = 4 * 1024 * 1024;
  const overall = createHash('sha256');
  let block = createHash('sha256');
  let fill = 0;
  return {
    update(b) {
      for (let off = 0; off < b.length; ) {
        if (fill === BLOCK) { overall.update(block.digest()); block = createHash('sha256'); fill = 0; }
        const take = Math.min(BLOCK - fill, b.length - off);
        block.update(b.subarray(off, off + take));
        fill += take;
        off += take;
      }
    },
    digest() {
      if (fill > 0) overall.update(block.digest());
      return overall.digest('hex');
    },
  };
}
function jobHasher(createHash, job, onPart) {
  const whole = plainHasher(createHash, job.algorithm);
  const size = job.partSize || 0;
  if (size <= 0) return whole;
  let part = createHash('sha1');
  let fill = 0;
  let index = 0;
  return {
    update(b) {
      whole.update(b);
      for (let off = 0; off < b.length; ) {
        const take = Math.min(size - fill, b.length - off);
        part.update(b.subarray(off, off + take));
        fill += take;
        off += take;
        if (fill === size) { onPart(index++, part.digest('hex')); part = createHash('sha1'); fill = 0; }
      }
    },
    digest() {
      if (fill > 0) onPart(index++, part.digest('hex'));
      return whole.digest();
    },
  };
}
`;

/**
 * The thread's program, run with `eval` so that it needs no file of its own next to the compiled module
 * (the package can be bundled, and tests run the TypeScript source). One job at a time: hash the ring's
 * bytes as the writer adds them, until the writer is done (post the digest) or gives up.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const ctrl = new Int32Array(workerData.ctrl);
${HASHING_SOURCE}
parentPort.on('message', (job) => {
  const h = jobHasher(createHash, job, (part, digest) => parentPort.postMessage({ id: job.id, part, digest }));
  let pos = 0;
  for (;;) {
    const seen = Atomics.load(ctrl, ${WRITES});
    const fill = Atomics.load(ctrl, ${FILL});
    if (fill > 0) {
      for (let left = fill; left > 0; ) {
        const n = Math.min(left, ring.length - pos);
        h.update(ring.subarray(pos, pos + n));
        pos = (pos + n) % ring.length;
        left -= n;
      }
      Atomics.sub(ctrl, ${FILL}, fill);
      Atomics.add(ctrl, ${READS}, 1);
      Atomics.notify(ctrl, ${READS});
      continue;
    }
    const state = Atomics.load(ctrl, ${STATE});
    if (state === ${ABANDONED}) { parentPort.postMessage({ id: job.id }); return; }
    if (state === ${DONE}) { parentPort.postMessage({ id: job.id, digest: h.digest() }); return; }
    Atomics.store(ctrl, ${SLEEPING}, 1);
    if (Atomics.load(ctrl, ${FILL}) === 0 && Atomics.load(ctrl, ${STATE}) === ${RUNNING}) {
      Atomics.wait(ctrl, ${WRITES}, seen);
    }
    Atomics.store(ctrl, ${SLEEPING}, 0);
  }
});
`;

export interface JobHasher {
  update(data: Uint8Array): void;
  digest(): string;
}
type JobHasherFactory = (
  hash: typeof createHash,
  job: { algorithm: StreamingHashName; partSize?: number },
  onPart: (index: number, digest: string) => void,
) => JobHasher;

/** {@link HASHING_SOURCE} for this thread. */
const jobHasher = new Function(`${HASHING_SOURCE}\nreturn jobHasher;`)() as JobHasherFactory;

/** A hash computed on the calling thread, with the same code as the hashing threads (hex digest). */
export function inlineHasher(algorithm: StreamingHashName): JobHasher {
  return jobHasher(createHash, { algorithm }, () => {});
}

/** What a thread's job reports to its hash. */
interface JobListener {
  id: number;
  onPart(index: number, digest: string): void;
  onEnd(digest: string | undefined): void;
  onFailure(err: Error): void;
}

/** A hashing thread with its ring; one job at a time. */
class HashThread {
  readonly ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  readonly ctrl = new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  private job: JobListener | undefined;
  private nextId = 0;
  broken = false;

  constructor() {
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { ring: this.ring.buffer, ctrl: this.ctrl.buffer },
      // None of the process's flags: its loaders (tsx, a test runner's) and --input-type=module would
      // slow the start or make the CommonJS source fail.
      execArgv: [],
      // The thread only hashes: a small heap is enough.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    // An idle thread must not keep the process alive; a thread with a job is waited for by its caller.
    this.worker.unref();
    this.worker.on('message', (m: { id: number; part?: number; digest?: string }) => {
      const job = this.job;
      if (!job || job.id !== m.id) return;
      if (m.part !== undefined) {
        job.onPart(m.part, m.digest!);
        return;
      }
      this.job = undefined;
      this.worker.unref();
      job.onEnd(m.digest);
    });
    const fail = (err: Error) => {
      this.broken = true;
      const job = this.job;
      this.job = undefined;
      job?.onFailure(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing thread exited (code ${code})`)));
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  /** Starts a job; `listener` hears its part digests and its end. */
  start(algorithm: StreamingHashName, partSize: number, listener: Omit<JobListener, 'id'>): void {
    Atomics.store(this.ctrl, FILL, 0);
    Atomics.store(this.ctrl, STATE, RUNNING);
    const id = ++this.nextId;
    this.job = { id, ...listener };
    this.worker.ref();
    this.worker.postMessage({ id, algorithm, partSize });
  }

  /** Tells the thread that bytes are in (or that the job is done or given up), waking it if it sleeps. */
  signal(state?: number): void {
    if (state !== undefined) Atomics.store(this.ctrl, STATE, state);
    Atomics.add(this.ctrl, WRITES, 1);
    if (Atomics.load(this.ctrl, SLEEPING) === 1) Atomics.notify(this.ctrl, WRITES);
  }
}

const pool: HashThread[] = [];
// One CPU: no thread (it would only add the copying and the switches).
let poolLimit = availableParallelism() - 1;

/**
 * How many hashing threads the process may keep (default: one fewer than the CPUs, so none on one CPU); 0 hashes
 * everything on the calling thread. Threads above a lowered limit are left to finish their job.
 */
export function setHashThreads(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError('the hashing thread limit is a whole number ≥ 0');
  poolLimit = limit;
}

function idleThread(): HashThread | undefined {
  for (let i = pool.length - 1; i >= 0; i--) {
    if (pool[i]!.broken) pool.splice(i, 1);
  }
  const idle = pool.find((t) => !t.busy);
  if (idle) return idle;
  if (pool.length >= poolLimit) return undefined;
  try {
    const thread = new HashThread();
    pool.push(thread);
    return thread;
  } catch {
    // No worker threads here (a restricted runtime): hash on this thread.
    poolLimit = 0;
    return undefined;
  }
}

/** A {@link StreamingHash}: on a free hashing thread, or on this one when none is free or it is not worth it. */
export function streamingHash(
  algorithm: StreamingHashName,
  options: StreamingHashOptions = {},
): StreamingHash {
  const partSize = options.partSize ?? 0;
  if (!Number.isSafeInteger(partSize) || partSize < 0)
    throw new RangeError('partSize must be a whole number ≥ 0');
  const small = options.expectedBytes !== undefined && options.expectedBytes < THREAD_MIN_BYTES;
  const thread = small || poolLimit === 0 ? undefined : idleThread();
  return thread ? new ThreadedHash(thread, algorithm, partSize) : new InlineHash(algorithm, partSize);
}

/** Runs `use` with a new {@link streamingHash} and releases the hash afterwards, whatever happens. */
export async function withStreamingHash<T>(
  algorithm: StreamingHashName,
  options: StreamingHashOptions,
  use: (hash: StreamingHash) => Promise<T>,
): Promise<T> {
  const hash = streamingHash(algorithm, options);
  try {
    return await use(hash);
  } finally {
    hash.release();
  }
}

/** The part digests of a hash as they come, each handed out once (to whoever asked, or asks later). */
class PartDigests {
  private readonly known = new Map<number, string>();
  private readonly waiting = new Map<number, { resolve: (d: string) => void; reject: (e: Error) => void }>();
  private closed: Error | undefined;

  add(index: number, digest: string): void {
    const waiter = this.waiting.get(index);
    if (!waiter) {
      this.known.set(index, digest);
      return;
    }
    this.waiting.delete(index);
    waiter.resolve(digest);
  }

  get(index: number): Promise<string> {
    const digest = this.known.get(index);
    if (digest !== undefined) {
      this.known.delete(index);
      return Promise.resolve(digest);
    }
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => this.waiting.set(index, { resolve, reject }));
  }

  /** No more parts: whoever still waits hears `why`. */
  close(why: Error): void {
    this.closed = why;
    for (const waiter of this.waiting.values()) waiter.reject(why);
    this.waiting.clear();
  }
}

class InlineHash implements StreamingHash {
  readonly offThread = false;
  private readonly hash: JobHasher;
  private readonly parts = new PartDigests();
  private result: string | undefined;

  constructor(algorithm: StreamingHashName, partSize: number) {
    this.hash = jobHasher(createHash, { algorithm, partSize }, (i, d) => this.parts.add(i, d));
  }

  update(data: Uint8Array): undefined {
    if (this.result !== undefined) throw new Error('update after digest()');
    this.hash.update(data);
    return undefined;
  }

  part(index: number): Promise<string> {
    return this.parts.get(index);
  }

  digest(): Promise<string> {
    if (this.result === undefined) {
      this.result = this.hash.digest();
      this.parts.close(new Error('no such part: the data ended before it'));
    }
    return Promise.resolve(this.result);
  }

  release(): void {
    this.parts.close(new Error('the hash was released'));
  }
}

class ThreadedHash implements StreamingHash {
  readonly offThread = true;
  private readonly result: Promise<string | undefined>;
  private readonly parts = new PartDigests();
  private writePos = 0;
  /** Bytes put in the ring since the thread was last told. */
  private untold = 0;
  private finished = false;
  private released = false;
  /** The copies waiting for room in the ring, in order (the bytes of later updates queue behind them). */
  private pending: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly thread: HashThread,
    algorithm: StreamingHashName,
    partSize: number,
  ) {
    this.result = new Promise<string | undefined>((resolve, reject) => {
      thread.start(algorithm, partSize, {
        onPart: (index, digest) => this.parts.add(index, digest),
        onEnd: (digest) => {
          this.parts.close(
            new Error(
              digest === undefined ? 'the hash was released' : 'no such part: the data ended before it',
            ),
          );
          resolve(digest);
        },
        onFailure: (err) => {
          this.parts.close(err);
          reject(err);
        },
      });
    });
    this.result.catch(() => {});
  }

  update(data: Uint8Array): Promise<void> | undefined {
    if (this.finished) throw new Error('update after digest() or release()');
    let rest: Uint8Array | undefined = data;
    if (this.queued === 0) {
      rest = this.copy(data);
      if (rest === undefined) return undefined;
    }
    const waiting = rest;
    this.queued++;
    this.pending = this.pending
      .then(() => this.copyWaiting(waiting))
      .finally(() => {
        this.queued--;
      });
    return this.pending;
  }

  part(index: number): Promise<string> {
    // The thread may be asleep with the part's last bytes in the ring.
    if (!this.finished && this.untold > 0) this.tell();
    return this.parts.get(index);
  }

  async digest(): Promise<string> {
    await this.pending;
    if (this.finished) throw new Error('digest() after release()');
    this.finished = true;
    this.thread.signal(DONE);
    const digest = await this.result;
    if (digest === undefined) throw new Error('the hashing thread gave the job up');
    return digest;
  }

  release(): void {
    if (this.finished) return;
    this.finished = true;
    this.released = true;
    this.thread.signal(ABANDONED);
  }

  /**
   * Copies what fits into the ring; returns the bytes that did not fit (undefined when all did). After
   * `release()` it copies nothing: the thread may already hash another job's bytes from the same ring.
   */
  private copy(data: Uint8Array): Uint8Array | undefined {
    if (this.released) return undefined;
    const { ring, ctrl } = this.thread;
    let offset = 0;
    while (offset < data.length) {
      const room = ring.length - Atomics.load(ctrl, FILL);
      if (room === 0) {
        this.tell();
        return data.subarray(offset);
      }
      const n = Math.min(room, data.length - offset, ring.length - this.writePos);
      ring.set(data.subarray(offset, offset + n), this.writePos);
      this.writePos = (this.writePos + n) % ring.length;
      offset += n;
      Atomics.add(ctrl, FILL, n);
      this.untold += n;
    }
    if (this.untold >= WAKE_BYTES) this.tell();
    return undefined;
  }

  private tell(): void {
    this.untold = 0;
    this.thread.signal();
  }

  private async copyWaiting(data: Uint8Array): Promise<void> {
    const { ctrl } = this.thread;
    for (let rest: Uint8Array | undefined = data; rest !== undefined; ) {
      const reads = Atomics.load(ctrl, READS);
      if (Atomics.load(ctrl, FILL) === this.thread.ring.length) {
        if (this.thread.broken) throw new Error('the hashing thread stopped');
        const wait = waitAsync(ctrl, READS, reads, 1000);
        if (wait.async) await wait.value;
      }
      rest = this.copy(rest);
    }
  }
}
