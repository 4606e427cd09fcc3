/**
 * Box JWT on the emulator: assertions signed with a key registered for the app, each of Box's checks
 * (signature, kid, aud, exp, jti, sub, client secret) with Box's error JSON, and Box's own SDK
 * (`BoxJwtAuth` with `JwtConfig`) signing in with the console's config file.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BoxClient, BoxJwtAuth, JwtConfig } from 'box-typescript-sdk-gen';
import { SignJWT } from 'jose';
import { rsaKeyPair } from '../../helpers/rsa-keys.js';
import { type BoxHarness, startBox } from './helpers.js';

type Json = Record<string, unknown>;

const APP = { clientId: 'emulator-jwt-app', clientSecret: 'emulator-jwt-secret' };
const AUD = 'https://api.box.com/oauth2/token';

describe('Box JWT on the emulator', () => {
  let h: BoxHarness;
  const key = rsaKeyPair();
  const other = rsaKeyPair();

  before(async () => {
    h = await startBox();
    h.box.registerJwtApp({ ...APP, publicKeys: [{ id: 'k1', pem: key.publicKey }] });
  });
  after(() => h.close());

  const enterprise = () => h.box.store.enterprise.id;

  async function assertion(
    claims: Json = {},
    options: { kid?: string; privateKey?: string; expiresIn?: number } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: APP.clientId,
      sub: enterprise(),
      box_sub_type: 'enterprise',
      aud: AUD,
      jti: randomUUID(),
      exp: now + (options.expiresIn ?? 30),
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? 'k1' })
      .sign(createPrivateKey(options.privateKey ?? key.privateKey));
  }

  async function grant(jwt: string, secret = APP.clientSecret): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${h.box.urls.api}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: jwt,
        client_id: APP.clientId,
        client_secret: secret,
      }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  it('issues a service-account token for a good assertion, without a refresh token', async () => {
    const { status, body } = await grant(await assertion());
    assert.equal(status, 200);
    assert.equal(body.token_type, 'bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.refresh_token, undefined);
    const me = (await (
      await h.api('/2.0/users/me', { headers: { authorization: `Bearer ${body.access_token}` } })
    ).json()) as Json;
    assert.equal(me.id, h.box.store.owner.id);
  });

  it("refuses each bad assertion with Box's invalid_grant and a description", async () => {
    const replayed = await assertion();
    assert.equal((await grant(replayed)).status, 200);
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['wrong key', assertion({}, { privateKey: other.privateKey }), /^Signature verification error/],
      ['unknown kid', assertion({}, { kid: 'k9' }), /'kid'/],
      ['wrong audience', assertion({ aud: 'https://example.com/token' }), /'aud'/],
      ['expired', assertion({}, { expiresIn: -5 }), /'exp' claim\.$/],
      ['exp too far', assertion({}, { expiresIn: 120 }), /60 seconds/],
      ['no jti', assertion({ jti: undefined }), /'jti'/],
      ['replayed jti', Promise.resolve(replayed), /already used/],
      [
        'wrong sub',
        assertion({ sub: '31337' }),
        /^Please check the 'sub' claim\. The 'sub' specified is invalid\.$/,
      ],
      ['unknown user', assertion({ sub: '31337', box_sub_type: 'user' }), /'sub'/],
      ['bad box_sub_type', assertion({ box_sub_type: 'team' }), /'box_sub_type'/],
      ['not a JWT', Promise.resolve('not.a.jwt'), /assertion/],
    ];
    for (const [why, jwt, description] of cases) {
      const { status, body } = await grant(await jwt);
      assert.equal(status, 400, why);
      assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description'], why);
      assert.equal(body.error, 'invalid_grant', why);
      assert.match(body.error_description as string, description, why);
    }
    const secret = await grant(await assertion(), 'wrong-secret');
    assert.equal(secret.status, 401);
    assert.equal(secret.body.error, 'invalid_client');
  });

  it('gives user tokens for app users of the app, not for other apps or after deletion', async () => {
    const service = (await grant(await assertion())).body.access_token as string;
    const auth = { authorization: `Bearer ${service}`, 'content-type': 'application/json' };
    const created = await h.api('/2.0/users?fields=id,name,login,is_platform_access_only', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Robot', is_platform_access_only: true }),
    });
    assert.equal(created.status, 201);
    const robot = (await created.json()) as Json;
    assert.equal(robot.is_platform_access_only, true);
    const userToken = await grant(await assertion({ sub: robot.id, box_sub_type: 'user' }));
    assert.equal(userToken.status, 200);
    const bearer = { authorization: `Bearer ${userToken.body.access_token}` };
    assert.equal(((await (await h.api('/2.0/users/me', { headers: bearer })).json()) as Json).id, robot.id);

    // The app user is no admin: no As-User, no user management.
    const asOwner = await h.api('/2.0/users/me', { headers: { ...bearer, 'as-user': h.box.store.owner.id } });
    assert.equal(asOwner.status, 403);
    assert.equal(((await asOwner.json()) as Json).code, 'access_denied_insufficient_permissions');
    assert.equal((await h.api('/2.0/users', { headers: bearer })).status, 403);
    // The service account may act as it.
    const asRobot = await h.api('/2.0/users/me', { headers: { ...auth, 'as-user': robot.id as string } });
    assert.equal(((await asRobot.json()) as Json).id, robot.id);

    // Another app may not get tokens for it.
    h.box.registerJwtApp({
      clientId: 'other-app',
      clientSecret: 's2',
      publicKeys: [{ id: 'k1', pem: key.publicKey }],
    });
    const foreign = await fetch(`${h.box.urls.api}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: await assertion({ iss: 'other-app', sub: robot.id, box_sub_type: 'user' }),
        client_id: 'other-app',
        client_secret: 's2',
      }),
    });
    assert.equal(((await foreign.json()) as Json).error, 'invalid_grant');

    const nobody = await h.api('/2.0/users/me', { headers: { ...auth, 'as-user': '31337' } });
    assert.equal(nobody.status, 400);

    // Deactivated: its tokens stop working and no new one is given; active again, it signs in again.
    const record = h.box.store.users.get(robot.id as string)!;
    record.status = 'inactive';
    assert.equal((await h.api('/2.0/users/me', { headers: bearer })).status, 401);
    assert.equal((await grant(await assertion({ sub: robot.id, box_sub_type: 'user' }))).status, 400);
    record.status = 'active';
    assert.equal((await grant(await assertion({ sub: robot.id, box_sub_type: 'user' }))).status, 200);

    assert.equal((await h.api(`/2.0/users/${robot.id}`, { method: 'DELETE', headers: auth })).status, 204);
    assert.equal((await h.api('/2.0/users/me', { headers: bearer })).status, 401);
    assert.equal((await grant(await assertion({ sub: robot.id, box_sub_type: 'user' }))).status, 400);
  });

  it('forgets a removed public key', async () => {
    h.box.registerJwtApp({ ...APP, publicKeys: [{ id: 'k2', pem: other.publicKey }] });
    assert.equal((await grant(await assertion({}, { kid: 'k2', privateKey: other.privateKey }))).status, 200);
    h.box.removePublicKey(APP.clientId, 'k2');
    const { body } = await grant(await assertion({}, { kid: 'k2', privateKey: other.privateKey }));
    assert.match(body.error_description as string, /'kid'/);
  });

  it("signs Box's own SDK in with JwtConfig from the console's config file", async () => {
    const encrypted = rsaKeyPair('sdk passphrase');
    h.box.registerJwtApp({ ...APP, publicKeys: [{ id: 'sdk-key', pem: encrypted.publicKey }] });
    const config = JwtConfig.fromConfigJsonString(
      JSON.stringify({
        boxAppSettings: {
          clientID: APP.clientId,
          clientSecret: APP.clientSecret,
          appAuth: { publicKeyID: 'sdk-key', privateKey: encrypted.privateKey, passphrase: 'sdk passphrase' },
        },
        enterpriseID: enterprise(),
      }),
    );
    const urls = h.box.urls;
    const client = new BoxClient({ auth: new BoxJwtAuth({ config }) }).withCustomBaseUrls({
      baseUrl: urls.api,
      uploadUrl: `${urls.upload}/api`,
      oauth2Url: urls.oauth2,
    });
    const me = await client.users.getUserMe();
    assert.equal(me.id, h.box.store.owner.id);
    const folder = await client.folders.createFolder({ name: 'made-by-sdk-jwt', parent: { id: '0' } });
    const items = await client.folders.getFolderItems('0');
    assert.ok(items.entries?.some((e) => e.id === folder.id));

    const robot = await client.users.createUser({ name: 'SDK robot', isPlatformAccessOnly: true });
    const asRobot = new BoxClient({
      auth: new BoxJwtAuth({ config }).withUserSubject(robot.id),
    }).withCustomBaseUrls({
      baseUrl: urls.api,
      uploadUrl: `${urls.upload}/api`,
      oauth2Url: urls.oauth2,
    });
    assert.equal((await asRobot.users.getUserMe()).id, robot.id);
    const viaHeader = client.withAsUserHeader(robot.id);
    assert.equal((await viaHeader.users.getUserMe()).id, robot.id);
  });
});
