import { createHmac, randomBytes } from 'node:crypto';

/**
 * Opaque cursors (list_folder, search, list_shared_links): the state a continuation needs, as base64url
 * JSON with a short MAC so that a damaged or foreign cursor is recognised instead of misread. An emulator
 * epoch lets tests invalidate every outstanding cursor (Dropbox answers `reset`).
 */
export class CursorCodec {
  private readonly key = randomBytes(16);
  epoch = 0;

  encode(kind: string, data: Record<string, unknown>): string {
    const body = Buffer.from(JSON.stringify({ ...data, k: kind, e: this.epoch })).toString('base64url');
    return `AA${body}.${this.mac(body)}`;
  }

  /** The cursor's data, `undefined` when it is not one of ours, `'reset'` when it is from an older epoch. */
  decode<T>(kind: string, cursor: string): T | 'reset' | undefined {
    const m = /^AA([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(cursor);
    if (!m || this.mac(m[1]!) !== m[2]) return undefined;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (data.k !== kind) return undefined;
    if (data.e !== this.epoch) return 'reset';
    return data as T;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 16);
  }
}
