/**
 * The HTTP client loads undici's Agent and Pool from their modules, not the package's index (which also
 * loads fetch, WebSocket and the mock layers: about 65 ms and 9 MiB per process). When an undici update
 * moves those modules, the client falls back to the index; this test fails then, so the pinned version in
 * package.json is updated together with the paths in src/core/http/undici.ts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Agent, Pool } from '../../../src/core/http/undici.js';

test('Agent and Pool come from their own modules, with the request API, and the index is not loaded', async () => {
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  assert.ok(
    loaded.some((path) => path.endsWith('/undici/lib/dispatcher/agent.js')),
    'the Agent module is loaded',
  );
  assert.ok(!loaded.some((path) => path.endsWith('/undici/index.js')), 'the index is not loaded');
  assert.equal(typeof Pool, 'function');
  const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const agent = new Agent();
  try {
    const { port } = server.address() as { port: number };
    const res = await agent.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'ok');
  } finally {
    await agent.close();
    server.close();
  }
});
