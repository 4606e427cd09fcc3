import type { AssertionVerifier } from './jwt-assertion.js';
import type { AccessTokenFormat } from './token-registry.js';

/** Configuration and result types of the emulator's OAuth authorization server. */

export type GrantType =
  | 'authorization_code'
  | 'refresh_token'
  | 'client_credentials'
  | 'password'
  | 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface OAuthClientRegistration {
  clientId: string;
  /** Omitted: a public client, which must use PKCE (and `allowPublicClients` must be on). */
  clientSecret?: string;
  redirectUris: string[];
  /** Shown on the consent page. */
  name?: string;
  /** Scopes the client may ask for; omitted: any. */
  allowedScopes?: string[];
  /** Scopes granted when the request names none. */
  defaultScopes?: string[];
  /** Grants the client may use; omitted: all the server supports. */
  grantTypes?: GrantType[];
  /** Public keys that verify the client's signed assertions (Box JWT apps), by `kid`. */
  publicKeys?: Array<{ id: string; pem: string }>;
}

/** What a service's JWT-bearer grant gets to decide who a signed assertion is for. */
export interface JwtBearerRequest {
  params: URLSearchParams;
  /** Client authentication as for the other grants (Box asks for it; Google sends no client). */
  authenticateClient(): { registration: OAuthClientRegistration; authenticated: boolean };
  /** The server's verifier (it remembers the `jti`s it has seen). */
  verifier: AssertionVerifier;
}

/** Who a JWT-bearer token is for; the server mints it. */
export interface JwtBearerGrant {
  clientId: string;
  subject: string;
  scopes: string[];
  /** Lifetime of the access token; default accessTokenLifetimeSeconds. */
  lifetimeSeconds?: number;
}

export interface EmulatedUser {
  id: string;
  name: string;
}

export interface OAuthServerOptions {
  /** URL path of the authorization endpoint (GET shows the consent page, POST receives the decision). */
  authorizePath: string;
  /** URL path of the token endpoint. */
  tokenPath: string;
  /** More paths that serve the token endpoint (a service that answers on two). */
  tokenPathAliases?: string[];
  /**
   * Whether the code exchange must repeat the authorization request's `redirect_uri` (RFC 6749 §4.1.3;
   * default true). Box does not ask for it, and its SDKs never send it.
   */
  redirectUriRequiredAtExchange?: boolean;
  /** URL path of the revocation endpoint (RFC 7009); omitted: none. */
  revokePath?: string;
  /** Emulator host (listener) that serves the authorization endpoint; default 'api'. */
  authorizeHost?: string;
  /** Emulator host that serves the token and revocation endpoints; default 'api'. */
  tokenHost?: string;
  /** Shown on the consent page and used as the JWT issuer. */
  serviceName?: string;
  clients?: OAuthClientRegistration[];
  /** Approve at once and redirect straight back, without a consent page (for tests). */
  autoApprove?: boolean;
  /** Lifetime of authorization codes; default 60 s. */
  codeLifetimeSeconds?: number;
  /** Lifetime of access tokens; default 3600 s. */
  accessTokenLifetimeSeconds?: number;
  /** Lifetime of refresh tokens; default 0 (no expiry). */
  refreshTokenLifetimeSeconds?: number;
  /** Every refresh returns a new refresh token and kills the old one (Box); default off (Dropbox, Google). */
  rotateRefreshTokens?: boolean;
  /**
   * Whether an authorization request earns a refresh token. Default: always (Box). Dropbox wants
   * `token_access_type=offline`, Google `access_type=offline`.
   */
  issueRefreshToken?: (authorizeQuery: URLSearchParams) => boolean;
  /** 'opaque' random strings (default) or HS256 JWTs carrying the usual claims. */
  accessTokenFormat?: AccessTokenFormat;
  /** Prefix of opaque access tokens (`sl.` for Dropbox, `ya29.` for Google). */
  accessTokenPrefix?: string;
  /** `token_type` of token responses; default 'bearer'. */
  tokenType?: string;
  /** The user who is signed in at the consent page; default `{ id: '1', name: 'Emulated User' }`. */
  user?: EmulatedUser;
  /** Let clients registered without a secret exchange codes with a PKCE verifier only (Dropbox). */
  allowPublicClients?: boolean;
  /** Enables the password grant: returns the user id for good credentials, undefined otherwise. */
  passwordGrant?: (username: string, password: string) => string | undefined;
  /** The subject of a client_credentials token; default `client:<clientId>`. Throw an OAuthError to refuse. */
  clientCredentialsSubject?: (client: OAuthClientRegistration, params: URLSearchParams) => string;
  /**
   * Enables the JWT-bearer grant (RFC 7523): checks the assertion (with `verifier`) and says who the token
   * is for, or throws an OAuthError in the service's words.
   */
  jwtBearerGrant?: (request: JwtBearerRequest) => Promise<JwtBearerGrant>;
  /** Extra fields of token responses (Dropbox `account_id`/`uid`, Box `restricted_to`, …). */
  tokenResponseExtras?: (context: TokenContext) => Record<string, unknown>;
  /** Clock (ms since the epoch); tests inject one to expire tokens without waiting. */
  now?: () => number;
}

export interface TokenContext {
  grantType: GrantType;
  clientId: string;
  subject: string;
  scopes: string[];
}

/** The options after defaults; mutable, so a test can change lifetimes or rotation between steps. */
export type OAuthServerSettings = Required<
  Omit<
    OAuthServerOptions,
    | 'revokePath'
    | 'clients'
    | 'passwordGrant'
    | 'clientCredentialsSubject'
    | 'tokenResponseExtras'
    | 'tokenPathAliases'
    | 'jwtBearerGrant'
  >
> &
  Pick<
    OAuthServerOptions,
    | 'revokePath'
    | 'passwordGrant'
    | 'clientCredentialsSubject'
    | 'tokenResponseExtras'
    | 'tokenPathAliases'
    | 'jwtBearerGrant'
  >;

export type TokenCheck =
  | { ok: true; token: string; subject: string; clientId: string; scopes: string[]; expiresAt: number }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired'; description: string };

export interface IssueTokenOptions {
  clientId: string;
  userId?: string;
  scopes?: string[];
  lifetimeSeconds?: number;
  /** Also issue a refresh token (default true). */
  refreshToken?: boolean;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | undefined;
  expiresAt: number;
  expiresIn: number;
}
