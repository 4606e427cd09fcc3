import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProgressEvent } from '../../../src/core/events.js';
import { makeClient, patternBytes, startServer, type TestServer } from './helpers.js';

const BODY = patternBytes(1024 * 1024, 3);

describe('progress and transfer events', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Mixed-Case': 'Yes' });
        let i = 0;
        const tick = () => {
          if (i++ < 5) res.write(BODY.subarray(0, 10_000), () => setTimeout(tick, 5));
          else res.end();
        };
        tick();
        return;
      }
      if (req.url === '/empty') {
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      }
      if (req.method !== 'GET') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
      res.end(BODY);
    });
  });
  after(() => server.close());

  function capture(
    events: import('../../../src/core/events.js').TypedEmitter<
      import('../../../src/core/events.js').CoreEvents
    >,
  ): ProgressEvent[] {
    const out: ProgressEvent[] = [];
    events.on('progress', (e) => out.push({ ...e }));
    return out;
  }

  it('fires at the start, at each ProgressStep, and at the end (upload)', async () => {
    const { client, events } = makeClient({ settings: ['ProgressStep=10'] });
    const progress = capture(events);
    await client.request({
      method: 'PUT',
      url: `${server.url}/up`,
      body: BODY,
      progress: { direction: 0, total: BODY.length },
    });
    assert.deepEqual(progress[0], {
      direction: 0,
      bytesTransferred: 0,
      totalBytes: BODY.length,
      percentDone: 0,
    });
    assert.equal(progress.at(-1)!.bytesTransferred, BODY.length);
    assert.equal(progress.at(-1)!.percentDone, 100);
    // Between start and end, every event crosses a new multiple of 10 %.
    const tenths = progress.map((p) => Math.floor(p.percentDone / 10));
    for (let i = 1; i < tenths.length; i++)
      assert.ok(tenths[i]! > tenths[i - 1]!, `events: ${JSON.stringify(progress)}`);
    assert.ok(progress.length >= 10 && progress.length <= 11, `${progress.length} events`);
    assert.equal(server.seen.at(-1)!.body.length, BODY.length);
  });

  it('ProgressStep=0 fires on every chunk', async () => {
    const { client, events } = makeClient({ settings: ['ProgressStep=0'] });
    const progress = capture(events);
    const transfers: number[] = [];
    events.on('transfer', (e) => transfers.push(e.bytesTransferred));
    await client.request({
      method: 'PUT',
      url: `${server.url}/up`,
      body: BODY,
      progress: { direction: 0, total: BODY.length },
    });
    // One event at the start plus one per 64 KiB piece (the last piece's event is also the final one).
    assert.equal(transfers.length, 16);
    assert.equal(progress.length, 1 + transfers.length);
    assert.deepEqual(
      progress.slice(1).map((p) => p.bytesTransferred),
      transfers,
    );
  });

  it('ProgressAbsolute counts the offset of a resumed transfer; off, it starts at 0', async () => {
    const offset = 5_000_000;
    for (const absolute of [true, false]) {
      const { client, events } = makeClient({
        settings: ['ProgressStep=25', `ProgressAbsolute=${absolute}`],
      });
      const progress = capture(events);
      await client.request({
        method: 'GET',
        url: `${server.url}/down`,
        progress: { direction: 1, offset, total: offset + BODY.length },
      });
      const total = absolute ? offset + BODY.length : BODY.length;
      assert.equal(progress[0]!.bytesTransferred, absolute ? offset : 0);
      assert.equal(progress[0]!.direction, 1);
      assert.ok(progress.every((p) => p.totalBytes === total));
      assert.equal(progress.at(-1)!.bytesTransferred, total);
    }
  });

  it('learns the total from Content-Length when not given', async () => {
    const { client, events } = makeClient({ settings: ['ProgressStep=50'] });
    const progress = capture(events);
    await client.request({ method: 'GET', url: `${server.url}/down`, progress: { direction: 1 } });
    assert.equal(progress[0]!.totalBytes, BODY.length);
    // Start, the first chunk that reaches 50 %, and the end.
    assert.equal(progress.length, 3);
    assert.deepEqual([progress[0]!.percentDone, progress[2]!.percentDone], [0, 100]);
    assert.ok(progress[1]!.percentDone >= 50 && progress[1]!.percentDone < 100);
  });

  it('fires on every chunk with percentDone -1 when the size is unknown', async () => {
    const { client, events } = makeClient({ settings: ['ProgressStep=10'] });
    const progress = capture(events);
    const res = await client.request({
      method: 'GET',
      url: `${server.url}/chunked`,
      progress: { direction: 1 },
    });
    assert.equal((await res.bytes()).length, 50_000);
    assert.ok(progress.length >= 3);
    assert.ok(progress.every((p) => p.percentDone === -1 && p.totalBytes === -1));
    assert.equal(progress.at(-1)!.bytesTransferred, 50_000);
  });

  it('fires start and end even for an empty body', async () => {
    const { client, events } = makeClient();
    const progress = capture(events);
    await client.request({ method: 'GET', url: `${server.url}/empty`, progress: { direction: 1 } });
    assert.equal(progress.length, 2);
    assert.deepEqual(
      progress.map((p) => [p.bytesTransferred, p.percentDone]),
      [
        [0, 100],
        [0, 100],
      ],
    );
  });

  it('fires startTransfer, transfer (with the chunks) and endTransfer, and header events', async () => {
    const { client, events } = makeClient();
    const order: string[] = [];
    const chunks: Buffer[] = [];
    const headers: Array<[string, string]> = [];
    events.on('startTransfer', (e) => order.push(`start${e.direction}`));
    events.on('endTransfer', (e) => order.push(`end${e.direction}`));
    events.on('transfer', (e) => {
      if (order.at(-1) !== `transfer${e.direction}`) order.push(`transfer${e.direction}`);
      if (e.direction === 1) chunks.push(Buffer.from(e.text));
      else assert.equal(e.text.length, 0);
    });
    events.on('header', (e) => headers.push([e.field, e.value]));
    const res = await client.request({ method: 'GET', url: `${server.url}/chunked`, stream: true });
    const received: Buffer[] = [];
    for await (const c of res.body) received.push(c as Buffer);
    assert.deepEqual(order, ['start1', 'transfer1', 'end1']);
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat(received));
    assert.ok(headers.some(([f, v]) => f === 'X-Mixed-Case' && v === 'Yes'));
    assert.deepEqual(
      client.parsedHeaders.find(([f]) => f === 'X-Mixed-Case'),
      ['X-Mixed-Case', 'Yes'],
    );

    order.length = 0;
    await client.request({ method: 'PUT', url: `${server.url}/up`, body: 'abc' });
    assert.deepEqual(order, ['start0', 'transfer0', 'end0']);
  });
});
