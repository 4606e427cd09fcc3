import type { HttpRequest, HttpResponse } from '../http/types.js';
import type { Redactor } from '../redact.js';

/**
 * What the OAuth machinery needs from the HTTP client: one request at a time. Token requests are sent with
 * `authenticate: false` (they carry client credentials, never the bearer token) and `okStatus: () => true`
 * (an OAuth error body is read and turned into a clear error here).
 */
export interface HttpRequester {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** The client's redactor: secrets registered there are masked in its logs and errors. */
  readonly redactor?: Redactor;
}

/** The reference `o_auth_grant_type` values. */
export const OAuthGrantType = {
  AuthorizationCode: 0,
  /** Listed by the reference; not supported (tokens in a URL fragment, no refresh). */
  Implicit: 1,
  Password: 2,
  ClientCredentials: 3,
} as const;
export type OAuthGrantTypeValue = (typeof OAuthGrantType)[keyof typeof OAuthGrantType];

/** The reference `o_auth_client_profile` values. */
export const OAuthClientProfile = {
  /** The library runs the whole flow: loopback server, browser, code exchange. */
  Application: 0,
  /** A server-side app: it sends the user to `oAuthWebAuthUrl` and hands the code back in. */
  Web: 1,
} as const;
export type OAuthClientProfileValue = (typeof OAuthClientProfile)[keyof typeof OAuthClientProfile];

/** The tokens of one authorization, as kept in a {@link TokenStore}. */
export interface TokenRecord {
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires, in ms since the epoch; undefined when the server did not say. */
  expiresAt?: number;
  /** When the access token was obtained (ms since the epoch): with expiresAt, its lifetime. */
  issuedAt?: number;
  scope?: string;
  tokenType?: string;
  /** Other fields of the token response (Dropbox `account_id`, Box `restricted_to`, …). */
  extra?: Record<string, unknown>;
}

/**
 * Where tokens live between runs. Methods are async so that a remote store (Redis, a keychain) fits.
 *
 * `withRefreshLock`, when a store has it, runs a refresh while holding a lock shared by every process that
 * uses the same tokens: the client re-reads the store inside the lock and refreshes only when nobody else
 * did it meanwhile. That matters with rotating refresh tokens (Box): two processes refreshing with the same
 * refresh token would leave one of them holding a dead token.
 */
export interface TokenStore {
  get(): Promise<TokenRecord | undefined>;
  set(record: TokenRecord): Promise<void>;
  clear(): Promise<void>;
  withRefreshLock?<T>(fn: () => Promise<T>): Promise<T>;
}

/** Opens a URL in a browser. The default uses the platform's opener; tests inject one that drives Chromium. */
export type BrowserLauncher = (url: string) => void | Promise<void>;

/** The part of a 401 response a provider looks at to decide whether the token expired. */
export interface UnauthorizedResponse {
  status: number;
  headers: Record<string, string>;
  bodyText: string;
}

/**
 * What differs between services, supplied by each provider: default endpoints, what `oAuthRequestRefreshToken`
 * adds to the authorization URL, how a "token expired" 401 looks, and how the client authenticates at the
 * token endpoint.
 */
export interface OAuthServiceProfile {
  /** Used when `oAuthServerAuthUrl` is empty. */
  authUrl?: string;
  /** Used when `oAuthServerTokenUrl` is empty. */
  tokenUrl?: string;
  /**
   * Authorization-URL parameters that earn a refresh token, added when `oAuthRequestRefreshToken` is on:
   * Dropbox `token_access_type=offline`, Google `access_type=offline` (and `prompt=consent`). Box: none.
   */
  refreshTokenParams?: () => Record<string, string>;
  /**
   * Whether a 401 means "the access token expired or was revoked, get a new one and retry". The default
   * looks for `invalid_token` in WWW-Authenticate, or "expired" in the body.
   */
  isExpiredTokenResponse?: (response: UnauthorizedResponse) => boolean;
  /** How client credentials go to the token endpoint: form fields (default) or HTTP Basic. */
  clientAuthentication?: 'form' | 'basic';
  /**
   * Service parameters for a token request of the given grant (`client_credentials`, `refresh_token`, …),
   * sent under the user's OAuthParam* values: Box's client-credentials grant names its subject with
   * `box_subject_type` and `box_subject_id`.
   */
  tokenParams?: (grantType: string) => Record<string, string>;
}
