import { crc32, deflateSync } from 'node:zlib';

/**
 * Small image encoders for the emulators' thumbnails, so that a thumbnail is a real picture that any
 * decoder accepts without the project depending on an image library: PNG (truecolour, per-row adaptive
 * filtering), baseline JPEG (JFIF, YCbCr 4:4:4, the quantisation and Huffman tables of ITU T.81 Annex K,
 * IJG quality scaling) and lossless WebP (VP8L with Huffman-coded literals). Plus {@link imageSize}, which
 * reads the dimensions of an uploaded image from its first bytes, for services that scale thumbnails
 * from the source's aspect ratio.
 *
 * Every encoder takes the same {@link RgbImage}; {@link solidImage} and {@link paintImage} make one.
 */

/** 8-bit RGB pixels, row by row, top to bottom: `pixels.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A colour as red, green, blue (0–255 each). */
export type Rgb = readonly [number, number, number];

/** An image of one colour. */
export function solidImage(width: number, height: number, [r, g, b]: Rgb): RgbImage {
  const pixels = new Uint8Array(width * height * 3);
  if (pixels.length > 0) {
    pixels.set([r, g, b]);
    // Doubling copies: log2(n) native copies instead of a loop over every pixel.
    for (let filled = 3; filled < pixels.length; filled *= 2) pixels.copyWithin(filled, 0, filled);
  }
  return { width, height, pixels };
}

/** An image whose every pixel is `paint(x, y)` (gradients, patterns). */
export function paintImage(width: number, height: number, paint: (x: number, y: number) => Rgb): RgbImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) pixels.set(paint(x, y), o);
  }
  return { width, height, pixels };
}

function checkImage({ width, height, pixels }: RgbImage, format: string, maxSide: number): void {
  const checkSide = (name: string, side: number) => {
    if (!Number.isInteger(side) || side < 1 || side > maxSide) {
      throw new RangeError(`${format} ${name} must be an integer from 1 to ${maxSide}, not ${side}`);
    }
  };
  checkSide('width', width);
  checkSide('height', height);
  if (pixels.length !== width * height * 3) {
    throw new RangeError(
      `a ${width}x${height} RGB image has ${width * height * 3} bytes, not ${pixels.length}`,
    );
  }
}

/** A byte sink that grows as needed (the encoders' output sizes are not known in advance). */
class ByteSink {
  private bytes = new Uint8Array(4096);
  length = 0;

  push(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes.buffer, 0, this.length);
  }
}

// ---- PNG -------------------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

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

// ---- JPEG ------------------------------------------------------------------------------------------------

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

/** The code and length of every symbol of a table (length 0: the symbol is not in the table). */
interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}

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

// ---- WebP (lossless, VP8L) -------------------------------------------------------------------------------

/** Writes bits least significant first, as VP8L reads them. */
class LsbBitWriter {
  private readonly sink = new ByteSink();
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    this.acc |= (value & ((1 << length) - 1)) << this.count;
    this.count += length;
    while (this.count >= 8) {
      this.sink.push(this.acc & 0xff);
      this.acc >>>= 8;
      this.count -= 8;
    }
  }

  /** A prefix code: its first bit is the code's most significant one, so the bits go in reversed. */
  writeCode(codes: HuffmanCodes, symbol: number): void {
    const length = codes.length[symbol]!;
    if (length === 0) return;
    let reversed = 0;
    for (let i = 0, code = codes.code[symbol]!; i < length; i++, code >>= 1)
      reversed = (reversed << 1) | (code & 1);
    this.write(reversed, length);
  }

  finish(): Buffer {
    if (this.count > 0) this.write(0, 8 - this.count);
    return this.sink.toBuffer();
  }
}

/**
 * Huffman code lengths for `counts`, none longer than `limit`. When the optimal code is too deep, small
 * counts are raised to a floor that doubles each round (libwebp does the same): equal weights give a
 * balanced tree, so this ends. A lone symbol gets length 1 (it is decoded with zero bits).
 */
function huffmanLengths(counts: ArrayLike<number>, limit: number): Uint8Array {
  const lengths = new Uint8Array(counts.length);
  const used: number[] = [];
  for (let s = 0; s < counts.length; s++) if (counts[s]! > 0) used.push(s);
  if (used.length === 1) lengths[used[0]!] = 1;
  if (used.length < 2) return lengths;
  interface Node {
    weight: number;
    symbol: number;
    left?: Node;
    right?: Node;
  }
  for (let floor = 1; ; floor *= 2) {
    // Two-queue Huffman: sorted leaves, and internal nodes, which are made in non-decreasing weight order.
    const leaves: Node[] = used
      .map((symbol) => ({ weight: Math.max(counts[symbol]!, floor), symbol }))
      .sort((a, b) => a.weight - b.weight || a.symbol - b.symbol);
    const merged: Node[] = [];
    let li = 0;
    let mi = 0;
    const next = (): Node =>
      mi >= merged.length || (li < leaves.length && leaves[li]!.weight <= merged[mi]!.weight)
        ? leaves[li++]!
        : merged[mi++]!;
    for (let i = 1; i < used.length; i++) {
      const left = next();
      const right = next();
      merged.push({ weight: left.weight + right.weight, symbol: -1, left, right });
    }
    let deepest = 0;
    const walk = (node: Node, depth: number): void => {
      if (node.left && node.right) {
        walk(node.left, depth + 1);
        walk(node.right, depth + 1);
      } else {
        lengths[node.symbol] = depth;
        deepest = Math.max(deepest, depth);
      }
    };
    walk(merged[merged.length - 1]!, 0);
    if (deepest <= limit) return lengths;
  }
}

/**
 * Canonical codes for `lengths` (shorter codes first, then by symbol, as DEFLATE and VP8L define them).
 * A code with a single symbol costs zero bits in VP8L, so its length is cleared.
 */
function canonicalCodes(lengths: Uint8Array): HuffmanCodes {
  const codes: HuffmanCodes = { code: new Uint16Array(lengths.length), length: Uint8Array.from(lengths) };
  const nonZero = lengths.reduce((n, l) => n + (l > 0 ? 1 : 0), 0);
  if (nonZero <= 1) {
    codes.length.fill(0);
    return codes;
  }
  const perLength = new Uint16Array(16);
  for (const l of lengths) if (l) perLength[l]!++;
  const nextCode = new Uint16Array(16);
  for (let l = 1, code = 0; l < 16; l++) {
    code = (code + perLength[l - 1]!) << 1;
    nextCode[l] = code;
  }
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) codes.code[s] = nextCode[lengths[s]!]!++;
  return codes;
}

/** The order in which VP8L stores the lengths of the code-length code (RFC 9649, 3.7.2.1.2). */
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * Writes the prefix code for a histogram and returns its codes: a "simple" code when one or two symbols
 * below 256 occur (or none: a placeholder), otherwise a "normal" one, whose code lengths are themselves
 * Huffman coded, with runs of zeros as symbols 17 and 18.
 */
function writePrefixCode(bits: LsbBitWriter, histogram: Uint32Array): HuffmanCodes {
  const used: number[] = [];
  for (let s = 0; s < histogram.length; s++) if (histogram[s]! > 0) used.push(s);
  if (used.length <= 2 && used.every((s) => s < 256)) {
    const symbols = used.length ? used : [0];
    bits.write(1, 1); // simple code
    bits.write(symbols.length - 1, 1);
    const first = symbols[0]!;
    // A flag and the first symbol, in 1 bit if it is 0 or 1, else in 8; then the second one in 8.
    if (first < 2) bits.write(first << 1, 2);
    else bits.write(1 | (first << 1), 9);
    if (symbols.length === 2) bits.write(symbols[1]!, 8);
    const lengths = new Uint8Array(histogram.length);
    for (const s of symbols) lengths[s] = 1;
    return canonicalCodes(lengths);
  }

  const lengths = huffmanLengths(histogram, 15);
  const tokens: Array<[symbol: number, extra: number]> = [];
  for (let i = 0; i < lengths.length; ) {
    if (lengths[i] !== 0) {
      tokens.push([lengths[i++]!, 0]);
      continue;
    }
    let run = 0;
    while (i + run < lengths.length && lengths[i + run] === 0 && run < 138) run++;
    if (run >= 11) tokens.push([18, run - 11]);
    else if (run >= 3) tokens.push([17, run - 3]);
    else for (let k = 0; k < run; k++) tokens.push([0, 0]);
    i += run;
  }
  const tokenCounts = new Uint32Array(19);
  for (const [symbol] of tokens) tokenCounts[symbol]!++;
  const tokenLengths = huffmanLengths(tokenCounts, 7);
  let stored = 19;
  while (stored > 4 && tokenLengths[CODE_LENGTH_ORDER[stored - 1]!] === 0) stored--;

  bits.write(0, 1); // normal code
  bits.write(stored - 4, 4);
  for (let i = 0; i < stored; i++) bits.write(tokenLengths[CODE_LENGTH_ORDER[i]!]!, 3);
  bits.write(0, 1); // lengths for the whole alphabet
  const tokenCodes = canonicalCodes(tokenLengths);
  for (const [symbol, extra] of tokens) {
    bits.writeCode(tokenCodes, symbol);
    if (symbol === 17) bits.write(extra, 3);
    if (symbol === 18) bits.write(extra, 7);
  }
  return canonicalCodes(lengths);
}

/** The ARGB stream VP8L codes, as separate channels (alpha is 255 throughout, or 0 after prediction). */
interface Channels {
  red: Uint8Array;
  green: Uint8Array;
  blue: Uint8Array;
  alpha: number;
}

/**
 * The residuals of VP8L's predictor 12 ("ClampAddSubtractFull": clamp(L + T - TL) per channel), which
 * predicts gradients exactly. As the format fixes: the first pixel is predicted as opaque black, the rest
 * of the top row from the left, the rest of the left column from above.
 */
function predictorResiduals({ width, height, pixels }: RgbImage): Channels {
  const n = width * height;
  const out = { red: new Uint8Array(n), green: new Uint8Array(n), blue: new Uint8Array(n), alpha: 0 };
  const planes = [out.red, out.green, out.blue];
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      for (let c = 0; c < 3; c++) {
        const value = pixels[i * 3 + c]!;
        const left = x > 0 ? pixels[(i - 1) * 3 + c]! : 0;
        const top = y > 0 ? pixels[(i - width) * 3 + c]! : 0;
        let prediction: number;
        if (y === 0) prediction = left;
        else if (x === 0) prediction = top;
        else prediction = Math.min(255, Math.max(0, left + top - pixels[(i - width - 1) * 3 + c]!));
        planes[c]![i] = value - prediction; // modulo 256, as the decoder adds it back
      }
    }
  }
  return out;
}

function literalChannels({ width, height, pixels }: RgbImage): Channels {
  const n = width * height;
  const out = { red: new Uint8Array(n), green: new Uint8Array(n), blue: new Uint8Array(n), alpha: 255 };
  for (let i = 0; i < n; i++) {
    out.red[i] = pixels[i * 3]!;
    out.green[i] = pixels[i * 3 + 1]!;
    out.blue[i] = pixels[i * 3 + 2]!;
  }
  return out;
}

function histogram(values: Uint8Array, size = 256): Uint32Array {
  const counts = new Uint32Array(size);
  for (let i = 0; i < values.length; i++) counts[values[i]!]!++;
  return counts;
}

/**
 * About what the three colour channels' Huffman-coded literals will cost, in bits: each symbol its
 * information content, but at least one bit (a prefix code cannot do better), unless a channel holds a
 * single value, which costs nothing.
 */
function literalCost(channels: Channels): number {
  let bits = 0;
  for (const plane of [channels.red, channels.green, channels.blue]) {
    const counts = histogram(plane).filter((count) => count > 0);
    if (counts.length === 1) continue;
    for (const count of counts) bits += count * Math.max(1, Math.log2(plane.length / count));
  }
  return bits;
}

/**
 * Writes one entropy-coded pixel stream: a prefix code per alphabet (green with its 24 length codes, red,
 * blue, alpha, distance), then every pixel as green, red and blue literals. No backward references, so the
 * distance code is a placeholder.
 */
function writePixels(bits: LsbBitWriter, { red, green, blue, alpha }: Channels): void {
  const alphaCounts = new Uint32Array(256);
  alphaCounts[alpha] = red.length;
  const [greenCodes, redCodes, blueCodes] = [
    histogram(green, 256 + 24),
    histogram(red),
    histogram(blue),
    alphaCounts,
    new Uint32Array(40),
  ].map((counts) => writePrefixCode(bits, counts)) as [HuffmanCodes, HuffmanCodes, HuffmanCodes];
  // The alpha code has one symbol, which costs nothing; so do the others for a single-colour stream.
  if ([greenCodes, redCodes, blueCodes].every((codes) => codes.length.every((l) => l === 0))) return;
  for (let i = 0; i < red.length; i++) {
    bits.writeCode(greenCodes, green[i]!);
    bits.writeCode(redCodes, red[i]!);
    bits.writeCode(blueCodes, blue[i]!);
  }
}

/** Predictor blocks of 512×512 pixels (the largest VP8L allows), all using predictor 12. */
const PREDICTOR_BLOCK_BITS = 9;

/**
 * A lossless WebP: one VP8L image of Huffman-coded literals, without colour cache or backward references.
 * When it makes the literals cheaper (gradients, photos), a predictor transform turns pixels into
 * residuals; a single-colour image skips it, as its literals cost zero bits per pixel.
 */
export function encodeWebp(image: RgbImage): Buffer {
  checkImage(image, 'WebP', 16384);
  const { width, height } = image;
  let channels = literalChannels(image);
  const literalBits = literalCost(channels);
  // A single-colour image's literals cost nothing: no need to try the predictor.
  const residuals = literalBits > 0 ? predictorResiduals(image) : undefined;
  const predict = residuals !== undefined && literalCost(residuals) < literalBits;
  if (predict) channels = residuals;

  const bits = new LsbBitWriter();
  bits.write(0x2f, 8); // VP8L signature
  bits.write(width - 1, 14);
  bits.write(height - 1, 14);
  bits.write(0, 1); // alpha_is_used: no
  bits.write(0, 3); // version 0
  if (predict) {
    bits.write(1, 1); // a transform follows
    bits.write(0, 2); // predictor transform
    bits.write(PREDICTOR_BLOCK_BITS - 2, 3);
    const blocksAlong = (side: number) => (side + (1 << PREDICTOR_BLOCK_BITS) - 1) >> PREDICTOR_BLOCK_BITS;
    const blocks = blocksAlong(width) * blocksAlong(height);
    // The transform's own image: one pixel per block, the predictor number in green.
    bits.write(0, 1); // no colour cache
    writePixels(bits, {
      red: new Uint8Array(blocks),
      green: new Uint8Array(blocks).fill(12),
      blue: new Uint8Array(blocks),
      alpha: 255,
    });
  }
  bits.write(0, 1); // no (more) transforms
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // one prefix-code group for the whole image
  writePixels(bits, channels);
  const payload = bits.finish();

  const head = Buffer.alloc(20);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + 8 + payload.length + (payload.length & 1), 4);
  head.write('WEBP', 8, 'latin1');
  head.write('VP8L', 12, 'latin1');
  head.writeUInt32LE(payload.length, 16);
  return Buffer.concat([head, payload, Buffer.alloc(payload.length & 1)]); // chunks are padded to even
}

// ---- Dimensions of uploaded images -----------------------------------------------------------------------

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
