import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import type { ProgressEvent } from '../../../src/core/events.js';
import { makeClient, patternBytes, startServer, type TestServer } from './helpers.js';

const SIZE = 6 * 1024 * 1024 + 123;
const data = patternBytes(SIZE, 7);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Serves `data`, honouring Range. On "/flaky" the first two responses are cut: the socket is destroyed
 * after a few MB; "/norange" cuts the first response and ignores Range afterwards.
 */
function serveRanges(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  index: number,
) {
  const path = req.url ?? '';
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const honourRange = path !== '/norange' && range;
  const start = honourRange ? Number(range![1]) : 0;
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'content-length': SIZE - start,
    etag: '"v1"',
  };
  if (honourRange) headers['content-range'] = `bytes ${start}-${SIZE - 1}/${SIZE}`;
  res.writeHead(honourRange ? 206 : 200, headers);
  const cutAfter =
    (path === '/flaky' && index < 2) || (path === '/norange' && index === 0)
      ? 2 * 1024 * 1024 + index * 777
      : Infinity;
  const body = data.subarray(start);
  if (cutAfter === Infinity) {
    res.end(body);
    return;
  }
  res.write(body.subarray(0, cutAfter), () => {
    // Give the bytes time to leave, then drop the connection mid-body.
    setTimeout(() => res.socket?.destroy(), 20);
  });
}

describe('download()', () => {
  let server: TestServer;
  let dir: string;
  let perPath: Map<string, number>;

  before(async () => {
    perPath = new Map();
    server = await startServer((req, res) => {
      const key = req.url ?? '';
      const n = perPath.get(key) ?? 0;
      perPath.set(key, n + 1);
      serveRanges(req, res, n);
    });
    dir = await mkdtemp(join(tmpdir(), 'cs-http-dl-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes with Range after the connection is reset mid-body; the file is intact', async () => {
    const { client } = makeClient();
    const target = join(dir, 'flaky.bin');
    const progress: ProgressEvent[] = [];
    client.events.on('progress', (e) => progress.push(e));
    const result = await client.download(
      { method: 'GET', url: `${server.url}/flaky`, progress: { direction: 1 } },
      createWriteStream(target),
    );
    assert.equal(result.resumes, 2);
    assert.equal(result.bytesWritten, SIZE);
    assert.equal((await stat(target)).size, SIZE);
    assert.equal(await fileSha256(target), sha256(data));
    const seen = server.seen.filter((s) => s.url === '/flaky');
    assert.equal(seen.length, 3);
    assert.equal(seen[0]!.headers.range, undefined);
    assert.match(seen[1]!.headers.range ?? '', /^bytes=\d+-$/);
    assert.equal(seen[1]!.headers['if-range'], '"v1"');
    // Progress covered the whole file once: monotonic, ending at the size.
    const bytes = progress.map((p) => p.bytesTransferred);
    assert.deepEqual(
      bytes,
      [...bytes].sort((a, b) => a - b),
    );
    assert.equal(progress.at(-1)!.bytesTransferred, SIZE);
    assert.equal(progress.at(-1)!.percentDone, 100);
    assert.equal(progress[0]!.bytesTransferred, 0);
  });

  it('starts at an offset and checks Content-Range', async () => {
    const { client } = makeClient();
    const chunks: Buffer[] = [];
    const { Writable } = await import('node:stream');
    const sink = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(chunk as Buffer);
        cb();
      },
    });
    const offset = 1_000_000;
    const result = await client.download({ method: 'GET', url: `${server.url}/plain` }, sink, { offset });
    assert.equal(result.status, 206);
    assert.equal(sha256(Buffer.concat(chunks)), sha256(data.subarray(offset)));
  });

  it("tells onResponse the first answer's headers before any of its body reaches the sink", async () => {
    const { client } = makeClient();
    const { Writable } = await import('node:stream');
    const order: string[] = [];
    let bytes = 0;
    const sink = new Writable({
      write(chunk, _enc, cb) {
        if (bytes === 0) order.push('first byte');
        bytes += (chunk as Buffer).length;
        cb();
      },
    });
    const result = await client.download({ method: 'GET', url: `${server.url}/plain` }, sink, {
      onResponse: (headers) => order.push(`headers ${headers['content-length']}`),
    });
    assert.equal(bytes, data.length);
    assert.deepEqual(order, [`headers ${data.length}`, 'first byte']);
    assert.equal(result.headers['content-length'], String(data.length));
  });

  it('fails clearly, without corrupting data, when the server ignores Range', async () => {
    const { client } = makeClient();
    const target = join(dir, 'norange.bin');
    await assert.rejects(
      client.download({ method: 'GET', url: `${server.url}/norange` }, createWriteStream(target)),
      (err: unknown) => {
        assert.ok(err instanceof CloudStorageError);
        assert.equal(err.code, 155);
        assert.match(err.message, /ignored the Range header/);
        return true;
      },
    );
    // Only the bytes of the first (cut) response were written, and they are the start of the file.
    const size = (await stat(target)).size;
    assert.ok(size > 0 && size < SIZE);
    assert.equal(await fileSha256(target), sha256(data.subarray(0, size)));
  });

  it('streams a large response body without buffering it (stream: true)', async () => {
    const { client } = makeClient();
    const res = await client.request({ method: 'GET', url: `${server.url}/plain`, stream: true });
    let total = 0;
    const hash = createHash('sha256');
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    assert.equal(total, SIZE);
    assert.equal(hash.digest('hex'), sha256(data));
    assert.ok(client.idle);
  });
});
