import { randomBytes } from 'node:crypto';
import { pipeline, Readable, type Transform } from 'node:stream';
import {
  RCLONE_BLOCK_BYTES,
  RCLONE_HEADER_BYTES,
  RCLONE_NONCE_BYTES,
  RCLONE_TAG_BYTES,
  RcloneDecryptStream,
  RcloneEncryptStream,
  rcloneDataKey,
} from '../core/crypto/rclone.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../core/errors.js';
import type { HashName } from '../core/transfer/hash.js';
import { byteWindow } from '../core/transfer/source.js';
import { RemoteNotFound, wrongKind } from './errors.js';
import { cleanPath, splitPath } from './paths.js';
import { readWindow, withProgress } from './streams.js';
import type {
  Entry,
  ListOptions,
  Quota,
  ReadOptions,
  Remote,
  RemoteFeatures,
  UploadResumeState,
  WriteOptions,
} from './types.js';

/** What rclone's crypt adds to a file name with `filename_encryption = off`. */
const SUFFIX = '.bin';
const SEALED_BLOCK = RCLONE_BLOCK_BYTES + RCLONE_TAG_BYTES;

export interface CryptOptions {
  /** rclone's `password` (in clear, not obscured). */
  password: string;
  /** rclone's `password2` (the salt), when the crypt remote has one. */
  password2?: string;
  name?: string;
}

/** The ciphertext size of a file of `size` bytes: header, then each 64 KiB block and its tag. */
export function rcloneCiphertextSize(size: number): number {
  return RCLONE_HEADER_BYTES + size + RCLONE_TAG_BYTES * Math.ceil(size / RCLONE_BLOCK_BYTES);
}

/** The plaintext size of a complete file of `size` ciphertext bytes; undefined when no file has that size. */
export function rclonePlaintextSize(size: number): number | undefined {
  const payload = size - RCLONE_HEADER_BYTES;
  if (payload < 0) return undefined;
  const blocks = Math.ceil(payload / SEALED_BLOCK);
  const last = payload - (blocks - 1) * SEALED_BLOCK;
  if (blocks > 0 && last <= RCLONE_TAG_BYTES) return undefined;
  return payload - blocks * RCLONE_TAG_BYTES;
}

/**
 * An encrypting remote over any remote, in the format of rclone's `crypt` backend with
 * `filename_encryption = off` (and `directory_name_encryption = false`): a file `a/b.txt` is stored as
 * `a/b.txt.bin`, its content sealed in 64 KiB XSalsa20-Poly1305 blocks under a key scrypt derives from the
 * password (and password2). rclone with such a crypt remote reads what this writes and the other way round.
 * Reads from an offset fetch only the blocks they need. Nothing is hashed (rclone crypt has no hashes
 * either): copies compare by size and time. A resumable upload keeps the file's nonce in its resume state
 * so that a resume produces the same ciphertext.
 */
export class CryptRemote implements Remote {
  readonly name: string;
  readonly type;
  readonly features: RemoteFeatures;
  private dataKey: Promise<Buffer> | undefined;

  constructor(
    readonly inner: Remote,
    private readonly options: CryptOptions,
  ) {
    if (!options.password) throw invalidArgument('An encrypting remote needs a password.');
    this.name = options.name ?? `crypt(${inner.name})`;
    this.type = inner.type;
    this.features = { ...inner.features, hashes: [] };
  }

  /** The data key, derived once (scrypt is slow on purpose). */
  private key(): Promise<Buffer> {
    this.dataKey ??= rcloneDataKey(
      Buffer.from(this.options.password, 'utf8'),
      this.options.password2 ? Buffer.from(this.options.password2, 'utf8') : undefined,
    );
    return this.dataKey;
  }

  /** An entry of the inner remote as one of ours: folders as they are, `x.bin` files as `x`, others not ours. */
  private outer(e: Entry): Entry | undefined {
    if (e.kind === 'folder') return { ...e, hashes: {} };
    if (!e.name.endsWith(SUFFIX) || e.name.length === SUFFIX.length) return undefined;
    const size = rclonePlaintextSize(e.size);
    if (size === undefined) return undefined;
    const { id: _id, mimeType: _type, ...rest } = e;
    return {
      ...rest,
      path: e.path.slice(0, -SUFFIX.length),
      name: e.name.slice(0, -SUFFIX.length),
      size,
      hashes: {},
    };
  }

  private static file(path: string): string {
    return `${path}${SUFFIX}`;
  }

  async *list(path: string, options?: ListOptions): AsyncIterable<Entry> {
    for await (const e of this.inner.list(cleanPath(path), options)) {
      const entry = this.outer(e);
      if (entry) yield entry;
    }
  }

  async stat(path: string, options?: { signal?: AbortSignal }): Promise<Entry | undefined> {
    const clean = cleanPath(path);
    if (clean !== '') {
      const file = await this.inner.stat(CryptRemote.file(clean), options);
      if (file?.kind === 'file') return this.outer(file);
    }
    const folder = await this.inner.stat(clean, options);
    return folder?.kind === 'folder' ? this.outer(folder) : undefined;
  }

  private async file(path: string, signal?: AbortSignal): Promise<Entry> {
    const clean = cleanPath(path);
    const entry =
      clean === '' ? undefined : await this.inner.stat(CryptRemote.file(clean), signal ? { signal } : {});
    const outer = entry?.kind === 'file' ? this.outer(entry) : undefined;
    if (!entry || !outer) {
      if ((await this.inner.stat(clean))?.kind === 'folder')
        throw wrongKind(this.name, clean, 'is a folder, not a file');
      throw new RemoteNotFound(this.name, clean, 'file');
    }
    return outer;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset, length } = readWindow(options);
    const entry = await this.file(path, options.signal);
    if (offset >= entry.size || length === 0) return Readable.from([]);
    const stored = CryptRemote.file(entry.path);
    const signal = options.signal ? { signal: options.signal } : {};
    const end = Math.min(entry.size, length === undefined ? entry.size : offset + length);
    const lastBlock = Math.max(0, Math.ceil(end / RCLONE_BLOCK_BYTES) - 1);
    const cipherEnd = Math.min(
      rcloneCiphertextSize(entry.size),
      RCLONE_HEADER_BYTES + (lastBlock + 1) * SEALED_BLOCK,
    );
    let decrypt: Transform;
    let ciphertext: Readable;
    if (offset === 0) {
      decrypt = new RcloneDecryptStream(this.key());
      ciphertext = await this.inner.read(stored, { length: cipherEnd, ...signal });
    } else {
      const nonce = await readAllBytes(
        await this.inner.read(stored, { length: RCLONE_HEADER_BYTES, ...signal }),
      );
      if (nonce.length !== RCLONE_HEADER_BYTES) {
        throw new CloudStorageError(
          ErrorCode.DecryptionFailed,
          `${stored} on ${this.inner.name} is too short to be rclone-encrypted.`,
        );
      }
      const firstBlock = Math.floor(offset / RCLONE_BLOCK_BYTES);
      const from = RCLONE_HEADER_BYTES + firstBlock * SEALED_BLOCK;
      decrypt = new RcloneDecryptStream(this.key(), {
        nonce: nonce.subarray(RCLONE_HEADER_BYTES - RCLONE_NONCE_BYTES),
        firstBlock,
        skip: offset - firstBlock * RCLONE_BLOCK_BYTES,
      });
      ciphertext = await this.inner.read(stored, {
        offset: from,
        length: Math.max(0, cipherEnd - from),
        ...signal,
      });
    }
    const window = byteWindow(0, Math.max(0, end - offset));
    return pipeline(ciphertext, decrypt, window, () => {});
  }

  async write(path: string, data: Readable, options: WriteOptions = {}): Promise<Entry> {
    const clean = cleanPath(path);
    if (clean === '') throw wrongKind(this.name, clean, 'is the root folder, not a file');
    const saved = options.resume?.extra?.rcloneNonce;
    const nonce = typeof saved === 'string' ? Buffer.from(saved, 'hex') : randomBytes(RCLONE_NONCE_BYTES);
    if (nonce.length !== RCLONE_NONCE_BYTES)
      throw invalidArgument('The resume state has no valid rclone nonce.');
    const encrypted = pipeline(
      withProgress(data, options.onProgress),
      new RcloneEncryptStream(this.key(), nonce),
      () => {},
    );
    const report = options.onResumeState;
    const { rcloneNonce: _n, ...innerExtra } = options.resume?.extra ?? {};
    const written = await this.inner.write(CryptRemote.file(clean), encrypted, {
      ...(options.size !== undefined ? { size: rcloneCiphertextSize(options.size) } : {}),
      ...(options.modTime ? { modTime: options.modTime } : {}),
      ...(options.resume ? { resume: { ...options.resume, extra: innerExtra } } : {}),
      ...(report
        ? {
            onResumeState: (s: UploadResumeState) =>
              report({ ...s, extra: { ...s.extra, rcloneNonce: nonce.toString('hex') } }),
          }
        : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const entry = this.outer(written);
    if (!entry) throw new RemoteNotFound(this.name, clean, 'file');
    return entry;
  }

  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(cleanPath(path));
  }

  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(cleanPath(path));
  }

  async delete(path: string): Promise<void> {
    const entry = await this.file(path);
    await this.inner.delete(CryptRemote.file(entry.path));
  }

  purge(path: string): Promise<void> {
    return this.inner.purge(cleanPath(path));
  }

  async copy(src: string, dst: string): Promise<Entry> {
    const from = await this.file(src);
    const copied = await this.inner.copy(CryptRemote.file(from.path), CryptRemote.file(cleanPath(dst)));
    return this.outer(copied) as Entry;
  }

  async move(src: string, dst: string): Promise<Entry> {
    const from = await this.stat(src);
    if (!from || from.path === '') throw new RemoteNotFound(this.name, cleanPath(src));
    const to = cleanPath(dst);
    const moved =
      from.kind === 'file'
        ? await this.inner.move(CryptRemote.file(from.path), CryptRemote.file(to))
        : await this.inner.move(from.path, to);
    return this.outer(moved) ?? { ...moved, path: to, name: splitPath(to)[1] };
  }

  about(): Promise<Quota> {
    return this.inner.about();
  }

  /** A link to the stored (encrypted) file, as rclone's crypt gives. */
  async link(path: string): Promise<string> {
    const entry = await this.stat(path);
    if (!entry) throw new RemoteNotFound(this.name, cleanPath(path));
    return this.inner.link(entry.kind === 'file' ? CryptRemote.file(entry.path) : entry.path);
  }

  /** No hashes of the plaintext are kept (as with rclone crypt); undefined once the file is known to be there. */
  async hash(
    path: string,
    _name: HashName,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    await this.file(path, options.signal);
    return undefined;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function readAllBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
