/**
 * Part uploads for a B2 remote: large files through the BackblazeB2 class's multipart methods
 * (startMultipartUpload, uploadPart, iterateParts, completeMultipartUpload, abortMultipartUpload). The
 * first path element is the bucket. The adapter attaches it in one line:
 * `readonly parts = b2PartUploads(this.b2, this)`.
 */
import { Readable } from 'node:stream';
import { CloudStorageError, ErrorCode } from '../core/errors.js';
import type { BackblazeB2 } from '../providers/b2/index.js';
import type { PartUploads, UploadedPart } from './parts.js';
import type { Remote } from './types.js';

/** B2 takes at most 10,000 parts per large file. */
const MAX_PARTS = 10_000;

export function b2PartUploads(b2: BackblazeB2, remote: Remote): PartUploads {
  const bucketIds = new Map<string, string>();
  async function account(signal?: AbortSignal) {
    if (!b2.accountMinPartSize) await b2.authorize({ ...(signal ? { signal } : {}) });
    return { min: b2.accountMinPartSize, recommended: b2.accountRecPartSize };
  }
  async function bucketId(name: string, signal?: AbortSignal): Promise<string> {
    let id = bucketIds.get(name);
    if (!id) {
      for (const b of await b2.listBuckets({ ...(signal ? { signal } : {}) })) bucketIds.set(b.name, b.id);
      id = bucketIds.get(name);
    }
    if (!id) {
      throw new CloudStorageError(
        ErrorCode.ServerError,
        `There is no bucket ${JSON.stringify(name)} on ${remote.name}: create it, or check the first element of the path.`,
        { httpStatus: 404, providerCode: 'not_found' },
      );
    }
    return id;
  }
  const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

  return {
    async minFileSize() {
      // A large file has at least two parts, every one but the last of at least the minimum part size.
      return (await account()).min + 1;
    },

    async start(path, size, options = {}) {
      const cut = path.indexOf('/');
      if (cut <= 0 || cut === path.length - 1) {
        throw new CloudStorageError(
          ErrorCode.InvalidArgument,
          `"${path}" names no file in a bucket: B2 paths start with the bucket (bucket/folder/file).`,
        );
      }
      const { min, recommended } = await account(options.signal);
      let partSize = Math.max(min, options.partSize ?? recommended);
      if (Math.ceil(size / partSize) > MAX_PARTS) partSize = Math.ceil(size / MAX_PARTS);
      const id = await b2.startMultipartUpload(
        await bucketId(path.slice(0, cut), options.signal),
        path.slice(cut + 1),
        opts(options.signal),
      );
      return { path, session: id, size, partSize, partCount: Math.ceil(size / partSize) };
    },

    async uploadPart(session, index, data, options = {}): Promise<UploadedPart> {
      // A one-shot body: the class then does not send the part a second time itself (see PartUploads).
      const part = await b2.uploadPart(session.session, index + 1, {
        data: Readable.from([data]),
        size: data.length,
        ...opts(options.signal),
      });
      return { index, size: part.size, sha1: part.sha1Hash };
    },

    async listParts(session, options = {}) {
      const parts: UploadedPart[] = [];
      for await (const p of b2.iterateParts(session.session, opts(options.signal))) {
        parts.push({ index: p.partNumber - 1, size: p.size, sha1: p.sha1Hash });
      }
      return parts;
    },

    async commit(session, _parts, options) {
      // B2 finishes with the parts it lists itself; the class checks they run 1..N without a gap.
      await b2.completeMultipartUpload(session.session, opts(options.signal));
      const entry = await remote.stat(session.path, opts(options.signal));
      if (!entry) {
        throw new CloudStorageError(
          ErrorCode.ServerError,
          `B2 finished the large file ${session.path}, but it is not listed: check the bucket.`,
        );
      }
      return entry;
    },

    async abort(session, options = {}) {
      try {
        await b2.abortMultipartUpload(session.session, opts(options.signal));
      } catch (e) {
        if (!(e instanceof CloudStorageError && (e.httpStatus === 404 || e.httpStatus === 400))) throw e;
      }
    },
  };
}
