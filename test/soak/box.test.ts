import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_BOX_CLIENT } from '../../src/emulator/box/index.js';
import type { Box } from '../../src/providers/box/index.js';
import { type BoxEnv, startBoxEnv } from '../providers/box/helpers.js';
import { holdings, soakService } from './soak.js';

const PART = 1024 * 1024;

describe('soak: Box', () => {
  let env: BoxEnv;
  let plain: Box;
  let encrypted: Box;

  before(async () => {
    env = await startBoxEnv({ config: { minChunkedUploadSize: PART, partSizeFor: () => PART } });
    const client = (extra: object) => {
      const tokens = env.emulator.oauth.issueToken({
        clientId: DEFAULT_BOX_CLIENT.clientId,
        userId: '20000001',
      });
      return env.box({
        authorization: '',
        oAuthClientId: DEFAULT_BOX_CLIENT.clientId,
        oAuthClientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
        oAuthRefreshToken: tokens.refreshToken!,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 50,
        timeout: 2,
        minResumableUploadSize: PART,
        ...extra,
      });
    };
    plain = client({});
    encrypted = client({ encryptionAlgorithm: 0, encryptionPassword: 'soak horse' });
  });
  after(() => env.close());

  it('every transfer finishes by itself through ~10 % faulted requests, and every outcome checks', async () => {
    await soakService('Box', {
      server: env.server,
      sessionSizes: { min: PART + 1, max: 3 * PART },
      spared: /oauth2\/token/,
      async upload(name, data, { session, encrypted: enc }) {
        return (enc ? encrypted : plain).uploadFile(name, '', { data, useResumableUpload: session });
      },
      async download(id, path, { encrypted: enc }) {
        await (enc ? encrypted : plain).downloadFile(id, { localFile: path });
      },
      files: () => holdings(plain.iterateResources(''), (r) => r),
      hash: (data) => createHash('sha1').update(data).digest('hex'),
      // A session the client knew (it sent parts to it) must be committed or deleted; one whose creation
      // answer was lost cannot be found by any client (Box lists no sessions) and expires empty.
      openSessions: async () =>
        [...env.emulator.uploadSessions.values()].filter(
          (u) => u.committedFileId === undefined && u.parts.size > 0,
        ).length,
    });
  });
});
