import { createHash } from 'node:crypto';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { UploadResumeState } from '../remote/types.js';

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The upload sessions of one copy or sync (source → destination) that are still open: a file per upload
 * in `state/<run>/`, written (0600, atomically) each time the service confirms more bytes and removed when
 * the file is done. A run interrupted (Ctrl-C, a crash, a lost connection) and started again finds them and
 * continues those uploads where the service allows; the run's folder goes once nothing is left in it.
 */
export class ResumeStates {
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(
    readonly dir: string,
    private readonly states: Map<string, UploadResumeState>,
  ) {}

  static async open(stateRoot: string, run: string): Promise<ResumeStates> {
    const dir = join(stateRoot, digest(run));
    const states = new Map<string, UploadResumeState>();
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        const saved = JSON.parse(await readFile(join(dir, name), 'utf8')) as {
          path: string;
          state: UploadResumeState;
        };
        if (typeof saved.path === 'string' && typeof saved.state?.session === 'string')
          states.set(saved.path, saved.state);
      } catch {
        // A state file that cannot be read is one upload started over, not a failed run.
      }
    }
    return new ResumeStates(dir, states);
  }

  get size(): number {
    return this.states.size;
  }

  get(path: string): UploadResumeState | undefined {
    return this.states.get(path);
  }

  /** Keeps (or, with undefined, forgets) a file's state; writes of one file happen in order. */
  set(path: string, state: UploadResumeState | undefined): void {
    const file = join(this.dir, `${digest(path)}.json`);
    if (state) this.states.set(path, state);
    else this.states.delete(path);
    const previous = this.writes.get(path) ?? Promise.resolve();
    const next = previous.then(() =>
      state
        ? writeFileAtomic(file, `${JSON.stringify({ path, state })}\n`, 0o600)
        : rm(file, { force: true }),
    );
    this.writes.set(
      path,
      next.catch(() => {}),
    );
  }

  /** Waits for the writes; removes the run's folder when no upload is left open. */
  async close(): Promise<void> {
    await Promise.all(this.writes.values());
    if (this.states.size === 0) {
      await rmdir(this.dir).catch(() => {});
      // The state folder itself, when no other run has anything in it.
      await rmdir(join(this.dir, '..')).catch(() => {});
    }
  }
}
