import type { Readable } from 'node:stream';
import type { HashName } from '../core/transfer/hash.js';
import { cleanPath, joinPath, relativeTo } from './paths.js';
import type { Entry, ListOptions, Quota, ReadOptions, Remote, WriteOptions } from './types.js';

/**
 * A remote seen from one of its folders: `rooted(b2, 'my-bucket/backups')` is a remote whose root is that
 * folder (what `remote:path` names on the command line). Paths below the root cannot leave it (they are
 * cleaned: no `..`).
 */
export class RootedRemote implements Remote {
  readonly name: string;
  readonly type;
  readonly features;
  readonly root: string;

  constructor(
    readonly inner: Remote,
    root: string,
  ) {
    this.root = cleanPath(root);
    this.name = `${inner.name}:${this.root}`;
    this.type = inner.type;
    this.features = inner.features;
  }

  private full(path: string): string {
    return joinPath(this.root, cleanPath(path));
  }

  private local(entry: Entry): Entry {
    return { ...entry, path: relativeTo(entry.path, this.root) };
  }

  async *list(path: string, options?: ListOptions): AsyncIterable<Entry> {
    for await (const e of this.inner.list(this.full(path), options)) yield this.local(e);
  }

  async stat(path: string, options?: { signal?: AbortSignal }): Promise<Entry | undefined> {
    const e = await this.inner.stat(this.full(path), options);
    return e && this.local(e);
  }

  read(path: string, options?: ReadOptions): Promise<Readable> {
    return this.inner.read(this.full(path), options);
  }

  async write(path: string, data: Readable, options?: WriteOptions): Promise<Entry> {
    return this.local(await this.inner.write(this.full(path), data, options));
  }

  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(this.full(path));
  }

  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(this.full(path));
  }

  delete(path: string): Promise<void> {
    return this.inner.delete(this.full(path));
  }

  purge(path: string): Promise<void> {
    return this.inner.purge(this.full(path));
  }

  async copy(src: string, dst: string): Promise<Entry> {
    return this.local(await this.inner.copy(this.full(src), this.full(dst)));
  }

  async move(src: string, dst: string): Promise<Entry> {
    return this.local(await this.inner.move(this.full(src), this.full(dst)));
  }

  about(): Promise<Quota> {
    return this.inner.about();
  }

  link(path: string): Promise<string> {
    return this.inner.link(this.full(path));
  }

  hash(path: string, name: HashName, options?: { signal?: AbortSignal }): Promise<string | undefined> {
    return this.inner.hash(this.full(path), name, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
