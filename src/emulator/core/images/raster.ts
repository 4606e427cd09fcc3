/** The picture every encoder takes, helpers that make one, and small pieces the encoders share. */

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
export function checkImage({ width, height, pixels }: RgbImage, format: string, maxSide: number): void {
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
export class ByteSink {
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

/** The code and length of every symbol of a prefix code (length 0: the symbol is not coded). */
export interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}
