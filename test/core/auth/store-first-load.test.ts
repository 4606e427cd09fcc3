/**
 * Calls that start together on a new instance whose tokens are in a token store all get the stored token
 * (the store is read once, and every call waits for that read), as a queue worker running several jobs
 * at once on a fresh Box instance does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryTokenStore } from '../../../src/core/auth/stores/memory.js';
import { BoxEmulator, DEFAULT_BOX_CLIENT } from '../../../src/emulator/box/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { Box } from '../../../src/providers/box/index.js';

describe('OAuth client: the first read of the token store', () => {
  const server = new EmulatorServer();
  const emulator = new BoxEmulator();
  before(async () => {
    emulator.install(server);
    await server.start();
  });
  after(() => server.stop());

  it('is shared by calls that start together', async () => {
    const issued = emulator.oauth.issueToken({
      clientId: DEFAULT_BOX_CLIENT.clientId,
      userId: emulator.store.owner.id,
    });
    // A store that answers after a while, as Redis across a network does.
    const store = new MemoryTokenStore({
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: issued.expiresAt,
    });
    const get = store.get.bind(store);
    store.get = async () => {
      await new Promise((r) => setTimeout(r, 20));
      return get();
    };
    const box = new Box({
      apiUrl: `${emulator.urls.api}/2.0`,
      uploadUrl: `${emulator.urls.upload}/api/2.0`,
      oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
      oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret ?? '',
      oAuthServerTokenUrl: `${emulator.urls.api}/oauth2/token`,
      tokenStore: store,
    });
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => box.getAccountInfo()));
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? 'ok' : String(r.reason))),
        ['ok', 'ok', 'ok', 'ok', 'ok'],
      );
      assert.equal(
        server.requestLog.filter((e) => e.path === '/oauth2/token').length,
        0,
        'no refresh needed',
      );
    } finally {
      await box.close();
    }
  });
});
