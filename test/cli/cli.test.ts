import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { demo } from '../../src/cli/demo.js';
import { main } from '../../src/cli/main.js';
import { describeEmulators, startEmulators } from '../../src/cli/serve.js';

describe('cloudstorage demo', () => {
  it('signs in through the consent page with PKCE and makes an authorized request', async () => {
    const lines: string[] = [];
    const result = await demo((l) => lines.push(l));
    assert.equal(result.login, 'user@example.com');
    const out = lines.join('\n');
    assert.match(out, /GET \/2\.0\/users\/me -> 200/);
    assert.match(out, /refresh token: yes/);
    assert.doesNotMatch(out, /Open this URL/);
    // No token or secret in anything printed.
    assert.doesNotMatch(out, /box-emulator-client-secret/);
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
