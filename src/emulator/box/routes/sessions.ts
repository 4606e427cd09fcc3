import { randomBytes } from 'node:crypto';
import type { Router } from '../../core/index.js';
import { BlobTooLargeError } from '../../core/index.js';
import {
  type BoxCall,
  type BoxContext,
  header,
  readJsonObject,
  route,
  sendBox,
  sendEmpty,
} from '../context.js';
import { badRequest, boxError, notFound } from '../errors.js';
import type { FileRecord, FolderRecord } from '../model.js';
import { offsetPage } from '../paging.js';
import { parseFields, parseTime } from '../shapes.js';
import { checkQuota, UPLOAD_PREFIXES } from './uploads.js';

export interface UploadPartRecord {
  partId: string;
  offset: number;
  size: number;
  /** Hex SHA-1, as Box reports it (the request's Digest is base64). */
  sha1: string;
  blobId: string;
}

export interface UploadSessionRecord {
  id: string;
  /** New file into this folder… */
  folderId: string | undefined;
  /** …or a new version of this file. */
  fileId: string | undefined;
  fileName: string | undefined;
  fileSize: number;
  partSize: number;
  totalParts: number;
  parts: Map<number, UploadPartRecord>;
  expiresAt: number;
  /** Commit calls still to answer with 202 (the "processing" phase). */
  commitPending: number;
  /** Set once committed: later commits answer the same file, abort is a no-op. */
  committedFileId: string | undefined;
}

/**
 * Box's chunked uploads (PROTOCOLS A7): sessions with a server-chosen part size, parts sent with
 * `Content-Range` and a SHA-1 `Digest`, a parts listing, status, commit with the whole-file digest
 * (optionally answering 202 + Retry-After first) and abort. Parts are blobs, concatenated at commit.
 */
export class UploadSessions {
  readonly sessions = new Map<string, UploadSessionRecord>();

  constructor(private readonly ctx: BoxContext) {}

  install(upload: Router): void {
    const ctx = this.ctx;
    for (const p of UPLOAD_PREFIXES) {
      route(upload, ctx, 'POST', `${p}/files/upload_sessions`, (c) => this.create(c));
      route(upload, ctx, 'POST', `${p}/files/:id/upload_sessions`, (c) => this.create(c, c.req.params.id));
      route(upload, ctx, 'GET', `${p}/files/upload_sessions/:sid`, (c) => this.status(c));
      route(upload, ctx, 'PUT', `${p}/files/upload_sessions/:sid`, (c) => this.uploadPart(c));
      route(upload, ctx, 'DELETE', `${p}/files/upload_sessions/:sid`, (c) => this.abort(c));
      route(upload, ctx, 'GET', `${p}/files/upload_sessions/:sid/parts`, (c) => this.listParts(c));
      route(upload, ctx, 'POST', `${p}/files/upload_sessions/:sid/commit`, (c) => this.commit(c));
    }
  }

  /** Releases every session's part blobs (emulator shutdown). */
  async clear(): Promise<void> {
    for (const s of [...this.sessions.values()]) await this.discard(s);
  }

  /** Sessions past their expiry are gone, as on Box: their parts are freed and they answer 404. */
  async sweep(): Promise<void> {
    const now = this.ctx.store.now();
    for (const s of [...this.sessions.values()]) if (s.expiresAt <= now) await this.discard(s);
  }

  private async discard(session: UploadSessionRecord): Promise<void> {
    this.sessions.delete(session.id);
    for (const part of session.parts.values()) await this.ctx.blobs.release(part.blobId);
    session.parts.clear();
  }

  private async find(c: BoxCall): Promise<UploadSessionRecord> {
    const session = this.sessions.get(c.req.params.sid!);
    if (!session) throw notFound('Upload session not found');
    if (session.expiresAt <= this.ctx.store.now()) {
      await this.discard(session);
      throw notFound('Upload session not found');
    }
    return session;
  }

  private json(session: UploadSessionRecord): Record<string, unknown> {
    const base = `${this.ctx.urls().upload}/api/2.0/files/upload_sessions/${session.id}`;
    return {
      id: session.id,
      type: 'upload_session',
      session_expires_at: this.ctx.shapes.time(session.expiresAt),
      part_size: session.partSize,
      total_parts: session.totalParts,
      num_parts_processed: session.parts.size,
      session_endpoints: {
        upload_part: base,
        commit: `${base}/commit`,
        abort: base,
        list_parts: `${base}/parts`,
        status: base,
        log_event: `${base}/log`,
      },
    };
  }

  private async create(c: BoxCall, fileId?: string): Promise<void> {
    const { store, config } = c.ctx;
    await this.sweep();
    const body = await readJsonObject(c.req);
    let folder: FolderRecord | undefined;
    let file: FileRecord | undefined;
    let fileName: string | undefined;
    if (fileId === undefined) {
      if (body.folder_id === undefined) throw badRequest('folder_id is required', 'missing_destination');
      if (typeof body.folder_id !== 'string' || !/^\d+$/.test(body.folder_id)) {
        throw badRequest('folder_id is not valid', 'invalid_folder_id');
      }
    } else {
      file = store.active('file', fileId);
    }
    if (body.file_size === undefined) throw badRequest('file_size is required', 'missing_file_size');
    const size = body.file_size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw badRequest('file_size is not a valid number', 'invalid_file_size');
    }
    if (size < config.minChunkedUploadSize) {
      throw badRequest('File size is less than minimum allowed for this API', 'file_size_too_small');
    }
    if (fileId === undefined && body.file_name === undefined)
      throw badRequest('file_name is required', 'missing_file_name');
    if (body.file_name !== undefined) fileName = store.validateName(body.file_name);
    if (fileId === undefined) {
      const target = store.items.get(body.folder_id as string);
      if (target?.type !== 'folder' || target.status !== 'active') {
        throw boxError(404, 'invalid_parameter', 'Invalid value for folder_id: not found or not accessible');
      }
      folder = target;
      store.assertNameFree(folder, fileName!, 'object');
    } else if (fileName !== undefined && fileName !== file!.name) {
      const parent = store.items.get(file!.parentId ?? '') as FolderRecord | undefined;
      if (parent) store.assertNameFree(parent, fileName, 'object', file!.id);
    }
    if (size > store.owner.maxUploadSize) {
      throw boxError(403, 'file_size_limit_exceeded', 'File size exceeds the folder owner’s file size limit');
    }
    checkQuota(c.ctx, size);
    const partSize = config.partSizeFor(size);
    const session: UploadSessionRecord = {
      id: randomBytes(16).toString('hex').toUpperCase(),
      folderId: folder?.id,
      fileId: file?.id,
      fileName,
      fileSize: size,
      partSize,
      totalParts: Math.max(1, Math.ceil(size / partSize)),
      parts: new Map(),
      expiresAt: store.now() + config.sessionLifetimeMs,
      commitPending: config.commitAcceptedResponses,
      committedFileId: undefined,
    };
    this.sessions.set(session.id, session);
    sendBox(c.res, 201, this.json(session));
  }

  private async status(c: BoxCall): Promise<void> {
    sendBox(c.res, 200, this.json(await this.find(c)));
  }

  private async uploadPart(c: BoxCall): Promise<void> {
    const session = await this.find(c);
    if (session.committedFileId !== undefined) throw badRequest('The upload session was already committed');
    const range = parseContentRange(header(c.req, 'content-range'));
    const { partSize, fileSize } = session;
    const size = range.end - range.start + 1;
    const isLast = range.end === fileSize - 1;
    if (
      range.total !== fileSize ||
      range.end >= fileSize ||
      range.start % partSize !== 0 ||
      (isLast ? size > partSize : size !== partSize)
    ) {
      throw boxError(
        416,
        'requested_range_not_satisfiable',
        'The Content-Range does not match a part of this upload session',
        {
          part_size: partSize,
          file_size: fileSize,
        },
      );
    }
    const expected = parseShaDigest(header(c.req, 'digest'));
    let info: Awaited<ReturnType<typeof this.ctx.blobs.put>>;
    try {
      info = await this.ctx.blobs.put(c.req.body, { hashes: ['sha1'], maxBytes: size });
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw badRequest('The body is longer than its Content-Range');
      throw e;
    }
    const sha1 = info.hashes.sha1!;
    const existing = session.parts.get(range.start);
    const problem =
      info.size !== size
        ? badRequest('The body is shorter than its Content-Range')
        : Buffer.from(sha1, 'hex').toString('base64') !== expected
          ? boxError(412, 'precondition_failed', 'The Digest header does not match the SHA-1 of the part', {
              expected,
              actual: Buffer.from(sha1, 'hex').toString('base64'),
            })
          : existing && existing.sha1 !== sha1
            ? boxError(409, 'conflict', 'A different part was already uploaded for this range')
            : undefined;
    if (problem || existing) await this.ctx.blobs.release(info.id);
    if (problem) throw problem;
    // Parts are immutable: the same bytes sent again (a client retry) answer the part already stored.
    const part = existing ?? {
      partId: randomBytes(4).toString('hex').toUpperCase(),
      offset: range.start,
      size,
      sha1,
      blobId: info.id,
    };
    if (!this.sessions.has(session.id)) {
      await this.ctx.blobs.release(info.id);
      throw notFound('Upload session not found');
    }
    session.parts.set(part.offset, part);
    sendBox(c.res, 200, { part: partJson(part) });
  }

  private async listParts(c: BoxCall): Promise<void> {
    const session = await this.find(c);
    const parts = [...session.parts.values()].sort((a, b) => a.offset - b.offset);
    const { offset, limit, page } = offsetPage(parts, c.req.query, 1000, 1000, 10_000);
    sendBox(c.res, 200, {
      total_count: parts.length,
      limit,
      offset,
      entries: page.map(partJson),
    });
  }

  private async abort(c: BoxCall): Promise<void> {
    const session = await this.find(c);
    await this.discard(session);
    sendEmpty(c.res, 204);
  }

  private async commit(c: BoxCall): Promise<void> {
    const { store, shapes, blobs, config } = c.ctx;
    const session = await this.find(c);
    const fields = parseFields(c.req.query);
    if (session.committedFileId !== undefined) {
      const done = store.find('file', session.committedFileId);
      sendBox(c.res, 201, { total_count: 1, entries: [shapes.item(done, fields)] });
      return;
    }
    const expected = parseShaDigest(header(c.req, 'digest'));
    const body = await readJsonObject(c.req);
    const listed = body.parts;
    if (!Array.isArray(listed)) throw badRequest('parts is required');
    const uploaded = [...session.parts.values()].sort((a, b) => a.offset - b.offset);
    checkPartsList(listed, uploaded, session.fileSize);
    const attributes = (body.attributes ?? {}) as Record<string, unknown>;
    if (session.fileId !== undefined)
      store.checkIfMatch(store.active('file', session.fileId), header(c.req, 'if-match'));

    if (session.commitPending > 0) {
      session.commitPending--;
      sendEmpty(c.res, 202, { 'retry-after': String(config.commitRetryAfterSeconds) });
      return;
    }

    const whole = await blobs.concat(
      uploaded.map((p) => p.blobId),
      { hashes: ['sha1'] },
    );
    const sha1 = whole.hashes.sha1!;
    const content = { blobId: whole.id, sha1, size: whole.size };
    try {
      const actual = Buffer.from(sha1, 'hex').toString('base64');
      if (actual !== expected) {
        throw badRequest(
          `File digest was incorrect. Actual: ${actual} Expected: ${expected}`,
          'digest_mismatch',
        );
      }
      let file: FileRecord;
      if (session.fileId === undefined) {
        const folder = store.destination(session.folderId);
        store.assertNameFree(folder, session.fileName!, 'object');
        file = store.createFile(folder, session.fileName!, content, {
          contentCreatedAt: parseTime(attributes.content_created_at),
          contentModifiedAt: parseTime(attributes.content_modified_at),
        });
        store.touch(folder);
      } else {
        file = store.active('file', session.fileId);
        const name = session.fileName ?? file.name;
        const parent = store.items.get(file.parentId ?? '') as FolderRecord | undefined;
        if (parent && name !== file.name) store.assertNameFree(parent, name, 'object', file.id);
        store.addVersion(file, content, name, parseTime(attributes.content_modified_at));
      }
      session.committedFileId = file.id;
      for (const part of session.parts.values()) await blobs.release(part.blobId);
      session.parts.clear();
      sendBox(c.res, 201, { total_count: 1, entries: [shapes.item(file, fields)] });
    } catch (e) {
      await blobs.release(whole.id);
      throw e;
    }
  }
}

function partJson(p: UploadPartRecord): Record<string, unknown> {
  return { part_id: p.partId, offset: p.offset, size: p.size, sha1: p.sha1 };
}

/** `Content-Range: bytes <start>-<end>/<total>`. */
function parseContentRange(value: string | undefined): { start: number; end: number; total: number } {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((value ?? '').trim());
  if (!m)
    throw badRequest('Content-Range header is missing or not of the form "bytes <start>-<end>/<total>"');
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end < start) throw boxError(416, 'requested_range_not_satisfiable', 'The Content-Range is empty');
  return { start, end, total };
}

/** The base64 SHA-1 of an RFC 3230 `Digest` header (`sha=...`; Box supports SHA-1 only). */
function parseShaDigest(value: string | undefined): string {
  for (const item of (value ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0 && item.slice(0, eq).trim().toLowerCase() === 'sha') return item.slice(eq + 1).trim();
  }
  throw badRequest('The Digest header is missing or has no sha= value');
}

/** The commit's parts list must name exactly the uploaded parts, in order, covering the whole file. */
function checkPartsList(listed: unknown[], uploaded: UploadPartRecord[], fileSize: number): void {
  const mismatch = () => badRequest('The parts list does not match the uploaded parts', 'parts_mismatch');
  let covered = 0;
  for (const p of uploaded) {
    if (p.offset !== covered) throw mismatch();
    covered += p.size;
  }
  if (covered !== fileSize || listed.length !== uploaded.length) throw mismatch();
  listed.forEach((entry, i) => {
    const e = entry as Record<string, unknown>;
    const u = uploaded[i]!;
    if (typeof e !== 'object' || e === null) throw mismatch();
    if (e.part_id !== u.partId || e.offset !== u.offset || e.size !== u.size) throw mismatch();
    if (e.sha1 !== undefined && String(e.sha1).toLowerCase() !== u.sha1) throw mismatch();
  });
}
