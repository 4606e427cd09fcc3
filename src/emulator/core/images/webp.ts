/**
 * Lossless WebP (VP8L, RFC 9649): Huffman-coded literals, with a predictor transform when it makes them
 * cheaper. No colour cache and no backward references: simple, and small enough for thumbnails.
 */
import { ByteSink, checkImage, type HuffmanCodes, type RgbImage } from './raster.js';

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
