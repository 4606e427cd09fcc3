/**
 * Google service accounts on the Drive emulator: google-auth-library's JWT client (what @googleapis/drive
 * uses for service accounts) signs in and works in the account's own Drive, and each refused assertion
 * gets Google's error JSON.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { drive as driveClient } from '@googleapis/drive';
import { gaxios, JWT } from 'google-auth-library';
import { SignJWT } from 'jose';
import { rsaKeyPair } from '../../helpers/rsa-keys.js';
import { type Harness, startHarness } from './helpers.js';

type Json = Record<string, unknown>;

const EMAIL = 'etl@emulated-project.iam.gserviceaccount.com';
const SCOPE = 'https://www.googleapis.com/auth/drive';
const AUD = 'https://oauth2.googleapis.com/token';

describe('Google service accounts on the Drive emulator', () => {
  let h: Harness;
  const key = rsaKeyPair();

  before(async () => {
    h = await startHarness();
    h.drive.addServiceAccount({ clientEmail: EMAIL, publicKeys: [{ id: 'sa-key-1', pem: key.publicKey }] });
  });
  after(() => h.stop());

  it("signs google-auth-library's JWT client in, and @googleapis/drive works in the account's Drive", async () => {
    // The library posts to Google's token URL; the transporter sends that host to the emulator.
    const transporter = new gaxios.Gaxios();
    transporter.interceptors.request.add({
      resolved: async (config) => {
        const url = new URL(String(config.url));
        if (url.origin === 'https://oauth2.googleapis.com')
          config.url = new URL(`${h.drive.urls.oauth2}${url.pathname}`);
        return config;
      },
    });
    const auth = new JWT({
      email: EMAIL,
      key: key.privateKey,
      keyId: 'sa-key-1',
      scopes: [SCOPE],
      transporter,
    });
    const { token } = await auth.getAccessToken();
    assert.match(token ?? '', /^ya29\./);
    const drive = driveClient({ version: 'v3', auth, rootUrl: `${h.api}/` });
    const about = await drive.about.get({ fields: 'user' });
    assert.equal(about.data.user?.emailAddress, EMAIL);
    const made = await drive.files.create(
      { requestBody: { name: 'from-sdk.txt' }, media: { mimeType: 'text/plain', body: 'service account' } },
      { rootUrl: `${h.api}/` },
    );
    const listed = await drive.files.list({ q: `'root' in parents`, fields: 'files(id,name)' });
    assert.ok(listed.data.files?.some((f) => f.id === (made.data as Json).id));
    // Not in the person's Drive.
    const theirs = (await (
      await fetch(`${h.api}/drive/v3/files?q=${encodeURIComponent("'root' in parents")}`, {
        headers: { authorization: `Bearer ${h.token}` },
      })
    ).json()) as { files: Json[] };
    assert.ok(!theirs.files.some((f) => f.id === (made.data as Json).id));
  });

  async function assertion(
    claims: Json = {},
    options: { kid?: string; privateKey?: string; life?: number } = {},
  ) {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: EMAIL,
      scope: SCOPE,
      aud: AUD,
      iat,
      exp: iat + (options.life ?? 3600),
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? 'sa-key-1' })
      .sign(createPrivateKey(options.privateKey ?? key.privateKey));
  }

  async function grant(jwt: string): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${h.drive.urls.oauth2}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: jwt,
      }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  it('answers a good assertion with an hour-long token and no refresh token', async () => {
    const { status, body } = await grant(await assertion());
    assert.equal(status, 200);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3599);
    assert.equal(body.refresh_token, undefined);
  });

  it("refuses each bad assertion with Google's error JSON", async () => {
    const cases: Array<[string, Promise<string>, string, string | RegExp]> = [
      [
        'wrong key',
        assertion({}, { privateKey: rsaKeyPair().privateKey }),
        'invalid_grant',
        'Invalid JWT Signature.',
      ],
      ['deleted key id', assertion({}, { kid: 'sa-key-0' }), 'invalid_grant', 'Invalid JWT Signature.'],
      [
        'longer than an hour',
        assertion({}, { life: 3700 }),
        'invalid_grant',
        /short-lived token \(60 minutes\)/,
      ],
      [
        'expired',
        assertion({ iat: Math.floor(Date.now() / 1000) - 4000 }, { life: -300 }),
        'invalid_grant',
        /iat and exp/,
      ],
      ['no iat', assertion({ iat: undefined }), 'invalid_grant', /iat and exp/],
      ['wrong audience', assertion({ aud: 'https://example.com/token' }), 'invalid_grant', /audience/],
      [
        'unknown account',
        assertion({ iss: 'who@x.iam.gserviceaccount.com' }),
        'invalid_grant',
        /account not found/,
      ],
      ['no scope', assertion({ scope: undefined }), 'invalid_scope', /scope/],
      [
        'delegation not allowed',
        assertion({ sub: h.drive.user.emailAddress }),
        'unauthorized_client',
        /unauthorized/,
      ],
    ];
    // Google's clients send no jti; one that is sent is good once.
    const withJti = await assertion({ jti: 'a-unique-assertion-id' });
    assert.equal((await grant(withJti)).status, 200);
    cases.push(['replayed jti', Promise.resolve(withJti), 'invalid_grant', /jti/]);
    for (const [why, jwt, error, description] of cases) {
      const { status, body } = await grant(await jwt);
      assert.ok(status === 400 || status === 401, `${why}: ${status}`);
      assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description'], why);
      assert.equal(body.error, error, why);
      if (typeof description === 'string') assert.equal(body.error_description, description, why);
      else assert.match(body.error_description as string, description, why);
    }
  });
});
