import { Readable } from 'node:stream';
import { encodeJpeg, encodePng, encodeWebp, imageSize, type Rgb, solidImage } from '../../core/images.js';
import {
  contentDisposition,
  type EmulatorServer,
  HttpError,
  parseRange,
  sendStream,
} from '../../core/index.js';
import { type DownloadReply, defineRoute, type RouteContext, type RouteDef } from '../dispatch.js';
import { routeError, textError } from '../errors.js';
import { fileMetadata, folderMetadata, revisionMetadata } from '../metadata.js';
import { type FileRevision, LookupFailure, type Node } from '../model.js';
import { PATTERN, splitExtension } from '../paths.js';
import { HTML_PREVIEW, htmlPreview, PDF_PREVIEW, pdfPreview } from '../preview.js';
import type { DropboxState } from '../state.js';
import { bool, optional, required, str, struct, type Tagged, union, withDefault } from '../stone.js';
import { planZip, type ZipEntry } from '../zip.js';
import { pathType, resolve, revType, withErrors } from './common.js';
import { linkTarget } from './sharing.js';

/**
 * Download-style routes on the content host: download (with Range, ETag), download_zip (a real stored ZIP,
 * streamed), export (export-only files), get_thumbnail_v2 / get_thumbnail (real PNG, JPEG or WebP images
 * of the size the mode gives), get_preview (PDF or HTML) — plus the temporary links of get_temporary_link.
 */

/** The file revision a download argument names: a live file, or a `rev:`. */
function fileRevision(
  ctx: RouteContext<unknown>,
  path: string,
  rev?: string,
): { revision: FileRevision; metadata: Record<string, unknown>; node?: Node } {
  return withErrors({ lookup: 'path' }, () => {
    if (rev !== undefined) {
      const revision = ctx.account.ns.revisionOf(rev);
      return { revision, metadata: revisionMetadata(revision) };
    }
    const r = resolve(ctx, path);
    if (r.kind === 'revision') return { revision: r.revision, metadata: revisionMetadata(r.revision) };
    if (r.node.kind !== 'file') throw LookupFailure.of('not_file');
    return { revision: r.node.rev, metadata: fileMetadata(ctx.account.ns, r.node), node: r.node };
  });
}

const blobReader = (state: DropboxState, blobId: string) => (start: number, end: number) =>
  state.blobs.read(blobId, start, end);

const download = defineRoute({
  name: 'files/download',
  host: 'content',
  style: 'download',
  auth: 'user',
  scope: 'files.content.read',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)), rev: optional(revType()) }),
  handler(ctx): DownloadReply {
    const { revision, metadata } = fileRevision(ctx, ctx.arg.path, ctx.arg.rev);
    if (revision.export) throw routeError({ '.tag': 'unsupported_file' });
    return {
      result: metadata,
      contentType: 'application/octet-stream',
      size: revision.size,
      open: blobReader(ctx.state, revision.blobId),
      ranges: true,
      etag: `W/"${revision.rev}"`,
    };
  },
});

const ZIP_MAX_ENTRIES = 10_000;
const ZIP_MAX_TOTAL = 20 * 1024 ** 3;
const ZIP_MAX_FILE = 4 * 1024 ** 3;

const downloadZip = defineRoute({
  name: 'files/download_zip',
  host: 'content',
  style: 'download',
  auth: 'user',
  scope: 'files.content.read',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)) }),
  handler(ctx): DownloadReply {
    const ns = ctx.account.ns;
    const folder = withErrors({ lookup: 'path' }, () => {
      const r = resolve(ctx, ctx.arg.path);
      if (r.kind !== 'node' || r.node.kind !== 'folder') throw LookupFailure.of('not_folder');
      return r.node;
    });
    const base = ns.pathParts(folder).length - 1;
    const entries: ZipEntry[] = [];
    let total = 0;
    for (const n of ns.walk(folder)) {
      if (n.kind === 'file' && n.rev.export) continue;
      const name = ns.pathParts(n).slice(base).join('/');
      if (n.kind === 'folder') {
        entries.push({ name: `${name}/`, size: 0, modified: ctx.state.now() });
        continue;
      }
      if (n.rev.size >= ZIP_MAX_FILE) throw routeError({ '.tag': 'too_large' });
      total += n.rev.size;
      entries.push({
        name,
        size: n.rev.size,
        modified: n.rev.clientModified,
        open: () => ctx.state.blobs.read(n.rev.blobId),
      });
    }
    if (entries.length >= ZIP_MAX_ENTRIES) throw routeError({ '.tag': 'too_many_files' });
    if (total > ZIP_MAX_TOTAL) throw routeError({ '.tag': 'too_large' });
    const zip = planZip(entries);
    return {
      result: { metadata: folderMetadata(ns, folder) },
      contentType: 'application/zip',
      size: zip.size,
      open: () => zip.stream(),
      ranges: false,
    };
  },
});

const EXPORT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
};

const exportRoute = defineRoute({
  name: 'files/export',
  host: 'content',
  style: 'download',
  auth: 'user',
  scope: 'files.content.read',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)), export_format: optional(str()) }),
  handler(ctx): DownloadReply {
    const { revision, metadata, node } = fileRevision(ctx, ctx.arg.path);
    const spec = revision.export;
    if (!spec) throw routeError({ '.tag': 'non_exportable' });
    const format = ctx.arg.export_format ?? spec.exportAs;
    const content = spec.exports.get(format);
    if (!content || !(format === spec.exportAs || spec.exportOptions.includes(format))) {
      throw routeError({ '.tag': 'invalid_export_format' });
    }
    const extension = format === 'markdown' ? 'md' : format;
    const [base] = splitExtension(node?.name ?? revision.name);
    return {
      result: {
        export_metadata: {
          name: `${base}.${extension}`,
          size: content.size,
          export_hash: content.contentHash,
        },
        file_metadata: metadata,
      },
      contentType: EXPORT_TYPES[format] ?? 'application/octet-stream',
      size: content.size,
      open: blobReader(ctx.state, content.blobId),
      ranges: true,
    };
  },
});

// ---- thumbnails ----

const THUMBNAIL_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'tiff', 'tif', 'gif', 'webp', 'ppm', 'bmp']);
const THUMBNAIL_MAX_SOURCE = 20 * 1024 * 1024;
const SIZES = [
  'w32h32',
  'w64h64',
  'w128h128',
  'w256h256',
  'w480h320',
  'w640h480',
  'w960h640',
  'w1024h768',
  'w2048h1536',
];
const thumbnailFormat = union({ jpeg: null, png: null, webp: null });
const thumbnailSize = union(Object.fromEntries(SIZES.map((s) => [s, null])));
const thumbnailMode = union({ strict: null, bestfit: null, fitone_bestfit: null, original: null });
const thumbnailQuality = union({ quality_80: null, quality_90: null });
const def = <T>(tag: string) => ({ tag, value: undefined }) as Tagged<T>;

const thumbnailFields = {
  format: withDefault(thumbnailFormat, def('jpeg')),
  size: withDefault(thumbnailSize, def('w64h64')),
  mode: withDefault(thumbnailMode, def('strict')),
  quality: withDefault(thumbnailQuality, def('quality_80')),
  exclude_media_info: optional(bool()),
};

/** The size a thumbnail gets: scaled down (never up) as the mode says. */
export function thumbnailDimensions(
  source: { width: number; height: number },
  box: { width: number; height: number },
  mode: string,
): { width: number; height: number } {
  const { width: w, height: h } = source;
  const scaleTo = (s: number) => ({
    width: Math.max(1, Math.round(w * s)),
    height: Math.max(1, Math.round(h * s)),
  });
  const fit = (bw: number, bh: number) => Math.min(1, bw / w, bh / h);
  const cover = (bw: number, bh: number) => Math.min(1, Math.max(bw / w, bh / h));
  switch (mode) {
    case 'original':
      return { width: Math.min(w, 4096), height: Math.min(h, 4096) };
    case 'bestfit':
      return scaleTo(Math.max(fit(box.width, box.height), fit(box.height, box.width)));
    case 'fitone_bestfit':
      return scaleTo(Math.min(cover(box.width, box.height), cover(box.height, box.width)));
    default:
      return scaleTo(fit(box.width, box.height));
  }
}

/** A colour derived from the file's content, so different images get different thumbnails. */
function colourOf(contentHash: string): Rgb {
  return [
    Number.parseInt(contentHash.slice(0, 2), 16),
    Number.parseInt(contentHash.slice(2, 4), 16),
    Number.parseInt(contentHash.slice(4, 6), 16),
  ];
}

async function readHead(state: DropboxState, blobId: string, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (size === 0) return Buffer.alloc(0);
  for await (const c of state.blobs.read(blobId, 0, Math.min(size, 65536) - 1)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Makes the thumbnail of a revision, or throws the ThumbnailError tag. */
async function thumbnail(
  ctx: RouteContext<unknown>,
  revision: FileRevision,
  arg: { format: Tagged; size: Tagged; mode: Tagged },
): Promise<{ image: Buffer; contentType: string }> {
  const ext = revision.name.includes('.')
    ? revision.name.slice(revision.name.lastIndexOf('.') + 1).toLowerCase()
    : '';
  if (revision.export || !THUMBNAIL_EXTENSIONS.has(ext))
    throw routeError({ '.tag': 'unsupported_extension' });
  if (revision.size > THUMBNAIL_MAX_SOURCE) throw routeError({ '.tag': 'unsupported_image' });
  const source = imageSize(await readHead(ctx.state, revision.blobId, revision.size));
  if (!source || source.width === 0 || source.height === 0) throw routeError({ '.tag': 'unsupported_image' });
  const [, bw, bh] = /^w(\d+)h(\d+)$/.exec(arg.size.tag)!;
  const { width, height } = thumbnailDimensions(
    source,
    { width: Number(bw), height: Number(bh) },
    arg.mode.tag,
  );
  const picture = solidImage(width, height, colourOf(revision.contentHash));
  switch (arg.format.tag) {
    case 'png':
      return { image: encodePng(picture), contentType: 'image/png' };
    case 'webp':
      return { image: await encodeWebp(picture), contentType: 'image/webp' };
    default:
      return { image: encodeJpeg(picture), contentType: 'image/jpeg' };
  }
}

const bufferReply = (result: unknown, contentType: string, data: Buffer, ranges = false): DownloadReply => ({
  result,
  contentType,
  size: data.length,
  open: (start, end) => Readable.from([data.subarray(start, end + 1)]),
  ranges,
});

const thumbnailV2 = defineRoute({
  name: 'files/get_thumbnail_v2',
  host: 'content',
  style: 'download',
  auth: 'app, user',
  scope: 'files.content.read',
  arg: struct({
    resource: required(
      union({
        path: pathType(PATTERN.ReadPath),
        link: struct({ url: required(str()), path: optional(str()), password: optional(str()) }),
      }),
    ),
    ...thumbnailFields,
  }),
  async handler(ctx): Promise<DownloadReply> {
    const resource = ctx.arg.resource as Tagged<string | { url: string; path?: string; password?: string }>;
    let revision: FileRevision;
    let result: Record<string, unknown>;
    if (resource.tag === 'path') {
      const found = fileRevision(ctx, resource.value as string);
      revision = found.revision;
      result = { file_metadata: found.metadata };
    } else {
      const link = resource.value as { url: string; path?: string; password?: string };
      const ns = ctx.account.ns;
      let node: Node;
      try {
        node = linkTarget(ctx.account, link.url, link.password);
        if (link.path)
          node = ns.lookup({
            kind: 'path',
            parts: [...ns.pathParts(node), ...link.path.split('/').filter(Boolean)],
          });
      } catch {
        throw routeError({ '.tag': 'not_found' });
      }
      if (node.kind !== 'file') throw routeError({ '.tag': 'path', path: { '.tag': 'not_file' } });
      revision = node.rev;
      result = {
        link_metadata: { url: link.url, id: node.id, path: ns.pathDisplay(node), rev: node.rev.rev },
      };
    }
    const { image, contentType } = await thumbnail(ctx, revision, ctx.arg);
    return bufferReply(result, contentType, image);
  },
});

const thumbnailV1 = defineRoute({
  name: 'files/get_thumbnail',
  host: 'content',
  style: 'download',
  auth: 'user',
  scope: 'files.content.read',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)), ...thumbnailFields }),
  async handler(ctx): Promise<DownloadReply> {
    const { revision, metadata } = fileRevision(ctx, ctx.arg.path);
    const { image, contentType } = await thumbnail(ctx, revision, ctx.arg);
    return bufferReply(metadata, contentType, image);
  },
});

const preview = defineRoute({
  name: 'files/get_preview',
  host: 'content',
  style: 'download',
  auth: 'user',
  scope: 'files.content.read',
  arg: struct({ path: required(pathType(PATTERN.ReadPath)), rev: optional(revType()) }),
  async handler(ctx): Promise<DownloadReply> {
    const { revision, metadata } = fileRevision(ctx, ctx.arg.path, ctx.arg.rev);
    const ext = revision.name.includes('.')
      ? revision.name.slice(revision.name.lastIndexOf('.') + 1).toLowerCase()
      : '';
    if (PDF_PREVIEW.has(ext))
      return bufferReply(metadata, 'application/pdf', pdfPreview(revision.name), true);
    if (HTML_PREVIEW.has(ext)) {
      const head =
        ext === 'csv'
          ? (await readHead(ctx.state, revision.blobId, revision.size)).toString('utf8')
          : undefined;
      return bufferReply(metadata, 'text/html; charset=utf-8', htmlPreview(revision.name, head), true);
    }
    throw routeError({ '.tag': 'unsupported_extension' });
  },
});

export const downloadRoutes: RouteDef[] = [
  download,
  downloadZip,
  exportRoute,
  thumbnailV2,
  thumbnailV1,
  preview,
];

/** Serves the links of get_temporary_link (`/cd/0/get/<token>/file`): no auth, 410 once expired. */
export function mountTemporaryLinks(server: EmulatorServer, state: DropboxState): void {
  server.host('content').router.get('/cd/0/get/:token/:name', async (req, res) => {
    const link = state.temporaryLinks.get(req.params.token!);
    if (!link) throw textError(404, 'Not Found');
    if (link.expiresAt <= state.now()) {
      state.temporaryLinks.delete(req.params.token!);
      throw textError(410, 'Gone');
    }
    const revision = state.accounts.get(link.accountId)?.ns.revisions.get(link.rev);
    if (!revision) throw textError(404, 'Not Found');
    const range = parseRange(req.headers.range, revision.size);
    if (range === 'invalid') {
      throw new HttpError(
        416,
        'Requested Range Not Satisfiable',
        { dropbox: { kind: 'text' } },
        { 'content-range': `bytes */${revision.size}` },
      );
    }
    const { start, end } = range ?? { start: 0, end: revision.size - 1 };
    await sendStream(res, range ? 206 : 200, state.blobs.read(revision.blobId, start, end), {
      'content-type': 'application/octet-stream',
      'content-disposition': contentDisposition(revision.name),
      'content-length': revision.size === 0 ? 0 : end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${revision.size}` } : {}),
    });
  });
}
