import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Buffer of the blob streams, in and out: Node's defaults (16 KiB written, 64 KiB read) cost a disk call
 * and a pause of the socket per small chunk, which showed in every client's figure, curl's included.
 */
const STREAM_BUFFER_BYTES = 1024 * 1024;

/** Hash algorithms the blob store can compute while a blob streams in (names as node:crypto knows them). */
export type BlobHash = 'sha1' | 'md5' | 'sha256';

export interface BlobInfo {
  id: string;
  size: number;
  /** Hex digests of the algorithms asked for at `put`. */
  hashes: Partial<Record<BlobHash, string>>;
}

export interface PutOptions {
  hashes?: BlobHash[];
  /** Extra transforms to observe the bytes (a service-specific hash such as Dropbox's content hash). */
  observers?: Array<(chunk: Buffer) => void>;
  /** Refuse more than this many bytes (the service's size limit). */
  maxBytes?: number;
}

/**
 * Stores blob contents on disk in a private temporary directory, so that emulating multi-gigabyte uploads
 * keeps the emulator's memory flat. Blobs are immutable and reference-counted: a file version, a copy and
 * an upload part can share one blob. A concatenation (upload-session parts committed as one file) is a
 * list of its parts, not a copy: committing a 1 GiB session reads the parts once to hash them and writes
 * nothing.
 */
type Entry =
  | { kind: 'file'; path: string; size: number; refs: number; hashes: BlobInfo['hashes'] }
  | { kind: 'parts'; parts: string[]; size: number; refs: number; hashes: BlobInfo['hashes'] };

/** A blob store's index as `cloudstorage serve --data` saves it (file blobs by their name in the folder). */
export type BlobIndex = Array<
  | { id: string; kind: 'file'; name: string; size: number; refs: number; hashes: BlobInfo['hashes'] }
  | { id: string; kind: 'parts'; parts: string[]; size: number; refs: number; hashes: BlobInfo['hashes'] }
>;

export class BlobStore {
  private dir: string | undefined;
  private readonly blobs = new Map<string, Entry>();

  /**
   * Blobs go to a private temporary folder under `parentDir`, removed by `close()`; or, with `dataDir`, to
   * that folder, which `close()` leaves as it is (the emulator's state is saved with `index()` and put back
   * with `restore()`).
   */
  constructor(
    private readonly parentDir: string = tmpdir(),
    private readonly dataDir?: string,
  ) {}

  /** Where the blobs are kept ('' before the first blob). */
  get path(): string {
    return this.dir ?? '';
  }

  private async directory(): Promise<string> {
    if (this.dataDir) {
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      this.dir = this.dataDir;
    }
    this.dir ??= await mkdtemp(join(this.parentDir, 'cloudstorage-emulator-'));
    return this.dir;
  }

  /** What is stored, for a snapshot of the emulator's state. */
  index(): BlobIndex {
    return [...this.blobs].map(([id, b]) =>
      b.kind === 'file'
        ? { id, kind: 'file', name: basename(b.path), size: b.size, refs: b.refs, hashes: b.hashes }
        : { id, kind: 'parts', parts: [...b.parts], size: b.size, refs: b.refs, hashes: b.hashes },
    );
  }

  /** Takes back an index saved by `index()` (the files are in the data folder). */
  async restore(index: BlobIndex): Promise<void> {
    const dir = await this.directory();
    this.blobs.clear();
    for (const b of index) {
      if (b.kind === 'file') {
        // Names come from our own index; basename keeps a damaged one inside the folder.
        this.blobs.set(b.id, {
          kind: 'file',
          path: join(dir, basename(b.name)),
          size: b.size,
          refs: b.refs,
          hashes: b.hashes,
        });
      } else
        this.blobs.set(b.id, { kind: 'parts', parts: b.parts, size: b.size, refs: b.refs, hashes: b.hashes });
    }
  }

  /** Streams `source` to disk, computing the requested hashes on the way. */
  async put(source: Readable | Uint8Array | string, options: PutOptions = {}): Promise<BlobInfo> {
    const dir = await this.directory();
    const id = randomUUID();
    const path = join(dir, id);
    const hashers = (options.hashes ?? []).map((name) => [name, createHash(name)] as const);
    let size = 0;
    const meter = new Transform({
      highWaterMark: STREAM_BUFFER_BYTES,
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          done(new BlobTooLargeError(options.maxBytes));
          return;
        }
        for (const [, h] of hashers) h.update(chunk);
        for (const observe of options.observers ?? []) observe(chunk);
        done(null, chunk);
      },
    });
    const input =
      typeof source === 'string' || source instanceof Uint8Array
        ? Readable.from([Buffer.from(source)])
        : source;
    try {
      await pipeline(input, meter, createWriteStream(path, { highWaterMark: STREAM_BUFFER_BYTES }));
    } catch (e) {
      await rm(path, { force: true });
      throw e;
    }
    const hashes: BlobInfo['hashes'] = {};
    for (const [name, h] of hashers) hashes[name] = h.digest('hex');
    this.blobs.set(id, { kind: 'file', path, size, refs: 1, hashes });
    return { id, size, hashes };
  }

  /**
   * A new blob made of existing ones, in order (upload-session parts into a file). The parts are shared,
   * not copied; the hashes and observers asked for see every byte once.
   */
  async concat(ids: string[], options: PutOptions = {}): Promise<BlobInfo> {
    const size = ids.reduce((n, id) => n + this.get(id).size, 0);
    if (options.maxBytes !== undefined && size > options.maxBytes)
      throw new BlobTooLargeError(options.maxBytes);
    const hashers = (options.hashes ?? []).map((name) => [name, createHash(name)] as const);
    if (hashers.length || options.observers?.length) {
      for (const part of ids) {
        for await (const chunk of this.read(part)) {
          for (const [, h] of hashers) h.update(chunk as Buffer);
          for (const observe of options.observers ?? []) observe(chunk as Buffer);
        }
      }
    }
    const hashes: BlobInfo['hashes'] = {};
    for (const [name, h] of hashers) hashes[name] = h.digest('hex');
    for (const part of ids) this.retain(part);
    const id = randomUUID();
    this.blobs.set(id, { kind: 'parts', parts: [...ids], size, refs: 1, hashes });
    return { id, size, hashes };
  }

  info(id: string): BlobInfo {
    const b = this.get(id);
    return { id, size: b.size, hashes: b.hashes };
  }

  size(id: string): number {
    return this.get(id).size;
  }

  /** A stream of the blob's bytes, `start` and `end` inclusive as in HTTP ranges. */
  read(id: string, start = 0, end?: number): Readable {
    const b = this.get(id);
    const last = Math.min(end ?? b.size - 1, b.size - 1);
    if (b.size === 0 || last < start) return Readable.from([]);
    if (b.kind === 'file') {
      return createReadStream(b.path, { start, end: last, highWaterMark: STREAM_BUFFER_BYTES });
    }
    const self = this;
    const parts = b.parts.map((part) => ({ part, size: self.get(part).size }));
    async function* slices() {
      let offset = 0;
      for (const { part, size } of parts) {
        const from = Math.max(start - offset, 0);
        const to = Math.min(last - offset, size - 1);
        if (to >= from) yield* self.read(part, from, to);
        offset += size;
        if (offset > last) return;
      }
    }
    return Readable.from(slices());
  }

  async bytes(id: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.read(id)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  retain(id: string): string {
    this.get(id).refs++;
    return id;
  }

  async release(id: string): Promise<void> {
    const b = this.blobs.get(id);
    if (!b) return;
    if (--b.refs <= 0) {
      this.blobs.delete(id);
      if (b.kind === 'file') await rm(b.path, { force: true });
      else for (const part of b.parts) await this.release(part);
    }
  }

  /** Bytes held on disk, for tests that check cleanup. */
  async diskUsage(): Promise<number> {
    let total = 0;
    for (const b of this.blobs.values()) if (b.kind === 'file') total += (await stat(b.path)).size;
    return total;
  }

  /** Deletes every blob and the directory (a data folder stays, with its files). */
  async close(): Promise<void> {
    if (this.dataDir) {
      this.blobs.clear();
      this.dir = undefined;
      return;
    }
    this.blobs.clear();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private get(id: string) {
    const b = this.blobs.get(id);
    if (!b) throw new Error(`blob ${id} does not exist`);
    return b;
  }
}

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`blob exceeds ${limit} bytes`);
  }
}
