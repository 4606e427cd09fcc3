/**
 * The emulators' shared image encoders, judged by decoders the project did not write: Chromium decodes
 * every PNG, JPEG and WebP and the pixels are compared with the source (exactly for the lossless formats),
 * `file` names the format and size; PNG structure is checked by parsing. The size reader is run on our
 * own output, on what Chromium's encoders write, and on hand-made headers that `file` reads the same way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  encodeJpeg,
  encodePng,
  encodeWebp,
  imageSize,
  paintImage,
  type RgbImage,
  solidImage,
} from '../../../src/emulator/core/images.js';
import { patternBytes } from '../../helpers/pattern-bytes.js';
import { Chromium, describeWithFile, parsePng } from './image-decode.js';

/** Odd sides (edge blocks in JPEG), smooth ramps and a sharp, wrapping pattern in blue. */
const gradient = paintImage(37, 23, (x, y) => [
  Math.round((x * 255) / 36),
  Math.round((y * 255) / 22),
  (x * y * 7) & 255,
]);
/** Incompressible: every byte value in every channel, in no order. */
const noise: RgbImage = { width: 64, height: 48, pixels: patternBytes(64 * 48 * 3, 7) };
const solid = solidImage(300, 200, [10, 200, 30]);
const onePixel = solidImage(1, 1, [255, 0, 128]);
/** Wider than one 512-pixel VP8L predictor block. */
const wide = paintImage(600, 20, (x, y) => [x & 255, y * 5, (x * 3) & 255]);
const samples = { gradient, noise, solid, onePixel, wide };

/** Largest and mean absolute difference between two equally long sample arrays. */
function difference(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

/** The JPEG's marker segments before the scan: marker → body. */
function jpegSegments(jpeg: Buffer): Map<number, Buffer> {
  const segments = new Map<number, Buffer>();
  assert.equal(jpeg.readUInt16BE(0), 0xffd8);
  for (let i = 2; jpeg[i + 1] !== 0xda; ) {
    const length = jpeg.readUInt16BE(i + 2);
    segments.set(jpeg[i + 1]!, jpeg.subarray(i + 4, i + 2 + length));
    i += 2 + length;
  }
  return segments;
}

/** The luminance quantisation table of a JPEG, in natural (row-major) order. */
function lumaTable(jpeg: Buffer): number[] {
  const dqt = jpegSegments(jpeg).get(0xdb)!;
  assert.equal(dqt[0], 0x00, '8-bit table 0 first');
  const zigzag = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
    14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39,
    46, 53, 60, 61, 54, 47, 55, 62, 63,
  ];
  const natural = new Array<number>(64);
  for (let k = 0; k < 64; k++) natural[zigzag[k]!] = dqt[1 + k]!;
  return natural;
}

describe('emulator image encoders', () => {
  let chromium: Chromium;

  before(async () => {
    chromium = await Chromium.launch();
  });
  after(async () => {
    await chromium?.close();
  });

  describe('PNG', () => {
    for (const [name, image] of Object.entries(samples)) {
      it(`gives back every pixel of the ${name} image to a parser, Chromium and file`, async () => {
        const png = encodePng(image);
        const parsed = parsePng(png);
        assert.deepEqual(
          [parsed.width, parsed.height, parsed.bitDepth, parsed.colorType, parsed.interlace],
          [image.width, image.height, 8, 2, 0],
        );
        assert.ok(parsed.pixels.equals(image.pixels), 'unfiltered rows equal the source');
        const decoded = await chromium.decode(png, 'image/png');
        assert.deepEqual([decoded.width, decoded.height], [image.width, image.height]);
        assert.ok(decoded.rgb.equals(image.pixels), 'Chromium decodes the same pixels');
        assert.match(
          await describeWithFile(png),
          new RegExp(`^PNG image data, ${image.width} x ${image.height}, 8-bit/color RGB, non-interlaced`),
        );
      });
    }

    it('filters rows: predictive filters for ramps, Up for repeated rows, smaller than unfiltered', () => {
      const ramp = paintImage(256, 64, (x, y) => [x, (x + y) & 255, 255 - x]);
      const parsed = parsePng(encodePng(ramp));
      assert.ok(
        parsed.filters.some((f) => f !== 0),
        `filters used: ${[...new Set(parsed.filters)]}`,
      );
      const unfiltered = Buffer.alloc(parsed.raw.length);
      for (let y = 0; y < ramp.height; y++) {
        unfiltered.set(ramp.pixels.subarray(y * 768, (y + 1) * 768), y * 769 + 1);
      }
      assert.ok(deflateSync(parsed.raw).length < deflateSync(unfiltered).length);
      assert.deepEqual(new Set(parsePng(encodePng(solid)).filters.slice(1)), new Set([2]));
    });
  });

  describe('JPEG', () => {
    it('writes baseline JFIF that file names and Chromium decodes close to the source', async () => {
      for (const [name, image] of Object.entries({ gradient, noise })) {
        const jpeg = encodeJpeg(image, 100);
        assert.match(
          await describeWithFile(jpeg),
          new RegExp(
            `^JPEG image data, JFIF standard 1\\.01.*baseline, precision 8, ${image.width}x${image.height}, components 3`,
          ),
        );
        const decoded = await chromium.decode(jpeg, 'image/jpeg');
        assert.deepEqual([decoded.width, decoded.height], [image.width, image.height]);
        // At quality 100 every quantiser is 1: only rounding is lost, even on noise (4:4:4, no subsampling).
        const { max, mean } = difference(decoded.rgb, image.pixels);
        assert.ok(max <= 6 && mean < 1, `${name}: max ${max}, mean ${mean}`);
      }
      const smooth = paintImage(160, 120, (x, y) => [x, y, (x + y) >> 1]);
      const decoded = await chromium.decode(encodeJpeg(smooth), 'image/jpeg');
      const { max, mean } = difference(decoded.rgb, smooth.pixels);
      assert.ok(max <= 8 && mean < 1.5, `smooth at the default quality: max ${max}, mean ${mean}`);
    });

    it('keeps a solid colour, in every block and at the edges', async () => {
      for (const image of [solid, onePixel]) {
        const decoded = await chromium.decode(encodeJpeg(image), 'image/jpeg');
        assert.deepEqual([decoded.width, decoded.height], [image.width, image.height]);
        assert.ok(difference(decoded.rgb, image.pixels).max <= 2, 'every pixel, edge blocks included');
      }
    });

    it('scales the Annex K tables by quality as libjpeg does, and files shrink with quality', () => {
      assert.deepEqual(
        lumaTable(encodeJpeg(gradient, 50)).slice(0, 8),
        [16, 11, 10, 16, 24, 40, 51, 61],
        'quality 50 is Table K.1',
      );
      // libjpeg's well-known quality-75 table (cjpeg's default), and the clamps at both ends.
      assert.deepEqual(lumaTable(encodeJpeg(gradient, 75)).slice(0, 8), [8, 6, 5, 8, 12, 20, 26, 31]);
      assert.deepEqual(new Set(lumaTable(encodeJpeg(gradient, 100))), new Set([1]));
      assert.deepEqual(new Set(lumaTable(encodeJpeg(gradient, 1))), new Set([255]));
      const sizes = [10, 50, 95].map((q) => encodeJpeg(noise, q).length);
      assert.ok(sizes[0]! < sizes[1]! && sizes[1]! < sizes[2]!, `sizes by quality: ${sizes}`);
      // Three components, none subsampled, chroma on its own table.
      const sof = jpegSegments(encodeJpeg(gradient)).get(0xc0)!;
      assert.deepEqual([...sof.subarray(6)], [1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
    });
  });

  describe('WebP', () => {
    it('is lossless: Chromium decodes every pixel back', async () => {
      for (const [name, image] of Object.entries(samples)) {
        const webp = await encodeWebp(image);
        const decoded = await chromium.decode(webp, 'image/webp');
        assert.deepEqual([decoded.width, decoded.height], [image.width, image.height], name);
        assert.ok(decoded.rgb.equals(image.pixels), `${name}: pixels differ`);
        assert.match(await describeWithFile(webp), /Web\/P image/);
      }
    });

    it('codes a solid colour in a few bytes and a ramp in well under a byte a pixel', async () => {
      // A million pixels of one colour: libwebp codes them in about a hundred bytes.
      assert.ok((await encodeWebp(solidImage(1000, 1000, [1, 2, 3]))).length < 128);
      const ramp = paintImage(256, 256, (x, y) => [x, y, (x + y) >> 1]);
      assert.ok((await encodeWebp(ramp)).length < (256 * 256) / 2);
    });
  });

  describe('imageSize', () => {
    it('reads the size of what the encoders write', async () => {
      for (const encode of [encodePng, encodeJpeg, encodeWebp]) {
        assert.deepEqual(imageSize(await encode(gradient)), { width: 37, height: 23 }, encode.name);
        assert.deepEqual(imageSize(await encode(wide)), { width: 600, height: 20 }, encode.name);
      }
    });

    it('reads what Chromium encodes: PNG, JPEG, and WebP lossy and extended', async () => {
      for (const type of ['image/png', 'image/jpeg']) {
        assert.deepEqual(imageSize(await chromium.encodeCanvas(type, 321, 123)), { width: 321, height: 123 });
      }
      const extended = await chromium.encodeCanvas('image/webp', 321, 123, true);
      assert.equal(extended.toString('latin1', 12, 16), 'VP8X');
      assert.deepEqual(imageSize(extended), { width: 321, height: 123 });
      // The same picture as a simple lossy WebP: its 'VP8 ' chunk alone in a RIFF.
      const opaque = await chromium.encodeCanvas('image/webp', 321, 123);
      const at = opaque.indexOf('VP8 ', 12, 'latin1');
      const vp8 = opaque.subarray(at, at + 8 + opaque.readUInt32LE(at + 4));
      const riff = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), vp8]);
      riff.writeUInt32LE(riff.length - 8, 4);
      assert.deepEqual(imageSize(riff), { width: 321, height: 123 });
      const decoded = await chromium.decode(riff, 'image/webp');
      assert.deepEqual([decoded.width, decoded.height], [321, 123]);
    });

    it('reads GIF, BMP, PPM and TIFF headers as file reads them', async () => {
      const gif = Buffer.from('GIF89a\x2c\x01\xc8\x00\x00\x00\x00', 'latin1');
      const bmp = Buffer.alloc(54);
      bmp.write('BM', 0, 'latin1');
      bmp.writeUInt32LE(40, 14);
      bmp.writeInt32LE(300, 18);
      bmp.writeInt32LE(-200, 22); // top-down rows
      bmp.writeUInt16LE(1, 26);
      bmp.writeUInt16LE(24, 28);
      const ppm = Buffer.from('P6\n# made by a test\n300 200\n255\n', 'latin1');
      /** A TIFF directory with ImageWidth and ImageLength, as SHORT or LONG values. */
      const tiff = (littleEndian: boolean, heightType: 3 | 4) => {
        const t = Buffer.alloc(38);
        const u16 = (v: number, o: number) => (littleEndian ? t.writeUInt16LE(v, o) : t.writeUInt16BE(v, o));
        const u32 = (v: number, o: number) => (littleEndian ? t.writeUInt32LE(v, o) : t.writeUInt32BE(v, o));
        t.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
        u16(42, 2);
        u32(8, 4);
        u16(2, 8);
        // Entries: tag, type, count, value (left-justified in its 4 bytes).
        u16(256, 10);
        u16(3, 12);
        u32(1, 14);
        u16(300, 18);
        u16(257, 22);
        u16(heightType, 24);
        u32(1, 26);
        if (heightType === 3) u16(200, 30);
        else u32(200, 30);
        return t;
      };
      const cases: Array<[Buffer, RegExp]> = [
        [gif, /^GIF image data, version 89a, 300 x 200/],
        [bmp, /^PC bitmap, Windows 3\.x format, 300 x -200 x 24/],
        [ppm, /^Netpbm image data, size = 300 x 200, rawbits, pixmap/],
        [tiff(true, 4), /^TIFF image data, little-endian.*height=200.*width=300/],
        [tiff(false, 3), /^TIFF image data, big-endian.*height=200.*width=300/],
      ];
      for (const [bytes, described] of cases) {
        assert.match(await describeWithFile(bytes), described);
        assert.deepEqual(imageSize(bytes), { width: 300, height: 200 }, described.source);
      }
      // A big-endian LONG, which `file` misreads, and an OS/2 bitmap with 16-bit sides.
      assert.deepEqual(imageSize(tiff(false, 4)), { width: 300, height: 200 });
      const os2 = Buffer.alloc(26);
      os2.write('BM', 0, 'latin1');
      os2.writeUInt32LE(12, 14);
      os2.writeUInt16LE(300, 18);
      os2.writeUInt16LE(200, 20);
      assert.deepEqual(imageSize(os2), { width: 300, height: 200 });
    });

    it('walks past APPn segments and fill bytes to the JPEG frame header', () => {
      const jpeg = encodeJpeg(gradient);
      const exif = Buffer.concat([
        Buffer.from([0xff, 0xe1, 0x00, 0x10]),
        Buffer.from('Exif\0\0'),
        Buffer.alloc(8),
      ]);
      const padded = Buffer.concat([jpeg.subarray(0, 2), exif, Buffer.from([0xff, 0xff]), jpeg.subarray(2)]);
      assert.deepEqual(imageSize(padded), { width: 37, height: 23 });
    });

    it('returns undefined for other formats and for headers cut short', () => {
      const png = encodePng(gradient);
      const jpeg = encodeJpeg(gradient);
      for (const bytes of [
        Buffer.alloc(0),
        Buffer.from('just some text, not an image'),
        png.subarray(0, 20),
        jpeg.subarray(0, 30), // ends inside the quantisation tables, before the frame header
        Buffer.from('RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x44\xac\0\0', 'latin1'),
        Buffer.from('P6\n300\n', 'latin1'),
      ]) {
        assert.equal(imageSize(bytes), undefined, bytes.toString('latin1', 0, 12));
      }
    });
  });

  it('refuses images the formats cannot hold, or whose pixels do not match their size', async () => {
    for (const encode of [encodePng, encodeJpeg, encodeWebp]) {
      await assert.rejects(
        async () => encode({ width: 0, height: 1, pixels: new Uint8Array(0) }),
        RangeError,
      );
      await assert.rejects(
        async () => encode({ width: 2, height: 2, pixels: new Uint8Array(11) }),
        /has 12 bytes, not 11/,
      );
    }
    assert.throws(() => encodeJpeg({ width: 70000, height: 1, pixels: new Uint8Array(210000) }), /65535/);
    await assert.rejects(encodeWebp({ width: 1, height: 20000, pixels: new Uint8Array(60000) }), /16383/);
  });
});
