import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';

/**
 * download_zip's archive, written by yazl: entries STORED (no compression) and their sizes given, so the
 * archive's exact length is known before the first byte (Content-Length); names in UTF-8; ZIP64 records
 * where offsets pass 4 GiB (or when forced, to test that path with small data). Each file's bytes are
 * opened only when yazl reaches it, and stream with back-pressure.
 */
export interface ZipEntry {
  /** Path inside the archive; folders end with `/`. */
  name: string;
  size: number;
  modified: number;
  /** The entry's bytes (files only). */
  open?: () => Readable;
}

export interface ZipPlan {
  /** Total length of the archive in bytes. */
  size: number;
  /** The archive's bytes; call once per response. */
  stream(): Readable;
}

type StreamOpener = (callback: (error: Error | null, stream: Readable) => void) => void;

/** A yazl archive of the entries; `opener` supplies each file's stream when yazl gets to it. */
function build(
  entries: ZipEntry[],
  forceZip64: boolean,
  opener: (entry: ZipEntry) => StreamOpener,
): { zip: ZipFile; size: number } {
  const zip = new ZipFile();
  for (const e of entries) {
    const mtime = new Date(e.modified);
    if (e.name.endsWith('/')) {
      zip.addEmptyDirectory(e.name, { mtime, mode: 0o40755 });
      continue;
    }
    zip.addReadStreamLazy(
      e.name,
      { size: e.size, compress: false, mtime, mode: 0o100644, forceZip64Format: forceZip64 },
      opener(e),
    );
  }
  let size = -1;
  // With every entry stored and sized, yazl answers the total during end(). (@types/yazl declares the
  // callback without its argument.)
  const end = zip.end.bind(zip) as unknown as (
    options: { forceZip64Format: boolean },
    calculatedTotalSize: (total: number) => void,
  ) => void;
  end({ forceZip64Format: forceZip64 }, (total) => {
    size = total;
  });
  if (size < 0) throw new Error('the ZIP writer could not tell the archive size in advance');
  return { zip, size };
}

export function planZip(entries: ZipEntry[], options: { forceZip64?: boolean } = {}): ZipPlan {
  const forceZip64 = options.forceZip64 === true;
  // The size comes from a dry run whose file streams are never asked for (yazl starts on the first entry
  // at once, so the archive that is sent is built only when a response wants it).
  const { size } = build(entries, forceZip64, () => () => undefined);
  return {
    size,
    stream() {
      const { zip, size: actual } = build(entries, forceZip64, (e) => (callback) => {
        callback(null, e.open ? e.open() : Readable.from([]));
      });
      if (actual !== size) throw new Error(`ZIP size changed between plan and stream: ${size} != ${actual}`);
      return zip.outputStream as Readable;
    },
  };
}
