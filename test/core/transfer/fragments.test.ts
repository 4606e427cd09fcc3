import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  type Fragment,
  FragmentFeed,
  type FragmentHashing,
  fileSource,
  streamSource,
} from '../../../src/core/transfer/index.js';
import { SessionHasher } from '../../../src/providers/dropbox/content-hash.js';

let dir = '';
const data = randomBytes(10 * 1024 * 1024 + 12_345);
let path = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-fragments-'));
  path = join(dir, 'data.bin');
  await writeFile(path, data);
});
after(() => rm(dir, { recursive: true, force: true }));

const FRAGMENT = 3 * 1024 * 1024;

/** Hashes everything read (skipped or not), and records each fragment's length as its end is seen. */
function recorder() {
  const whole = createHash('sha256');
  const ends: number[] = [];
  let onEnd: (() => void) | undefined;
  const hashing: FragmentHashing = {
    skipped: (b) => whole.update(b),
    update: (b) => whole.update(b),
    end: (length) => {
      ends.push(length);
      onEnd?.();
      return `fragment-${ends.length}`;
    },
  };
  /** Resolves once `count` fragments have been read. */
  const readCount = (count: number) =>
    new Promise<void>((resolve) => {
      if (ends.length >= count) return resolve();
      onEnd = () => {
        if (ends.length >= count) resolve();
      };
    });
  return { whole, ends, hashing, readCount };
}

async function bytesOf(body: ReturnType<Fragment['body']>): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of `bytes` in uneven chunks, as a socket or a cipher gives them. */
function chunked(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 777_777) pieces.push(bytes.subarray(at, at + 777_777));
  return Readable.from(pieces);
}

describe('FragmentFeed', () => {
  it('from a file: fragments are hashed on the way and sent from their ranges, none is in memory', async () => {
    // With localFile the hashing pass reads the file by position; without, through the source's stream.
    for (const localFile of [path, undefined]) {
      const rec = recorder();
      const source = await fileSource(path);
      const { feed, skipped } = await FragmentFeed.open({
        source,
        localFile,
        size: data.length,
        fragmentSize: FRAGMENT,
        from: 0,
        hashing: rec.hashing,
      });
      assert.equal(skipped, 0);
      const seen: Fragment[] = [];
      for (;;) {
        const fragment = await feed.next();
        if (fragment.length === 0) break;
        seen.push(fragment);
        const body = fragment.body();
        assert.equal(typeof body, 'function', 'a file fragment is a factory over its range');
        assert.deepEqual(
          await bytesOf(body),
          data.subarray(fragment.start, fragment.start + fragment.length),
        );
        // A cut fragment (the service has its beginning) is the rest of the range.
        const cut = fragment.start + 1000;
        assert.deepEqual(
          await bytesOf(fragment.body(cut)),
          data.subarray(cut, fragment.start + fragment.length),
        );
        if (fragment.last) break;
      }
      feed.close();
      assert.deepEqual(
        seen.map((f) => [f.start, f.length, f.last, f.hash]),
        [
          [0, FRAGMENT, false, 'fragment-1'],
          [FRAGMENT, FRAGMENT, false, 'fragment-2'],
          [2 * FRAGMENT, FRAGMENT, false, 'fragment-3'],
          [3 * FRAGMENT, data.length - 3 * FRAGMENT, true, 'fragment-4'],
        ],
      );
      assert.equal(rec.whole.digest('hex'), createHash('sha256').update(data).digest('hex'));
    }
  });

  it('reads the next fragment while the current one is out, from a file and from a stream', async () => {
    for (const source of [await fileSource(path), streamSource(chunked(data))]) {
      const rec = recorder();
      const { feed } = await FragmentFeed.open({
        source,
        size: data.length,
        fragmentSize: FRAGMENT,
        from: 0,
        hashing: rec.hashing,
      });
      const first = await feed.next();
      assert.equal(first.length, FRAGMENT);
      // Nobody asks for the second fragment: it is read (and hashed) anyway, ahead of the sending.
      await rec.readCount(2);
      assert.deepEqual(rec.ends, [FRAGMENT, FRAGMENT], `${source.label}: exactly one fragment read ahead`);
      feed.close();
    }
  });

  it('from a stream: two buffers, each fragment in one of them once, valid until the next call', async () => {
    const rec = recorder();
    const { feed } = await FragmentFeed.open({
      source: streamSource(chunked(data)),
      size: undefined,
      fragmentSize: FRAGMENT,
      from: 0,
      hashing: rec.hashing,
    });
    const memory = new Set<ArrayBufferLike>();
    const received: Buffer[] = [];
    for (;;) {
      const fragment = await feed.next();
      const body = fragment.body();
      assert.ok(body instanceof Uint8Array);
      if (fragment.length > 0) memory.add(body.buffer);
      received.push(Buffer.from(body));
      if (fragment.last) break;
    }
    feed.close();
    assert.deepEqual(Buffer.concat(received), data);
    assert.equal(memory.size, 2, 'the fragment being sent and the one read ahead, nothing more');
    // Unknown size: the end is seen as a short fragment.
    assert.deepEqual(rec.ends, [FRAGMENT, FRAGMENT, FRAGMENT, data.length - 3 * FRAGMENT]);
  });

  it('a resume passes over its prefix through the hash; skipTo cuts or passes over what is read ahead', async () => {
    for (const source of [await fileSource(path), streamSource(chunked(data))]) {
      const rec = recorder();
      const from = 1_000_001;
      const { feed, skipped } = await FragmentFeed.open({
        source,
        ...(source.repeatable ? { localFile: path } : {}),
        size: data.length,
        fragmentSize: FRAGMENT,
        from,
        hashing: rec.hashing,
      });
      assert.equal(skipped, from);
      const first = await feed.next();
      assert.equal(first.start, from);
      assert.deepEqual(await bytesOf(first.body()), data.subarray(from, from + FRAGMENT));
      // The service has 10 bytes of the fragment read ahead: it comes cut, without its own hash.
      const inAhead = from + FRAGMENT + 10;
      assert.equal(await feed.skipTo(inAhead), inAhead);
      const cut = await feed.next();
      assert.deepEqual([cut.start, cut.length, cut.hash], [inAhead, FRAGMENT - 10, undefined]);
      assert.deepEqual(await bytesOf(cut.body()), data.subarray(inAhead, from + 2 * FRAGMENT));
      // The service has more than what was read ahead: the feed passes over the rest, hashing it.
      const beyond = from + 3 * FRAGMENT + 5;
      assert.equal(await feed.skipTo(beyond), beyond);
      const rest = await feed.next();
      assert.deepEqual([rest.start, rest.length, rest.last], [beyond, data.length - beyond, true]);
      assert.deepEqual(await bytesOf(rest.body()), data.subarray(beyond));
      // Past the end of the data: the position reached says so.
      assert.equal(await feed.skipTo(data.length + 100), data.length);
      feed.close();
      assert.equal(rec.whole.digest('hex'), createHash('sha256').update(data).digest('hex'), source.label);
    }
  });

  it("a fragment's content hash fed piece by piece is the one of the whole fragment (Dropbox)", () => {
    const block = 4 * 1024 * 1024;
    const bytes = randomBytes(2 * block + 99);
    for (const [fragment, last] of [
      [bytes.subarray(0, 2 * block), false],
      [bytes, true],
      [bytes.subarray(0, block + 1), false],
    ] as const) {
      const whole = new SessionHasher();
      const expected = whole.fragment(fragment, last);
      const streamed = new SessionHasher();
      streamed.begin();
      for (let at = 0; at < fragment.length; at += 1_000_003) {
        streamed.update(fragment.subarray(at, at + 1_000_003));
      }
      assert.equal(streamed.end(fragment.length, last), expected);
      assert.equal(streamed.digest(), whole.digest());
    }
    // An aligned fragment's hash is the content hash of its bytes.
    const one = new SessionHasher();
    assert.equal(one.fragment(bytes, true), one.digest());
  });
});
