import { Readable } from 'node:stream';

/**
 * A streaming ZIP writer for download_zip: entries are STORED (no compression), their CRC-32 and sizes
 * known up front (kept per file revision), so every local header is complete, no data descriptors are
 * needed, and the archive's exact length is known before the first byte. Names are UTF-8 (flag bit 11).
 * ZIP64 records are written when offsets pass 4 GiB (or when forced, to test that path with small data).
 */
export interface ZipEntry {
  /** Path inside the archive; folders end with `/`. */
  name: string;
  size: number;
  crc32: number;
  modified: number;
  /** The entry's bytes (files only). */
  open?: () => Readable;
}

const LIMIT32 = 0xffffffff;
const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const UTF8 = 1 << 11;

/** MS-DOS date and time (local fields, 2-second resolution) of a timestamp, as ZIP stores them. */
function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(ms);
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

interface Placed extends ZipEntry {
  nameBytes: Buffer;
  offset: number;
}

export interface ZipPlan {
  /** Total length of the archive in bytes. */
  size: number;
  stream(): Readable;
}

export function planZip(entries: ZipEntry[], options: { forceZip64?: boolean } = {}): ZipPlan {
  let offset = 0;
  const placed: Placed[] = entries.map((e) => {
    const nameBytes = Buffer.from(e.name, 'utf8');
    const p = { ...e, nameBytes, offset };
    offset += 30 + nameBytes.length + e.size;
    return p;
  });
  const centralStart = offset;
  const needs64 = (o: number) => options.forceZip64 === true || o >= LIMIT32;
  const centralSize = placed.reduce((n, p) => n + 46 + p.nameBytes.length + (needs64(p.offset) ? 12 : 0), 0);
  const zip64 =
    options.forceZip64 === true ||
    centralStart >= LIMIT32 ||
    centralSize >= LIMIT32 ||
    placed.length >= 0xffff;
  const size = centralStart + centralSize + (zip64 ? 56 + 20 : 0) + 22;

  function localHeader(p: Placed): Buffer {
    const { time, date } = dosDateTime(p.modified);
    const b = Buffer.alloc(30);
    b.writeUInt32LE(LOCAL, 0);
    b.writeUInt16LE(20, 4); // version needed
    b.writeUInt16LE(UTF8, 6);
    b.writeUInt16LE(0, 8); // stored
    b.writeUInt16LE(time, 10);
    b.writeUInt16LE(date, 12);
    b.writeUInt32LE(p.crc32 >>> 0, 14);
    b.writeUInt32LE(p.size, 18);
    b.writeUInt32LE(p.size, 22);
    b.writeUInt16LE(p.nameBytes.length, 26);
    b.writeUInt16LE(0, 28);
    return Buffer.concat([b, p.nameBytes]);
  }

  function centralHeader(p: Placed): Buffer {
    const { time, date } = dosDateTime(p.modified);
    const big = needs64(p.offset);
    const b = Buffer.alloc(46);
    b.writeUInt32LE(CENTRAL, 0);
    b.writeUInt16LE((3 << 8) | (big ? 45 : 20), 4); // made by: Unix
    b.writeUInt16LE(big ? 45 : 20, 6);
    b.writeUInt16LE(UTF8, 8);
    b.writeUInt16LE(0, 10);
    b.writeUInt16LE(time, 12);
    b.writeUInt16LE(date, 14);
    b.writeUInt32LE(p.crc32 >>> 0, 16);
    b.writeUInt32LE(p.size, 20);
    b.writeUInt32LE(p.size, 24);
    b.writeUInt16LE(p.nameBytes.length, 28);
    b.writeUInt16LE(big ? 12 : 0, 30); // extra field length
    b.writeUInt16LE(0, 32); // comment
    b.writeUInt16LE(0, 34); // disk
    b.writeUInt16LE(0, 36); // internal attributes
    const isDir = p.name.endsWith('/');
    b.writeUInt32LE((((isDir ? 0o40755 : 0o100644) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    b.writeUInt32LE(big ? LIMIT32 : p.offset, 42);
    if (!big) return Buffer.concat([b, p.nameBytes]);
    // ZIP64 extended information: only the local header offset overflows (files are < 4 GiB).
    const extra = Buffer.alloc(12);
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(p.offset), 4);
    return Buffer.concat([b, p.nameBytes, extra]);
  }

  function trailer(): Buffer {
    const parts: Buffer[] = [];
    if (zip64) {
      const e = Buffer.alloc(56);
      e.writeUInt32LE(END64, 0);
      e.writeBigUInt64LE(44n, 4); // size of the rest of this record
      e.writeUInt16LE((3 << 8) | 45, 12);
      e.writeUInt16LE(45, 14);
      e.writeUInt32LE(0, 16);
      e.writeUInt32LE(0, 20);
      e.writeBigUInt64LE(BigInt(placed.length), 24);
      e.writeBigUInt64LE(BigInt(placed.length), 32);
      e.writeBigUInt64LE(BigInt(centralSize), 40);
      e.writeBigUInt64LE(BigInt(centralStart), 48);
      const l = Buffer.alloc(20);
      l.writeUInt32LE(LOCATOR64, 0);
      l.writeUInt32LE(0, 4);
      l.writeBigUInt64LE(BigInt(centralStart + centralSize), 8);
      l.writeUInt32LE(1, 16);
      parts.push(e, l);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(zip64 ? 0xffff : placed.length, 8);
    end.writeUInt16LE(zip64 ? 0xffff : placed.length, 10);
    end.writeUInt32LE(zip64 ? LIMIT32 : centralSize, 12);
    end.writeUInt32LE(zip64 ? LIMIT32 : centralStart, 16);
    end.writeUInt16LE(0, 20);
    parts.push(end);
    return Buffer.concat(parts);
  }

  async function* generate(): AsyncGenerator<Buffer> {
    for (const p of placed) {
      yield localHeader(p);
      if (p.open && p.size > 0) {
        for await (const chunk of p.open()) yield chunk as Buffer;
      }
    }
    for (const p of placed) yield centralHeader(p);
    yield trailer();
  }

  return { size, stream: () => Readable.from(generate(), { objectMode: false }) };
}
