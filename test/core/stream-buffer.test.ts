import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { chunksOf } from '../../src/core/stream-buffer.js';

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
