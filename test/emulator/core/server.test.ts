import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import {
  EmulatorServer,
  HttpError,
  parseRange,
  sendJson,
  sendStream,
} from '../../../src/emulator/core/index.js';

describe('EmulatorServer', () => {
  const server = new EmulatorServer();
  const payload = randomBytes(256 * 1024);
  let blobId = '';

  before(async () => {
    const api = server.host('api');
    api.router.get('/items/:id', (req, res) =>
      sendJson(res, 200, { id: req.params.id, q: req.query.get('q') }),
    );
    api.router.get('/blob', async (req, res) => {
      const size = server.blobs.size(blobId);
      const range = parseRange(req.headers.range, size);
      if (range === 'invalid') throw new HttpError(416, 'bad range');
      const { start, end } = range ?? { start: 0, end: size - 1 };
      await sendStream(res, range ? 206 : 200, server.blobs.read(blobId, start, end), {
        'content-length': end - start + 1,
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
    });
    api.router.post('/echo', async (req, res) => sendJson(res, 200, await req.json()));
    api.errorFormatter = (e) => ({
      body: JSON.stringify({ type: 'error', status: e.status, message: e.message }),
      contentType: 'application/json',
    });
    server.host('download').router.get('/x', (_req, res) => sendJson(res, 200, { host: 'download' }));
    await server.start();
    blobId = (await server.blobs.put(payload, { hashes: ['sha1'] })).id;
  });
  after(() => server.stop());

  it('listens on 127.0.0.1 only, one port per host', () => {
    const api = new URL(server.url('api'));
    const dl = new URL(server.url('download'));
    assert.equal(api.hostname, '127.0.0.1');
    assert.equal(dl.hostname, '127.0.0.1');
    assert.notEqual(api.port, dl.port);
  });

  it('routes with parameters, and formats errors per host', async () => {
    const ok = await request(`${server.url('api')}/items/a%20b?q=1`);
    assert.deepEqual(await ok.body.json(), { id: 'a b', q: '1' });
    const missing = await request(`${server.url('api')}/nothing`);
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(((await missing.body.json()) as { type: string }).type, 'error');
    const wrong = await request(`${server.url('api')}/echo`, { method: 'GET' });
    assert.equal(wrong.statusCode, 405);
    assert.equal(wrong.headers.allow, 'POST');
    await wrong.body.dump();
    const bad = await request(`${server.url('api')}/echo`, { method: 'POST', body: '{not json' });
    assert.equal(bad.statusCode, 400);
    await bad.body.dump();
  });

  it('injects a status with Retry-After for the next N matching requests only', async () => {
    server.faults.add({ path: '/items/', status: 429, retryAfter: 3, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await request(`${server.url('api')}/items/1`);
      statuses.push(r.statusCode);
      if (r.statusCode === 429) assert.equal(r.headers['retry-after'], '3');
      await r.body.dump();
    }
    assert.deepEqual(statuses, [429, 429, 200]);
    const log = server.requestLog.filter((e) => e.path === '/items/1').slice(-3);
    assert.deepEqual(
      log.map((e) => [e.status, Boolean(e.fault)]),
      [
        [429, true],
        [429, true],
        [200, false],
      ],
    );
  });

  it('resets the connection after K bytes of the body', async () => {
    server.faults.add({ path: '/blob', resetAfterBytes: 100_000 });
    const r = await request(`${server.url('api')}/blob`);
    assert.equal(r.statusCode, 200);
    let received = 0;
    await assert.rejects(async () => {
      for await (const chunk of r.body) received += (chunk as Buffer).length;
    });
    assert.ok(received <= 100_000, `received ${received}`);
    // The next request is served in full, and a range picks up where the reset left off.
    const rest = await request(`${server.url('api')}/blob`, { headers: { range: `bytes=${received}-` } });
    assert.equal(rest.statusCode, 206);
    const tail = Buffer.from(await rest.body.arrayBuffer());
    assert.ok(tail.equals(payload.subarray(received)));
  });

  it('drops a connection before answering, and delays', async () => {
    server.faults.add({ path: '/items/', resetConnection: true });
    await assert.rejects(request(`${server.url('api')}/items/2`));
    server.faults.add({ path: '/items/', delayMs: 300 });
    const t0 = Date.now();
    const r = await request(`${server.url('api')}/items/3`);
    await r.body.dump();
    assert.ok(Date.now() - t0 >= 250);
  });

  it('stop() ends a delay under way: no timer outlives the server, and the delayed handler never runs', async () => {
    const own = new EmulatorServer();
    let ran = false;
    own.host('api').router.get('/slow', (_req, res) => {
      ran = true;
      sendJson(res, 200, {});
    });
    await own.start();
    own.faults.add({ path: '/slow', delayMs: 200 });
    const pending = request(`${own.url('api')}/slow`).then(
      () => 'answered',
      () => 'failed',
    );
    // The request has reached the server (the fault is taken) before it stops.
    while (own.faults.pending > 0) await new Promise((r) => setTimeout(r, 5));
    await own.stop();
    assert.equal(await pending, 'failed');
    // Past the delay: the handler would have run by now had the timer survived the stop.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ran, false);
  });

  it('matches faults by host and method', async () => {
    server.faults.add({ host: 'download', method: 'GET', status: 503 });
    const api = await request(`${server.url('api')}/items/4`);
    assert.equal(api.statusCode, 200);
    await api.body.dump();
    const dl = await request(`${server.url('download')}/x`);
    assert.equal(dl.statusCode, 503);
    await dl.body.dump();
    assert.equal(server.faults.pending, 0);
  });
});

/** Listens on 127.0.0.1:`port` (0: a free one); rejects with the listen error (EADDRINUSE). */
function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

const closeServer = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

describe('EmulatorServer start on a port in use', () => {
  it('closes the listeners it had opened, so nothing keeps the process alive; a later start works', async () => {
    // A free port P whose next one, P + 1, this test holds: the second host cannot listen.
    let base = 0;
    let blocker: Server | undefined;
    for (let attempt = 0; !blocker; attempt++) {
      const probe = await listenOn(0);
      base = (probe.address() as { port: number }).port;
      await closeServer(probe);
      if (base >= 65535) continue;
      blocker = await listenOn(base + 1).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EADDRINUSE' || attempt === 10) throw e;
        return undefined;
      });
    }
    const server = new EmulatorServer({ port: base, consecutivePorts: true });
    server.host('api').router.get('/ping', (_req, res) => sendJson(res, 200, {}));
    server.host('upload');
    try {
      await assert.rejects(server.start(), { code: 'EADDRINUSE' });
      // The first host listened on P before the second failed; it is closed again (the old code left it
      // open: nothing could ever close it, and the process never exited).
      await closeServer(await listenOn(base));
      assert.throws(() => server.url('api'), /not listening/);
      await closeServer(blocker);
      await server.start();
      assert.equal(server.url('upload'), `http://127.0.0.1:${base + 1}`);
      const res = await request(`${server.url('api')}/ping`);
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    } finally {
      if (blocker.listening) await closeServer(blocker);
      await server.stop();
    }
  });
});

describe('request log', () => {
  it('keeps the most recent entries up to its limit', async () => {
    const server = new EmulatorServer({ requestLogLimit: 3 });
    server.host('api').router.get('/n/:i', (_req, res) => sendJson(res, 200, {}));
    await server.start();
    try {
      for (let i = 0; i < 5; i++) await (await request(`${server.url('api')}/n/${i}`)).body.dump();
      assert.deepEqual(
        server.requestLog.map((e) => e.path),
        ['/n/2', '/n/3', '/n/4'],
      );
    } finally {
      await server.stop();
    }
  });
});

describe('BlobStore', () => {
  it('streams to disk with hashes, ranges, concatenation and cleanup', async () => {
    const server = new EmulatorServer({ blobDir: tmpdir() });
    const a = randomBytes(3 * 1024 * 1024);
    const b = randomBytes(1234);
    const ia = await server.blobs.put(a, { hashes: ['sha1', 'md5', 'sha256'] });
    const ib = await server.blobs.put(b);
    await assert.rejects(server.blobs.concat([ia.id, ib.id], { maxBytes: 100 }), /exceeds 100 bytes/);
    assert.equal(ia.size, a.length);
    assert.equal(ia.hashes.sha1, createHash('sha1').update(a).digest('hex'));
    assert.equal(ia.hashes.md5, createHash('md5').update(a).digest('hex'));
    const joined = await server.blobs.concat([ia.id, ib.id], { hashes: ['sha1'] });
    assert.equal(
      joined.hashes.sha1,
      createHash('sha1')
        .update(Buffer.concat([a, b]))
        .digest('hex'),
    );
    const read = async (id: string, start?: number, end?: number) => {
      const out: Buffer[] = [];
      for await (const c of server.blobs.read(id, start, end)) out.push(c as Buffer);
      return Buffer.concat(out);
    };
    assert.ok((await read(ia.id, 10, 19)).equals(a.subarray(10, 20)));
    // The concatenation reads across its parts, at any range, without a copy on disk.
    const ab = Buffer.concat([a, b]);
    assert.ok((await read(joined.id)).equals(ab));
    for (const [start, end] of [
      [a.length - 5, a.length + 5],
      [a.length, a.length + 1233],
      [0, 0],
      [a.length + 1233, a.length + 1233],
      [100, a.length + 5000],
    ] as const) {
      assert.ok(
        (await read(joined.id, start, end)).equals(ab.subarray(start, Math.min(end, ab.length - 1) + 1)),
      );
    }
    assert.equal(await server.blobs.diskUsage(), a.length + b.length, 'parts are shared, not copied');
    // The parts live as long as the concatenation does.
    await server.blobs.release(ib.id);
    assert.equal(server.blobs.size(ib.id), b.length, 'still referenced by the concatenation');
    await server.blobs.release(joined.id);
    assert.throws(() => server.blobs.size(ib.id));
    assert.throws(() => server.blobs.size(joined.id));
    assert.equal(server.blobs.size(ia.id), a.length, 'its own reference keeps it');
    await assert.rejects(server.blobs.put(randomBytes(100), { maxBytes: 50 }), /exceeds 50 bytes/);
    const dir = server.blobs.path;
    assert.equal((await readdir(dir)).length, 1, 'released and refused blobs left no file');
    await server.stop();
    assert.equal(existsSync(dir), false, 'the blob directory is removed at stop');
  });
});

describe('parseRange', () => {
  it('parses the forms HTTP allows', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'invalid');
    assert.equal(parseRange('items=1-2', 100), 'invalid');
    assert.equal(parseRange(undefined, 100), undefined);
  });
});
