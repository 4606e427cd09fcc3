import { readFileSync } from 'node:fs';
import { type AssertionSpec, JwtAssertionGrant, type OAuthClient } from '../../core/auth/index.js';
import { invalidArgument } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { BOX_TOKEN_URL } from './settings.js';

/** The app configuration (`config.json`) that Box's developer console downloads for a JWT app. */
export interface BoxJwtConfig {
  boxAppSettings: {
    clientID: string;
    clientSecret: string;
    appAuth: { publicKeyID: string; privateKey: string; passphrase?: string };
  };
  enterpriseID?: string;
}

/** The JWT sign-in properties of the Box class (with oAuthClientId and oAuthClientSecret). */
export interface BoxJwtProperties {
  /** The app's public key id (`appAuth.publicKeyID`): the assertion's `kid`. */
  jwtKeyId: string;
  /** The app's RSA private key, PEM (PKCS#8, encrypted with jwtPrivateKeyPassphrase or not). Setting it turns JWT sign-in on. */
  jwtPrivateKey: string;
  jwtPrivateKeyPassphrase: string;
  /** The enterprise whose service account the tokens act for (`box_sub_type` enterprise). */
  enterpriseId: string;
  /** A user (app user or managed user) the tokens act for instead of the service account (`box_sub_type` user). */
  jwtUserId: string;
}

export const BOX_JWT_PROPERTY_NAMES = [
  'jwtKeyId',
  'jwtPrivateKey',
  'jwtPrivateKeyPassphrase',
  'enterpriseId',
  'jwtUserId',
] as const satisfies ReadonlyArray<keyof BoxJwtProperties>;

/** Box accepts an `exp` at most 60 s ahead; its own SDKs use 30 s. */
const ASSERTION_LIFETIME_SECONDS = 30;

/**
 * Box JWT sign-in: the app's keys and whom the tokens act for, and the assertion grant that the OAuth client
 * uses as its token source while a private key is set. Box gives JWT apps no refresh token: every new access
 * token takes a new assertion (a fresh `jti`, `exp` 30 s ahead), which the OAuth client asks for when the
 * token expires or Box answers 401.
 */
export class BoxJwtAuth implements BoxJwtProperties {
  jwtKeyId = '';
  enterpriseId = '';
  private _privateKey = '';
  private _passphrase = '';
  private _userId = '';
  private readonly grant: JwtAssertionGrant;

  constructor(
    private readonly oauth: OAuthClient,
    private readonly redactor: Redactor,
  ) {
    this.grant = new JwtAssertionGrant('a Box JWT assertion', () => this.assertion());
  }

  get jwtPrivateKey(): string {
    return this._privateKey;
  }
  set jwtPrivateKey(value: string) {
    this.redactor.add(value);
    this._privateKey = value;
    this.oauth.useTokenSource(this.grant, Boolean(value));
  }

  get jwtPrivateKeyPassphrase(): string {
    return this._passphrase;
  }
  set jwtPrivateKeyPassphrase(value: string) {
    this.redactor.add(value);
    this._passphrase = value;
  }

  get jwtUserId(): string {
    return this._userId;
  }
  set jwtUserId(value: string) {
    // Another subject: the token in hand acts for someone else.
    if (value !== this._userId && this.oauth.usesTokenSource(this.grant)) this.oauth.discardToken();
    this._userId = value;
  }

  /**
   * Takes the app configuration Box's console downloads (the object, its JSON text, or with `fromFile` the
   * path of the file): client id and secret, public key id, private key and passphrase, enterprise id.
   */
  applyConfig(config: BoxJwtConfig | string, fromFile = false): void {
    const parsed = parseConfig(config, fromFile);
    const app = parsed.boxAppSettings;
    this.oauth.oAuthClientId = app.clientID;
    this.oauth.oAuthClientSecret = app.clientSecret;
    this.jwtKeyId = app.appAuth.publicKeyID;
    this.jwtPrivateKeyPassphrase = app.appAuth.passphrase ?? '';
    if (parsed.enterpriseID) this.enterpriseId = String(parsed.enterpriseID);
    this.jwtPrivateKey = app.appAuth.privateKey;
  }

  private assertion(): AssertionSpec {
    const clientId = this.oauth.oAuthClientId;
    if (!clientId) throw invalidArgument('Box JWT sign-in needs oAuthClientId (or jwtConfig).');
    if (!this.oauth.oAuthClientSecret)
      throw invalidArgument('Box JWT sign-in needs oAuthClientSecret (or jwtConfig).');
    const subject = this._userId || this.enterpriseId;
    if (!subject) {
      throw invalidArgument(
        'Box JWT sign-in needs enterpriseId (a service account token) or jwtUserId (a user token).',
      );
    }
    return {
      claims: {
        iss: clientId,
        sub: subject,
        box_sub_type: this._userId ? 'user' : 'enterprise',
        // Box's SDKs name Box's token URL whatever host they talk to.
        aud: BOX_TOKEN_URL,
      },
      privateKey: this._privateKey,
      passphrase: this._passphrase,
      keyId: this.jwtKeyId,
      lifetimeSeconds: ASSERTION_LIFETIME_SECONDS,
      jti: true,
      clientId,
      clientSecret: this.oauth.oAuthClientSecret,
      names: { privateKey: 'jwtPrivateKey', passphrase: 'jwtPrivateKeyPassphrase' },
      purpose: `Box JWT sign-in (${this._userId ? `user ${this._userId}` : `enterprise ${this.enterpriseId}`})`,
    };
  }
}

function parseConfig(config: BoxJwtConfig | string, fromFile: boolean): BoxJwtConfig {
  let value: unknown = config;
  if (typeof config === 'string') {
    let text = config;
    if (fromFile) {
      try {
        text = readFileSync(config, 'utf8');
      } catch (e) {
        throw invalidArgument(`jwtConfigFile: cannot read ${config} (${(e as Error).message}).`);
      }
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw invalidArgument(
        `${fromFile ? `jwtConfigFile ${config}` : 'jwtConfig'} is not JSON: give the config.json Box's developer console downloads for the app.`,
      );
    }
  }
  const app = (value as Partial<BoxJwtConfig> | null)?.boxAppSettings;
  const auth = app?.appAuth;
  const missing = [
    ['boxAppSettings.clientID', app?.clientID],
    ['boxAppSettings.clientSecret', app?.clientSecret],
    ['boxAppSettings.appAuth.publicKeyID', auth?.publicKeyID],
    ['boxAppSettings.appAuth.privateKey', auth?.privateKey],
  ]
    .filter(([, v]) => typeof v !== 'string' || v === '')
    .map(([name]) => name);
  if (missing.length) {
    throw invalidArgument(
      `The Box app configuration lacks ${missing.join(', ')}: download it again from the app's Configuration page (Add and Manage Public Keys, Generate a Public/Private Keypair).`,
    );
  }
  return value as BoxJwtConfig;
}
