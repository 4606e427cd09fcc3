import { encodeJpeg, encodePng } from '../../core/images.js';
import type { Router } from '../../core/index.js';
import { type BoxCall, type BoxContext, route, sendEmpty } from '../context.js';
import { badRequest, boxError } from '../errors.js';
import { thumbnailPixels } from '../images.js';
import { currentVersion, extensionOf } from '../model.js';

/** The sizes Box renders (square): PNG 32/64/128/256, JPEG 32/160/320. */
const SIZES: Record<'png' | 'jpg', number[]> = { png: [32, 64, 128, 256], jpg: [32, 160, 320] };
/** Size when the request sets no bound. */
const DEFAULT_SIZE: Record<'png' | 'jpg', number> = { png: 128, jpg: 160 };

/** File types the emulator "can preview"; others get a 302 to a placeholder, as on Box. */
const PREVIEWABLE = new Set(
  'png jpg jpeg gif bmp tif tiff svg webp heic pdf doc docx ppt pptx xls xlsx odt ods odp rtf txt md csv mp4 mov'.split(
    ' ',
  ),
);

function bound(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 32 || n > 320) {
    throw badRequest(`${name} must be an integer from 32 to 320`, 'requested_preview_unavailable');
  }
  return n;
}

/** The available size that meets `min_*` and `max_*`, or Box's 400 `requested_preview_unavailable`. */
export function chooseSize(ext: 'png' | 'jpg', query: URLSearchParams): number {
  const min = Math.max(bound(query, 'min_width') ?? 0, bound(query, 'min_height') ?? 0);
  const max = Math.min(bound(query, 'max_width') ?? 320, bound(query, 'max_height') ?? 320);
  const fits = SIZES[ext].filter((s) => s >= min && s <= max);
  if (fits.length === 0)
    throw badRequest('The requested thumbnail size is not available', 'requested_preview_unavailable');
  if (min === 0 && fits.includes(DEFAULT_SIZE[ext])) return DEFAULT_SIZE[ext];
  return min === 0 ? fits[fits.length - 1]! : fits[0]!;
}

/**
 * `GET /files/{id}/thumbnail.{png|jpg}`: a real PNG or JPEG of the chosen size; optionally 202 +
 * Retry-After + a placeholder Location first ("generating"); 302 to a placeholder for file types that have
 * no thumbnail. The placeholders are served by the download host.
 */
export function installThumbnailRoutes(api: Router, download: Router, ctx: BoxContext): void {
  const pendingServed = new Map<string, number>();
  const placeholder = (name: string) => `${ctx.urls().download}/placeholders/${encodeURIComponent(name)}.png`;

  route(api, ctx, 'GET', '/2.0/files/:id/thumbnail.:ext', (c: BoxCall) => {
    const ext = c.req.params.ext;
    if (ext !== 'png' && ext !== 'jpg') throw badRequest('The thumbnail format must be png or jpg');
    const file = c.ctx.store.active('file', c.req.params.id!);
    const size = chooseSize(ext, c.req.query);
    const kind = extensionOf(file.name) || 'file';
    if (!PREVIEWABLE.has(kind)) {
      sendEmpty(c.res, 302, { location: placeholder(kind) });
      return;
    }
    const version = currentVersion(file);
    const served = pendingServed.get(version.id) ?? 0;
    if (served < ctx.config.thumbnailPendingResponses) {
      pendingServed.set(version.id, served + 1);
      sendEmpty(c.res, 202, {
        'retry-after': String(ctx.config.thumbnailRetryAfterSeconds),
        location: placeholder(kind),
      });
      return;
    }
    const image = thumbnailPixels(size, size, version.sha1);
    const body = ext === 'png' ? encodePng(image) : encodeJpeg(image);
    c.res.writeHead(200, {
      'content-type': ext === 'png' ? 'image/png' : 'image/jpeg',
      'content-length': body.length,
    });
    c.res.end(body);
  });

  route(
    download,
    ctx,
    'GET',
    '/placeholders/:name',
    (c) => {
      if (!c.req.params.name!.endsWith('.png')) throw boxError(404, 'not_found', 'Not Found');
      const body = encodePng(thumbnailPixels(64, 64, 'c0c0c0'));
      c.res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
      c.res.end(body);
    },
    { public: true },
  );
}
