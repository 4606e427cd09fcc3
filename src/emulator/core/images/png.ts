/** PNG: 8-bit truecolour, rows filtered one by one with the filter that suits each best, one IDAT chunk. */
import { crc32, deflateSync } from 'node:zlib';
import { checkImage, type RgbImage } from './raster.js';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** Paeth's predictor (PNG spec, section 9.4): whichever neighbour is closest to a + b - c. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * The scanlines with a filter byte each. Every row gets the filter whose output has the smallest sum of
 * absolute (signed) bytes, the heuristic libpng uses: it turns gradients and flat areas into runs that
 * deflate compresses well. A row equal to the one above is "Up" (all zeros) without trying the others.
 */
function filterScanlines(pixels: Uint8Array, width: number, height: number): Buffer {
  const stride = width * 3;
  const out = Buffer.alloc((stride + 1) * height);
  // One output row per filter type, in type order: None, Sub, Up, Average, Paeth.
  const none = new Uint8Array(stride);
  const sub = new Uint8Array(stride);
  const up = new Uint8Array(stride);
  const average = new Uint8Array(stride);
  const paethed = new Uint8Array(stride);
  const candidates = [none, sub, up, average, paethed];
  let above: Uint8Array = new Uint8Array(stride); // the row "above" the first one is zeros
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const at = y * (stride + 1);
    if (y > 0 && Buffer.compare(row, above) === 0) {
      out[at] = 2; // Up; the row's bytes stay zero
    } else {
      for (let i = 0; i < stride; i++) {
        const x = row[i]!;
        const a = i >= 3 ? row[i - 3]! : 0;
        const b = above[i]!;
        const c = i >= 3 ? above[i - 3]! : 0;
        none[i] = x; // typed arrays keep the low 8 bits: filtered bytes are modulo 256
        sub[i] = x - a;
        up[i] = x - b;
        average[i] = x - ((a + b) >> 1);
        paethed[i] = x - paeth(a, b, c);
      }
      let best = 0;
      let bestScore = Number.POSITIVE_INFINITY;
      for (let f = 0; f < 5; f++) {
        let score = 0;
        for (const v of candidates[f]!) score += v < 128 ? v : 256 - v;
        if (score < bestScore) {
          best = f;
          bestScore = score;
        }
      }
      out[at] = best;
      out.set(candidates[best]!, at + 1);
    }
    above = row;
  }
  return out;
}

/** A truecolour (colour type 2), 8-bit, non-interlaced PNG. */
export function encodePng(image: RgbImage): Buffer {
  checkImage(image, 'PNG', 0x7fffffff);
  const { width, height, pixels } = image;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // colour type: RGB
  // Bytes 10–12 stay 0: deflate compression, filter method 0 (the five per-row filters), no interlace.
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(filterScanlines(pixels, width, height))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}
