import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startEmulators } from '../../src/cli/serve.js';
import { Box } from '../../src/providers/box/index.js';
import { GoogleDrive } from '../../src/providers/googledrive/index.js';
import { rsaKeyPair } from '../helpers/rsa-keys.js';

describe('cloudstorage serve with key files', () => {
  it('registers a Box JWT app and a Google service account from the files the clients sign in with', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-signin-'));
    const boxKey = rsaKeyPair('serve passphrase');
    const googleKey = rsaKeyPair();
    const boxConfig = join(dir, 'box-config.json');
    const googleKeyFile = join(dir, 'sa-key.json');
    await writeFile(
      boxConfig,
      JSON.stringify({
        boxAppSettings: {
          clientID: 'served-app',
          clientSecret: 'served-secret',
          appAuth: {
            publicKeyID: 'served-kid',
            privateKey: boxKey.privateKey,
            passphrase: 'serve passphrase',
          },
        },
        enterpriseID: '1000001',
      }),
    );
    await writeFile(
      googleKeyFile,
      JSON.stringify({
        type: 'service_account',
        client_email: 'served@project.iam.gserviceaccount.com',
        private_key_id: 'served-key',
        private_key: googleKey.privateKey,
      }),
    );
    const running = await startEmulators({
      services: ['box', 'googledrive'],
      autoApprove: false,
      port: 0,
      boxJwtApps: [boxConfig],
      googleServiceAccounts: [googleKeyFile],
    });
    const [boxServer, driveServer] = running.servers.map((s) => s.server);
    const box = new Box({ apiUrl: `${boxServer!.url('api')}/2.0`, jwtConfigFile: boxConfig });
    const drive = new GoogleDrive({
      apiUrl: `${driveServer!.url('api')}/drive/v3`,
      oAuthServerTokenUrl: `${driveServer!.url('oauth2')}/token`,
      serviceAccountKeyFile: googleKeyFile,
    });
    try {
      assert.equal((await box.getAccountInfo()).id, '20000001');
      assert.equal((await drive.getAccountInfo()).email, 'served@project.iam.gserviceaccount.com');
    } finally {
      await box.close();
      await drive.close();
      await running.stop();
    }
    await assert.rejects(
      startEmulators({ services: ['box'], autoApprove: false, port: 0, boxJwtApps: [googleKeyFile] }),
      /not a Box JWT app configuration/,
    );
    await rm(dir, { recursive: true, force: true });
  });
});
