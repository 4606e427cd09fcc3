import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
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

  it('config add signs in with the same key files, no browser: --jwt for Box, --service-account for Drive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-keyfiles-'));
    const boxConfig = join(dir, 'box-config.json');
    const googleKeyFile = join(dir, 'sa-key.json');
    await writeFile(
      boxConfig,
      JSON.stringify({
        boxAppSettings: {
          clientID: 'cli-app',
          clientSecret: 'cli-secret',
          appAuth: { publicKeyID: 'cli-kid', privateKey: rsaKeyPair().privateKey, passphrase: '' },
        },
        enterpriseID: '1000001',
      }),
    );
    await writeFile(
      googleKeyFile,
      JSON.stringify({
        type: 'service_account',
        client_email: 'cli@project.iam.gserviceaccount.com',
        private_key_id: 'cli-key',
        private_key: rsaKeyPair().privateKey,
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
    // No BROWSER: a sign-in that tried to open one would fail the test.
    const env = { ...process.env, CLOUDSTORAGE_CONFIG: join(dir, 'config.json'), BROWSER: 'false' };
    const run = async (args: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      const chunks: Buffer[] = [];
      const errors: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      err.on('data', (c: Buffer) => errors.push(c));
      const code = await main(args, { stdout: out, stderr: err, env });
      return { code, stdout: Buffer.concat(chunks).toString(), stderr: Buffer.concat(errors).toString() };
    };
    try {
      const local = join(dir, 'hello.txt');
      await writeFile(local, 'signed in without a browser\n');
      const added = [
        await run([
          'config',
          'add',
          'jb',
          'box',
          '--jwt',
          boxConfig,
          '--api-url',
          `${boxServer!.url('api')}/2.0`,
          '--upload-url',
          `${boxServer!.url('upload')}/api/2.0`,
        ]),
        await run([
          'config',
          'add',
          'sa',
          'googledrive',
          '--service-account',
          googleKeyFile,
          '--api-url',
          `${driveServer!.url('api')}/drive/v3`,
          '--upload-url',
          `${driveServer!.url('api')}/upload/drive/v3`,
          '--token-url',
          `${driveServer!.url('oauth2')}/token`,
        ]),
      ];
      for (const r of added) assert.equal(r.code, 0, r.stderr);
      const config = await readFile(join(dir, 'config.json'), 'utf8');
      assert.ok(!config.includes('PRIVATE KEY'), 'the config names the key files, it does not copy them');
      assert.ok(config.includes(boxConfig) && config.includes(googleKeyFile));
      for (const remote of ['jb', 'sa']) {
        assert.equal((await run(['copyto', local, `${remote}:keys/hello.txt`])).code, 0);
        const cat = await run(['cat', `${remote}:keys/hello.txt`]);
        assert.equal(cat.code, 0, cat.stderr);
        assert.equal(cat.stdout, 'signed in without a browser\n');
      }
      // A key file the service does not know: a clear failure, and no remote added.
      const stranger = join(dir, 'stranger.json');
      await writeFile(
        stranger,
        JSON.stringify({
          type: 'service_account',
          client_email: 'who@project.iam.gserviceaccount.com',
          private_key_id: 'unknown',
          private_key: rsaKeyPair().privateKey,
        }),
      );
      const refused = await run([
        'config',
        'add',
        'x',
        'googledrive',
        '--service-account',
        stranger,
        '--api-url',
        `${driveServer!.url('api')}/drive/v3`,
        '--token-url',
        `${driveServer!.url('oauth2')}/token`,
      ]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /was not added/);
      assert.ok(!(await readFile(join(dir, 'config.json'), 'utf8')).includes('"x"'));
      // Without a client id and without a key file: usage error naming both ways.
      const usage = await run(['config', 'add', 'y', 'box', '--api-url', 'http://127.0.0.1:9/2.0']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--client-id.*--jwt/s);
    } finally {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
