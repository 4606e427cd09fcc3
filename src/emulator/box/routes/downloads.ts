import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Router } from '../../core/index.js';
import { contentDisposition, HttpError, parseRange, sendStream } from '../../core/index.js';
import { type BoxCall, type BoxContext, findFileAnywhere, route, sendEmpty } from '../context.js';
import { boxError, notFound } from '../errors.js';
import { currentVersion, extensionOf, type FileRecord, type FileVersionRecord } from '../model.js';

/**
 * Signs download URLs: `<payload>.<hmac>` where the payload names the file, the version and the expiry.
 * The download host needs no Authorization header, like Box's `dl.boxcloud.com` links.
 */
export class DownloadSigner {
  private readonly key = randomBytes(32);

  constructor(
    private readonly now: () => number,
    private readonly lifetimeMs: () => number,
  ) {}

  sign(fileId: string, versionId: string): string {
    const payload = Buffer.from(
      JSON.stringify({ f: fileId, v: versionId, e: this.now() + this.lifetimeMs() }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The file and version a token grants, or undefined when it is forged or expired. */
  verify(token: string): { fileId: string; versionId: string } | undefined {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return undefined;
    const want = Buffer.from(this.mac(payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      f: string;
      v: string;
      e: number;
    };
    if (data.e <= this.now()) return undefined;
    return { fileId: data.f, versionId: data.v };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

const CONTENT_TYPES: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
  mp4: 'video/mp4',
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extensionOf(name)] ?? 'application/octet-stream';
}

/**
 * Downloads: `GET /2.0/files/{id}/content[?version=]` on the api host answers 302 to a signed, short-lived
 * URL on the download host (or 202 + Retry-After while a new version is "not ready", when configured);
 * the download host serves the bytes with Range support (206, 416).
 */
export function installDownloadRoutes(
  api: Router,
  download: Router,
  ctx: BoxContext,
  signer: DownloadSigner,
): void {
  /** Download requests answered with 202 so far, per version (the configurable "not ready yet" phase). */
  const pendingServed = new Map<string, number>();

  route(api, ctx, 'GET', '/2.0/files/:id/content', (c: BoxCall) => {
    const file = c.ctx.store.active('file', c.req.params.id!);
    const version = pickVersion(file, c.req.query.get('version'));
    const served = pendingServed.get(version.id) ?? 0;
    if (served < ctx.config.downloadPendingResponses) {
      pendingServed.set(version.id, served + 1);
      sendEmpty(c.res, 202, { 'retry-after': String(ctx.config.downloadRetryAfterSeconds) });
      return;
    }
    sendEmpty(c.res, 302, {
      location: `${ctx.urls().download}/d/1/${signer.sign(file.id, version.id)}/download`,
    });
  });

  route(
    download,
    ctx,
    'GET',
    '/d/1/:token/download',
    async (c) => {
      const grant = signer.verify(c.req.params.token!);
      if (!grant)
        throw new HttpError(403, 'This download link is invalid or has expired', { code: 'forbidden' });
      const file = findFileAnywhere(ctx, (f) => f.id === grant.fileId);
      const version = file?.type === 'file' ? file.versions.find((v) => v.id === grant.versionId) : undefined;
      if (file?.type !== 'file' || !version || version.purgedAt !== null) throw notFound();
      await serveBlob(c, ctx, version, file.name);
    },
    { public: true },
  );

  // The page an `expiring_embed_link` points at (a Box Embed preview in the real service).
  route(
    api,
    ctx,
    'GET',
    '/preview/expiring_embed/:token',
    (c) => {
      const grant = signer.verify(c.req.params.token!);
      const file = grant ? findFileAnywhere(ctx, (f) => f.id === grant.fileId) : undefined;
      if (!grant || file?.type !== 'file')
        throw new HttpError(403, 'This preview link is invalid or has expired', { code: 'forbidden' });
      const name = file.name.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head><body><h1>${name}</h1><p>Preview of a file in the Box emulator.</p></body></html>`;
      c.res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
      });
      c.res.end(html);
    },
    { public: true },
  );

  // Shared-link downloads (`shared_link.download_url`): open links with downloads allowed, no token needed.
  route(
    api,
    ctx,
    'GET',
    '/shared/static/:name',
    async (c) => {
      const token = c.req.params.name!.replace(/\..*$/, '');
      const file = findFileAnywhere(ctx, (f) => f.status === 'active' && f.sharedLink?.token === token);
      const link = file?.sharedLink;
      if (!file || !link || link.access !== 'open' || !link.canDownload || link.password !== null)
        throw notFound();
      if (link.unsharedAt !== null && link.unsharedAt <= ctx.store.now()) throw notFound();
      link.downloadCount++;
      await serveBlob(c, ctx, currentVersion(file), file.name);
    },
    { public: true },
  );
}

function pickVersion(file: FileRecord, versionId: string | null): FileVersionRecord {
  if (versionId === null || versionId === '') return currentVersion(file);
  const v = file.versions.find((x) => x.id === versionId && x.trashedAt === null && x.purgedAt === null);
  if (!v) throw notFound();
  return v;
}

async function serveBlob(
  c: BoxCall,
  ctx: BoxContext,
  version: FileVersionRecord,
  name: string,
): Promise<void> {
  const size = version.size;
  const base: Record<string, string | number> = {
    'content-type': contentTypeOf(name),
    'content-disposition': contentDisposition(name),
    'accept-ranges': 'bytes',
    etag: `"${version.sha1}"`,
  };
  const range = parseRange(c.req.headers.range, size);
  if (range === 'invalid') {
    throw boxError(416, 'requested_range_not_satisfiable', 'Requested Range Not Satisfiable', undefined, {
      'content-range': `bytes */${size}`,
    });
  }
  if (range) {
    await sendStream(c.res, 206, ctx.blobs.read(version.blobId, range.start, range.end), {
      ...base,
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
      'content-length': range.end - range.start + 1,
    });
    return;
  }
  await sendStream(c.res, 200, ctx.blobs.read(version.blobId), { ...base, 'content-length': size });
}
