/**
 * Part uploads for a Box remote: Box upload sessions through the Box class's per-part methods
 * (createUploadSession, uploadSessionPart, listUploadSessionParts, commitUploadSession,
 * abortUploadSession). Paths become ids through the remote itself (`stat`, `mkdir`), so the adapter
 * attaches it in one line: `readonly parts = boxPartUploads(this.box, this)`. The file keeps the
 * modification time given at commit (content_modified_at, whole seconds).
 */
import { CloudStorageError, ErrorCode } from '../core/errors.js';
import type { Box } from '../providers/box/index.js';
import { type PartSession, type PartUploads, partRange, type UploadedPart } from './parts.js';
import { splitPath } from './paths.js';
import type { Remote } from './types.js';

/** The class's prefixed id of an entry (`f:…`, `d:…`; the root is `d:0`). */
function boxId(kind: 'f' | 'd', id: string | undefined): string {
  if (!id) return kind === 'd' ? 'd:0' : '';
  return /^[fd]:/.test(id) ? id : `${kind}:${id}`;
}

export function boxPartUploads(box: Box, remote: Remote): PartUploads {
  const indexOf = (session: PartSession, offset: number) => Math.floor(offset / session.partSize);
  return {
    async minFileSize() {
      return Number(box.config('MinResumableUploadSize'));
    },

    async start(path, size, options = {}) {
      const { signal } = options;
      const existing = await remote.stat(path, { ...(signal ? { signal } : {}) });
      if (existing?.kind === 'folder') {
        throw new CloudStorageError(
          ErrorCode.ServerError,
          `${JSON.stringify(path)} on ${remote.name} is a folder: remove it or choose another destination.`,
        );
      }
      let session: Awaited<ReturnType<Box['createUploadSession']>>;
      if (existing) {
        session = await box.createUploadSession('', '', size, { fileId: boxId('f', existing.id), signal });
      } else {
        const [parent, name] = splitPath(path);
        await remote.mkdir(parent);
        const folder = await remote.stat(parent, { ...(signal ? { signal } : {}) });
        session = await box.createUploadSession(name, boxId('d', folder?.id), size, { signal });
      }
      return {
        path,
        session: session.sessionUrl,
        size,
        partSize: session.partSize,
        partCount: session.totalParts,
      };
    },

    async uploadPart(session, index, data, options = {}): Promise<UploadedPart> {
      const { offset } = partRange(session, index);
      const part = await box.uploadSessionPart(session.session, offset, session.size, data, options);
      return { index, size: part.size, sha1: part.sha1, id: part.partId };
    },

    async listParts(session, options = {}) {
      const parts = await box.listUploadSessionParts(session.session, options);
      return parts.map((p) => ({
        index: indexOf(session, p.offset),
        size: p.size,
        sha1: p.sha1,
        id: p.partId,
      }));
    },

    async commit(session, parts, options) {
      const boxParts = parts.map((p) => ({
        partId: p.id ?? '',
        offset: partRange(session, p.index).offset,
        size: p.size,
        sha1: p.sha1,
      }));
      await box.commitUploadSession(session.session, boxParts, options.sha1, {
        // Box keeps whole seconds.
        ...(options.modTime
          ? { modifiedAt: new Date(Math.floor(options.modTime.getTime() / 1000) * 1000) }
          : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const entry = await remote.stat(session.path, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!entry) {
        throw new CloudStorageError(
          ErrorCode.ServerError,
          `Box committed the upload session of ${session.path}, but the file is not there: list its folder to check.`,
        );
      }
      return entry;
    },

    async abort(session, options = {}) {
      await box.abortUploadSession(session.session, options);
    },
  };
}
