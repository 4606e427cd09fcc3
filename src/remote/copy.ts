import { CloudStorageError, ErrorCode } from '../core/errors.js';
import { commonHash } from './compare.js';
import { RemoteNotFound, wrongKind } from './errors.js';
import { cleanPath } from './paths.js';
import { isNativeDoc } from './service-entry.js';
import type { Entry, Remote, UploadResumeState } from './types.js';

export interface CopyFileOptions {
  /** Bytes of this file written so far. */
  onProgress?: (bytes: number) => void;
  /** Continue an interrupted upload (see WriteOptions.resume). */
  resume?: UploadResumeState;
  onResumeState?: (state: UploadResumeState) => void;
  /** The source's entry when the caller has it (saves a stat). */
  source?: Entry;
  signal?: AbortSignal;
}

/**
 * Copies one file from a remote to a remote (or inside one). Inside one remote that can, the service
 * copies it; otherwise the bytes stream from the source's read into the destination's write, in flat
 * memory and without a temporary file, with the size and modification time carried over. When both ends
 * have a hash in common for the file, the copy is checked by it; a mismatch removes the copy (612).
 */
export async function copyFile(
  src: Remote,
  srcPath: string,
  dst: Remote,
  dstPath: string,
  options: CopyFileOptions = {},
): Promise<Entry> {
  const signal = options.signal ? { signal: options.signal } : {};
  const from = options.source ?? (await src.stat(srcPath, signal));
  if (!from) throw new RemoteNotFound(src.name, cleanPath(srcPath), 'file');
  if (from.kind !== 'file') throw wrongKind(src.name, from.path, 'is a folder: copy its files instead');
  if (src === dst && src.features.serverSideCopy) {
    const copied = await dst.copy(from.path, dstPath);
    options.onProgress?.(copied.size);
    return copied;
  }
  const data = await src.read(from.path, signal);
  // A Google-native document is read as an export, whose size nobody knows beforehand.
  const native = isNativeDoc(from);
  let written: Entry;
  try {
    written = await dst.write(dstPath, data, {
      ...(native ? {} : { size: from.size }),
      ...(from.modTime ? { modTime: from.modTime } : {}),
      hashes: from.hashes,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.resume ? { resume: options.resume } : {}),
      ...(options.onResumeState ? { onResumeState: options.onResumeState } : {}),
      ...signal,
    });
  } finally {
    data.destroy();
  }
  if (!native) await verifyCopy(src, from, dst, written);
  return written;
}

/** Checks a copy against its source by a hash both entries carry (nothing is read to do it). */
async function verifyCopy(src: Remote, from: Entry, dst: Remote, written: Entry): Promise<void> {
  const name = commonHash(src, dst);
  const want = name ? from.hashes[name] : undefined;
  const got = name ? written.hashes[name] : undefined;
  if (written.size === from.size && (!want || !got || want === got)) return;
  await dst.delete(written.path).catch(() => {});
  const what =
    written.size !== from.size
      ? `${written.size} bytes arrived of ${from.size}`
      : `its ${name} is ${got} where the source's is ${want}`;
  throw new CloudStorageError(
    ErrorCode.StreamError,
    `The copy of ${from.path} from ${src.name} to ${written.path} on ${dst.name} is corrupt (${what}); it was removed. Copy it again.`,
  );
}

/** Moves one file: server-side inside one remote that can, else a copy and a deletion of the source. */
export async function moveFile(
  src: Remote,
  srcPath: string,
  dst: Remote,
  dstPath: string,
  options: CopyFileOptions = {},
): Promise<Entry> {
  if (src === dst && src.features.serverSideMove) return dst.move(srcPath, dstPath);
  const moved = await copyFile(src, srcPath, dst, dstPath, options);
  await src.delete(srcPath);
  return moved;
}
