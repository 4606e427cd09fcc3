import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CloudStorageError } from '../../../src/core/errors.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

/**
 * MaxResponseBodySize: an answer read whole (JSON) is bounded. A real server streams a huge JSON body and
 * counts what it managed to send before the client hung up; the client must fail with error 600 as soon
 * as the cap is passed, not read on.
 */
const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;
const CHUNK = Buffer.from(`{"name":"${'a'.repeat(1000)}"},`.repeat(64));

/** Writes up to `total` bytes of an endless JSON array with back-pressure; resolves with the bytes sent. */
function stream(res: ServerResponse, total: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(sent);
    };
    res.once('close', finish);
    const pump = () => {
      while (!done && sent < total) {
        const ok = res.write(CHUNK, (err) => {
          // Counted once the socket took it: bytes the client's side could have read.
          if (!err) sent += CHUNK.length;
        });
        if (!ok) return void res.once('drain', pump);
      }
      if (sent >= total) res.end(finish);
    };
    res.write('{"entries":[');
    pump();
  });
}

describe('MaxResponseBodySize', () => {
  let server: TestServer;
  const sent: Promise<number>[] = [];

  before(async () => {
    server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/exact') {
        const size = Number(url.searchParams.get('size'));
        const body = `"${'b'.repeat(size - 2)}"`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (url.pathname === '/declared') headers['content-length'] = String(1536 * MiB);
      res.writeHead(200, headers);
      sent.push(stream(res, url.pathname === '/declared' ? 1536 * MiB : TOTAL));
    });
  });
  after(() => server.close());

  it('a body that grows past the cap fails with 600 at once; the rest is never read', async () => {
    const { client } = makeClient();
    const before = process.memoryUsage().rss;
    const error = await client.request({ method: 'GET', url: `${server.url}/huge` }).then(
      () => assert.fail('a 256 MiB JSON answer was read whole'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CloudStorageError, String(error));
    assert.equal(error.code, 600);
    assert.equal(error.httpStatus, 200);
    assert.match(error.message, /longer than 16777216 bytes, over MaxResponseBodySize/);
    assert.match(error.message, /raise MaxResponseBodySize/);
    const bytes = await sent.at(-1)!;
    // 16 MiB read, plus what sat in socket buffers when the client hung up; far from the 256 MiB offered.
    assert.ok(bytes < 48 * MiB, `the server sent ${bytes} bytes`);
    assert.ok(process.memoryUsage().rss - before < 160 * MiB, 'memory stayed bounded');
    assert.equal(server.seen.filter((r) => r.url === '/huge').length, 1, 'not retried');
    await client.close();
  });

  it('a Content-Length over the cap fails before the body is read', async () => {
    const { client } = makeClient();
    const error = await client.request({ method: 'GET', url: `${server.url}/declared` }).then(
      () => assert.fail('read a body declared as 1.5 GiB'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CloudStorageError, String(error));
    assert.equal(error.code, 600);
    assert.match(error.message, /declares 1610612736 bytes, over MaxResponseBodySize \(16777216 bytes\)/);
    const bytes = await sent.at(-1)!;
    assert.ok(bytes < 32 * MiB, `the server sent ${bytes} bytes`);
    await client.close();
  });

  it('the cap is exact, applies to streamed responses read whole, and is a setting', async () => {
    const { client, settings } = makeClient({ settings: ['MaxResponseBodySize=1000'] });
    const ok = await client.request({ method: 'GET', url: `${server.url}/exact?size=1000` });
    assert.equal((await ok.json<string>()).length, 998);
    await assert.rejects(client.request({ method: 'GET', url: `${server.url}/exact?size=1001` }), {
      code: 600,
    });
    const streamed = await client.request({
      method: 'GET',
      url: `${server.url}/exact?size=1001`,
      stream: true,
    });
    await assert.rejects(streamed.json(), { code: 600, message: /MaxResponseBodySize \(1000 bytes\)/ });
    assert.throws(() => settings.config('MaxResponseBodySize=0'));
    assert.equal(settings.get('MaxResponseBodySize'), 1000);
    await client.close();
  });
});
