import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_GOOGLE_CLIENT } from '../../src/emulator/googledrive/index.js';
import type { GoogleDrive, GoogleDriveOptions } from '../../src/providers/googledrive/index.js';
import { type Env, startEnv } from '../providers/googledrive/helpers.js';
import { holdings, soakService } from './soak.js';

/** Drive takes resumable chunks in multiples of 256 KiB. */
const FRAGMENT = 512 * 1024;

describe('soak: Google Drive', () => {
  let env: Env;
  let plain: GoogleDrive;
  let encrypted: GoogleDrive;

  before(async () => {
    env = await startEnv();
    const client = (extra: GoogleDriveOptions) =>
      env.client({
        oAuthClientId: DEFAULT_GOOGLE_CLIENT.clientId,
        oAuthClientSecret: DEFAULT_GOOGLE_CLIENT.clientSecret!,
        oAuthServerTokenUrl: `${env.emulator.urls.oauth2}/token`,
        oAuthRefreshToken: env.emulator.issueToken().refreshToken!,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 50,
        timeout: 2,
        fragmentSize: FRAGMENT,
        ...extra,
      });
    plain = client({});
    encrypted = client({ encryptionAlgorithm: 0, encryptionPassword: 'soak horse' });
  });
  after(() => env.stop());

  it('every transfer finishes by itself through ~10 % faulted requests, and every outcome checks', async () => {
    await soakService('Google Drive', {
      server: env.server,
      sessionSizes: { min: FRAGMENT + 1, max: 4 * FRAGMENT },
      spared: /^\/token$/,
      async upload(name, data, { session, encrypted: enc }) {
        return (enc ? encrypted : plain).uploadFile(name, '', { data, useResumableUpload: session });
      },
      async download(id, path, { encrypted: enc }) {
        await (enc ? encrypted : plain).downloadFile(id, '', { localFile: path });
      },
      files: () =>
        holdings(plain.iterateResources(), (r) =>
          r.name.startsWith('soak-') ? { name: r.name, id: r.id, hash: r.md5Checksum } : undefined,
        ),
      hash: (data) => createHash('md5').update(data).digest('hex'),
      // Drive lists no upload sessions; an unfinished one expires by itself.
      openSessions: async () => 0,
    });
  });
});
