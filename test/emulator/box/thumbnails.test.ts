/**
 * Box thumbnails from the emulator: the 202 "generating" phase, the size rules, placeholders for types
 * without a preview, and image bytes that real decoders accept — checked by parsing the PNG (chunk CRCs,
 * zlib data), by the `file` command, and by decoding both formats in Chromium and reading pixels back.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Chromium, describeWithFile, parsePng, pixelAt } from '../core/image-decode.js';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;

describe('Box thumbnails', () => {
  let h: BoxHarness;
  let chromium: Chromium;

  before(async () => {
    h = await startBox();
    chromium = await Chromium.launch();
  });
  after(async () => {
    await chromium?.close();
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

    // The top-left pixel has the colour derived from the content's SHA-1; the bottom-right one is white.
    const seed = createHash('sha1').update(content).digest().subarray(0, 3);
    assert.deepEqual([...parsed.pixels.subarray(0, 3)], [...seed]);
    const decoded = await chromium.decode(png, 'image/png');
    assert.equal(decoded.width, 64);
    assert.ok(decoded.rgb.equals(parsed.pixels), 'Chromium and the parser agree on every pixel');
    assert.deepEqual(pixelAt(decoded, 0, 0), [...seed]);
    assert.deepEqual(pixelAt(decoded, 63, 63), [255, 255, 255]);

    assert.match(await describeWithFile(png), /^PNG image data, 64 x 64, 8-bit\/color RGB, non-interlaced/);
  });

  it('encodes baseline JPEGs that decoders accept', async () => {
    const content = Buffer.from('another picture');
    const file = await upload('picture.jpg', content);
    const res = await h.api(`/2.0/files/${file.id}/thumbnail.jpg?min_width=160&min_height=160`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const jpg = Buffer.from(await res.arrayBuffer());
    const described = await describeWithFile(jpg);
    assert.match(described, /^JPEG image data, JFIF standard 1\.01/);
    assert.match(described, /baseline, precision 8, 160x160, components 3/);

    const seed = [...createHash('sha1').update(content).digest().subarray(0, 3)];
    const decoded = await chromium.decode(jpg, 'image/jpeg');
    assert.equal(decoded.width, 160);
    assert.equal(decoded.height, 160);
    // Lossy, so close rather than equal: the seed colour, the gradient's middle, white.
    const near = (got: number[], want: number[]) => {
      for (const [i, v] of got.entries()) assert.ok(Math.abs(v - want[i]!) <= 16, `${got} vs ${want}`);
    };
    near(pixelAt(decoded, 0, 0), seed);
    near(
      pixelAt(decoded, 80, 80),
      seed.map((s) => Math.round(s * (1 - 160 / 318) + 255 * (160 / 318))),
    );
    near(pixelAt(decoded, 159, 159), [255, 255, 255]);

    // The largest JPEG size too (several MCUs per row and column, edge blocks).
    const big = await h.api(`/2.0/files/${file.id}/thumbnail.jpg?min_width=320`);
    const bigDecoded = await chromium.decode(Buffer.from(await big.arrayBuffer()), 'image/jpeg');
    assert.equal(bigDecoded.width, 320);
    near(pixelAt(bigDecoded, 319, 319), [255, 255, 255]);
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
