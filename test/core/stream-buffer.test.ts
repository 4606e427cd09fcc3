import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { chunksOf, framedStream } from '../../src/core/stream-buffer.js';

describe('chunksOf', () => {
  it('hands on each chunk as it was pushed, never a join of several (no copy)', async () => {
    const sent = Array.from({ length: 6 }, (_, i) => Buffer.alloc(1000, i));
    // A large buffer holds every chunk at once: Node's own iterator would hand them on joined.
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    for (const chunk of sent) stream.write(chunk);
    stream.end();
    const got: Buffer[] = [];
    for await (const chunk of chunksOf(stream)) got.push(chunk);
    assert.equal(got.length, sent.length);
    for (const [i, chunk] of got.entries())
      assert.equal(chunk, sent[i], `chunk ${i} is the very buffer pushed`);
  });

  it('pauses the stream while the chunks it holds wait for the consumer', async () => {
    let produced = 0;
    const stream = new Readable({
      highWaterMark: 1,
      read() {
        produced++;
        this.push(produced <= 100 ? Buffer.alloc(10) : null);
      },
    });
    const iterator = chunksOf(stream, 2);
    await iterator.next();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(produced < 10, `the stream stopped producing while nobody read (${produced} chunks made)`);
    let count = 1;
    for await (const _ of iterator) count++;
    assert.equal(count, 100);
  });

  it("throws the stream's failure, and a premature close", async () => {
    const failing = new PassThrough();
    failing.write('a');
    setImmediate(() => failing.destroy(new Error('disk gone')));
    await assert.rejects(async () => {
      for await (const _ of chunksOf(failing));
    }, /disk gone/);

    const closed = new PassThrough();
    setImmediate(() => closed.destroy());
    await assert.rejects(
      async () => {
        for await (const _ of chunksOf(closed));
      },
      (e: NodeJS.ErrnoException) => e.code === 'ERR_STREAM_PREMATURE_CLOSE',
    );
  });

  it('destroys the stream when the loop is left early, and leaves a finished stream alone', async () => {
    const stream = Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], {
      objectMode: false,
    });
    for await (const _ of chunksOf(stream)) break;
    assert.equal(stream.destroyed, true);

    const done = Readable.from([Buffer.from('xyz')], { objectMode: false });
    const all: Buffer[] = [];
    for await (const chunk of chunksOf(done)) all.push(chunk);
    assert.equal(Buffer.concat(all).toString(), 'xyz');
    assert.equal(done.readableEnded, true);
  });

  it('reads a stream that was paused before it was handed over, and an empty one', async () => {
    const stream = new PassThrough();
    stream.pause();
    stream.end('held');
    const got: Buffer[] = [];
    for await (const chunk of chunksOf(stream)) got.push(chunk);
    assert.equal(Buffer.concat(got).toString(), 'held');

    const empty = new PassThrough();
    empty.end();
    let n = 0;
    for await (const _ of chunksOf(empty)) n++;
    assert.equal(n, 0);
  });
});

describe('framedStream', () => {
  it('is the head, the body chunk by chunk, then the tail', async () => {
    const parts = [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')];
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    for (const p of parts) body.write(p);
    body.end();
    const got: Buffer[] = [];
    // Read as the HTTP client reads a body (chunksOf): Node's iterator would join what the stream holds.
    for await (const chunk of chunksOf(framedStream(Buffer.from('<'), body, Buffer.from('>'))))
      got.push(chunk);
    assert.equal(Buffer.concat(got).toString(), '<onetwothree>');
    assert.equal(got.length, 5, 'the body chunks were not joined');
  });

  it('destroys the body when it is destroyed, even before the body was read', async () => {
    const body = new PassThrough();
    body.end('never read');
    const framed = framedStream(Buffer.from('head'), body, Buffer.from('tail'));
    framed.destroy();
    await new Promise((r) => framed.once('close', r));
    await new Promise((r) => setImmediate(r));
    assert.equal(body.destroyed, true);
  });

  it("passes the body's failure on", async () => {
    const body = new PassThrough();
    setImmediate(() => body.destroy(new Error('read failed')));
    await assert.rejects(async () => {
      for await (const _ of framedStream(Buffer.from('h'), body, Buffer.from('t')));
    }, /read failed/);
  });
});
