/**
 * The Box class's proxy and firewall properties with real servers: uploads, the download redirect and
 * listings through tinyproxy (an HTTP proxy, which stamps a Via header the emulator sees) and through
 * microsocks (SOCKS5).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startDaemon } from '../../core/http/helpers.js';
import { type BoxEnv, startBoxEnv } from './helpers.js';

describe('Box class through a proxy', () => {
  let env: BoxEnv;
  let dir: string;
  let tinyproxy: Awaited<ReturnType<typeof startDaemon>>;
  let microsocks: Awaited<ReturnType<typeof startDaemon>>;
  let proxyPort: number;
  let socksPort: number;

  before(async () => {
    env = await startBoxEnv();
    dir = await mkdtemp(join(tmpdir(), 'box-proxy-'));
    proxyPort = await freePort();
    const conf = join(dir, 'tinyproxy.conf');
    await writeFile(
      conf,
      [
        `Port ${proxyPort}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'Allow 127.0.0.1',
        'ViaProxyName "box-test-proxy"',
        '',
      ].join('\n'),
    );
    tinyproxy = await startDaemon('/usr/bin/tinyproxy', ['-d', '-c', conf], proxyPort);
    socksPort = await freePort();
    microsocks = await startDaemon(
      '/usr/bin/microsocks',
      ['-i', '127.0.0.1', '-p', String(socksPort)],
      socksPort,
    );
  });
  after(async () => {
    await tinyproxy?.stop();
    await microsocks?.stop();
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads, lists and downloads through an HTTP proxy (proxyServer / proxyPort)', async () => {
    const box = env.box({ proxyServer: '127.0.0.1', proxyPort });
    const data = randomBytes(300_000);
    const log = env.server.requestLog.length;
    const id = await box.uploadFile('via-proxy.bin', '', { data });
    await box.listResources('');
    const back = await box.downloadFile(id);
    assert.ok(Buffer.from(back.data!).equals(data));
    const seen = env.server.requestLog.slice(log);
    assert.deepEqual([...new Set(seen.map((e) => e.host))].sort(), ['api', 'download', 'upload']);
    assert.ok(
      seen.every((e) => /box-test-proxy/.test(String(e.headers.via))),
      'every request, to the three hosts, went through the proxy',
    );
  });

  it('works through a SOCKS5 firewall (firewallType 3), and fails clearly when it is not there', async () => {
    const box = env.box({ firewallType: 3, firewallHost: '127.0.0.1', firewallPort: socksPort });
    const data = randomBytes(100_000);
    const id = await box.uploadFile('via-socks.bin', '', { data });
    assert.ok(Buffer.from((await box.downloadFile(id)).data!).equals(data));
    const nowhere = env.box({ firewallType: 3, firewallHost: '127.0.0.1', firewallPort: await freePort() });
    await assert.rejects(nowhere.getAccountInfo(), (e: { code: number; message: string }) => {
      assert.equal(e.code, 118, `${e.code}: ${e.message}`);
      return true;
    });
  });
});
