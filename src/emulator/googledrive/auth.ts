import type { ServerResponse } from 'node:http';
import { type EmulatorRequest, type EmulatorServer, sendJson } from '../core/index.js';
import {
  type AssertionFailure,
  type AssertionPublicKey,
  AssertionVerifier,
  type JwtBearerGrant,
  type JwtBearerRequest,
  OAuthAuthorizationServer,
  type OAuthClientRegistration,
  OAuthError,
} from '../core/oauth/index.js';
import type { DriveUser } from './model.js';

/** Google's OAuth endpoints on the shared authorization server, with the legacy paths clients still use. */

export const DRIVE_SCOPES = [
  'https://www.googleapis.com/auth/drive',
  'https://www.googleapis.com/auth/drive.file',
  'https://www.googleapis.com/auth/drive.readonly',
  'https://www.googleapis.com/auth/drive.metadata',
  'https://www.googleapis.com/auth/drive.metadata.readonly',
  'https://www.googleapis.com/auth/drive.appdata',
  'https://www.googleapis.com/auth/drive.photos.readonly',
  'openid',
  'email',
  'profile',
];

/** A service account the emulator knows: its keys (by `private_key_id`) and what it may do. */
export interface ServiceAccountRecord {
  clientEmail: string;
  /** The numeric client id Google gives a service account. */
  clientId: string;
  keys: AssertionPublicKey[];
  /** Whether the domain's admin let it act for the domain's users (a `sub` claim). */
  domainWideDelegation: boolean;
}

export interface GoogleOAuthOptions {
  clients: OAuthClientRegistration[];
  user: DriveUser;
  serviceAccounts: Map<string, ServiceAccountRecord>;
  /** The Drive user a token for this email acts for (a service account's own, or a delegated user's). */
  userFor: (email: string) => DriveUser | undefined;
  /** The token URLs the emulator answers on, also accepted as `aud`. */
  tokenUrls: () => string[];
  autoApprove: boolean | undefined;
  accessTokenLifetimeSeconds: number | undefined;
  now: () => number;
}

export function createGoogleOAuthServer(o: GoogleOAuthOptions): OAuthAuthorizationServer {
  const consented = new Set<string>();
  return new OAuthAuthorizationServer({
    authorizePath: '/o/oauth2/v2/auth',
    authorizeHost: 'accounts',
    tokenPath: '/token',
    tokenHost: 'oauth2',
    serviceName: 'Google',
    clients: o.clients,
    autoApprove: o.autoApprove,
    // Google's access tokens live an hour and are announced as 3599 s.
    accessTokenLifetimeSeconds: o.accessTokenLifetimeSeconds ?? 3599,
    // access_type=offline earns a refresh token the first time a client is authorized, and again only when
    // the request forces the consent screen (prompt=consent); Google keeps it across refreshes (no rotation).
    issueRefreshToken: (q) => {
      if (q.get('access_type') !== 'offline') return false;
      const client = q.get('client_id') ?? '';
      const forced = (q.get('prompt') ?? '').split(/\s+/).includes('consent');
      if (consented.has(client) && !forced) return false;
      consented.add(client);
      return true;
    },
    rotateRefreshTokens: false,
    accessTokenPrefix: 'ya29.',
    tokenType: 'Bearer',
    user: { id: o.user.permissionId, name: o.user.displayName },
    now: o.now,
    jwtBearerGrant: (request) => serviceAccountGrant(request, o),
  });
}

/** Google's public token URLs, any of which a service-account assertion may name as `aud`. */
const GOOGLE_TOKEN_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
  'https://accounts.google.com/o/oauth2/token',
];

const INVALID_SIGNATURE = 'Invalid JWT Signature.';
const TIMEFRAME =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

/** Google's words for each refused assertion. */
const JWT_ERRORS: Record<AssertionFailure, string> = {
  malformed: 'Invalid JWT: the assertion is not a signed JWT.',
  algorithm: INVALID_SIGNATURE,
  unknown_key: INVALID_SIGNATURE,
  signature: INVALID_SIGNATURE,
  audience: 'Invalid JWT: Failed audience check. The expected value was https://oauth2.googleapis.com/token',
  expired: TIMEFRAME,
  exp_too_far: TIMEFRAME,
  iat_missing: TIMEFRAME,
  iat_in_future: TIMEFRAME,
  jti_missing: 'Invalid JWT: jti is required.',
  jti_replayed: 'Invalid JWT: the jti was already used.',
};

/**
 * A service account's assertion (no client authentication: the signature is the credential): `iss` a
 * registered service account, signed by one of its keys (`kid` = `private_key_id`), `aud` Google's token
 * URL, at most an hour from `iat`, a `scope` of Drive scopes, and a `sub` only with domain-wide delegation.
 */
async function serviceAccountGrant(
  request: JwtBearerRequest,
  o: GoogleOAuthOptions,
): Promise<JwtBearerGrant> {
  const assertion = request.params.get('assertion');
  if (!assertion) throw new OAuthError('invalid_request', 'Missing required parameter: assertion');
  const peek = AssertionVerifier.peek(assertion)?.claims;
  const account = typeof peek?.iss === 'string' ? o.serviceAccounts.get(peek.iss.toLowerCase()) : undefined;
  if (!account) throw new OAuthError('invalid_grant', 'Invalid grant: account not found');
  const claims = await request.verifier.verify(assertion, account.keys, {
    audiences: [...GOOGLE_TOKEN_AUDIENCES, ...o.tokenUrls()],
    maxLifetimeSeconds: 3600,
    lifetimeFrom: 'iat',
    requireIat: true,
    requireJti: false,
    skewSeconds: 0,
    fail: (failure) => new OAuthError('invalid_grant', JWT_ERRORS[failure]),
  });
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : [];
  if (!scopes.length || scopes.some((s) => !DRIVE_SCOPES.includes(s))) {
    throw new OAuthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  }
  let email = account.clientEmail;
  if (
    typeof claims.sub === 'string' &&
    claims.sub !== '' &&
    claims.sub.toLowerCase() !== email.toLowerCase()
  ) {
    if (!account.domainWideDelegation) {
      throw new OAuthError(
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    email = claims.sub;
  }
  const user = o.userFor(email);
  if (!user) throw new OAuthError('invalid_grant', 'Invalid email or User ID');
  return { clientId: account.clientId, subject: user.permissionId, scopes };
}

/**
 * Mounts what the shared server does not: the legacy token paths (accounts.google.com/o/oauth2/token,
 * www.googleapis.com/oauth2/v4/token), the legacy authorize path (a redirect to v2), Google's revocation
 * (no client authentication: the token is the credential) and tokeninfo.
 */
export function installGoogleOAuthExtras(
  server: EmulatorServer,
  oauth: OAuthAuthorizationServer,
  emailOf: (subject: string) => string | undefined,
): void {
  const tokenHandler = server.host('oauth2').router.match('POST', '/token').handler!;
  server.host('accounts').router.post('/o/oauth2/token', tokenHandler);
  server.host('api').router.post('/oauth2/v4/token', tokenHandler);
  server.host('api').router.post('/oauth2/v3/token', tokenHandler);
  server.host('accounts').router.get('/o/oauth2/auth', (req, res) => {
    res.writeHead(302, { location: `/o/oauth2/v2/auth${req.url.search}`, 'content-length': 0 });
    res.end();
  });
  const revoke = (req: EmulatorRequest, res: ServerResponse) => handleRevoke(oauth, req, res);
  server.host('oauth2').router.post('/revoke', revoke);
  server.host('oauth2').router.get('/revoke', revoke);
  server.host('accounts').router.post('/o/oauth2/revoke', revoke);
  server.host('accounts').router.get('/o/oauth2/revoke', revoke);
  const tokenInfo = (req: EmulatorRequest, res: ServerResponse) => handleTokenInfo(oauth, req, res, emailOf);
  server.host('oauth2').router.get('/tokeninfo', tokenInfo);
  server.host('oauth2').router.post('/tokeninfo', tokenInfo);
  server.host('api').router.get('/oauth2/v3/tokeninfo', tokenInfo);
}

async function tokenParam(req: EmulatorRequest, name: string): Promise<string | undefined> {
  const fromQuery = req.query.get(name);
  if (fromQuery) {
    req.body.resume();
    return fromQuery;
  }
  const text = await req.text(64 * 1024);
  return new URLSearchParams(text).get(name) ?? undefined;
}

async function handleRevoke(oauth: OAuthAuthorizationServer, req: EmulatorRequest, res: ServerResponse) {
  const token = await tokenParam(req, 'token');
  const access = token ? oauth.tokens.accessTokens.get(token) : undefined;
  const refresh = token ? oauth.tokens.refreshTokens.get(token) : undefined;
  if (!access && !refresh)
    return sendJson(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
  // Revoking either token of a grant ends the grant (Google revokes the refresh token with its access tokens).
  oauth.tokens.revokeGrant((access ?? refresh)!.grantId);
  sendJson(res, 200, {});
}

async function handleTokenInfo(
  oauth: OAuthAuthorizationServer,
  req: EmulatorRequest,
  res: ServerResponse,
  emailOf: (subject: string) => string | undefined,
) {
  const token = (await tokenParam(req, 'access_token')) ?? req.bearerToken();
  const check = oauth.verifyToken(token);
  if (!check.ok) return sendJson(res, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
  const now = oauth.settings.now();
  sendJson(res, 200, {
    azp: check.clientId,
    aud: check.clientId,
    sub: check.subject,
    scope: check.scopes.join(' '),
    exp: String(Math.floor(check.expiresAt / 1000)),
    expires_in: String(Math.max(0, Math.floor((check.expiresAt - now) / 1000))),
    email: emailOf(check.subject),
    email_verified: 'true',
    access_type: 'offline',
  });
}
