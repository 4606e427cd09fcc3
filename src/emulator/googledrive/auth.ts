import type { ServerResponse } from 'node:http';
import { type EmulatorRequest, type EmulatorServer, sendJson } from '../core/index.js';
import { OAuthAuthorizationServer, type OAuthClientRegistration } from '../core/oauth/index.js';
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

export interface GoogleOAuthOptions {
  clients: OAuthClientRegistration[];
  user: DriveUser;
  autoApprove: boolean | undefined;
  accessTokenLifetimeSeconds: number | undefined;
  now: () => number;
}

export function createGoogleOAuthServer(o: GoogleOAuthOptions): OAuthAuthorizationServer {
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
    // access_type=offline earns a refresh token; Google keeps it across refreshes (no rotation).
    issueRefreshToken: (q) => q.get('access_type') === 'offline',
    rotateRefreshTokens: false,
    accessTokenPrefix: 'ya29.',
    tokenType: 'Bearer',
    user: { id: o.user.permissionId, name: o.user.displayName },
    now: o.now,
  });
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
