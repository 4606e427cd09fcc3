import { after, before, describe, it } from 'node:test';
import { DropboxContentHasher } from '../../src/core/transfer/index.js';
import { DEFAULT_CLIENT } from '../../src/emulator/dropbox/index.js';
import type { Dropbox, DropboxOptions } from '../../src/providers/dropbox/index.js';
import { type Env, startEnv } from '../providers/dropbox/helpers.js';
import { holdings, soakService } from './soak.js';

const FRAGMENT = 1024 * 1024;

describe('soak: Dropbox', () => {
  let env: Env;
  let plain: Dropbox;
  let encrypted: Dropbox;

  before(async () => {
    env = await startEnv();
    const client = (extra: DropboxOptions) =>
      env.client({
        oAuthClientId: DEFAULT_CLIENT.clientId,
        oAuthClientSecret: DEFAULT_CLIENT.clientSecret!,
        oAuthRefreshToken: env.emulator.issueToken().refreshToken!,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 50,
        timeout: 2,
        fragmentSize: FRAGMENT,
        ...extra,
      });
    plain = client({});
    encrypted = client({ encryptionAlgorithm: 0, encryptionPassword: 'soak horse' });
    await plain.createFolder('/soak');
  });
  after(() => env.stop());

  it('every transfer finishes by itself through ~10 % faulted requests, and every outcome checks', async () => {
    await soakService('Dropbox', {
      server: env.server,
      sessionSizes: { min: FRAGMENT + 1, max: 3 * FRAGMENT },
      spared: /oauth2\/token/,
      async upload(name, data, { session, encrypted: enc }) {
        return (enc ? encrypted : plain).uploadFile(`/soak/${name}`, { data, useResumableUpload: session });
      },
      async download(id, path, { encrypted: enc }) {
        await (enc ? encrypted : plain).downloadFile(id, { localFile: path });
      },
      files: () => holdings(plain.iterateResources('/soak'), (r) => r),
      hash: (data) => new DropboxContentHasher().update(data).digest(),
      // Dropbox lists no upload sessions; an unfinished one expires by itself.
      openSessions: async () => 0,
    });
  });
});
