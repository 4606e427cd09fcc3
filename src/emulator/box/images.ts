import { paintImage, type RgbImage } from '../core/images.js';

/**
 * Box's thumbnail picture: a diagonal gradient from a colour derived from the content hash (top left) to
 * white (bottom right), so that two different files get different pictures and the same file always the
 * same one. The shared encoders in emulator/core turn it into PNG or JPEG bytes.
 */
export function thumbnailPixels(width: number, height: number, seedHex: string): RgbImage {
  const seed = Buffer.from(seedHex.padEnd(6, '0').slice(0, 6), 'hex');
  const span = width + height - 2 || 1;
  return paintImage(width, height, (x, y) => {
    const t = (x + y) / span;
    const channel = (c: number) => Math.round(seed[c]! * (1 - t) + 255 * t);
    return [channel(0), channel(1), channel(2)];
  });
}
