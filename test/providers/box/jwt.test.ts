import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileTokenStore, MemoryTokenStore } from '../../../src/core/auth/index.js';
import { ErrorCode } from '../../../src/core/errors.js';
import type { BoxJwtConfig, BoxOptions } from '../../../src/providers/box/index.js';
import { rsaKeyPair } from '../../helpers/rsa-keys.js';
import { type BoxEnv, rejectsWithCode, startBoxEnv } from './helpers.js';

const APP = { clientId: 'jwt-app-client-id', clientSecret: 'jwt-app-client-secret' };
const KEY_ID = 'kid-one';
const PASSPHRASE = 'correct horse battery staple';
const WORKER = fileURLToPath(new URL('../../helpers/jwt-worker.ts', import.meta.url));

/** Runs a worker process to its end; resolves with what it printed, rejects when it fails. */
function runWorker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`)),
    );
  });
}

describe('Box JWT sign-in against the emulator', () => {
  let env: BoxEnv;
  const key = rsaKeyPair(PASSPHRASE);
  let config: BoxJwtConfig;

  before(async () => {
    env = await startBoxEnv();
    env.emulator.registerJwtApp({ ...APP, publicKeys: [{ id: KEY_ID, pem: key.publicKey }] });
    config = {
      boxAppSettings: {
        clientID: APP.clientId,
        clientSecret: APP.clientSecret,
        appAuth: { publicKeyID: KEY_ID, privateKey: key.privateKey, passphrase: PASSPHRASE },
      },
      enterpriseID: env.emulator.store.enterprise.id,
    };
  });
  after(() => env.close());

  /** A Box instance without the harness's fixed token. */
  const jwtBox = (options: BoxOptions) => env.box({ authorization: '', ...options });
  const tokenRequests = () => env.server.requestLog.filter((e) => e.path === '/oauth2/token').length;

  it('signs in as the service account from the console config (encrypted key), lists, uploads', async () => {
    const box = jwtBox({ jwtConfig: JSON.stringify(config) });
    assert.equal(box.enterpriseId, env.emulator.store.enterprise.id);
    assert.equal(box.jwtKeyId, KEY_ID);
    const id = await box.uploadFile('report.txt', '', { data: new TextEncoder().encode('service account') });
    const page = await box.listResources('');
    assert.ok(page.resources.some((r) => r.id === id && r.name === 'report.txt'));
    assert.equal((await box.getAccountInfo()).id, env.emulator.store.owner.id);
    assert.equal(box.oAuthRefreshToken, '', 'JWT apps get no refresh token');
    assert.ok(box.oAuthAccessToken);
  });

  it('takes the values one by one, and the config from a file', async () => {
    const separate = jwtBox({
      oAuthClientId: APP.clientId,
      oAuthClientSecret: APP.clientSecret,
      jwtKeyId: KEY_ID,
      jwtPrivateKey: key.privateKey,
      jwtPrivateKeyPassphrase: PASSPHRASE,
      enterpriseId: env.emulator.store.enterprise.id,
    });
    assert.equal((await separate.getAccountInfo()).id, env.emulator.store.owner.id);
    const file = join(env.dir, 'config.json');
    await writeFile(file, JSON.stringify(config));
    const fromFile = jwtBox({ jwtConfigFile: file });
    assert.equal((await fromFile.getAccountInfo()).id, env.emulator.store.owner.id);
    // reset() forgets the JWT sign-in with the rest of the OAuth state.
    await fromFile.reset();
    assert.equal(fromFile.jwtPrivateKey, '');
    assert.equal(fromFile.enterpriseId, '');
    fromFile.config(`ApiUrl=${env.emulator.urls.api}/2.0`);
    await rejectsWithCode(fromFile.getAccountInfo(), ErrorCode.InvalidCredentials);
  });

  it('signs a new assertion when Box says the token expired, once', async () => {
    const box = jwtBox({ jwtConfig: config });
    await box.getAccountInfo();
    const first = box.oAuthAccessToken;
    const before = tokenRequests();
    env.server.faults.add({ path: '/2.0/users/me', expiredToken: true });
    assert.equal((await box.getAccountInfo()).id, env.emulator.store.owner.id);
    assert.equal(tokenRequests() - before, 1);
    assert.notEqual(box.oAuthAccessToken, first);
    // Expired again and again: one new token, then the 401 is the caller's (not a loop).
    env.server.faults.add({ path: '/2.0/users/me', expiredToken: true, times: 5 });
    const again = tokenRequests();
    const err = await rejectsWithCode(box.getAccountInfo(), ErrorCode.InvalidCredentials);
    assert.equal(err.httpStatus, 401);
    assert.equal(tokenRequests() - again, 1);
    env.server.faults.clear();
  });

  it('shares one token through a token store, and one renewal after an expiry', async () => {
    for (const store of [new MemoryTokenStore(), new FileTokenStore(join(env.dir, 'box-tokens.json'))]) {
      const a = jwtBox({ jwtConfig: config, tokenStore: store });
      const b = jwtBox({ jwtConfig: config, tokenStore: store });
      let before = tokenRequests();
      await Promise.all([a.getAccountInfo(), b.getAccountInfo()]);
      assert.equal(tokenRequests() - before, 1, store.constructor.name);
      assert.equal(a.oAuthAccessToken, b.oAuthAccessToken);
      // The shared token dies at Box: the first to hear it signs a new assertion, the other takes that.
      env.emulator.oauth.tokens.revokeToken(a.oAuthAccessToken);
      before = tokenRequests();
      await a.getAccountInfo();
      await b.getAccountInfo();
      assert.equal(tokenRequests() - before, 1, store.constructor.name);
      assert.equal(a.oAuthAccessToken, b.oAuthAccessToken);
    }
  });

  it('processes sharing a token file sign in once between them, and renew once when the token dies', async () => {
    const configFile = join(env.dir, 'worker-config.json');
    await writeFile(configFile, JSON.stringify(config));
    const storePath = join(env.dir, 'worker-tokens.json');
    const args = [`${env.emulator.urls.api}/2.0`, configFile, storePath, '5'];
    let before = tokenRequests();
    const ids = await Promise.all([1, 2, 3].map(() => runWorker(args)));
    assert.deepEqual(ids, Array(3).fill(env.emulator.store.owner.id));
    assert.equal(tokenRequests() - before, 1, 'one assertion for 3 processes × 5 requests');
    // The stored token dies at Box: the workers' first requests get 401, and one of them signs anew.
    const stored = new FileTokenStore(storePath);
    env.emulator.oauth.tokens.revokeToken((await stored.get())!.accessToken);
    before = tokenRequests();
    await Promise.all([1, 2, 3].map(() => runWorker(args)));
    assert.equal(tokenRequests() - before, 1);
  });

  it('refuses bad credentials with 603 and the reason, each after one token request', async () => {
    const cases: Array<{ why: string; options: BoxOptions; providerCode: string; says: RegExp }> = [
      {
        why: 'a key the app does not have',
        options: { jwtConfig: config, jwtPrivateKey: rsaKeyPair().privateKey, jwtPrivateKeyPassphrase: '' },
        providerCode: 'invalid_grant',
        says: /Signature verification/,
      },
      {
        why: 'an unknown kid',
        options: { jwtConfig: config, jwtKeyId: 'no-such-key' },
        providerCode: 'invalid_grant',
        says: /'kid'/,
      },
      {
        why: 'a wrong client secret',
        options: { jwtConfig: config, oAuthClientSecret: 'not-the-secret' },
        providerCode: 'invalid_client',
        says: /oAuthClientSecret/,
      },
      {
        why: 'a wrong enterprise',
        options: { jwtConfig: config, enterpriseId: '42' },
        providerCode: 'invalid_grant',
        says: /'sub'/,
      },
    ];
    for (const c of cases) {
      const box = jwtBox(c.options);
      const before = tokenRequests();
      const err = await rejectsWithCode(box.getAccountInfo(), ErrorCode.InvalidCredentials);
      assert.equal(err.providerCode, c.providerCode, c.why);
      assert.match(err.message, c.says, c.why);
      assert.equal(tokenRequests() - before, 1, `${c.why}: asked once`);
      assert.ok(!err.message.includes(APP.clientSecret) && !err.message.includes('PRIVATE KEY'), c.why);
    }
  });

  it('says so when the passphrase of the private key is wrong or missing, before any request', async () => {
    const before = tokenRequests();
    const wrong = await rejectsWithCode(
      jwtBox({ jwtConfig: config, jwtPrivateKeyPassphrase: 'wrong' }).getAccountInfo(),
      ErrorCode.InvalidCredentials,
    );
    assert.match(wrong.message, /jwtPrivateKeyPassphrase is not its passphrase/);
    const missing = await rejectsWithCode(
      jwtBox({ jwtConfig: config, jwtPrivateKeyPassphrase: '' }).getAccountInfo(),
      ErrorCode.InvalidCredentials,
    );
    assert.match(missing.message, /encrypted: set jwtPrivateKeyPassphrase/);
    assert.equal(tokenRequests(), before);
    await rejectsWithCode(
      Promise.resolve().then(() => jwtBox({ jwtConfig: '{"boxAppSettings":{}}' })),
      ErrorCode.InvalidArgument,
    );
  });

  it('creates and lists app users, signs in as one, and acts as one with As-User', async () => {
    const admin = jwtBox({ jwtConfig: config });
    const appUser = await admin.createAppUser('Pipeline worker');
    assert.match(appUser.email, /@boxdevedition\.com$/);
    const listed = await admin.listUsers({ filterTerm: 'Pipeline' });
    assert.deepEqual(
      listed.map((u) => u.id),
      [appUser.id],
    );

    const asUser = jwtBox({ jwtConfig: config, jwtUserId: appUser.id });
    assert.equal((await asUser.getAccountInfo()).id, appUser.id);
    // The app user has a file tree of its own: its root is not the service account's.
    assert.deepEqual((await asUser.listResources('')).resources, []);
    const folder = await asUser.createFolder('worker-folder', '');
    const fileId = await asUser.uploadFile('result.csv', folder, { data: new TextEncoder().encode('a,b\n') });
    assert.ok((await asUser.listResources(folder)).resources.some((r) => r.id === fileId));
    assert.ok(!(await admin.listResources('')).resources.some((r) => r.id === folder));
    await rejectsWithCode(admin.getResourceInfo(fileId), ErrorCode.InvalidRemoteId);

    admin.asUser = appUser.id;
    assert.equal((await admin.getAccountInfo()).id, appUser.id);
    assert.ok(
      (await admin.listResources('')).resources.some((r) => r.id === folder),
      'As-User sees its tree',
    );
    admin.asUser = '';
    assert.equal((await admin.getAccountInfo()).id, env.emulator.store.owner.id);

    // An app user's own token may not act for anyone else.
    asUser.asUser = env.emulator.store.owner.id;
    const refused = await rejectsWithCode(asUser.getAccountInfo(), ErrorCode.ServerError);
    assert.equal(refused.httpStatus, 403);
    assert.equal(refused.providerCode, 'access_denied_insufficient_permissions');
    asUser.asUser = '';

    // Switching the subject drops the token in hand.
    const switching = jwtBox({ jwtConfig: config });
    assert.equal((await switching.getAccountInfo()).id, env.emulator.store.owner.id);
    switching.jwtUserId = appUser.id;
    assert.equal((await switching.getAccountInfo()).id, appUser.id);

    // A deleted app user: its tokens die, and a new assertion for it is refused.
    await admin.deleteUser(appUser.id, { force: true });
    const gone = jwtBox({ jwtConfig: config, jwtUserId: appUser.id });
    const err = await rejectsWithCode(gone.getAccountInfo(), ErrorCode.InvalidCredentials);
    assert.equal(err.providerCode, 'invalid_grant');
    assert.match(err.message, /'sub'/);
  });
});
