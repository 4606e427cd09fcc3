import { CloudStorageError, ErrorCode } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { HttpRequester } from './types.js';

/** A successful token response (RFC 6749 §5.1), with the fields the library does not know kept aside. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string | undefined;
  expiresIn: number | undefined;
  tokenType: string | undefined;
  scope: string | undefined;
  extra: Record<string, unknown>;
}

export interface TokenRequest {
  http: HttpRequester;
  redactor: Redactor;
  url: string;
  /** The grant's own parameters (grant_type, code, refresh_token, …) and any extra parameters. */
  params: Record<string, string>;
  clientId: string;
  clientSecret: string;
  clientAuthentication: 'form' | 'basic';
  /** What is being asked, for messages: "code exchange", "token refresh", … */
  purpose: string;
  signal?: AbortSignal;
  /** Receives the request as text (secrets masked), for OAuthTransferredRequest. */
  record?: (text: string) => void;
}

const KNOWN_FIELDS = new Set(['access_token', 'refresh_token', 'expires_in', 'token_type', 'scope']);

/** Sends a token request and returns the tokens, or throws a CloudStorageError that says what to do. */
export async function requestToken(req: TokenRequest): Promise<TokenResponse> {
  const form: Record<string, string> = { ...req.params };
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.clientAuthentication === 'basic' && req.clientSecret) {
    // RFC 6749 §2.3.1: both parts form-urlencoded before the Basic encoding.
    const pair = `${formEncode(req.clientId)}:${formEncode(req.clientSecret)}`;
    const basic = Buffer.from(pair).toString('base64');
    req.redactor.add(basic);
    headers.authorization = `Basic ${basic}`;
  } else {
    if (req.clientId) form.client_id = req.clientId;
    if (req.clientSecret) form.client_secret = req.clientSecret;
  }
  req.record?.(
    req.redactor.redact(
      [
        `POST ${req.url} HTTP/1.1`,
        'Content-Type: application/x-www-form-urlencoded',
        ...Object.entries(headers).map(([k, v]) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`),
        '',
        new URLSearchParams(form).toString(),
      ].join('\r\n'),
    ),
  );
  const response = await req.http.request({
    method: 'POST',
    url: req.url,
    headers,
    form,
    authenticate: false,
    idempotent: false,
    okStatus: () => true,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const requestId = response.headers['x-request-id'] ?? response.headers['request-id'];
  const errorOptions = {
    httpStatus: response.status,
    redactor: req.redactor,
    ...(requestId ? { requestId } : {}),
  };
  if (response.status >= 200 && response.status < 300 && body && typeof body.access_token === 'string') {
    req.redactor.add(body.access_token);
    if (typeof body.refresh_token === 'string') req.redactor.add(body.refresh_token);
    return parseTokenResponse(body);
  }
  if (body && typeof body.error === 'string') {
    const description = typeof body.error_description === 'string' ? ` (${body.error_description})` : '';
    throw new CloudStorageError(
      ErrorCode.InvalidCredentials,
      `The token server refused the ${req.purpose}: ${body.error}${description}. ${hintFor(body.error, req.purpose)}`,
      { ...errorOptions, providerCode: body.error },
    );
  }
  if (response.status >= 200 && response.status < 300) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      `The token server answered the ${req.purpose} without an access token. Check oAuthServerTokenUrl (${req.url}).`,
      errorOptions,
    );
  }
  throw new CloudStorageError(
    response.status === 401 || response.status === 403 ? ErrorCode.InvalidCredentials : ErrorCode.ServerError,
    `The token server answered the ${req.purpose} with HTTP ${response.status} ${response.statusText}. Check oAuthServerTokenUrl (${req.url}) and try again later.`,
    errorOptions,
  );
}

function parseTokenResponse(body: Record<string, unknown>): TokenResponse {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!KNOWN_FIELDS.has(k)) extra[k] = v;
  const expires = typeof body.expires_in === 'string' ? Number(body.expires_in) : body.expires_in;
  return {
    accessToken: body.access_token as string,
    refreshToken:
      typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined,
    expiresIn: typeof expires === 'number' && Number.isFinite(expires) && expires > 0 ? expires : undefined,
    tokenType: typeof body.token_type === 'string' ? body.token_type : undefined,
    scope: typeof body.scope === 'string' ? body.scope : undefined,
    extra,
  };
}

function hintFor(error: string, purpose: string): string {
  switch (error) {
    case 'invalid_client':
      return 'Check oAuthClientId and oAuthClientSecret.';
    case 'invalid_grant':
      return purpose === 'token refresh'
        ? 'The refresh token is no longer valid (expired, revoked, or already used): call authorize() to sign in again.'
        : 'The grant is invalid, expired or already used, or the PKCE verifier or redirect URI does not match: authorize again.';
    case 'invalid_scope':
      return 'Check oAuthAuthorizationScope.';
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return 'The app is not allowed to use this grant type: check oAuthGrantType and the app settings at the service.';
    default:
      return 'Check the OAuth settings and authorize again.';
  }
}

function formEncode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}
