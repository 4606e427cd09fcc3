import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { framedStream } from '../../core/stream-buffer.js';

/**
 * The multipart/form-data body of a Box simple upload: the `attributes` part (JSON) first, as Box
 * requires, then the file part. The file bytes are streamed, never held in memory, and the body can be
 * opened again for a retry when the content can.
 */
export interface MultipartBody {
  contentType: string;
  /** Total length, when the content length is known. */
  length: number | undefined;
  /** Opens the body for one attempt. */
  open: () => Readable;
}

export function multipartUpload(
  attributes: Record<string, unknown>,
  fileName: string,
  content: () => Readable,
  contentLength: number | undefined,
): MultipartBody {
  const boundary = `cloudstorage-${randomBytes(12).toString('hex')}`;
  const quoted = fileName.replace(/["\\\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${JSON.stringify(attributes)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: contentLength === undefined ? undefined : head.length + contentLength + tail.length,
    open: () => framedStream(head, content(), tail),
  };
}
