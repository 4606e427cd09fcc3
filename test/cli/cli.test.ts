import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { demo } from '../../src/cli/demo.js';
import { main } from '../../src/cli/main.js';
import { describeEmulators, startEmulators } from '../../src/cli/serve.js';

describe('cloudstorage demo', () => {
  it('signs in to the four services, copies a folder through all of them (one leg encrypted), every SHA-1 checked', async () => {
    const lines: string[] = [];
    const commandOutput = new PassThrough();
    const chunks: Buffer[] = [];
    commandOutput.on('data', (c: Buffer) => chunks.push(c));
    const result = await demo((l) => lines.push(l), {
      stdout: commandOutput,
      stderr: commandOutput,
      largeFile: 1_500_000,
    });
    assert.deepEqual(
      result.signedIn.map((s) => s.remote),
      ['box', 'dropbox', 'googledrive', 'b2'],
    );
    assert.deepEqual(
      result.legs.map((l) => [l.to, l.encrypted]),
      [
        ['box:demo', undefined],
        ['dropbox:demo', undefined],
        ['googledrive:demo', 'encrypt'],
        ['b2:demo-bucket/demo', 'decrypt'],
      ],
    );
    assert.equal(result.files, 6);
    assert.equal(result.matching, 6, lines.join('\n'));
    assert.ok(result.encryptedNames.length === 6 && result.encryptedNames.every((n) => n.endsWith('.bin')));
    const out = `${lines.join('\n')}\n${Buffer.concat(chunks).toString()}`;
    assert.match(out, /6 of 6 files arrived on B2 byte for byte/);
    assert.doesNotMatch(out, /Open this URL/, 'the scripted user answered every consent page');
    // No token, secret or password in anything printed.
    assert.doesNotMatch(out, /client-secret|emulator-app-secret|MasterKey|correct horse/);
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
