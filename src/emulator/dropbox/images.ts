import { crc32, deflateSync } from 'node:zlib';

/**
 * Real, decodable thumbnail images without an image library: solid-colour pictures of any size as PNG
 * (zlib-compressed scanlines), baseline JPEG (one DC coefficient per 8x8 block, standard Huffman DC table,
 * unit quantisation, so the colour comes back exactly) and lossless WebP (VP8L with single-symbol prefix
 * codes: every pixel costs zero bits). Also the dimension sniffing of the source images that thumbnails
 * are scaled from.
 */
export type Rgb = [number, number, number];

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function solidPng(width: number, height: number, [r, g, b]: Rgb): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Writes bits MSB first with JPEG byte stuffing (0xFF is followed by 0x00). */
class JpegBits {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }

  finish(): Buffer {
    while (this.count !== 0) this.write(1, 1); // pad with 1-bits
    return Buffer.from(this.bytes);
  }
}

// The standard luminance DC table (ITU T.81 Annex K.3): code lengths per category 0..11.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** Canonical Huffman codes from a DHT description. */
function huffmanCodes(bits: number[], values: number[]): Map<number, { code: number; length: number }> {
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]!; i++) codes.set(values[k++]!, { code: code++, length });
    code <<= 1;
  }
  return codes;
}

const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);

function segment(marker: number, body: number[] | Buffer): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(marker, 0);
  b.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([b, Buffer.from(body)]);
}

export function solidJpeg(width: number, height: number, [r, g, b]: Rgb): Buffer {
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  const samples = [
    clamp(0.299 * r + 0.587 * g + 0.114 * b),
    clamp(-0.168736 * r - 0.331264 * g + 0.5 * b + 128),
    clamp(0.5 * r - 0.418688 * g - 0.081312 * b + 128),
  ];
  // With every quantiser 1, a flat block's only coefficient is DC = 8 * (sample - 128).
  const dcs = samples.map((s) => 8 * (s - 128));
  const jfif = [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0x00, ...new Array<number>(64).fill(1)];
  const sof = [
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
    1,
    0x11,
    0,
    2,
    0x11,
    0,
    3,
    0x11,
    0,
  ];
  // DC table 0 (standard), AC table 0 with a single symbol, end-of-block (code "0").
  const dht = [0x00, ...DC_BITS, ...DC_VALUES, 0x10, 1, ...new Array<number>(15).fill(0), 0x00];
  const sos = [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0];

  const bits = new JpegBits();
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const previous = [0, 0, 0];
  for (let mcu = 0; mcu < blocks; mcu++) {
    for (let c = 0; c < 3; c++) {
      const diff = dcs[c]! - previous[c]!;
      previous[c] = dcs[c]!;
      const magnitude = Math.abs(diff);
      const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
      const { code, length } = DC_CODES.get(category)!;
      bits.write(code, length);
      if (category > 0) bits.write(diff > 0 ? diff : diff + (1 << category) - 1, category);
      bits.write(0, 1); // EOB: all AC coefficients are zero
    }
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xffe0, jfif),
    segment(0xffdb, dqt),
    segment(0xffc0, sof),
    segment(0xffc4, dht),
    segment(0xffda, sos),
    bits.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** Writes bits LSB first, as VP8L wants. */
class LsbBits {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = 0; i < length; i++) {
      this.acc |= ((value >> i) & 1) << this.count;
      if (++this.count === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.count = 0;
      }
    }
  }

  finish(): Buffer {
    if (this.count) this.bytes.push(this.acc);
    return Buffer.from(this.bytes);
  }
}

export function solidWebp(width: number, height: number, [r, g, b]: Rgb): Buffer {
  const bits = new LsbBits();
  bits.write(width - 1, 14);
  bits.write(height - 1, 14);
  bits.write(0, 1); // alpha not used
  bits.write(0, 3); // version 0
  bits.write(0, 1); // no transform
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // no meta prefix codes
  // Five prefix codes (green, red, blue, alpha, distance), each "simple" with one symbol: zero bits each.
  for (const symbol of [g, r, b, 255]) {
    bits.write(1, 1); // simple code
    bits.write(0, 1); // one symbol
    bits.write(1, 1); // 8-bit symbol
    bits.write(symbol, 8);
  }
  bits.write(1, 1);
  bits.write(0, 1);
  bits.write(0, 1); // 1-bit symbol
  bits.write(0, 1); // distance symbol 0
  const payload = Buffer.concat([Buffer.from([0x2f]), bits.finish()]);
  const padded = payload.length % 2 ? Buffer.concat([payload, Buffer.alloc(1)]) : payload;
  const vp8l = Buffer.alloc(8);
  vp8l.write('VP8L', 0, 'ascii');
  vp8l.writeUInt32LE(payload.length, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(4 + 8 + padded.length, 4);
  riff.write('WEBP', 8, 'ascii');
  return Buffer.concat([riff, vp8l, padded]);
}

/** Width and height of a PNG, JPEG, GIF, BMP, WebP, PPM or TIFF image, from its first bytes. */
export function imageSize(head: Buffer): { width: number; height: number } | undefined {
  if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47) {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 10 && head.toString('ascii', 0, 3) === 'GIF') {
    return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  }
  if (head.length >= 26 && head.toString('ascii', 0, 2) === 'BM') {
    return { width: Math.abs(head.readInt32LE(18)), height: Math.abs(head.readInt32LE(22)) };
  }
  if (
    head.length >= 30 &&
    head.toString('ascii', 0, 4) === 'RIFF' &&
    head.toString('ascii', 8, 12) === 'WEBP'
  ) {
    const kind = head.toString('ascii', 12, 16);
    if (kind === 'VP8L') {
      const v = head.readUInt32LE(21);
      return { width: (v & 0x3fff) + 1, height: ((v >> 14) & 0x3fff) + 1 };
    }
    if (kind === 'VP8 ')
      return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
    if (kind === 'VP8X') return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) {
    let i = 2;
    while (i + 9 < head.length) {
      if (head[i] !== 0xff) return undefined;
      const marker = head[i + 1]!;
      const length = head.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: head.readUInt16BE(i + 7), height: head.readUInt16BE(i + 5) };
      }
      i += 2 + length;
    }
    return undefined;
  }
  const ppm = /^P[1-6]\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)/.exec(head.toString('latin1', 0, 256));
  if (ppm) return { width: Number(ppm[1]), height: Number(ppm[2]) };
  if (head.length >= 8 && (head.toString('ascii', 0, 2) === 'II' || head.toString('ascii', 0, 2) === 'MM')) {
    return tiffSize(head);
  }
  return undefined;
}

function tiffSize(head: Buffer): { width: number; height: number } | undefined {
  const le = head[0] === 0x49;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > head.length) return undefined;
  let width: number | undefined;
  let height: number | undefined;
  for (let i = 0, n = u16(ifd); i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > head.length) break;
    const tag = u16(e);
    const value = u16(e + 2) === 3 ? u16(e + 8) : u32(e + 8);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width && height ? { width, height } : undefined;
}
