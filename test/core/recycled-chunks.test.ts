import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { fileRangeStream, recycleWrittenChunks, releaseChunk } from '../../src/core/recycled-chunks.js';
import { makeClient, makePki, type TestPki } from './http/helpers.js';

const KiB = 1024;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

/** Counts the chunks a stream pushes and the distinct buffers (ArrayBuffers) they live in. */
function watch(stream: Readable) {
  const seen = { chunks: 0, buffers: new Set<ArrayBufferLike>() };
  const push = stream.push.bind(stream);
  stream.push = (chunk: Buffer | null) => {
    if (chunk) {
      seen.chunks++;
      seen.buffers.add(chunk.buffer);
    }
    return push(chunk);
  };
  return seen;
}

/**
 * A TCP (or TLS) server on 127.0.0.1 that reads slowly (so the client's writes queue up) and hashes what it
 * got.
 */
async function slowSink(secure?: { cert: string; key: string }) {
  const received: Array<Promise<string>> = [];
  const onSocket = (socket: net.Socket) => {
    const hash = createHash('sha1');
    received.push(
      new Promise((resolve) => {
        socket.on('data', (chunk) => {
          hash.update(chunk);
          socket.pause();
          setTimeout(() => socket.resume(), 1);
        });
        socket.on('end', () => {
          socket.end();
          resolve(hash.digest('hex'));
        });
      }),
    );
  };
  const server = secure ? tls.createServer(secure, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('fileRangeStream', () => {
  let dir: string;
  let path: string;
  const data = randomBytes(300 * KiB + 17);
  let pki: TestPki;
  before(async () => {
    pki = await makePki();
    dir = await mkdtemp(join(tmpdir(), 'recycled-'));
    path = join(dir, 'data.bin');
    await writeFile(path, data);
  });
  after(async () => {
    await pki.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads exactly the range asked for', async () => {
    for (const [start, end, size] of [
      [0, data.length, 64 * KiB],
      [1, data.length - 1, 7 * KiB],
      [100_000, 100_001, 4 * KiB],
      [5, 5, 4 * KiB],
    ] as const) {
      const chunks: Buffer[] = [];
      for await (const chunk of fileRangeStream(path, start, end, size)) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(data.subarray(start, end)), `${start}-${end}`);
      assert.ok(chunks.every((c) => c.length <= size));
    }
  });

  it('never refills a buffer that was not written by a marked socket: every chunk keeps its bytes', async () => {
    const stream = fileRangeStream(path, 0, data.length, 8 * KiB);
    const seen = watch(stream);
    const kept: Buffer[] = [];
    for await (const chunk of stream) kept.push(chunk as Buffer);
    assert.ok(Buffer.concat(kept).equals(data), 'the chunks held to the end are intact');
    assert.equal(seen.buffers.size, seen.chunks, 'each chunk had a buffer of its own');
  });

  it('refills a buffer its one consumer released (a hash), and only that one', async () => {
    const stream = fileRangeStream(path, 0, data.length, 8 * KiB);
    const seen = watch(stream);
    const hash = createHash('sha1');
    const kept: Buffer[] = [];
    let n = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      // Every other chunk is released; the ones kept must keep their bytes.
      if (n++ % 2 === 0) releaseChunk(chunk as Buffer);
      else kept.push(chunk as Buffer);
    }
    assert.equal(hash.digest('hex'), sha1(data));
    assert.ok(
      seen.buffers.size < seen.chunks * 0.75,
      `${seen.buffers.size} buffers for ${seen.chunks} chunks`,
    );
    const expected: Buffer[] = [];
    let at = 0;
    for (let i = 0; at < data.length; i++) {
      const piece = data.subarray(at, Math.min(data.length, at + 8 * KiB));
      if (i % 2 === 1) expected.push(piece);
      at += piece.length;
    }
    assert.ok(
      Buffer.concat(kept).equals(Buffer.concat(expected)),
      'the chunks not released kept their bytes',
    );
    releaseChunk(Buffer.alloc(10)); // not one of its chunks: nothing happens
  });

  for (const secure of [false, true]) {
    it(`refills a buffer once a marked ${secure ? 'TLS' : 'TCP'} socket has written it; the other side gets every byte`, async () => {
      const sink = await slowSink(secure ? { cert: pki.serverCert, key: pki.serverKey } : undefined);
      const connect = () =>
        secure
          ? tls.connect({ port: sink.port, host: '127.0.0.1', ca: pki.caCert })
          : net.connect(sink.port, '127.0.0.1');
      try {
        const marked = connect();
        recycleWrittenChunks(marked);
        const stream = fileRangeStream(path, 0, data.length, 8 * KiB);
        const seen = watch(stream);
        await pipeline(stream, marked);
        assert.equal(await sink.received[0], sha1(data));
        assert.ok(seen.chunks > 30);
        assert.ok(
          seen.buffers.size < seen.chunks / 3,
          `${seen.buffers.size} buffers for ${seen.chunks} chunks`,
        );

        // The same through a socket that is not marked: nothing is refilled.
        const again = fileRangeStream(path, 0, data.length, 8 * KiB);
        const seenAgain = watch(again);
        await pipeline(again, connect());
        assert.equal(await sink.received[1], sha1(data));
        assert.equal(seenAgain.buffers.size, seenAgain.chunks);
      } finally {
        await sink.close();
      }
    });
  }

  it('recycles through the HTTP client (undici on the transport’s connections), bytes intact', async () => {
    const big = randomBytes(4 * 1024 * KiB + 5);
    const file = join(dir, 'big.bin');
    await writeFile(file, big);
    const server = http.createServer((req, res) => {
      const hash = createHash('sha1');
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        req.pause();
        setTimeout(() => req.resume(), 1);
      });
      req.on('end', () => res.end(hash.digest('hex')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { client } = makeClient();
    try {
      let seen: ReturnType<typeof watch> | undefined;
      const res = await client.request({
        method: 'PUT',
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`,
        body: () => {
          const stream = fileRangeStream(file, 0, big.length, 64 * KiB);
          seen = watch(stream);
          return stream;
        },
        bodyLength: big.length,
      });
      assert.equal(res.status, 200);
      assert.equal(Buffer.from(await res.bytes()).toString(), sha1(big));
      assert.ok(
        seen!.buffers.size < seen!.chunks / 3,
        `${seen!.buffers.size} buffers for ${seen!.chunks} chunks`,
      );
    } finally {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a missing file, or one that shrinks while it is read, is error 611', async () => {
    await assert.rejects(
      pipeline(fileRangeStream(join(dir, 'none.bin'), 0, 10), async function* (s) {
        for await (const _ of s) yield _;
      }),
      (e: { code: number }) => e.code === 611,
    );
    const shrinking = join(dir, 'shrinking.bin');
    await writeFile(shrinking, data);
    const stream = fileRangeStream(shrinking, 0, data.length, 4 * KiB);
    await assert.rejects(
      (async () => {
        let first = true;
        for await (const _ of stream) {
          if (first) await truncate(shrinking, 10 * KiB);
          first = false;
        }
      })(),
      (e: { code: number; message: string }) => e.code === 611 && /changed while it was read/.test(e.message),
    );
  });
});
