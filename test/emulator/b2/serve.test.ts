import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { describeEmulators, startEmulators } from '../../../src/cli/serve.js';
import { DEFAULT_B2_ACCOUNT } from '../../../src/emulator/b2/index.js';

/** `cloudstorage serve` starts the B2 emulator and prints the default account to authorize with. */

describe('cloudstorage serve b2', () => {
  it('starts the api, download and upload hosts and prints the default account id and master key', async () => {
    const running = await startEmulators({ services: ['b2'], autoApprove: true, port: 0 });
    try {
      const text = describeEmulators(running);
      assert.match(text, /^b2:/);
      for (const host of ['api', 'download', 'upload'])
        assert.match(text, new RegExp(`\\n  ${host}\\s+http://127\\.0\\.0\\.1:\\d+`));
      assert.ok(text.includes(DEFAULT_B2_ACCOUNT.accountId));
      assert.ok(text.includes(DEFAULT_B2_ACCOUNT.masterKey));
      const server = running.servers[0]!.server;
      const res = await request(`${server.url('api')}/b2api/v3/b2_authorize_account`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${DEFAULT_B2_ACCOUNT.accountId}:${DEFAULT_B2_ACCOUNT.masterKey}`).toString('base64')}`,
        },
      });
      const body = (await res.body.json()) as { apiInfo: { storageApi: { downloadUrl: string } } };
      assert.equal(res.statusCode, 200);
      assert.equal(body.apiInfo.storageApi.downloadUrl, server.url('download'));
    } finally {
      await running.stop();
    }
  });
});
