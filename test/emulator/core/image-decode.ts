/**
 * Test helpers that judge image bytes with decoders the project did not write: Chromium (through
 * playwright-core) decodes PNG, JPEG, WebP, GIF and BMP and reads the pixels back from a canvas; `file`
 * names the format and, for most, the size. `parsePng` checks a PNG's structure (signature, chunk CRCs,
 * zlib data, filter types) and undoes the row filters.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, inflateSync } from 'node:zlib';
import { type Browser, chromium, type Page } from 'playwright-core';

const run = promisify(execFile);

// The few browser globals the decoding page uses (the project compiles without the DOM library).
declare const Image: new () => {
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  decode(): Promise<void>;
};
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    fillStyle: string;
    fillRect(x: number, y: number, w: number, h: number): void;
  } | null;
  toDataURL(type: string, quality?: number): string;
}
declare const document: { createElement(tag: 'canvas'): Canvas };

/** An image as a decoder returned it: its size and RGB bytes, row by row. */
export interface DecodedImage {
  width: number;
  height: number;
  rgb: Buffer;
}

/** The [r, g, b] of one pixel of a decoded image. */
export function pixelAt(image: DecodedImage, x: number, y: number): number[] {
  const o = (y * image.width + x) * 3;
  return [...image.rgb.subarray(o, o + 3)];
}

/** Headless Chromium with one page, to decode images and to encode canvases. */
export class Chromium {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async launch(): Promise<Chromium> {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      return new Chromium(browser, await browser.newPage());
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  /** Decodes `bytes` (served as `type`) with the browser's own decoders and reads every pixel back. */
  async decode(bytes: Uint8Array, type: string): Promise<DecodedImage> {
    const src = `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;
    const { width, height, rgba } = await this.page.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
      // Base64 keeps the round trip small for larger images.
      let binary = '';
      for (let i = 0; i < data.length; i += 0x8000) {
        binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
      }
      return { width: img.naturalWidth, height: img.naturalHeight, rgba: btoa(binary) };
    }, src);
    const bytesRgba = Buffer.from(rgba, 'base64');
    const rgb = Buffer.alloc(width * height * 3);
    for (let i = 0, o = 0; o < rgb.length; i += 4, o += 3) bytesRgba.copy(rgb, o, i, i + 3);
    return { width, height, rgb };
  }

  /**
   * What Chromium's own encoder makes of a `width`×`height` canvas (`type`: image/png, image/jpeg or
   * image/webp): a half-transparent fill when `alpha`, else an opaque one.
   */
  async encodeCanvas(type: string, width: number, height: number, alpha = false): Promise<Buffer> {
    const url = await this.page.evaluate(
      ({ type, width, height, alpha }) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const g = canvas.getContext('2d')!;
        g.fillStyle = alpha ? 'rgba(200, 30, 90, 0.5)' : 'rgb(200, 30, 90)';
        g.fillRect(0, 0, width, height);
        return canvas.toDataURL(type, 0.9);
      },
      { type, width, height, alpha },
    );
    assert.ok(url.startsWith(`data:${type};base64,`), `Chromium encoded ${type} as ${url.slice(0, 30)}`);
    return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}

/** What `file -b` says about these bytes. */
export async function describeWithFile(bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'image-file-'));
  try {
    const path = join(dir, 'image');
    await writeFile(path, bytes);
    return (await run('file', ['-b', path])).stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ParsedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  /** The filter type of every row. */
  filters: number[];
  /** The inflated IDAT data: each row's filter byte, then the row's filtered bytes. */
  raw: Buffer;
  /** The unfiltered samples (8-bit truecolour only; empty for other kinds). */
  pixels: Buffer;
}

/** Parses a PNG: signature, IHDR first and IEND last, every chunk's CRC; inflates and unfilters the rows. */
export function parsePng(png: Buffer): ParsedPng {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    assert.equal(crc, crc32(png.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  assert.equal(chunks[0]?.type, 'IHDR');
  assert.equal(chunks.at(-1)?.type, 'IEND');
  const header = chunks[0]!.data;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const [bitDepth, colorType, compression, filterMethod, interlace] = header.subarray(8, 13);
  assert.equal(compression, 0);
  assert.equal(filterMethod, 0);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const parsed = { width, height, bitDepth: bitDepth!, colorType: colorType!, interlace: interlace! };
  if (bitDepth !== 8 || colorType !== 2 || interlace !== 0) {
    return { ...parsed, filters: [], raw, pixels: Buffer.alloc(0) };
  }
  const stride = width * 3;
  assert.equal(raw.length, (stride + 1) * height, 'one filter byte and 3 bytes a pixel per row');
  const pixels = Buffer.alloc(stride * height);
  const filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    filters.push(filter);
    assert.ok(filter <= 4, `row ${y} has filter type ${filter}`);
    for (let i = 0; i < stride; i++) {
      const a = i >= 3 ? pixels[y * stride + i - 3]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = i >= 3 && y > 0 ? pixels[(y - 1) * stride + i - 3]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      pixels[y * stride + i] = (raw[y * (stride + 1) + 1 + i]! + predictor) & 0xff;
    }
  }
  return { ...parsed, filters, raw, pixels };
}
