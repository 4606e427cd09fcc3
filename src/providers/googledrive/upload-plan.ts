import { extname } from 'node:path';
import { ciphertextSize, type EncryptionSettings, isEncryptionEnabled } from '../../core/crypto/index.js';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { type UploadSource, uploadInput, uploadSource } from '../../core/transfer/index.js';
import type { GoogleDriveContext } from './context.js';
import { isGoogleNative } from './mapping.js';
import type { UploadOptions } from './types.js';
import type { File } from './wire.js';

/** What one upload sends, and where: shared by the one-request uploads (uploads.ts) and sessions (resumable.ts). */

export const RESULT_FIELDS = 'id,name,mimeType,size,md5Checksum';

export interface Plan {
  /** POST /files (new) or PATCH /files/{id} (new content). */
  method: 'POST' | 'PATCH';
  path: string;
  metadata: File;
  source: UploadSource;
  localFile: string | undefined;
  encryption: EncryptionSettings | undefined;
  /** Bytes Drive will store; undefined for a stream of unknown size. */
  size: number | undefined;
  /** Content-Type of the media. */
  mediaType: string;
  /** Whether Drive will report an md5Checksum to compare (not for conversions to Google formats). */
  checkable: boolean;
}

/** A few common types, so that an upload without a MIME type is stored (and converted) as what it is. */
const TYPES_BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.rtf': 'application/rtf',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
  '.odp': 'application/vnd.oasis.opendocument.presentation',
};

function guessType(name: string): string {
  return TYPES_BY_EXTENSION[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

export async function plan(
  ctx: GoogleDriveContext,
  target: { method: 'POST' | 'PATCH'; path: string; metadata: File; name: string; mimeType: string },
  options: UploadOptions,
): Promise<Plan> {
  const { localFile, data } = uploadInput(options, ctx.client);
  const source = await uploadSource(localFile || undefined, data, options.size);
  const settings = ctx.encryption();
  const encryption = isEncryptionEnabled(settings) ? settings : undefined;
  const size =
    source.size === undefined
      ? undefined
      : encryption
        ? ciphertextSize(encryption, source.size)
        : source.size;
  const native = target.mimeType !== '' && isGoogleNative(target.mimeType);
  // Ciphertext is opaque bytes; a conversion is told what the source is; else the type given, or guessed.
  const mediaType = encryption
    ? 'application/octet-stream'
    : target.mimeType && !native
      ? target.mimeType
      : guessType(target.name || localFile || '');
  return {
    method: target.method,
    path: target.path,
    metadata: target.metadata,
    source,
    localFile: localFile || undefined,
    encryption,
    size,
    mediaType,
    checkable: !native,
  };
}

/** Error 612 (also fired as `error`) when Drive stored other bytes than the ones sent. */
export function checkMd5(ctx: GoogleDriveContext, p: Plan, file: File, computed: string): void {
  if (!p.checkable || file.md5Checksum === undefined || file.md5Checksum === computed) return;
  const error = new CloudStorageError(
    ErrorCode.StreamError,
    `Drive stored ${file.name ?? file.id ?? 'the file'} with MD5 ${file.md5Checksum}, but the data sent hashes to ${computed}: the stored file is not what was sent. Upload it again.`,
  );
  ctx.client.emit('error', { errorCode: error.code, description: error.message });
  throw error;
}
