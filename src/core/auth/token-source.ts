import { CloudStorageError, ErrorCode } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { TokenResponse } from './token-endpoint.js';
import type { HttpRequester } from './types.js';

/** What a {@link TokenSource} gets from the OAuth client each time it is asked for a new access token. */
export interface TokenSourceContext {
  /** The HTTP client token requests go through (with `authenticate: false`). */
  http: HttpRequester;
  /** Secrets registered here are masked in logs and errors. */
  redactor: Redactor;
  /** The token endpoint: oAuthServerTokenUrl, else the service's. */
  tokenUrl: string;
  /** The access token being replaced (it expired, or the service refused it), if there was one. */
  previous: string | undefined;
  /** Clock in ms since the epoch. */
  now: () => number;
  signal?: AbortSignal;
  /** Receives a token request as text (secrets masked), for OAuthTransferredRequest. */
  record?: (text: string) => void;
}

/**
 * Where an {@link OAuthClient} gets access tokens without a person and without a refresh token: a signed
 * assertion (Box JWT, Google service accounts), or a callback of the application (a developer token's
 * renewal, a remote token service). The OAuth client keeps the rest as for any grant: caching with expiry,
 * a new token before one expires and once after a 401 that says it expired, and the token store (under its
 * lock, so processes sharing a store ask for one new token, not one each).
 */
export interface TokenSource {
  /** What it is, for log lines: "Box JWT assertion", "the access token callback". */
  readonly description: string;
  /** Gets a new access token. */
  fetchToken(context: TokenSourceContext): Promise<TokenResponse>;
}

/** What an {@link AccessTokenCallback} returns: a token, or a token with its lifetime in seconds. */
export type AccessTokenAnswer = string | { accessToken: string; expiresIn?: number };

/**
 * Supplies an access token from somewhere that holds the secrets (the counterpart of Box's Python SDK
 * `RemoteOAuth2` and of the `get_new_token_callback` of its developer-token auth). `expired` is the token
 * being replaced: undefined for the first one, else the token that expired or that the service refused.
 */
export type AccessTokenCallback = (
  expired: string | undefined,
) => AccessTokenAnswer | Promise<AccessTokenAnswer>;

/** A {@link TokenSource} that asks the application's callback. */
export class CallbackTokenSource implements TokenSource {
  readonly description = 'the access token callback';

  constructor(readonly callback: AccessTokenCallback) {}

  async fetchToken(context: TokenSourceContext): Promise<TokenResponse> {
    let answer: AccessTokenAnswer;
    try {
      answer = await this.callback(context.previous);
    } catch (e) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        `The access token callback failed (${e instanceof Error ? e.message : String(e)}); no new token, so the request cannot be sent. Fix the callback or the service it asks.`,
        { cause: e, redactor: context.redactor },
      );
    }
    const accessToken = typeof answer === 'string' ? answer : answer?.accessToken;
    const expiresIn = typeof answer === 'string' ? undefined : answer?.expiresIn;
    if (typeof accessToken !== 'string' || accessToken.trim() === '') {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        'The access token callback returned no token: it must return the token (a string) or { accessToken, expiresIn }.',
      );
    }
    context.redactor.add(accessToken);
    if (accessToken === context.previous) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        'The access token callback returned the token the service has just refused or that expired: it must return a new one.',
        { redactor: context.redactor },
      );
    }
    return {
      accessToken,
      refreshToken: undefined,
      expiresIn: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : undefined,
      tokenType: undefined,
      scope: undefined,
      extra: {},
    };
  }
}
