import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { LoopbackRedirectServer } from '../../../src/core/auth/loopback-server.js';
import { CloudStorageError, ErrorCode } from '../../../src/core/errors.js';

test('a redirect port already taken is error 10048 (address in use) naming the port and what to do', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const server = new LoopbackRedirectServer();
  try {
    await assert.rejects(server.start(port), (e: unknown) => {
      assert.ok(e instanceof CloudStorageError);
      assert.equal(e.code, ErrorCode.AddressInUse);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(e.message, /OAuthWebServerPort/);
      return true;
    });
    assert.equal(server.active, false);
  } finally {
    await server.stop();
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});
