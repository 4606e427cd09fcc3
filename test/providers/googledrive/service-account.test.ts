import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../../../src/core/errors.js';
import type {
  GoogleDriveOptions,
  GoogleServiceAccountKey,
} from '../../../src/providers/googledrive/index.js';
import { rejectsWith } from '../../helpers/rejects.js';
import { rsaKeyPair } from '../../helpers/rsa-keys.js';
import { type Env, startEnv } from './helpers.js';

const EMAIL = 'backup-job@emulated-project.iam.gserviceaccount.com';

describe('GoogleDrive service accounts against the emulator', () => {
  let env: Env;
  let key: GoogleServiceAccountKey;

  before(async () => {
    env = await startEnv();
    const pair = rsaKeyPair();
    env.emulator.addServiceAccount({
      clientEmail: EMAIL,
      publicKeys: [{ id: 'key-1', pem: pair.publicKey }],
    });
    key = {
      type: 'service_account',
      private_key_id: 'key-1',
      private_key: pair.privateKey,
      client_email: EMAIL,
      token_uri: `${env.emulator.urls.oauth2}/token`,
    };
  });
  after(() => env.stop());

  const drive = (options: GoogleDriveOptions) => env.client({ authorization: '', ...options });
  const tokenRequests = () => env.server.requestLog.filter((e) => e.path === '/token').length;

  it('signs in from the JSON key, in its own Drive: upload, list', async () => {
    const sa = drive({ serviceAccountKey: JSON.stringify(key) });
    const account = await sa.getAccountInfo();
    assert.equal(account.email, EMAIL);
    const id = await sa.uploadFile('nightly.tar', 'application/x-tar', {
      data: new TextEncoder().encode('backup'),
    });
    const mine = await sa.listResources();
    assert.ok(mine.resources.some((r) => r.id === id));
    // The person's Drive does not have it: the service account owns its own files.
    const person = env.client();
    assert.ok(!(await person.listResources()).resources.some((r) => r.id === id));
    assert.equal(sa.oAuthRefreshToken, '');
  });

  it('reads the key from a file, and renews the token before it expires and after a 401', async () => {
    const file = join(env.dir, 'key.json');
    await writeFile(file, JSON.stringify(key));
    const sa = drive({ serviceAccountKeyFile: file });
    await sa.getAccountInfo();
    const first = sa.oAuthAccessToken;
    let before = tokenRequests();
    // A token about to expire is renewed before the request, with a new assertion.
    sa.config('OAuthAccessTokenExpiration=1');
    await sleep(1100);
    await sa.getAccountInfo();
    assert.equal(tokenRequests() - before, 1);
    assert.notEqual(sa.oAuthAccessToken, first);
    before = tokenRequests();
    env.server.faults.add({ path: '/drive/v3/about', expiredToken: true });
    assert.equal((await sa.getAccountInfo()).email, EMAIL);
    assert.equal(tokenRequests() - before, 1);
  });

  it('acts for a user of the domain with domain-wide delegation only', async () => {
    const person = env.emulator.user.emailAddress;
    const refused = await rejectsWith(
      drive({ serviceAccountKey: key, serviceAccountSubject: person }).getAccountInfo(),
      ErrorCode.InvalidCredentials,
    );
    assert.equal(refused.providerCode, 'unauthorized_client');
    env.emulator.addServiceAccount({ clientEmail: EMAIL, publicKeys: [], domainWideDelegation: true });
    const delegated = drive({ serviceAccountKey: key, serviceAccountSubject: person });
    assert.equal((await delegated.getAccountInfo()).email, person);
    delegated.serviceAccountSubject = '';
    assert.equal((await delegated.getAccountInfo()).email, EMAIL);
    const nobody = await rejectsWith(
      drive({ serviceAccountKey: key, serviceAccountSubject: 'nobody@example.com' }).getAccountInfo(),
      ErrorCode.InvalidCredentials,
    );
    assert.equal(nobody.providerCode, 'invalid_grant');
  });

  it('refuses a wrong key, an unknown key id, an unknown account and a bad scope, asking once', async () => {
    const cases: Array<[string, GoogleDriveOptions, string, RegExp]> = [
      [
        'wrong key',
        { serviceAccountKey: { ...key, private_key: rsaKeyPair().privateKey } },
        'invalid_grant',
        /Invalid JWT Signature/,
      ],
      [
        'unknown key id',
        { serviceAccountKey: { ...key, private_key_id: 'gone' } },
        'invalid_grant',
        /Signature/,
      ],
      [
        'unknown account',
        { serviceAccountKey: { ...key, client_email: 'who@x.iam.gserviceaccount.com' } },
        'invalid_grant',
        /account not found/,
      ],
      [
        'bad scope',
        { serviceAccountKey: key, oAuthAuthorizationScope: 'https://www.googleapis.com/auth/gmail.send' },
        'invalid_scope',
        /scope/,
      ],
    ];
    for (const [why, options, providerCode, says] of cases) {
      const before = tokenRequests();
      const err = await rejectsWith(drive(options).getAccountInfo(), ErrorCode.InvalidCredentials);
      assert.equal(err.providerCode, providerCode, why);
      assert.match(err.message, says, why);
      assert.equal(tokenRequests() - before, 1, why);
      assert.ok(!err.message.includes('PRIVATE KEY'), why);
    }
    await rejectsWith(
      Promise.resolve().then(() => drive({ serviceAccountKey: '{"type":"authorized_user"}' })),
      ErrorCode.InvalidArgument,
    );
  });
});
