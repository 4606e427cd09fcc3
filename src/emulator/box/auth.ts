import { type EmulatorRequest, type EmulatorServer, Router } from '../core/index.js';
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

/**
 * Mounts the OAuth endpoints with Box's one deviation from RFC 6749 §4.1.3: Box's token endpoint does not
 * ask the client to repeat the `redirect_uri` of the authorization request (Box's own SDKs never send it),
 * so the emulator fills it in from the code before the shared server checks it. The shared server's routes
 * go on a private router; the api host's routes delegate to it.
 */
export function installBoxOAuth(oauth: OAuthAuthorizationServer, server: EmulatorServer): void {
  const inner = new Router();
  const facade = {
    host: () => ({ router: inner }),
    onStop: (closer: () => Promise<void> | void) => server.onStop(closer),
  } as unknown as EmulatorServer;
  oauth.install(facade);
  const api = server.host('api').router;
  const delegate = (method: string, path: string) => {
    const { handler } = inner.match(method, path);
    if (!handler) throw new Error(`the OAuth server has no ${method} ${path}`);
    return handler;
  };
  for (const [method, path] of [
    ['GET', '/api/oauth2/authorize'],
    ['POST', '/api/oauth2/authorize'],
    ['POST', '/oauth2/revoke'],
  ] as const) {
    api.add(method, path, delegate(method, path));
  }
  const token = delegate('POST', '/oauth2/token');
  const withRedirectUri = async (req: EmulatorRequest, res: Parameters<typeof token>[1]) => {
    const text = await req.text(64 * 1024);
    let body = Buffer.from(text);
    if (!(req.headers['content-type'] ?? '').toLowerCase().includes('json')) {
      const params = new URLSearchParams(text);
      const code = params.get('code');
      if (params.get('grant_type') === 'authorization_code' && code && !params.has('redirect_uri')) {
        const given = oauth.tokens.codes.get(code)?.redirectUri;
        if (given !== undefined) params.set('redirect_uri', given);
        body = Buffer.from(params.toString());
      }
    }
    const patched: EmulatorRequest = {
      ...req,
      bytes: async () => body,
      text: async () => body.toString('utf8'),
      json: async <T>() => JSON.parse(body.toString('utf8')) as T,
    };
    return token(patched, res);
  };
  api.add('POST', '/oauth2/token', withRedirectUri);
  // rclone and the reference docs use the app host's path for the same endpoint.
  api.add('POST', '/api/oauth2/token', withRedirectUri);
}
