/**
 * The emulators' thumbnails are real pictures that any decoder accepts: PNG through pngjs, baseline JPEG
 * through jpeg-js and lossless WebP through libwebp (the @jsquash/webp WebAssembly build); every encoder
 * takes the same {@link RgbImage}, which {@link solidImage} and {@link paintImage} make. The size of an
 * uploaded image is read by image-size.ts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { init as initWebp } from '@jsquash/webp/encode.js';
import { defaultOptions as webpDefaults } from '@jsquash/webp/meta.js';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

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

/** Throws a RangeError unless the image has sides from 1 to `maxSide` and 3 bytes a pixel. */
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

/** The same pixels with an opaque alpha channel (what jpeg-js and libwebp take). */
function rgba({ width, height, pixels }: RgbImage): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, o = 0; i < pixels.length; i += 3, o += 4) {
    out[o] = pixels[i]!;
    out[o + 1] = pixels[i + 1]!;
    out[o + 2] = pixels[i + 2]!;
    out[o + 3] = 255;
  }
  return out;
}

/** A truecolour (colour type 2), 8-bit, non-interlaced PNG with pngjs's adaptive per-row filters. */
export function encodePng(image: RgbImage): Buffer {
  checkImage(image, 'PNG', 0x7fffffff);
  const { width, height, pixels } = image;
  return PNG.sync.write(
    { width, height, data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length) } as PNG,
    { colorType: 2, inputColorType: 2, inputHasAlpha: false },
  );
}

/** A baseline JFIF JPEG (YCbCr 4:4:4, Annex K tables scaled by quality). */
export function encodeJpeg(image: RgbImage, quality = 85): Buffer {
  checkImage(image, 'JPEG', 65_535);
  return jpeg.encode({ width: image.width, height: image.height, data: rgba(image) }, quality).data;
}

// Node has WebAssembly; the project's TypeScript lib (ES2023, no DOM) does not declare it.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } })
  .WebAssembly;

/** libwebp compiled once, on first use: the SIMD build when this machine's WebAssembly validates it. */
let webpModule: Promise<object> | undefined;

function compileWebp(): Promise<object> {
  webpModule ??= (async () => {
    const dir = join(
      dirname(createRequire(import.meta.url).resolve('@jsquash/webp/package.json')),
      'codec/enc',
    );
    // `init` picks the SIMD glue exactly when the engine has SIMD, which is when this compiles.
    try {
      return await wasm.compile(await readFile(join(dir, 'webp_enc_simd.wasm')));
    } catch {
      return await wasm.compile(await readFile(join(dir, 'webp_enc.wasm')));
    }
  })();
  return webpModule;
}

/** libwebp's largest side. */
const WEBP_MAX_SIDE = 16_383;

/**
 * A lossless WebP (VP8L). Each call gets a fresh instance of the compiled module (instantiation takes
 * milliseconds): a WebAssembly memory only grows, and libwebp takes some 50–150 MB for a 2048×1536
 * picture, which a long-running server should not keep for good after one big thumbnail.
 */
export async function encodeWebp(image: RgbImage): Promise<Buffer> {
  checkImage(image, 'WebP', WEBP_MAX_SIDE);
  const instance = await initWebp((await compileWebp()) as never);
  const out = instance.encode(rgba(image), image.width, image.height, { ...webpDefaults, lossless: 1 });
  if (!out) throw new Error('libwebp could not encode the image');
  return Buffer.from(out);
}

export { type ImageSize, imageSize } from './image-size.js';
