import { invalidArgument } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { OAuthSettings } from './settings.js';
import {
  OAuthClientProfile,
  type OAuthClientProfileValue,
  OAuthGrantType,
  type OAuthGrantTypeValue,
  type TokenRecord,
} from './types.js';

/** The `o_auth_*` properties of the reference classes (camelCased), plus `authorization`. */
export interface OAuthProperties {
  oAuthAccessToken: string;
  oAuthAuthorizationCode: string;
  oAuthAuthorizationScope: string;
  oAuthClientId: string;
  oAuthClientProfile: OAuthClientProfileValue;
  oAuthClientSecret: string;
  oAuthGrantType: OAuthGrantTypeValue;
  oAuthRefreshToken: string;
  oAuthRequestRefreshToken: boolean;
  oAuthReturnUrl: string;
  oAuthServerAuthUrl: string;
  oAuthServerTokenUrl: string;
  /** Read-only: the URL to send the user to (Web profile). */
  readonly oAuthWebAuthUrl: string;
  /** An externally obtained "Bearer <token>"; when set, every other OAuth property is ignored. */
  authorization: string;
}

export const OAUTH_PROPERTY_NAMES = [
  'oAuthAccessToken',
  'oAuthAuthorizationCode',
  'oAuthAuthorizationScope',
  'oAuthClientId',
  'oAuthClientProfile',
  'oAuthClientSecret',
  'oAuthGrantType',
  'oAuthRefreshToken',
  'oAuthRequestRefreshToken',
  'oAuthReturnUrl',
  'oAuthServerAuthUrl',
  'oAuthServerTokenUrl',
  'oAuthWebAuthUrl',
  'authorization',
] as const satisfies ReadonlyArray<keyof OAuthProperties>;

/**
 * The OAuth properties and the cached tokens. Every secret is registered with the redactor the moment it
 * is set, so it is masked in whatever log line or error mentions it later. The flows live in OAuthClient.
 */
export abstract class OAuthState implements Omit<OAuthProperties, 'oAuthWebAuthUrl'> {
  /** The current tokens; an entry with an empty accessToken holds a refresh token set by hand. */
  protected token: TokenRecord | undefined;
  /** Whether the store was consulted (or the tokens were set by hand, which the store must not override). */
  protected storeLoaded = false;

  private _authorizationCode = '';
  private _clientSecret = '';
  private _authorization = '';
  private _passwordGrantPassword = '';
  private _clientProfile: OAuthClientProfileValue = OAuthClientProfile.Application;
  private _grantType: OAuthGrantTypeValue = OAuthGrantType.AuthorizationCode;

  oAuthAuthorizationScope = '';
  oAuthClientId = '';
  oAuthRequestRefreshToken = true;
  oAuthReturnUrl = '';
  oAuthServerAuthUrl = '';
  oAuthServerTokenUrl = '';

  constructor(
    readonly settings: OAuthSettings,
    readonly redactor: Redactor,
    protected readonly now: () => number,
  ) {}

  get oAuthAccessToken(): string {
    return this.token?.accessToken ?? '';
  }
  set oAuthAccessToken(value: string) {
    this.redactor.add(value);
    if (!value) {
      if (this.token) this.token = { ...this.token, accessToken: '', expiresAt: undefined };
      return;
    }
    // A token set by hand: its lifetime is OAuthAccessTokenExpiration when that was set, else unknown.
    const lifetime = this.settings.get('OAuthAccessTokenExpiration');
    this.token = {
      ...this.token,
      accessToken: value,
      expiresAt: lifetime > 0 ? this.now() + lifetime * 1000 : undefined,
      issuedAt: this.now(),
    };
    this.storeLoaded = true;
  }

  get oAuthRefreshToken(): string {
    return this.token?.refreshToken ?? '';
  }
  set oAuthRefreshToken(value: string) {
    this.redactor.add(value);
    this.token = { accessToken: '', ...this.token, refreshToken: value || undefined };
    this.storeLoaded = true;
  }

  get oAuthAuthorizationCode(): string {
    return this._authorizationCode;
  }
  set oAuthAuthorizationCode(value: string) {
    this.redactor.add(value);
    this._authorizationCode = value;
  }

  get oAuthClientSecret(): string {
    return this._clientSecret;
  }
  set oAuthClientSecret(value: string) {
    this.redactor.add(value);
    this._clientSecret = value;
  }

  get authorization(): string {
    return this._authorization;
  }
  set authorization(value: string) {
    this.redactor.add(value);
    this.redactor.add(/^\S+\s+(.+)$/.exec(value)?.[1]);
    this._authorization = value;
  }

  /** Password for the password grant (not a reference property: the reference has only the user name). */
  get passwordGrantPassword(): string {
    return this._passwordGrantPassword;
  }
  set passwordGrantPassword(value: string) {
    this.redactor.add(value);
    this._passwordGrantPassword = value;
  }

  get oAuthClientProfile(): OAuthClientProfileValue {
    return this._clientProfile;
  }
  set oAuthClientProfile(value: OAuthClientProfileValue) {
    if (value !== 0 && value !== 1) {
      throw invalidArgument(`oAuthClientProfile is 0 (Application) or 1 (Web); got ${value}.`);
    }
    this._clientProfile = value;
  }

  get oAuthGrantType(): OAuthGrantTypeValue {
    return this._grantType;
  }
  set oAuthGrantType(value: OAuthGrantTypeValue) {
    if (![0, 1, 2, 3].includes(value)) {
      throw invalidArgument(
        `oAuthGrantType is 0 (authorization code), 1 (implicit), 2 (password) or 3 (client credentials); got ${value}.`,
      );
    }
    this._grantType = value;
  }

  /** The cached tokens (a copy), or undefined before any authorization. */
  get tokens(): TokenRecord | undefined {
    return this.token?.accessToken ? structuredClone(this.token) : undefined;
  }

  /** Puts every property back to its default and forgets the cached tokens. */
  protected resetProperties(): void {
    this.token = undefined;
    this.storeLoaded = false;
    this._authorizationCode = '';
    this._clientSecret = '';
    this._authorization = '';
    this._passwordGrantPassword = '';
    this._clientProfile = OAuthClientProfile.Application;
    this._grantType = OAuthGrantType.AuthorizationCode;
    this.oAuthAuthorizationScope = '';
    this.oAuthClientId = '';
    this.oAuthRequestRefreshToken = true;
    this.oAuthReturnUrl = '';
    this.oAuthServerAuthUrl = '';
    this.oAuthServerTokenUrl = '';
  }
}
