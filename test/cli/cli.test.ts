import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { demo } from '../../src/cli/demo.js';
import { main } from '../../src/cli/main.js';
import { describeEmulators, startEmulators } from '../../src/cli/serve.js';

describe('cloudstorage demo', () => {
  it('drives the Box class end to end: consent page + PKCE, encrypted session upload, download, link', async () => {
    const lines: string[] = [];
    const result = await demo((l) => lines.push(l));
    assert.equal(result.login, 'user@example.com');
    assert.match(result.fileId, /^f:\d+$/);
    assert.equal(result.receivedSha256, result.sentSha256);
    assert.match(result.sharedLink, /^http:\/\/127\.0\.0\.1:\d+\/s\//);
    const out = lines.join('\n');
    assert.match(out, /refresh token received/);
    assert.match(out, /upload session of \d+ parts/);
    assert.doesNotMatch(out, /Open this URL/);
    // No token, secret or password in anything printed.
    assert.doesNotMatch(out, /box-emulator-client-secret|correct horse/);
    assert.doesNotMatch(out, /access_token=|Bearer [A-Za-z0-9]/);
  });
});

describe('cloudstorage serve', () => {
  it('starts every emulator on 127.0.0.1 and stops them', async () => {
    const running = await startEmulators({ services: ['box', 'dropbox'], autoApprove: true, port: 0 });
    try {
      const text = describeEmulators(running);
      assert.match(text, /^box:/m);
      assert.match(text, /^dropbox:/m);
      for (const { server } of running.servers) {
        for (const host of server.hostNames()) assert.match(server.url(host), /^http:\/\/127\.0\.0\.1:\d+$/);
      }
      const box = running.servers.find((s) => s.service === 'box')!.server;
      const r = await request(`${box.url('api')}/2.0/users/me`);
      assert.equal(r.statusCode, 401, 'the API wants a token');
      await r.body.dump();
    } finally {
      await running.stop();
    }
    const box = running.servers[0]!.server;
    await assert.rejects(request(`${box.url('api')}/2.0/users/me`), /ECONNREFUSED/);
  });

  it('rejects an unknown service and an unknown command', async () => {
    await assert.rejects(
      startEmulators({ services: ['nope'], autoApprove: true, port: 0 }),
      /unknown service "nope"/,
    );
    assert.equal(await main(['frobnicate']), 2);
  });
});
