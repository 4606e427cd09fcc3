import { deflateSync } from 'node:zlib';

/**
 * Tiny image encoders for the emulator's thumbnails: PNG (RGB, zlib-deflated scanlines, CRC-checked chunks)
 * and baseline JPEG (JFIF, YCbCr 4:4:4, the standard quantisation and Huffman tables of ITU T.81 Annex K).
 * Pixels are RGB bytes, row by row.
 */

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes. */
  pixels: Uint8Array;
}

// ---- PNG -----------------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it (ISO 3309). */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(image: RgbImage): Buffer {
  const { width, height, pixels } = image;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

// ---- JPEG ----------------------------------------------------------------------------------------------

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

interface HuffmanSpec {
  bits: number[];
  values: number[];
}

const DC_LUMA: HuffmanSpec = {
  bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  values: [...Array(12).keys()],
};
const DC_CHROMA: HuffmanSpec = {
  bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  values: [...Array(12).keys()],
};
const AC_LUMA: HuffmanSpec = {
  bits: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  values: hex(
    '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
  ),
};
const AC_CHROMA: HuffmanSpec = {
  bits: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  values: hex(
    '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  ),
};

function hex(s: string): number[] {
  return [...Buffer.from(s, 'hex')];
}

/** Canonical Huffman codes of a table: value → [code, length]. */
function huffmanCodes(spec: HuffmanSpec): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < spec.bits[len - 1]!; i++) codes.set(spec.values[k++]!, [code++, len]);
    code <<= 1;
  }
  return codes;
}

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.count = 0;
  }

  /** Pads the last byte with 1 bits, as T.81 requires. */
  finish(): Buffer {
    while (this.count !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }
}

const COS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++)
    for (let u = 0; u < 8; u++) t[x * 8 + u] = Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return t;
})();

/** Separable forward DCT-II of an 8×8 block (level-shifted samples) in natural order. */
function fdct(block: Float64Array): Float64Array {
  const tmp = new Float64Array(64);
  const out = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += block[y * 8 + x]! * COS[x * 8 + u]!;
      tmp[y * 8 + u] = s * (u === 0 ? Math.SQRT1_2 : 1) * 0.5;
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let y = 0; y < 8; y++) s += tmp[y * 8 + u]! * COS[y * 8 + v]!;
      out[v * 8 + u] = s * (v === 0 ? Math.SQRT1_2 : 1) * 0.5;
    }
  }
  return out;
}

function category(value: number): number {
  let v = Math.abs(value);
  let n = 0;
  while (v) {
    n++;
    v >>= 1;
  }
  return n;
}

/** The additional bits of a coefficient: the value itself, or one's complement for negatives. */
function magnitudeBits(value: number, cat: number): number {
  return value < 0 ? value + (1 << cat) - 1 : value;
}

function scaledTable(table: number[], quality: number): number[] {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  return table.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

function segment(marker: number, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

export function encodeJpeg(image: RgbImage, quality = 85): Buffer {
  const { width, height, pixels } = image;
  const qLuma = scaledTable(LUMA_Q, quality);
  const qChroma = scaledTable(CHROMA_Q, quality);
  const dcL = huffmanCodes(DC_LUMA);
  const acL = huffmanCodes(AC_LUMA);
  const dcC = huffmanCodes(DC_CHROMA);
  const acC = huffmanCodes(AC_CHROMA);

  const app0 = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const dqt = Buffer.from([0x00, ...ZIGZAG.map((i) => qLuma[i]!), 0x01, ...ZIGZAG.map((i) => qChroma[i]!)]);
  const sof = Buffer.alloc(15);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof[5] = 3;
  sof.set([1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1], 6);
  const dht = Buffer.concat(
    [
      [0x00, DC_LUMA],
      [0x10, AC_LUMA],
      [0x01, DC_CHROMA],
      [0x11, AC_CHROMA],
    ].map(([id, spec]) =>
      Buffer.from([id as number, ...(spec as HuffmanSpec).bits, ...(spec as HuffmanSpec).values]),
    ),
  );
  const sos = Buffer.from([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  const writer = new BitWriter();
  const prevDc = [0, 0, 0];
  const block = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          // Blocks past the edge repeat the last row/column.
          const px = Math.min(bx + x, width - 1);
          const py = Math.min(by + y, height - 1);
          const o = (py * width + px) * 3;
          const r = pixels[o]!;
          const g = pixels[o + 1]!;
          const b = pixels[o + 2]!;
          block[0]![y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          block[1]![y * 8 + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
          block[2]![y * 8 + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
        }
      }
      for (let c = 0; c < 3; c++) {
        const coefficients = fdct(block[c]!);
        const q = c === 0 ? qLuma : qChroma;
        const dcTable = c === 0 ? dcL : dcC;
        const acTable = c === 0 ? acL : acC;
        const zz = ZIGZAG.map((i) => Math.round(coefficients[i]! / q[i]!));
        const diff = zz[0]! - prevDc[c]!;
        prevDc[c] = zz[0]!;
        const dcCat = category(diff);
        const [dcCode, dcLen] = dcTable.get(dcCat)!;
        writer.write(dcCode, dcLen);
        if (dcCat) writer.write(magnitudeBits(diff, dcCat), dcCat);
        let run = 0;
        for (let k = 1; k < 64; k++) {
          const v = zz[k]!;
          if (v === 0) {
            run++;
            continue;
          }
          while (run > 15) {
            const [zrl, zrlLen] = acTable.get(0xf0)!;
            writer.write(zrl, zrlLen);
            run -= 16;
          }
          const cat = category(v);
          const [code, len] = acTable.get((run << 4) | cat)!;
          writer.write(code, len);
          writer.write(magnitudeBits(v, cat), cat);
          run = 0;
        }
        if (run > 0) {
          const [eob, eobLen] = acTable.get(0x00)!;
          writer.write(eob, eobLen);
        }
      }
    }
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, app0),
    segment(0xdb, dqt),
    segment(0xc0, sof),
    segment(0xc4, dht),
    segment(0xda, sos),
    writer.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/**
 * A recognisable thumbnail: a diagonal gradient in a colour derived from the content hash, so that two
 * different files get different pictures and the same file always the same one.
 */
export function thumbnailPixels(width: number, height: number, seedHex: string): RgbImage {
  const seed = Buffer.from(seedHex.padEnd(6, '0').slice(0, 6), 'hex');
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height - 2 || 1);
      const o = (y * width + x) * 3;
      pixels[o] = Math.round(seed[0]! * (1 - t) + 255 * t);
      pixels[o + 1] = Math.round(seed[1]! * (1 - t) + 255 * t);
      pixels[o + 2] = Math.round(seed[2]! * (1 - t) + 255 * t);
    }
  }
  return { width, height, pixels };
}
