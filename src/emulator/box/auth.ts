import type { EmulatorRequest } from '../core/index.js';
import {
  type AssertionFailure,
  type AssertionRules,
  type JwtBearerGrant,
  type JwtBearerRequest,
  OAuthAuthorizationServer,
  type OAuthClientRegistration,
  OAuthError,
} from '../core/oauth/index.js';
import { boxError, unauthorized } from './errors.js';
import type { EnterpriseRecord, UserRecord } from './model.js';

/** Box's OAuth lifetimes (PROTOCOLS A2): access token 60 min, refresh token 60 days and single use, code 30 s. */
const ACCESS_TOKEN_SECONDS = 3600;
const REFRESH_TOKEN_SECONDS = 60 * 86_400;
const CODE_SECONDS = 30;

/** The `aud` Box's JWT assertions name, whatever host they are sent to. */
export const BOX_TOKEN_AUDIENCE = 'https://api.box.com/oauth2/token';

export interface BoxAuthOptions {
  clients: OAuthClientRegistration[];
  owner: UserRecord;
  enterprise: EnterpriseRecord;
  users: Map<string, UserRecord>;
  /** The token URLs the emulator answers on, also accepted as `aud`. */
  tokenUrls: () => string[];
  autoApprove?: boolean;
  accessTokenLifetimeSeconds?: number;
  now?: () => number;
}

/**
 * Box's OAuth 2.0 endpoints on top of the shared emulator authorization server: the authorize page at
 * `/api/oauth2/authorize`, the token endpoint at `/oauth2/token` (authorization_code, refresh_token with
 * rotation on every use, client_credentials with Box's `box_subject_type`/`box_subject_id`, and JWT
 * assertions signed with a key registered for the app), and revocation at `/oauth2/revoke`.
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
    clientCredentialsSubject: (client, params) => ccgSubject(client, params, options),
    jwtBearerGrant: (request) => jwtGrant(request, options),
    tokenResponseExtras: () => ({ restricted_to: [] }),
  });
}

/**
 * Box's client-credentials grant names who the token acts for: the enterprise's service account, which
 * in the emulator is the account's owner (`box_subject_type=enterprise`, `box_subject_id=<enterprise id>`) or a user (`user`, `<user id>`).
 */
function ccgSubject(
  client: OAuthClientRegistration,
  params: URLSearchParams,
  options: BoxAuthOptions,
): string {
  const type = params.get('box_subject_type');
  const id = params.get('box_subject_id');
  if (type === 'enterprise') {
    if (id !== options.enterprise.id) {
      throw new OAuthError('invalid_grant', "Grant credentials are invalid: check the 'box_subject_id'.");
    }
    return options.owner.id;
  }
  if (type === 'user') {
    if (!id || !userTokenAllowed(client, options.users.get(id))) {
      throw new OAuthError('invalid_grant', "Grant credentials are invalid: check the 'box_subject_id'.");
    }
    return id;
  }
  throw new OAuthError('invalid_request', 'box_subject_type must be enterprise or user.');
}

/** Box's words for each refused assertion (its token endpoint answers 400 `invalid_grant`). */
const JWT_ERRORS: Record<AssertionFailure, string> = {
  malformed: 'Please check the assertion: it is not a signed JWT.',
  algorithm: "Please check the 'alg' header parameter: use RS256, RS384 or RS512.",
  unknown_key:
    "Please check the 'kid' header parameter. It must name a public key added to the app in the developer console.",
  signature:
    'Signature verification error. The public key identified by "kid" must correspond to the private key used for signing.',
  audience: "Please check the 'aud' claim. It must be 'https://api.box.com/oauth2/token'.",
  expired: "Current date/time MUST be before the expiration date/time listed in the 'exp' claim.",
  exp_too_far:
    "Please check the 'exp' claim. The 'exp' must be at most 60 seconds ahead of the current time.",
  iat_missing: "Please check the 'iat' claim.",
  iat_in_future: "Please check the 'iat' claim: it is in the future.",
  jti_missing: "Please check the 'jti' claim. A unique 'jti' value of 16 to 128 characters is required.",
  jti_replayed:
    "Please check the 'jti' claim. The 'jti' value was already used: each assertion needs a new one.",
};

const SUB_ERROR = "Please check the 'sub' claim. The 'sub' specified is invalid.";

/**
 * Box JWT: the app authenticates with its client id and secret, and its assertion (signed with the private
 * key of one of the app's registered public keys, `kid`) names the enterprise (a token for the app's
 * service account) or a user of it (`box_sub_type=user`: an app user of this app, or a managed user).
 */
async function jwtGrant(request: JwtBearerRequest, options: BoxAuthOptions): Promise<JwtBearerGrant> {
  const { registration: client, authenticated } = request.authenticateClient();
  if (!authenticated) throw new OAuthError('invalid_client', 'The client credentials are invalid');
  const assertion = request.params.get('assertion');
  if (!assertion) throw new OAuthError('invalid_request', "Missing 'assertion' parameter.");
  const rules: AssertionRules = {
    audiences: [BOX_TOKEN_AUDIENCE, ...options.tokenUrls()],
    maxLifetimeSeconds: 60,
    lifetimeFrom: 'now',
    requireIat: false,
    requireJti: true,
    skewSeconds: 0,
    fail: (failure) => new OAuthError('invalid_grant', JWT_ERRORS[failure]),
  };
  const claims = await request.verifier.verify(assertion, client.publicKeys ?? [], rules);
  if (claims.iss !== client.clientId) {
    throw new OAuthError('invalid_grant', "Please check the 'iss' claim. It must be the app's client id.");
  }
  const sub = claims.sub;
  const subType = claims.box_sub_type;
  if (typeof sub !== 'string') throw new OAuthError('invalid_grant', SUB_ERROR);
  if (subType === 'enterprise') {
    if (sub !== options.enterprise.id) throw new OAuthError('invalid_grant', SUB_ERROR);
    return { clientId: client.clientId, subject: options.owner.id, scopes: [] };
  }
  if (subType === 'user') {
    if (!userTokenAllowed(client, options.users.get(sub))) throw new OAuthError('invalid_grant', SUB_ERROR);
    return { clientId: client.clientId, subject: sub, scopes: [] };
  }
  throw new OAuthError('invalid_grant', "Please check the 'box_sub_type' claim: enterprise or user.");
}

/** A user token is for an active app user of this app, or an active managed user of the enterprise. */
function userTokenAllowed(client: OAuthClientRegistration, user: UserRecord | undefined): boolean {
  if (!user || user.status === 'inactive') return false;
  return user.kind !== 'app_user' || user.appClientId === client.clientId;
}

/**
 * Who may act for another user (`As-User`) and manage users: the enterprise's admins, its service account
 * (the owner) among them.
 */
export function mayActAsOthers(user: UserRecord | undefined): boolean {
  return user !== undefined && (user.role === 'admin' || user.role === 'coadmin');
}

/**
 * The one place where an API request's token is checked. Returns the user id the request acts for: the
 * token's, or the `As-User` header's when the token's user may act for others (else Box's 403). A missing,
 * unknown or expired token (or an armed `expiredToken` fault) is Box's bare 401.
 */
export function authenticate(
  oauth: OAuthAuthorizationServer,
  users: Map<string, UserRecord>,
  req: EmulatorRequest,
): string {
  const check = oauth.verifyAccessToken(req);
  if (!check.ok) throw unauthorized();
  // A deleted or deactivated user's tokens die with it.
  const user = users.get(check.subject);
  if (!user || user.status === 'inactive') throw unauthorized();
  const asUser = req.headers['as-user'];
  if (typeof asUser !== 'string' || asUser === '') return check.subject;
  if (!mayActAsOthers(user)) {
    throw boxError(403, 'access_denied_insufficient_permissions', 'Access denied - insufficient permission');
  }
  const target = users.get(asUser.trim());
  // An app user exists for its own app only.
  if (target?.kind === 'app_user' && target.appClientId !== check.clientId) {
    throw boxError(403, 'access_denied_insufficient_permissions', 'Access denied - insufficient permission');
  }
  if (!target || target.status === 'inactive') {
    throw boxError(400, 'invalid_parameter', "Invalid value for 'As-User' header", {
      errors: [{ reason: 'invalid_parameter', name: 'As-User', message: `Invalid user id '${asUser}'` }],
    });
  }
  return target.id;
}
