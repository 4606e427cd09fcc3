import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../core/index.js';

/**
 * Upload sessions (`upload_session/start|append_v2|finish`). Each request body is stored as its own blob
 * on disk, so a multi-gigabyte session keeps memory flat; `finish` concatenates the parts into one blob.
 * A sequential session grows at its end only; a concurrent one takes 4 MiB-aligned parts at any offset
 * and learns its length from the closing append. Sessions expire (7 days on Dropbox).
 */
export interface SessionPart {
  offset: number;
  size: number;
  blobId: string;
}

export interface UploadSession {
  id: string;
  accountId: string;
  type: 'sequential' | 'concurrent';
  createdAt: number;
  closed: boolean;
  /** Finished (committed): nothing more can be appended. */
  finished: boolean;
  parts: SessionPart[];
  /** Sequential: bytes received so far. Concurrent: end of the closing part, once known. */
  size: number;
}

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly now: () => number,
    /** How long a session stays usable after `start`. */
    public lifetimeMs: number,
  ) {}

  start(accountId: string, type: UploadSession['type']): UploadSession {
    this.sweep();
    const session: UploadSession = {
      id: `pid_upload_session:${randomBytes(36).toString('base64url')}`,
      accountId,
      type,
      createdAt: this.now(),
      closed: false,
      finished: false,
      parts: [],
      size: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session, or undefined when it is unknown, another account's, or expired. */
  get(id: string, accountId: string): UploadSession | undefined {
    const s = this.sessions.get(id);
    if (!s || s.accountId !== accountId) return undefined;
    if (this.expired(s)) {
      void this.drop(s);
      return undefined;
    }
    return s;
  }

  /** Whether every byte from 0 to the session's end has arrived (concurrent sessions). */
  contiguous(s: UploadSession): boolean {
    let end = 0;
    for (const p of [...s.parts].sort((a, b) => a.offset - b.offset)) {
      if (p.offset !== end) return false;
      end += p.size;
    }
    return end === s.size;
  }

  /** The part blobs in file order. */
  orderedBlobs(s: UploadSession): string[] {
    return [...s.parts].sort((a, b) => a.offset - b.offset).map((p) => p.blobId);
  }

  /** Releases a session's blobs; a finished session stays known (so late appends hear `closed`). */
  async finish(s: UploadSession): Promise<void> {
    s.finished = true;
    s.closed = true;
    const parts = s.parts.splice(0);
    for (const p of parts) await this.blobs.release(p.blobId);
  }

  async drop(s: UploadSession): Promise<void> {
    this.sessions.delete(s.id);
    for (const p of s.parts.splice(0)) await this.blobs.release(p.blobId);
  }

  /** Forgets expired sessions and frees their bytes. */
  sweep(): void {
    for (const s of this.sessions.values()) if (this.expired(s)) void this.drop(s);
  }

  get count(): number {
    return this.sessions.size;
  }

  private expired(s: UploadSession): boolean {
    return this.now() - s.createdAt >= this.lifetimeMs;
  }
}
