import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import { ResponseBody } from '../../../src/core/http/response.js';
import { makeClient, startServer } from './helpers.js';

/** A ResponseBody over a source the test drives by hand; the reader sees the source's errors as code 600. */
function bodyOver(source: PassThrough) {
  const closed = { count: 0, handedOn: 0 };
  const body = new ResponseBody(source, {
    onChunk: (chunk) => {
      closed.handedOn += chunk.length;
    },
    onEnd: () => undefined,
    onClose: () => {
      closed.count++;
    },
    mapError: (err) => new CloudStorageError(600, `mapped: ${(err as Error).message}`),
  });
  return { body, closed };
}

/** Resolves once the event loop has run the work queued so far (timers, I/O, ticks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ResponseBody', () => {
  it('delivers the bytes that arrived before a source error, then fails a read that was already waiting', {
    timeout: 20_000,
  }, async () => {
    const source = new PassThrough();
    const { body, closed } = bodyOver(source);
    const reader = body[Symbol.asyncIterator]();
    source.write(Buffer.from('first'));
    assert.equal(String((await reader.next()).value), 'first');
    // The stream asks for more (a _read is outstanding); a second chunk arrives and stays buffered, then
    // the source fails while that chunk is still in the buffer.
    source.write(Buffer.from('second'));
    await settle();
    assert.ok(body.readableLength > 0, 'the second chunk is buffered');
    source.destroy(new Error('connection reset'));
    await settle();
    assert.equal(String((await reader.next()).value), 'second');
    // Today's stall: nothing pushes again and this read waited for ever.
    await assert.rejects(reader.next(), { code: 600, message: /mapped: connection reset/ });
    assert.equal(closed.count, 1);
  });

  it('fails at once when the source errors with nothing buffered', { timeout: 20_000 }, async () => {
    const source = new PassThrough();
    const { body } = bodyOver(source);
    const reader = body[Symbol.asyncIterator]();
    const waiting = reader.next();
    await settle();
    source.destroy(new Error('gone'));
    await assert.rejects(waiting, { code: 600 });
  });

  it('a slow reader gets every byte handed on, then the error', {
    timeout: 20_000,
  }, async () => {
    const source = new PassThrough();
    const { body, closed: counts } = bodyOver(source);
    const chunks: Buffer[] = [];
    const errored = once(body, 'error');
    body.on('data', (c: Buffer) => {
      chunks.push(c);
      // A slow consumer: pause after each chunk, resume on the next turn.
      body.pause();
      setImmediate(() => body.resume());
    });
    for (let i = 0; i < 20; i++) source.write(Buffer.alloc(1000, i));
    await settle();
    source.destroy(new Error('cut'));
    const [err] = await errored;
    assert.equal((err as CloudStorageError).code, 600);
    // What the source had already given (not what it still held when it broke) reaches the reader whole.
    assert.ok(counts.handedOn > 16_000);
    assert.equal(Buffer.concat(chunks).length, counts.handedOn);
  });

  it('an abort ends a read that waits on a stalled body, over a real socket', {
    timeout: 20_000,
  }, async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1_000_000 });
      res.write(Buffer.alloc(1000, 1));
      // …and nothing more: the body stalls.
    });
    const { client } = makeClient({ connection: { timeout: 0 } });
    try {
      const controller = new AbortController();
      const response = await client.request({
        method: 'GET',
        url: `${server.url}/stall`,
        stream: true,
        signal: controller.signal,
      });
      const reader = response.body[Symbol.asyncIterator]();
      assert.equal(((await reader.next()).value as Buffer).length, 1000);
      const waiting = reader.next();
      await settle();
      controller.abort();
      await assert.rejects(waiting, { code: 301 });
    } finally {
      await client.destroy();
      await server.close();
    }
  });
});
