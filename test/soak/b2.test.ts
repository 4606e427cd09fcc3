import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BackblazeB2, BackblazeB2Options } from '../../src/providers/b2/index.js';
import { type Env, startEnv } from '../providers/b2/helpers.js';
import { holdings, soakService } from './soak.js';

const MiB = 1024 * 1024;
/** B2's smallest part is 5 MB, the class's smallest FragmentSize 5 MiB: large files start above it. */
const FRAGMENT = 5 * MiB;

describe('soak: Backblaze B2', () => {
  let env: Env;
  let plain: BackblazeB2;
  let encrypted: BackblazeB2;
  let bucketId = '';

  before(async () => {
    env = await startEnv();
    const client = async (extra: BackblazeB2Options) => {
      const c = env.client({ retryBaseDelayMs: 5, retryMaxDelayMs: 50, timeout: 2, ...extra });
      await c.authorize();
      c.config(`FragmentSize=${FRAGMENT}`);
      c.config(`SimpleUploadLimit=${FRAGMENT}`);
      return c;
    };
    plain = await client({});
    encrypted = await client({ encryptionAlgorithm: 0, encryptionPassword: 'soak horse' });
    bucketId = env.bucket().id;
  });
  after(() => env.stop());

  it('every transfer finishes by itself through ~10 % faulted requests, and every outcome checks', async () => {
    await soakService('B2', {
      server: env.server,
      sessionSizes: { min: FRAGMENT + 1, max: FRAGMENT + MiB },
      async upload(name, data, { encrypted: enc }) {
        // Above SimpleUploadLimit the class makes a large file by itself.
        return (enc ? encrypted : plain).uploadFile(bucketId, name, { data });
      },
      async download(id, path, { encrypted: enc }) {
        await (enc ? encrypted : plain).downloadFileById(id, { localFile: path });
      },
      files: () =>
        holdings(plain.iterateFileVersions(bucketId), (f) => ({
          name: f.name,
          id: f.id,
          hash: f.sha1Hash,
        })),
      hash: (data) => createHash('sha1').update(data).digest('hex'),
      async openSessions() {
        let open = 0;
        for await (const _ of plain.iterateMultipartUploads(bucketId)) open++;
        return open;
      },
    });
  });
});
