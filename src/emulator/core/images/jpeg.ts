/**
 * Baseline JPEG (ITU T.81) in JFIF: YCbCr without chroma subsampling, the quantisation tables of Annex K
 * scaled by quality as libjpeg scales them, and Annex K's typical Huffman tables.
 */
import { ByteSink, checkImage, type HuffmanCodes, type RgbImage } from './raster.js';

/** Zigzag position → natural (row-major) index in an 8×8 block. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

/** T.81 Table K.1, luminance quantisation, natural order (quality 50). */
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** T.81 Table K.2, chrominance quantisation, natural order (quality 50): only the top-left 4×4 is below 99. */
const CHROMA_Q = Array.from({ length: 64 }, (_, i) => {
  const top = [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 99, 47, 66, 99, 99];
  return i % 8 < 4 && i < 32 ? top[(i >> 3) * 4 + (i % 8)]! : 99;
});

/** A DHT table: how many codes of each length 1–16, then the symbols in code order. */
interface HuffmanSpec {
  counts: number[];
  symbols: number[];
}

const hexBytes = (hex: string) => [...Buffer.from(hex, 'hex')];

/** T.81 Tables K.3–K.6: the "typical" Huffman tables every baseline decoder knows how to read. */
const DC_LUMA: HuffmanSpec = {
  counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
const DC_CHROMA: HuffmanSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
const AC_LUMA: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: hexBytes(
    '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
  ),
};
const AC_CHROMA: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: hexBytes(
    '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  ),
};

/** Canonical codes from a DHT description (T.81 Annex C): codes of one length count up, then shift left. */
function jpegCodes({ counts, symbols }: HuffmanSpec): HuffmanCodes {
  const table: HuffmanCodes = { code: new Uint16Array(256), length: new Uint8Array(256) };
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++, code <<= 1) {
    for (let i = 0; i < counts[length - 1]!; i++, code++) {
      table.code[symbols[k]!] = code;
      table.length[symbols[k++]!] = length;
    }
  }
  return table;
}

/** Writes bits most significant first, with JPEG's byte stuffing (a 0x00 after every 0xFF). */
class JpegBitWriter {
  private readonly sink = new ByteSink();
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    this.acc = (this.acc << length) | (value & ((1 << length) - 1));
    this.count += length;
    while (this.count >= 8) {
      this.count -= 8;
      const byte = (this.acc >>> this.count) & 0xff;
      this.sink.push(byte);
      if (byte === 0xff) this.sink.push(0x00);
    }
    this.acc &= (1 << this.count) - 1;
  }

  /** Pads the last byte with 1 bits, as T.81 F.1.2.3 asks. */
  finish(): Buffer {
    if (this.count > 0) this.write((1 << (8 - this.count)) - 1, 8 - this.count);
    return this.sink.toBuffer();
  }
}

/** IJG's quality scaling of a quality-50 table, clamped to 1–255 as baseline JPEG requires. */
function scaledTable(table: number[], quality: number): Float64Array {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  return Float64Array.from(table, (q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

/** DCT_BASIS[u * 8 + x] = C(u)/2 · cos((2x + 1)uπ/16): the orthonormal 1-D DCT-II of T.81 A.3.3. */
const DCT_BASIS = Float64Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3;
  const x = i & 7;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** The forward DCT of an 8×8 block of level-shifted samples (natural order), as two 1-D passes. */
function forwardDct(block: Float64Array, rows: Float64Array, out: Float64Array): void {
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += block[y * 8 + x]! * DCT_BASIS[u * 8 + x]!;
      rows[y * 8 + u] = s;
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let y = 0; y < 8; y++) s += rows[y * 8 + u]! * DCT_BASIS[v * 8 + y]!;
      out[v * 8 + u] = s;
    }
  }
}

/** T.81 F.1.2.1: the size category of a coefficient (how many bits its magnitude needs). */
const category = (value: number) => 32 - Math.clz32(Math.abs(value));

function isFlat(block: Float64Array): boolean {
  for (let i = 1; i < 64; i++) if (block[i] !== block[0]) return false;
  return true;
}

/** How one colour component is coded: its quantisation and Huffman tables, and its last DC value. */
interface JpegComponent {
  quant: Float64Array;
  dc: HuffmanCodes;
  ac: HuffmanCodes;
  previousDc: number;
}

/** Quantises the DCT of `block` and writes it: DC as a difference to the previous block, AC run-length coded. */
function encodeBlock(
  bits: JpegBitWriter,
  component: JpegComponent,
  block: Float64Array,
  scratch: { rows: Float64Array; dct: Float64Array; zz: Int32Array },
): void {
  const { rows, dct, zz } = scratch;
  const roundHalfAway = (v: number) => Math.sign(v) * Math.round(Math.abs(v)); // like libjpeg: no bias
  if (isFlat(block)) {
    // A flat block's transform is exactly its DC term, 8 × the sample: skip the arithmetic.
    zz.fill(0);
    zz[0] = roundHalfAway((8 * block[0]!) / component.quant[0]!);
  } else {
    forwardDct(block, rows, dct);
    for (let k = 0; k < 64; k++) zz[k] = roundHalfAway(dct[ZIGZAG[k]!]! / component.quant[ZIGZAG[k]!]!);
  }
  const diff = zz[0]! - component.previousDc;
  component.previousDc = zz[0]!;
  const dcCategory = category(diff);
  bits.write(component.dc.code[dcCategory]!, component.dc.length[dcCategory]!);
  // Additional bits: the value itself, or for negatives its one's complement in `category` bits.
  if (dcCategory) bits.write(diff < 0 ? diff - 1 : diff, dcCategory);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = zz[k]!;
    if (v === 0) {
      run++;
      continue;
    }
    for (; run > 15; run -= 16) bits.write(component.ac.code[0xf0]!, component.ac.length[0xf0]!); // ZRL
    const acCategory = category(v);
    const symbol = (run << 4) | acCategory;
    bits.write(component.ac.code[symbol]!, component.ac.length[symbol]!);
    bits.write(v < 0 ? v - 1 : v, acCategory);
    run = 0;
  }
  if (run > 0) bits.write(component.ac.code[0]!, component.ac.length[0]!); // end of block
}

function jpegSegment(marker: number, body: Uint8Array | number[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, Buffer.from(body)]);
}

/**
 * A baseline JFIF JPEG. `quality` (1–100) scales the Annex K quantisation tables as libjpeg does. Chroma is
 * not subsampled (4:4:4): thumbnails are small, and their colours should survive.
 */
export function encodeJpeg(image: RgbImage, quality = 85): Buffer {
  checkImage(image, 'JPEG', 0xffff);
  const { width, height, pixels } = image;
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const lumaQ = scaledTable(LUMA_Q, q);
  const chromaQ = scaledTable(CHROMA_Q, q);
  const luma = { quant: lumaQ, dc: jpegCodes(DC_LUMA), ac: jpegCodes(AC_LUMA) };
  const chroma = { quant: chromaQ, dc: jpegCodes(DC_CHROMA), ac: jpegCodes(AC_CHROMA) };
  const components: JpegComponent[] = [
    { ...luma, previousDc: 0 },
    { ...chroma, previousDc: 0 },
    { ...chroma, previousDc: 0 },
  ];

  const bits = new JpegBitWriter();
  const planes = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  const scratch = { rows: new Float64Array(64), dct: new Float64Array(64), zz: new Int32Array(64) };
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const o = Math.min(by + y, height - 1) * width; // past the edge: repeat the last row / column
        for (let x = 0; x < 8; x++) {
          const p = (o + Math.min(bx + x, width - 1)) * 3;
          const r = pixels[p]!;
          const g = pixels[p + 1]!;
          const b = pixels[p + 2]!;
          // JFIF's YCbCr, rounded to 8-bit samples as libjpeg does, then level-shifted by 128.
          const i = y * 8 + x;
          planes[0]![i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b) - 128;
          planes[1]![i] = Math.min(255, Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128)) - 128;
          planes[2]![i] = Math.min(255, Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128)) - 128;
        }
      }
      for (let c = 0; c < 3; c++) encodeBlock(bits, components[c]!, planes[c]!, scratch);
    }
  }

  const jfif = [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]; // v1.01, aspect 1:1, no thumbnail
  const dqt = [0, ...ZIGZAG.map((i) => lumaQ[i]!), 1, ...ZIGZAG.map((i) => chromaQ[i]!)];
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3];
  sof.push(1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1); // id, 1×1 sampling, quantisation table
  const dht = (
    [
      [0x00, DC_LUMA],
      [0x10, AC_LUMA],
      [0x01, DC_CHROMA],
      [0x11, AC_CHROMA],
    ] as const
  ).flatMap(([id, spec]) => [id, ...spec.counts, ...spec.symbols]);
  const sos = [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]; // components with their DC/AC tables; full spectrum
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, jfif),
    jpegSegment(0xdb, dqt),
    jpegSegment(0xc0, sof),
    jpegSegment(0xc4, dht),
    jpegSegment(0xda, sos),
    bits.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}
