import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Router } from '../../core/index.js';
import { BlobTooLargeError } from '../../core/index.js';
import {
  asObject,
  type BoxCall,
  type BoxContext,
  header,
  readJsonObject,
  route,
  sendBox,
} from '../context.js';
import { badRequest, boxError } from '../errors.js';
import type { FileRecord, FolderRecord } from '../model.js';
import { parseFields, parseTime } from '../shapes.js';
import { BoxStore, type NewFileContent } from '../state.js';

/** Upload host prefixes: Box documents `/api/2.0`, its curl samples use `/2.0`; both work. */
export const UPLOAD_PREFIXES = ['/api/2.0', '/2.0'];

/**
 * Simple uploads on the upload host (`POST /files/content`, `POST /files/{id}/content`: multipart with the
 * `attributes` part first, then the file) and the pre-flight check on the api host (`OPTIONS /files/content`).
 */
export function installUploadRoutes(api: Router, upload: Router, ctx: BoxContext): void {
  for (const prefix of UPLOAD_PREFIXES) {
    route(upload, ctx, 'POST', `${prefix}/files/content`, uploadNewFile);
    route(upload, ctx, 'POST', `${prefix}/files/:id/content`, uploadNewVersion);
  }
  route(api, ctx, 'OPTIONS', '/2.0/files/content', preflight);
  route(api, ctx, 'OPTIONS', '/2.0/files/content/', preflight);
}

interface Attributes {
  name?: unknown;
  parent?: unknown;
  content_created_at?: unknown;
  content_modified_at?: unknown;
}

/** The most the attributes part may hold. */
const ATTRIBUTES_MAX_BYTES = 256 * 1024;

const metadataAfterFile = () =>
  badRequest(
    'Metadata (the attributes part) must come before the file content',
    'metadata_after_file_contents',
  );

/**
 * Reads the multipart body with busboy: the attributes part first, checked by `check` before a byte of
 * the file is read, then the file part streamed into the blob store (busboy holds the parser while the
 * blob store is slower than the client, so memory stays flat). Parts are handled one after another, in
 * the order they come; parts after the file are drained. A failure stops reading the request at once.
 */
function readUpload(
  c: BoxCall,
  check: (attributes: Attributes) => void,
): Promise<{ attributes: Attributes; content: NewFileContent }> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: c.req.headers,
      limits: { fieldSize: ATTRIBUTES_MAX_BYTES, fieldNameSize: 256, parts: 64, headerPairs: 64 },
    });
  } catch {
    throw badRequest('The request must be multipart/form-data with a boundary');
  }
  const source = c.req.body;
  let attributes: Attributes | undefined;
  let content: NewFileContent | undefined;
  let steps: Promise<void> = Promise.resolve();

  return new Promise<{ attributes: Attributes; content: NewFileContent }>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      source.unpipe(parser);
      const stored = content;
      if (stored) void c.ctx.blobs.release(stored.blobId).finally(() => reject(e));
      else reject(e);
    };
    /** Runs the parts' work in their order; the first failure ends the upload. */
    const step = (work: () => unknown) => {
      steps = steps.then(async () => {
        if (!settled) await work();
      });
      steps.catch(fail);
    };

    parser.on('field', (name, value, info) =>
      step(() => {
        if (attributes !== undefined) {
          if (content === undefined)
            throw badRequest('The file part must be a file (a part with a filename)');
          return;
        }
        if (name !== 'attributes') throw metadataAfterFile();
        if (info.valueTruncated) throw badRequest('The attributes part is too large');
        attributes = parseAttributes(value);
        check(attributes);
      }),
    );
    parser.on('file', (name, stream) =>
      step(async () => {
        if (attributes === undefined) {
          if (name !== 'attributes') throw metadataAfterFile();
          attributes = parseAttributes(await readText(stream, ATTRIBUTES_MAX_BYTES));
          check(attributes);
        } else if (content === undefined) {
          content = await storePart(c, stream);
        } else {
          stream.resume();
        }
      }),
    );
    // Each part's stream is still paused behind `steps` when a failure ends the upload; drain none of it.
    parser.on('error', () => fail(badRequest('Malformed multipart body')));
    parser.on('close', () =>
      step(() => {
        if (!attributes) throw badRequest('The attributes part is missing');
        if (!content) throw badRequest('The file part is missing');
        settled = true;
        resolve({ attributes, content });
      }),
    );
    source.on('error', fail);
    source.on('close', () => {
      if (!source.complete) fail(badRequest('The request body ended early'));
    });
    source.pipe(parser);
  }).then(async (upload) => {
    const expected = header(c.req, 'content-md5');
    if (expected !== undefined && expected.trim().toLowerCase() !== upload.content.sha1) {
      await c.ctx.blobs.release(upload.content.blobId);
      throw boxError(
        400,
        'bad_digest',
        'The SHA-1 in the Content-MD5 header does not match the uploaded content',
        {
          expected: expected.trim().toLowerCase(),
          actual: upload.content.sha1,
        },
      );
    }
    return upload;
  });
}

/** A whole small part as text, refused past `limit` bytes. */
async function readText(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw badRequest('The attributes part is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseAttributes(text: string): Attributes {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('The attributes part is not valid JSON');
  }
  const obj = asObject(value);
  if (!obj) throw badRequest('The attributes part must be a JSON object');
  return obj;
}

async function storePart(c: BoxCall, body: Readable): Promise<NewFileContent> {
  try {
    const info = await c.ctx.blobs.put(body, {
      hashes: ['sha1'],
      maxBytes: c.ctx.store.owner.maxUploadSize,
    });
    return { blobId: info.id, size: info.size, sha1: info.hashes.sha1! };
  } catch (e) {
    if (e instanceof BlobTooLargeError) {
      throw boxError(413, 'file_size_limit_exceeded', 'File size exceeds the folder owner’s file size limit');
    }
    throw e;
  }
}

/** Box refuses content that would take the account over its storage (403 `storage_limit_exceeded`). */
export function checkQuota(ctx: BoxContext, extraBytes: number): void {
  const user = ctx.store.owner;
  if (ctx.store.spaceUsed() + extraBytes > user.spaceAmount) {
    throw boxError(403, 'storage_limit_exceeded', 'Account storage limit reached');
  }
}

async function uploadNewFile(c: BoxCall): Promise<void> {
  const store = c.ctx.store;
  let parent: FolderRecord | undefined;
  let name = '';
  const { attributes, content } = await readUpload(c, (a) => {
    name = store.validateName(a.name);
    parent = store.destination(asObject(a.parent)?.id);
    store.assertNameFree(parent, name, 'object');
  });
  try {
    // Check again: another upload may have taken the name while this one streamed.
    store.assertNameFree(parent!, name, 'object');
    checkQuota(c.ctx, content.size);
  } catch (e) {
    await c.ctx.blobs.release(content.blobId);
    throw e;
  }
  const file = store.createFile(parent!, name, content, {
    contentCreatedAt: parseTime(attributes.content_created_at),
    contentModifiedAt: parseTime(attributes.content_modified_at),
  });
  store.touch(parent!);
  sendBox(c.res, 201, { total_count: 1, entries: [c.ctx.shapes.item(file, parseFields(c.req.query))] });
}

async function uploadNewVersion(c: BoxCall): Promise<void> {
  const store = c.ctx.store;
  const file = store.active('file', c.req.params.id!);
  store.checkIfMatch(file, header(c.req, 'if-match'));
  let newName: string | undefined;
  const { attributes, content } = await readUpload(c, (a) => {
    if (a.name !== undefined) {
      newName = store.validateName(a.name);
      renameCheck(store, file, newName);
    }
  });
  try {
    store.checkIfMatch(file, header(c.req, 'if-match'));
    if (newName !== undefined) renameCheck(store, file, newName);
    checkQuota(c.ctx, content.size);
  } catch (e) {
    await c.ctx.blobs.release(content.blobId);
    throw e;
  }
  store.addVersion(file, content, newName ?? file.name, parseTime(attributes.content_modified_at));
  sendBox(c.res, 200, { total_count: 1, entries: [c.ctx.shapes.item(file, parseFields(c.req.query))] });
}

function renameCheck(store: BoxStore, file: FileRecord, name: string): void {
  const parent = store.items.get(file.parentId ?? '') as FolderRecord | undefined;
  if (parent && name !== file.name) store.assertNameFree(parent, name, 'object', file.id);
}

/** `OPTIONS /files/content`: would this upload be accepted? Answers an upload URL, or the error the upload would get. */
async function preflight(c: BoxCall): Promise<void> {
  const store = c.ctx.store;
  const body = await readJsonObject(c.req);
  const name = store.validateName(body.name);
  const parent = store.destination(asObject(body.parent)?.id);
  if (body.size !== undefined) {
    if (typeof body.size !== 'number' || !Number.isInteger(body.size) || body.size < 0) {
      throw badRequest('size must be a non-negative integer');
    }
    if (body.size > store.owner.maxUploadSize) {
      throw boxError(403, 'file_size_limit_exceeded', 'File size exceeds the folder owner’s file size limit');
    }
    checkQuota(c.ctx, body.size);
  }
  store.assertNameFree(parent, name, 'object');
  const token = BoxStore.newToken(24);
  sendBox(c.res, 200, {
    upload_url: `${c.ctx.urls().upload}/api/2.0/files/content?upload_session_id=${token}`,
    upload_token: token,
  });
}
