import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { HttpError } from '../../../src/emulator/core/index.js';
import { readRelated, relatedBoundary } from '../../../src/emulator/googledrive/multipart.js';
import { call, type Harness, startHarness } from './helpers.js';

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function* pieces(body: Buffer, size: number) {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

function body(boundary: string, metadata: string, media: Buffer, mediaType = 'image/png'): Buffer {
  return Buffer.concat([
    Buffer.from(`preamble\r\n--${boundary}\r\ncontent-type: application/json\r\n\r\n${metadata}\r\n`),
    Buffer.from(`--${boundary}\r\ncontent-type: ${mediaType}\r\n\r\n`),
    media,
    Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
  ]);
}

describe('multipart/related reader', () => {
  it('reads the boundary parameter (quoted or not) and refuses other types', () => {
    assert.equal(relatedBoundary('multipart/related; boundary=abc'), 'abc');
    assert.equal(relatedBoundary('Multipart/Related; charset=x; boundary="a b"'), 'a b');
    assert.throws(() => relatedBoundary('multipart/form-data; boundary=x'), HttpError);
    assert.throws(() => relatedBoundary('multipart/related'), HttpError);
  });

  it('finds the parts whatever the chunking, even when a delimiter straddles two chunks', async () => {
    // Media that contains near-delimiters: "\r\n--" followed by the wrong boundary.
    const media = Buffer.concat([
      randomBytes(100),
      Buffer.from('\r\n--bounda'),
      randomBytes(50),
      Buffer.from('\r\n--'),
    ]);
    const raw = body('boundary', '{"name":"n"}', media);
    for (let size = 1; size <= 40; size++) {
      const got = await readRelated(pieces(raw, size), 'boundary');
      assert.deepEqual(got.metadata, { name: 'n' });
      assert.equal(got.mediaType, 'image/png');
      assert.ok((await collect(got.media)).equals(media), `chunk size ${size}`);
    }
  });

  it('refuses bodies without the media part, without a boundary, or with bad JSON', async () => {
    const bad = async (raw: string) =>
      assert.rejects(
        (async () => {
          const r = await readRelated(pieces(Buffer.from(raw), 7), 'b');
          await collect(r.media);
        })(),
        (e: unknown) => e instanceof HttpError && e.status === 400,
      );
    await bad('--b\r\ncontent-type: application/json\r\n\r\n{}\r\n--b--');
    await bad('no boundary here');
    await bad('--b\r\ncontent-type: application/json\r\n\r\n{nope\r\n--b\r\n\r\nx\r\n--b--');
    await bad('--b\r\ncontent-type: text/plain\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--');
  });
});

describe('large transfers stream through the emulator', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('a 24 MiB multipart upload sent as a stream, then downloaded whole and by range', async () => {
    const media = randomBytes(24 * 1024 * 1024);
    const raw = body('xyz', JSON.stringify({ name: 'big.bin' }), media, 'application/octet-stream');
    const res = await request(
      `${h.api}/upload/drive/v3/files?uploadType=multipart&fields=id,size,md5Checksum`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'multipart/related; boundary=xyz' },
        body: Readable.from(pieces(raw, 1_000_003)),
      },
    );
    const f = (await res.body.json()) as { id: string; size: string; md5Checksum: string };
    assert.equal(res.statusCode, 200);
    assert.equal(f.size, String(media.length));
    assert.equal(f.md5Checksum, createHash('md5').update(media).digest('hex'));
    const down = await request(`${h.api}/drive/v3/files/${f.id}?alt=media`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    const hash = createHash('md5');
    for await (const c of down.body) hash.update(c as Buffer);
    assert.equal(hash.digest('hex'), f.md5Checksum);
    const part = await call(h, 'GET', `/drive/v3/files/${f.id}`, {
      query: { alt: 'media' },
      headers: { range: `bytes=${media.length - 10}-` },
    });
    assert.ok(part.body.equals(media.subarray(media.length - 10)));
  });

  it('a 40 MiB resumable upload in 8 MiB chunks', async () => {
    const chunk = 8 * 1024 * 1024;
    const total = 5 * chunk;
    const hash = createHash('md5');
    const init = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'resumable', fields: 'size,md5Checksum' },
      json: { name: 'r.bin' },
    });
    const url = init.headers.location as string;
    let last: { status: number; json?: { size: string; md5Checksum: string } } = { status: 0 };
    for (let offset = 0; offset < total; offset += chunk) {
      const piece = randomBytes(chunk);
      hash.update(piece);
      const final = offset + chunk === total;
      const res = await request(url, {
        method: 'PUT',
        headers: {
          'content-range': `bytes ${offset}-${offset + chunk - 1}/${final ? total : '*'}`,
          'content-length': String(chunk),
        },
        body: Readable.from(pieces(piece, 65_536)),
      });
      const text = await res.body.text();
      last = { status: res.statusCode, ...(final ? { json: JSON.parse(text) } : {}) };
      if (!final) assert.equal(res.headers.range, `bytes=0-${offset + chunk - 1}`);
    }
    assert.equal(last.status, 200);
    assert.equal(last.json?.size, String(total));
    assert.equal(last.json?.md5Checksum, hash.digest('hex'));
  });
});
