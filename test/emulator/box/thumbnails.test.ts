/**
 * Box thumbnails from the emulator: the 202 "generating" phase, the size rules, placeholders for types
 * without a preview, and image bytes that real decoders accept — checked by parsing the PNG (chunk CRCs,
 * zlib data), by the `file` command, and by decoding both formats in Chromium and reading pixels back.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { crc32, inflateSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;
const run = promisify(execFile);

// The few browser globals the decoding page uses (the project compiles without the DOM library).
declare const Image: new () => {
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  decode(): Promise<void>;
};
declare const document: {
  createElement(tag: 'canvas'): {
    width: number;
    height: number;
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    } | null;
  };
};

/** Parses a PNG: every chunk's CRC must match; returns the header and the inflated scanlines. */
function parsePng(png: Buffer): { width: number; height: number; colorType: number; raw: Buffer } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    assert.equal(crc, crc32(png.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  assert.ok(header && ended && idat.length > 0);
  return {
    width: header.readUInt32BE(0),
    height: header.readUInt32BE(4),
    colorType: header[9]!,
    raw: inflateSync(Buffer.concat(idat)),
  };
}

describe('Box thumbnails', () => {
  let h: BoxHarness;
  let browser: Browser;
  let dir: string;

  before(async () => {
    h = await startBox();
    dir = await mkdtemp(join(tmpdir(), 'box-thumbs-'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
    await h.close();
  });

  async function upload(name: string, content: Buffer): Promise<Json> {
    const boundary = 'thumbs-boundary';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${JSON.stringify({ name, parent: { id: '0' } })}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n`,
      ),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await h.api('/api/2.0/files/content', {
      host: 'upload',
      method: 'POST',
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    assert.equal(res.status, 201);
    return (((await res.json()) as Json).entries as Json[])[0]!;
  }

  /** Decodes an image in Chromium and returns its size and the RGB of a few pixels. */
  async function decode(bytes: Buffer, type: string, points: Array<[number, number]>) {
    const page = await browser.newPage();
    try {
      return await page.evaluate(
        async ({ src, points }) => {
          const img = new Image();
          img.src = src;
          await img.decode();
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const g = canvas.getContext('2d')!;
          g.drawImage(img, 0, 0);
          return {
            width: img.naturalWidth,
            height: img.naturalHeight,
            pixels: points.map(([x, y]) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)]),
          };
        },
        { src: `data:${type};base64,${bytes.toString('base64')}`, points },
      );
    } finally {
      await page.close();
    }
  }

  it('answers 202 with Retry-After and a placeholder first (when configured), then a real PNG', async () => {
    const content = Buffer.from('pretend this is a photo');
    const file = await upload('photo.png', content);
    h.box.config.thumbnailPendingResponses = 1;
    try {
      const pending = await h.api(`/2.0/files/${file.id}/thumbnail.png?min_width=64&min_height=64`);
      assert.equal(pending.status, 202);
      assert.equal(pending.headers.get('retry-after'), '1');
      const placeholder = await fetch(pending.headers.get('location')!);
      assert.equal(placeholder.headers.get('content-type'), 'image/png');
      assert.equal(parsePng(Buffer.from(await placeholder.arrayBuffer())).width, 64);
    } finally {
      h.box.config.thumbnailPendingResponses = 0;
    }
    const res = await h.api(`/2.0/files/${file.id}/thumbnail.png?min_width=64&min_height=64`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const png = Buffer.from(await res.arrayBuffer());
    const parsed = parsePng(png);
    assert.equal(parsed.width, 64);
    assert.equal(parsed.height, 64);
    assert.equal(parsed.colorType, 2);
    assert.equal(parsed.raw.length, (64 * 3 + 1) * 64);

    // The top-left pixel has the colour derived from the content's SHA-1; the bottom-right one is white.
    const seed = createHash('sha1').update(content).digest().subarray(0, 3);
    assert.deepEqual([...parsed.raw.subarray(1, 4)], [...seed]);
    const decoded = await decode(png, 'image/png', [
      [0, 0],
      [63, 63],
    ]);
    assert.equal(decoded.width, 64);
    assert.deepEqual(decoded.pixels[0], [...seed]);
    assert.deepEqual(decoded.pixels[1], [255, 255, 255]);

    const path = join(dir, 'thumb.png');
    await writeFile(path, png);
    const { stdout } = await run('file', ['-b', path]);
    assert.match(stdout, /^PNG image data, 64 x 64, 8-bit\/color RGB, non-interlaced/);
  });

  it('encodes baseline JPEGs that decoders accept', async () => {
    const content = Buffer.from('another picture');
    const file = await upload('picture.jpg', content);
    const res = await h.api(`/2.0/files/${file.id}/thumbnail.jpg?min_width=160&min_height=160`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const jpg = Buffer.from(await res.arrayBuffer());
    const path = join(dir, 'thumb.jpg');
    await writeFile(path, jpg);
    const { stdout } = await run('file', ['-b', path]);
    assert.match(stdout, /^JPEG image data, JFIF standard 1\.01/);
    assert.match(stdout, /baseline, precision 8, 160x160, components 3/);

    const seed = [...createHash('sha1').update(content).digest().subarray(0, 3)];
    const decoded = await decode(jpg, 'image/jpeg', [
      [0, 0],
      [80, 80],
      [159, 159],
    ]);
    assert.equal(decoded.width, 160);
    assert.equal(decoded.height, 160);
    // Lossy, so close rather than equal: the seed colour, the gradient's middle, white.
    const near = (got: number[], want: number[]) => {
      for (const [i, v] of got.entries()) assert.ok(Math.abs(v - want[i]!) <= 16, `${got} vs ${want}`);
    };
    near(decoded.pixels[0]!, seed);
    near(
      decoded.pixels[1]!,
      seed.map((s) => Math.round(s * (1 - 160 / 318) + 255 * (160 / 318))),
    );
    near(decoded.pixels[2]!, [255, 255, 255]);

    // The largest JPEG size too (several MCUs per row and column, edge blocks).
    const big = await h.api(`/2.0/files/${file.id}/thumbnail.jpg?min_width=320`);
    const bigDecoded = await decode(Buffer.from(await big.arrayBuffer()), 'image/jpeg', [[319, 319]]);
    assert.equal(bigDecoded.width, 320);
    near(bigDecoded.pixels[0]!, [255, 255, 255]);
  });

  it('refuses sizes Box does not render and redirects types without previews to a placeholder', async () => {
    const file = await upload('size.png', Buffer.from('s'));
    for (const query of ['min_width=10', 'max_width=400', 'min_width=200&max_width=250']) {
      const res = await h.api(`/2.0/files/${file.id}/thumbnail.jpg?${query}`);
      assert.equal(res.status, 400, query);
      const body = (await res.json()) as Json;
      assert.equal(body.code, 'requested_preview_unavailable');
    }
    // Between sizes: the next larger one that fits the bounds.
    const png = parsePng(
      Buffer.from(await (await h.api(`/2.0/files/${file.id}/thumbnail.png?min_width=65`)).arrayBuffer()),
    );
    assert.equal(png.width, 128);

    const other = await upload('data.unknownext', Buffer.from('?'));
    const res = await h.api(`/2.0/files/${other.id}/thumbnail.png`);
    assert.equal(res.status, 302);
    const location = res.headers.get('location')!;
    assert.ok(location.startsWith(h.box.urls.download));
    assert.equal(parsePng(Buffer.from(await (await fetch(location)).arrayBuffer())).width, 64);
    assert.equal((await h.api('/2.0/files/7777777/thumbnail.png')).status, 404);
  });
});
