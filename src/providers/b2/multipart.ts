import { CloudStorageError, ErrorCode, invalidArgument } from '../../core/errors.js';
import { publishPage } from '../../core/provider.js';
import { uploadInput, uploadSource } from '../../core/transfer/index.js';
import type { B2Context } from './context.js';
import { partEvent, partFrom } from './mapping.js';
import { parseRange } from './names.js';
import type { B2Part, B2PartPage, B2UploadOptions } from './types.js';
import {
  largeFileKey,
  postToUploadUrl,
  SHA1_HEX_LENGTH,
  uploadTarget,
  withTrailingSha1,
} from './upload-requests.js';
import type { FileVersion, ListPartsResponse, Part } from './wire.js';

/**
 * The explicit multipart methods over B2's large files: startMultipartUpload (b2_start_large_file),
 * uploadPart (b2_upload_part, the whole of localFile or fileData as one part), copyPart (b2_copy_part, with
 * the range property), listParts (b2_list_parts), completeMultipartUpload (b2_finish_large_file with the
 * SHA-1s of the parts B2 lists) and abortMultipartUpload (b2_cancel_large_file).
 */

const MAX_PART_BYTES = 5_000_000_000;

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw invalidArgument(`partNumber must be a whole number from 1 to 10000; got ${partNumber}.`);
  }
}

/** startMultipartUpload: contentType, the metadata collection and ClientModifiedTime apply to the final file. Returns its id. */
export async function startMultipartUpload(
  ctx: B2Context,
  bucketId: string,
  fileName: string,
  signal: AbortSignal,
): Promise<string> {
  const target = uploadTarget(ctx, bucketId, fileName, undefined);
  const started = await ctx.api.call<FileVersion>(
    'b2_start_large_file',
    { bucketId, fileName, contentType: target.contentType, fileInfo: target.info },
    { signal },
  );
  return started.fileId ?? '';
}

/**
 * uploadPart: the whole of localFile (or fileData, or options.data) as part `partNumber` (1–10000; a
 * part sent again replaces the earlier one). 5 MB to 5 GB, except the last part. Not encrypted.
 */
export async function uploadPart(
  ctx: B2Context,
  multipartFileId: string,
  partNumber: number,
  options: B2UploadOptions,
  signal: AbortSignal,
): Promise<B2Part> {
  checkPartNumber(partNumber);
  const { localFile, data } = uploadInput(options, ctx.client);
  const source = await uploadSource(localFile || undefined, data, options.size);
  if (source.size === undefined) {
    throw invalidArgument(
      'uploadPart needs the size of a stream (options.size): B2 takes no chunked bodies.',
    );
  }
  if (source.size > MAX_PART_BYTES) {
    throw invalidArgument(`A part is at most 5 GB; this one is ${source.size} bytes.`);
  }
  const size = source.size;
  const body = withTrailingSha1(() => source.open(0, size));
  const part = await postToUploadUrl<Part>(
    ctx,
    largeFileKey(multipartFileId),
    () => ctx.api.uploadPartUrl(multipartFileId, signal),
    {
      headers: { 'X-Bz-Part-Number': String(partNumber), 'X-Bz-Content-Sha1': 'hex_digits_at_end' },
      body: source.repeatable ? body.body : body.body(),
      length: size + SHA1_HEX_LENGTH,
      progress: { total: size + SHA1_HEX_LENGTH },
    },
    signal,
  );
  if (part.contentSha1 && body.sha1() && part.contentSha1 !== body.sha1()) {
    throw new CloudStorageError(
      ErrorCode.StreamError,
      `B2 stored part ${partNumber} with SHA-1 ${part.contentSha1}, but the data sent hashes to ${body.sha1()}: upload the part again.`,
    );
  }
  return partFrom(part, multipartFileId);
}

/** copyPart: part `partNumber` copied from an existing file version (the range property for part of it). */
export async function copyPart(
  ctx: B2Context,
  srcFileId: string,
  multipartFileId: string,
  partNumber: number,
  signal: AbortSignal,
): Promise<B2Part> {
  checkPartNumber(partNumber);
  const range = parseRange(ctx.client.range);
  const part = await ctx.api.call<Part>(
    'b2_copy_part',
    {
      sourceFileId: srcFileId,
      largeFileId: multipartFileId,
      partNumber,
      ...(range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
    },
    { signal },
  );
  return partFrom(part, multipartFileId);
}

async function partPage(
  ctx: B2Context,
  fileId: string,
  marker: string,
  max: number | undefined,
  signal: AbortSignal,
): Promise<{ parts: Part[]; next: string }> {
  const answer = await ctx.api.call<ListPartsResponse>(
    'b2_list_parts',
    {
      fileId,
      ...(max ? { maxPartCount: max } : {}),
      ...(marker ? { startPartNumber: Number(marker) } : {}),
    },
    { signal },
  );
  const next = answer.nextPartNumber;
  return { parts: answer.parts, next: next === null || next === undefined ? '' : String(next) };
}

/** Every part of a large file (all pages), without touching the Part collection or firing events. */
export async function allParts(ctx: B2Context, fileId: string, signal: AbortSignal): Promise<Part[]> {
  const parts: Part[] = [];
  let marker = '';
  do {
    const page = await partPage(ctx, fileId, marker, 1000, signal);
    parts.push(...page.parts);
    marker = page.next;
  } while (marker);
  return parts;
}

/** listParts: one page into the Part collection; call again while partMarker is set. */
export async function listParts(
  ctx: B2Context,
  multipartFileId: string,
  signal: AbortSignal,
): Promise<B2PartPage> {
  const client = ctx.client;
  const marker = client.partMarker;
  if (marker && !/^\d{1,5}$/.test(marker))
    throw invalidArgument(`partMarker must be a part number; got "${marker}".`);
  const max = ctx.settings.get('MaxPartResults');
  const page = await partPage(ctx, multipartFileId, marker, max > 0 ? max : undefined, signal);
  const parts = page.parts.map((p) => partFrom(p, multipartFileId));
  publishPage({ get: () => client.parts, set: (items) => (client.parts = items) }, parts, {
    continuing: marker !== '',
    accumulate: ctx.settings.get('AccumulatePages'),
    emit: (p) => client.emit('partList', partEvent(p)),
  });
  client.partMarker = page.next;
  return { parts, marker: page.next };
}

export async function* iterateParts(
  ctx: B2Context,
  multipartFileId: string,
  signal: AbortSignal,
): AsyncGenerator<B2Part> {
  let marker = '';
  do {
    const page = await partPage(ctx, multipartFileId, marker, undefined, signal);
    yield* page.parts.map((p) => partFrom(p, multipartFileId));
    marker = page.next;
  } while (marker);
}

/**
 * completeMultipartUpload: lists the parts itself (no partList events, the collection untouched), checks
 * they run 1..N without a gap, and finishes with their SHA-1s. The file keeps the multipart id.
 */
export async function completeMultipartUpload(
  ctx: B2Context,
  multipartFileId: string,
  signal: AbortSignal,
): Promise<string> {
  const parts = (await allParts(ctx, multipartFileId, signal)).sort((a, b) => a.partNumber - b.partNumber);
  if (parts.length === 0) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `Multipart upload ${multipartFileId} has no parts yet.`,
    );
  }
  parts.forEach((p, i) => {
    if (p.partNumber !== i + 1) {
      throw new CloudStorageError(
        ErrorCode.ServerError,
        `Multipart upload ${multipartFileId} has no part ${i + 1} (parts must run from 1 without a gap): upload it first.`,
      );
    }
  });
  const finished = await ctx.api.call<FileVersion>(
    'b2_finish_large_file',
    { fileId: multipartFileId, partSha1Array: parts.map((p) => p.contentSha1) },
    { signal },
  );
  ctx.uploadUrls.clear(largeFileKey(multipartFileId));
  return finished.fileId ?? multipartFileId;
}

/** abortMultipartUpload: b2_cancel_large_file; the parts are deleted and the id is no longer valid. */
export async function abortMultipartUpload(
  ctx: B2Context,
  multipartFileId: string,
  signal: AbortSignal,
): Promise<void> {
  await ctx.api.call('b2_cancel_large_file', { fileId: multipartFileId }, { signal });
  ctx.uploadUrls.clear(largeFileKey(multipartFileId));
}
