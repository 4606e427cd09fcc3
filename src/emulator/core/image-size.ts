/**
 * The dimensions of an uploaded image, read from its header without decoding it.
 *
 * Kept by hand rather than taken from the `image-size` package (2.1.0), which was tried: it reads past the
 * end of a Uint8Array view into the surrounding buffer (a 20-byte slice of a PNG gave the height stored
 * after the slice; Buffer.concat's pooled buffers make that garbage), answers height 0 instead of failing
 * on a cut-short PNG, refuses JPEG fill bytes between markers (allowed by T.81 B.1.1.2) and small TIFFs.
 */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Width and height of a PNG, JPEG, GIF, BMP, WebP (lossy, lossless, extended), PPM/PGM/PBM or TIFF image,
 * read from its first bytes (64 KiB is plenty for everything but a TIFF whose directory sits at the end);
 * `undefined` when the bytes are none of these or are cut short.
 */
export function imageSize(bytes: Uint8Array): ImageSize | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const ascii = (start: number, end: number) => head.toString('latin1', start, end);
  if (head.length >= 24 && head.subarray(0, 8).equals(PNG_SIGNATURE) && ascii(12, 16) === 'IHDR') {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 10 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) {
    return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  }
  if (head.length >= 26 && ascii(0, 2) === 'BM') {
    // OS/2 bitmaps have a 12-byte header with 16-bit sides; Windows ones 32-bit (negative height: top-down).
    if (head.readUInt32LE(14) === 12) return { width: head.readUInt16LE(18), height: head.readUInt16LE(20) };
    return { width: Math.abs(head.readInt32LE(18)), height: Math.abs(head.readInt32LE(22)) };
  }
  if (head.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return webpSize(head);
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) return jpegSize(head);
  const pnm = /^P[1-6](?:\s|#[^\n]*\n)+(\d+)(?:\s|#[^\n]*\n)+(\d+)/.exec(ascii(0, 512));
  if (pnm) return { width: Number(pnm[1]), height: Number(pnm[2]) };
  if (head.length >= 8 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*')) return tiffSize(head);
  return undefined;
}

function webpSize(head: Buffer): ImageSize | undefined {
  switch (head.toString('latin1', 12, 16)) {
    case 'VP8L': {
      if (head[20] !== 0x2f) return undefined;
      const v = head.readUInt32LE(21);
      return { width: (v & 0x3fff) + 1, height: ((v >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8 ': // frame tag (3 bytes), start code 9d 01 2a, then 14-bit sides with a 2-bit scale each
      if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return undefined;
      return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
    case 'VP8X': // flags (4 bytes), then the canvas's sides minus one, 24-bit each
      return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
    default:
      return undefined;
  }
}

/** Walks the JPEG's marker segments up to the first start-of-frame, which holds the size. */
function jpegSize(head: Buffer): ImageSize | undefined {
  let i = 2;
  while (i + 9 < head.length) {
    if (head[i] !== 0xff) return undefined;
    const marker = head[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: head.readUInt16BE(i + 7), height: head.readUInt16BE(i + 5) };
    }
    i += 2 + head.readUInt16BE(i + 2);
  }
  return undefined;
}

/** The ImageWidth (256) and ImageLength (257) entries of a TIFF's first image file directory. */
function tiffSize(head: Buffer): ImageSize | undefined {
  const le = head[0] === 0x49;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > head.length) return undefined;
  let width: number | undefined;
  let height: number | undefined;
  for (let i = 0, n = u16(ifd); i < n; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > head.length) break;
    const tag = u16(entry);
    const value = u16(entry + 2) === 3 ? u16(entry + 8) : u32(entry + 8); // SHORT or LONG
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width && height ? { width, height } : undefined;
}
