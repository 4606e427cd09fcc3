import type { EmulatorRequest } from '../core/index.js';
import { OAuthAuthorizationServer, type OAuthClientRegistration, OAuthError } from '../core/oauth/index.js';
import { unauthorized } from './errors.js';
import type { EnterpriseRecord, UserRecord } from './model.js';

/** Box's OAuth lifetimes (PROTOCOLS A2): access token 60 min, refresh token 60 days and single use, code 30 s. */
const ACCESS_TOKEN_SECONDS = 3600;
const REFRESH_TOKEN_SECONDS = 60 * 86_400;
const CODE_SECONDS = 30;

export interface BoxAuthOptions {
  clients: OAuthClientRegistration[];
  owner: UserRecord;
  enterprise: EnterpriseRecord;
  users: Map<string, UserRecord>;
  autoApprove?: boolean;
  accessTokenLifetimeSeconds?: number;
  now?: () => number;
}

/**
 * Box's OAuth 2.0 endpoints on top of the shared emulator authorization server: the authorize page at
 * `/api/oauth2/authorize`, the token endpoint at `/oauth2/token` (authorization_code, refresh_token with
 * rotation on every use, and client_credentials with Box's `box_subject_type`/`box_subject_id`), and
 * revocation at `/oauth2/revoke`.
 */
export function createBoxOAuthServer(options: BoxAuthOptions): OAuthAuthorizationServer {
  return new OAuthAuthorizationServer({
    authorizePath: '/api/oauth2/authorize',
    tokenPath: '/oauth2/token',
    // rclone and the reference docs use the app host's path for the same endpoint.
    tokenPathAliases: ['/api/oauth2/token'],
    // Box does not ask the code exchange to repeat redirect_uri (its SDKs never send it).
    redirectUriRequiredAtExchange: false,
    revokePath: '/oauth2/revoke',
    serviceName: 'Box',
    clients: options.clients,
    autoApprove: options.autoApprove ?? false,
    codeLifetimeSeconds: CODE_SECONDS,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? ACCESS_TOKEN_SECONDS,
    refreshTokenLifetimeSeconds: REFRESH_TOKEN_SECONDS,
    rotateRefreshTokens: true,
    user: { id: options.owner.id, name: options.owner.name },
    ...(options.now ? { now: options.now } : {}),
    clientCredentialsSubject: (_client, params) => ccgSubject(params, options),
    tokenResponseExtras: () => ({ restricted_to: [] }),
  });
}

/**
 * Box's client-credentials grant names who the token acts for: the enterprise's service account
 * (`box_subject_type=enterprise`, `box_subject_id=<enterprise id>`) or a user (`user`, `<user id>`).
 */
function ccgSubject(params: URLSearchParams, options: BoxAuthOptions): string {
  const type = params.get('box_subject_type');
  const id = params.get('box_subject_id');
  if (type === 'enterprise') {
    if (id !== options.enterprise.id) {
      throw new OAuthError('invalid_grant', "Grant credentials are invalid: check the 'box_subject_id'.");
    }
    return options.owner.id;
  }
  if (type === 'user') {
    if (!id || !options.users.has(id)) {
      throw new OAuthError('invalid_grant', "Grant credentials are invalid: check the 'box_subject_id'.");
    }
    return id;
  }
  throw new OAuthError('invalid_request', 'box_subject_type must be enterprise or user.');
}

/**
 * The one place where an API request's token is checked. Returns the user id the token acts for;
 * a missing, unknown or expired token (or an armed `expiredToken` fault) is Box's bare 401.
 */
export function authenticate(oauth: OAuthAuthorizationServer, req: EmulatorRequest): string {
  const check = oauth.verifyAccessToken(req);
  if (!check.ok) throw unauthorized();
  return check.subject;
}
