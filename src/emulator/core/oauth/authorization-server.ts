import type { ServerResponse } from 'node:http';
import { type EmulatorRequest, type EmulatorServer, sendJson } from '../server.js';
import { consentPage, errorPage, PAGE_HEADERS } from './consent-page.js';
import { OAuthError } from './errors.js';
import { parseCookies, readParams, safeDecode, safeEqual, withoutUndefined } from './http-util.js';
import { AssertionVerifier, JWT_BEARER_GRANT } from './jwt-assertion.js';
import type {
  GrantType,
  IssuedTokens,
  IssueTokenOptions,
  OAuthClientRegistration,
  OAuthServerOptions,
  OAuthServerSettings,
  TokenCheck,
} from './options.js';
import { parseChallenge, verifierMatches } from './pkce.js';
import { findRedirectUri, withParams } from './redirect-uri.js';
import { type AccessTokenInfo, type RefreshTokenInfo, randomToken, TokenRegistry } from './token-registry.js';

interface PendingConsent {
  client: OAuthClientRegistration;
  redirectUri: string;
  redirectUriGiven: boolean;
  state: string | undefined;
  scopes: string[];
  challenge: string | undefined;
  challengeMethod: 'plain' | 'S256' | undefined;
  issueRefreshToken: boolean;
  csrfToken: string;
  expiresAt: number;
}

const PENDING_LIFETIME_MS = 10 * 60_000;
const TOKEN_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * An OAuth 2.0 authorization server (RFC 6749, RFC 7636 PKCE, RFC 7009 revocation, RFC 8252 loopback
 * redirects) that a service emulator mounts on its own URL paths. It shows a consent page with Allow and
 * Deny, issues authorization codes bound to client, redirect URI and PKCE challenge, runs the token endpoint
 * (authorization_code, refresh_token with optional rotation, client_credentials, optionally password), and
 * lets the service check the bearer token of every API request with {@link verifyAccessToken}.
 */
export class OAuthAuthorizationServer {
  readonly settings: OAuthServerSettings;
  readonly tokens: TokenRegistry;
  /** Checks JWT-bearer assertions and remembers their `jti`s. */
  readonly assertions: AssertionVerifier;
  private readonly clients = new Map<string, OAuthClientRegistration>();
  private readonly pending = new Map<string, PendingConsent>();

  constructor(options: OAuthServerOptions) {
    this.settings = {
      authorizeHost: 'api',
      tokenHost: 'api',
      serviceName: 'Emulator',
      autoApprove: false,
      codeLifetimeSeconds: 60,
      accessTokenLifetimeSeconds: 3600,
      refreshTokenLifetimeSeconds: 0,
      rotateRefreshTokens: false,
      issueRefreshToken: () => true,
      accessTokenFormat: 'opaque',
      accessTokenPrefix: '',
      tokenType: 'bearer',
      user: { id: '1', name: 'Emulated User' },
      allowPublicClients: false,
      redirectUriRequiredAtExchange: true,
      now: Date.now,
      ...withoutUndefined(options),
    } as OAuthServerSettings;
    this.tokens = new TokenRegistry(() => this.settings.now());
    this.assertions = new AssertionVerifier(() => this.settings.now());
    for (const c of options.clients ?? []) this.registerClient(c);
  }

  registerClient(client: OAuthClientRegistration): void {
    this.clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] });
  }

  client(clientId: string): OAuthClientRegistration | undefined {
    return this.clients.get(clientId);
  }

  /** Mounts the endpoints on the emulator's hosts. Call before `server.start()`. */
  install(server: EmulatorServer): void {
    const s = this.settings;
    const auth = server.host(s.authorizeHost).router;
    auth.get(s.authorizePath, (req, res) => this.handleAuthorize(req, res));
    auth.post(s.authorizePath, (req, res) => this.handleDecision(req, res));
    const token = server.host(s.tokenHost).router;
    for (const path of [s.tokenPath, ...(s.tokenPathAliases ?? [])]) {
      token.post(path, (req, res) => this.handleToken(req, res));
    }
    if (s.revokePath) token.post(s.revokePath, (req, res) => this.handleRevoke(req, res));
    const sweeper = setInterval(() => this.tokens.sweep(), 60_000);
    sweeper.unref();
    server.onStop(() => clearInterval(sweeper));
  }

  /**
   * Checks the bearer token of an API request. The service emulator answers a failure in its own error
   * format; `req.fault.expiredToken` (fault injection) makes a good token report as expired.
   */
  verifyAccessToken(req: EmulatorRequest): TokenCheck {
    const result = this.verifyToken(req.bearerToken());
    if (result.ok && req.fault?.expiredToken) {
      return { ok: false, reason: 'expired', description: 'The access token expired.' };
    }
    return result;
  }

  /** Checks an access token string (for services that also take it from elsewhere than the header). */
  verifyToken(token: string | undefined): TokenCheck {
    if (!token) return { ok: false, reason: 'missing', description: 'No access token was sent.' };
    const info = this.tokens.accessTokens.get(token);
    if (!info) return { ok: false, reason: 'invalid', description: 'The access token is not valid.' };
    if (info.expiresAt <= this.settings.now()) {
      return { ok: false, reason: 'expired', description: 'The access token expired.' };
    }
    return {
      ok: true,
      token,
      subject: info.subject,
      clientId: info.clientId,
      scopes: [...info.scopes],
      expiresAt: info.expiresAt,
    };
  }

  /** Mints tokens directly, without the browser flow (for tests of the service APIs). */
  issueToken(options: IssueTokenOptions): IssuedTokens {
    const client = this.clients.get(options.clientId);
    if (!client) throw new Error(`issueToken: unknown client ${options.clientId}`);
    const lifetime = options.lifetimeSeconds ?? this.settings.accessTokenLifetimeSeconds;
    const grantId = this.tokens.newGrantId();
    const base = {
      clientId: client.clientId,
      subject: options.userId ?? this.settings.user.id,
      scopes: options.scopes ?? client.defaultScopes ?? [],
      grantId,
    };
    const access = this.mintAccess(base, lifetime);
    const refresh =
      options.refreshToken === false
        ? undefined
        : this.tokens.mintRefreshToken(
            { ...base, publicClient: false },
            this.settings.refreshTokenLifetimeSeconds,
          );
    return {
      accessToken: access.token,
      refreshToken: refresh?.token,
      expiresAt: access.expiresAt,
      expiresIn: lifetime,
    };
  }

  /** The RFC 6750 WWW-Authenticate value for a failed check. */
  static wwwAuthenticate(check: TokenCheck, realm = 'Service'): string {
    if (check.ok) return `Bearer realm="${realm}"`;
    if (check.reason === 'missing') return `Bearer realm="${realm}"`;
    return `Bearer realm="${realm}", error="invalid_token", error_description="${check.description}"`;
  }

  // ---- authorization endpoint ---------------------------------------------------------------------------

  private handleAuthorize(req: EmulatorRequest, res: ServerResponse) {
    const q = req.query;
    const clientId = q.get('client_id');
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (!client) {
      return this.page(
        res,
        400,
        errorPage(this.settings.serviceName, 'invalid_client', 'Unknown or missing client_id.'),
      );
    }
    const given = q.get('redirect_uri');
    let redirectUri: string | undefined;
    if (given) {
      redirectUri = findRedirectUri(client.redirectUris, given) ? given : undefined;
      if (!redirectUri) {
        return this.page(
          res,
          400,
          errorPage(
            this.settings.serviceName,
            'redirect_uri_mismatch',
            'The redirect_uri is not registered for this app.',
          ),
        );
      }
    } else if (client.redirectUris.length === 1) {
      redirectUri = client.redirectUris[0]!;
    } else {
      return this.page(
        res,
        400,
        errorPage(
          this.settings.serviceName,
          'invalid_request',
          'redirect_uri is required: the app has several.',
        ),
      );
    }
    // From here on, errors go back to the client on the redirect (RFC 6749 §4.1.2.1).
    const state = q.get('state') ?? undefined;
    try {
      if (q.get('response_type') !== 'code') {
        throw new OAuthError('unsupported_response_type', 'Only response_type=code is supported.');
      }
      if (!allows(client, 'authorization_code')) {
        throw new OAuthError('unauthorized_client', 'The app may not use the authorization code grant.');
      }
      const scopes = this.checkScopes(client, q.get('scope'));
      const challenge = q.get('code_challenge') ?? undefined;
      const challengeMethod = parseChallenge(q.get('code_challenge'), q.get('code_challenge_method'));
      if (!client.clientSecret && !challenge) {
        throw new OAuthError('invalid_request', 'A public client must use PKCE (code_challenge).');
      }
      const consent: PendingConsent = {
        client,
        redirectUri,
        redirectUriGiven: Boolean(given),
        state,
        scopes,
        challenge,
        challengeMethod,
        issueRefreshToken: this.settings.issueRefreshToken(q),
        csrfToken: randomToken(),
        expiresAt: this.settings.now() + PENDING_LIFETIME_MS,
      };
      if (this.settings.autoApprove) return this.approve(res, consent);
      const transaction = randomToken(16);
      this.pending.set(transaction, consent);
      res.writeHead(200, {
        ...PAGE_HEADERS,
        'set-cookie': `${csrfCookie(transaction)}=${consent.csrfToken}; Path=${this.settings.authorizePath}; HttpOnly; SameSite=Strict`,
      });
      res.end(
        consentPage({
          serviceName: this.settings.serviceName,
          clientName: client.name ?? client.clientId,
          clientId: client.clientId,
          userName: this.settings.user.name,
          scopes,
          action: this.settings.authorizePath,
          transaction,
          csrfToken: consent.csrfToken,
        }),
      );
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      this.redirect(
        res,
        withParams(redirectUri, { error: e.error, error_description: e.description, state }),
      );
    }
  }

  /** The POST of the consent form: checks the CSRF token, then redirects with a code or access_denied. */
  private async handleDecision(req: EmulatorRequest, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await req.text(64 * 1024));
    const transaction = form.get('transaction') ?? '';
    const consent = this.pending.get(transaction);
    const cookie = parseCookies(req.headers.cookie)[csrfCookie(transaction)];
    const posted = form.get('csrf_token') ?? '';
    if (!consent || consent.expiresAt <= this.settings.now()) {
      this.pending.delete(transaction);
      return this.page(
        res,
        400,
        errorPage(
          this.settings.serviceName,
          'invalid_request',
          'This authorization request is unknown or has expired.',
        ),
      );
    }
    if (!cookie || !safeEqual(cookie, consent.csrfToken) || !safeEqual(posted, consent.csrfToken)) {
      return this.page(
        res,
        403,
        errorPage(this.settings.serviceName, 'invalid_request', 'The CSRF token does not match.'),
      );
    }
    this.pending.delete(transaction);
    const clearCookie = `${csrfCookie(transaction)}=; Path=${this.settings.authorizePath}; Max-Age=0`;
    const decision = form.get('decision');
    if (decision === 'allow') return this.approve(res, consent, clearCookie);
    this.redirect(
      res,
      withParams(consent.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied access.',
        state: consent.state,
      }),
      clearCookie,
    );
  }

  private approve(res: ServerResponse, consent: PendingConsent, cookie?: string): void {
    const code = randomToken();
    this.tokens.codes.set(code, {
      code,
      clientId: consent.client.clientId,
      redirectUri: consent.redirectUriGiven ? consent.redirectUri : undefined,
      sentTo: consent.redirectUri,
      subject: this.settings.user.id,
      scopes: consent.scopes,
      challenge: consent.challenge,
      challengeMethod: consent.challengeMethod,
      expiresAt: this.settings.now() + this.settings.codeLifetimeSeconds * 1000,
      used: false,
      grantId: this.tokens.newGrantId(),
      issueRefreshToken: consent.issueRefreshToken,
    });
    this.redirect(res, withParams(consent.redirectUri, { code, state: consent.state }), cookie);
  }

  private checkScopes(client: OAuthClientRegistration, scope: string | null | undefined): string[] {
    const asked = (scope ?? '').split(/[\s,]+/).filter(Boolean);
    if (!asked.length) return [...(client.defaultScopes ?? client.allowedScopes ?? [])];
    const allowed = client.allowedScopes;
    const unknown = allowed ? asked.filter((s) => !allowed.includes(s)) : [];
    if (unknown.length)
      throw new OAuthError('invalid_scope', `Scope not allowed for this app: ${unknown.join(' ')}.`);
    return asked;
  }

  // ---- token endpoint -----------------------------------------------------------------------------------

  private async handleToken(req: EmulatorRequest, res: ServerResponse): Promise<void> {
    try {
      const params = await readParams(req);
      const grantType = params.get('grant_type');
      if (grantType === JWT_BEARER_GRANT && this.settings.jwtBearerGrant) {
        sendJson(res, 200, await this.jwtBearer(req, params, this.settings.jwtBearerGrant), TOKEN_HEADERS);
        return;
      }
      const client = this.authenticateClient(req, params);
      let body: Record<string, unknown>;
      switch (grantType) {
        case 'authorization_code':
          body = this.exchangeCode(client.registration, client.authenticated, params);
          break;
        case 'refresh_token':
          body = this.refresh(client.registration, client.authenticated, params);
          break;
        case 'client_credentials':
          body = this.clientCredentials(client.registration, client.authenticated, params);
          break;
        case 'password':
          body = this.password(client.registration, client.authenticated, params);
          break;
        case null:
          throw new OAuthError('invalid_request', 'grant_type is missing.');
        default:
          throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported.`);
      }
      sendJson(res, 200, body, TOKEN_HEADERS);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      const headers: Record<string, string> = { ...TOKEN_HEADERS };
      if (e.status === 401 && req.headers.authorization) headers['www-authenticate'] = 'Basic realm="oauth"';
      sendJson(res, e.status, e.toJSON(), headers);
    }
  }

  /**
   * Client authentication: HTTP Basic or client_id/client_secret form fields (RFC 6749 §2.3.1). A client
   * without a secret is identified only, and may go on only where PKCE or a public refresh token allows it.
   */
  private authenticateClient(
    req: EmulatorRequest,
    params: URLSearchParams,
  ): { registration: OAuthClientRegistration; authenticated: boolean } {
    let id = params.get('client_id') ?? undefined;
    let secret = params.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError('invalid_client', 'Malformed HTTP Basic client credentials.');
      const basicId = safeDecode(decoded.slice(0, colon));
      if (id && id !== basicId)
        throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials.');
      if (secret !== undefined) {
        throw new OAuthError(
          'invalid_request',
          'Use one client authentication method, not Basic and form fields both.',
        );
      }
      id = basicId;
      secret = safeDecode(decoded.slice(colon + 1));
    }
    if (!id) throw new OAuthError('invalid_client', 'client_id is missing.');
    const registration = this.clients.get(id);
    if (!registration) throw new OAuthError('invalid_client', 'Unknown client.');
    if (secret !== undefined && secret !== '') {
      if (!registration.clientSecret || !safeEqual(secret, registration.clientSecret)) {
        throw new OAuthError('invalid_client', 'The client secret is wrong.');
      }
      return { registration, authenticated: true };
    }
    return { registration, authenticated: false };
  }

  private requireAuthenticated(
    client: OAuthClientRegistration,
    authenticated: boolean,
    pkceUsed: boolean,
  ): void {
    if (authenticated) return;
    const publicOk = pkceUsed && (this.settings.allowPublicClients || !client.clientSecret);
    if (!publicOk)
      throw new OAuthError('invalid_client', 'Client authentication failed: send the client secret.');
  }

  private exchangeCode(
    client: OAuthClientRegistration,
    authenticated: boolean,
    params: URLSearchParams,
  ): Record<string, unknown> {
    const code = params.get('code');
    if (!code) throw new OAuthError('invalid_request', 'code is missing.');
    const info = this.tokens.codes.get(code);
    const verifier = params.get('code_verifier');
    this.requireAuthenticated(client, authenticated, Boolean(info?.challenge && verifier));
    if (!allows(client, 'authorization_code')) {
      throw new OAuthError('unauthorized_client', 'The app may not use the authorization code grant.');
    }
    if (!info || info.clientId !== client.clientId)
      throw new OAuthError('invalid_grant', 'Invalid authorization code.');
    if (info.used) {
      // A replayed code: revoke what the first exchange produced (RFC 6749 §4.1.2).
      this.tokens.revokeGrant(info.grantId);
      throw new OAuthError('invalid_grant', 'The authorization code was already used.');
    }
    info.used = true;
    if (info.expiresAt <= this.settings.now())
      throw new OAuthError('invalid_grant', 'The authorization code expired.');
    // RFC 6749 §4.1.3: a redirect_uri given at the authorization step must be repeated exactly. Without one
    // there, the client may leave it out, send it empty, or name the registered URI the code went to.
    const redirectUri = params.get('redirect_uri') ?? '';
    // Some services (Box) do not ask for it again at all.
    const leftOut = !this.settings.redirectUriRequiredAtExchange && !params.has('redirect_uri');
    const repeated =
      info.redirectUri !== undefined
        ? redirectUri === info.redirectUri
        : redirectUri === '' || redirectUri === info.sentTo;
    const redirectOk = leftOut || repeated;
    if (!redirectOk) {
      throw new OAuthError(
        'invalid_grant',
        'redirect_uri does not match the one of the authorization request.',
      );
    }
    if (info.challenge) {
      if (!verifier) throw new OAuthError('invalid_grant', 'code_verifier is missing.');
      if (!verifierMatches(verifier, info.challenge, info.challengeMethod ?? 'plain')) {
        throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge.');
      }
    } else if (verifier) {
      throw new OAuthError(
        'invalid_grant',
        'code_verifier was sent but the authorization request had no code_challenge.',
      );
    }
    const base = {
      clientId: client.clientId,
      subject: info.subject,
      scopes: info.scopes,
      grantId: info.grantId,
    };
    const access = this.mintAccess(base);
    const refresh = info.issueRefreshToken
      ? this.tokens.mintRefreshToken(
          { ...base, publicClient: !authenticated },
          this.settings.refreshTokenLifetimeSeconds,
        )
      : undefined;
    return this.tokenResponse('authorization_code', access, refresh);
  }

  private refresh(
    client: OAuthClientRegistration,
    authenticated: boolean,
    params: URLSearchParams,
  ): Record<string, unknown> {
    const token = params.get('refresh_token');
    if (!token) throw new OAuthError('invalid_request', 'refresh_token is missing.');
    const info = this.tokens.refreshTokens.get(token);
    if (!authenticated && !(info?.publicClient && info.clientId === client.clientId)) {
      throw new OAuthError('invalid_client', 'Client authentication failed: send the client secret.');
    }
    if (!allows(client, 'refresh_token')) {
      throw new OAuthError('unauthorized_client', 'The app may not use the refresh token grant.');
    }
    if (!info || info.clientId !== client.clientId)
      throw new OAuthError('invalid_grant', 'Invalid refresh token.');
    if (info.expiresAt !== undefined && info.expiresAt <= this.settings.now()) {
      this.tokens.refreshTokens.delete(token);
      throw new OAuthError('invalid_grant', 'The refresh token expired.');
    }
    let scopes = info.scopes;
    const asked = (params.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (asked.length) {
      const extra = asked.filter((s) => !info.scopes.includes(s));
      if (extra.length)
        throw new OAuthError('invalid_scope', `Scope beyond the original grant: ${extra.join(' ')}.`);
      scopes = asked;
    }
    const base = { clientId: info.clientId, subject: info.subject, scopes, grantId: info.grantId };
    const access = this.mintAccess(base);
    let rotated: RefreshTokenInfo | undefined;
    if (this.settings.rotateRefreshTokens) {
      this.tokens.refreshTokens.delete(token);
      rotated = this.tokens.mintRefreshToken(
        { ...base, scopes: info.scopes, publicClient: info.publicClient },
        this.settings.refreshTokenLifetimeSeconds,
      );
    }
    return this.tokenResponse('refresh_token', access, rotated);
  }

  private clientCredentials(
    client: OAuthClientRegistration,
    authenticated: boolean,
    params: URLSearchParams,
  ): Record<string, unknown> {
    if (!authenticated)
      throw new OAuthError('invalid_client', 'Client authentication failed: send the client secret.');
    if (!allows(client, 'client_credentials')) {
      throw new OAuthError('unauthorized_client', 'The app may not use the client credentials grant.');
    }
    const scopes = this.checkScopes(client, params.get('scope'));
    const subject = this.settings.clientCredentialsSubject?.(client, params) ?? `client:${client.clientId}`;
    const access = this.mintAccess({
      clientId: client.clientId,
      subject,
      scopes,
      grantId: this.tokens.newGrantId(),
    });
    // No refresh token for this grant (RFC 6749 §4.4.3): the client asks again.
    return this.tokenResponse('client_credentials', access, undefined);
  }

  private password(
    client: OAuthClientRegistration,
    authenticated: boolean,
    params: URLSearchParams,
  ): Record<string, unknown> {
    const check = this.settings.passwordGrant;
    if (!check) throw new OAuthError('unsupported_grant_type', 'The password grant is not supported.');
    this.requireAuthenticated(client, authenticated, false);
    if (!allows(client, 'password'))
      throw new OAuthError('unauthorized_client', 'The app may not use the password grant.');
    const username = params.get('username');
    const password = params.get('password');
    if (!username || password === null)
      throw new OAuthError('invalid_request', 'username and password are required.');
    const subject = check(username, password);
    if (!subject) throw new OAuthError('invalid_grant', 'Wrong user name or password.');
    const base = {
      clientId: client.clientId,
      subject,
      scopes: this.checkScopes(client, params.get('scope')),
      grantId: this.tokens.newGrantId(),
    };
    const access = this.mintAccess(base);
    const refresh = this.tokens.mintRefreshToken(
      { ...base, publicClient: false },
      this.settings.refreshTokenLifetimeSeconds,
    );
    return this.tokenResponse('password', access, refresh);
  }

  /** The JWT-bearer grant: the service checks the assertion and names the subject; no refresh token. */
  private async jwtBearer(
    req: EmulatorRequest,
    params: URLSearchParams,
    grant: NonNullable<OAuthServerSettings['jwtBearerGrant']>,
  ): Promise<Record<string, unknown>> {
    const who = await grant({
      params,
      authenticateClient: () => this.authenticateClient(req, params),
      verifier: this.assertions,
    });
    const access = this.mintAccess(
      { clientId: who.clientId, subject: who.subject, scopes: who.scopes, grantId: this.tokens.newGrantId() },
      who.lifetimeSeconds,
    );
    return this.tokenResponse(JWT_BEARER_GRANT, access, undefined);
  }

  private mintAccess(
    base: Omit<AccessTokenInfo, 'token' | 'issuedAt' | 'expiresAt'>,
    lifetime?: number,
  ): AccessTokenInfo {
    const s = this.settings;
    return this.tokens.mintAccessToken(
      base,
      lifetime ?? s.accessTokenLifetimeSeconds,
      s.accessTokenFormat,
      s.accessTokenPrefix,
      s.serviceName,
    );
  }

  private tokenResponse(
    grantType: GrantType,
    access: AccessTokenInfo,
    refresh: RefreshTokenInfo | undefined,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      access_token: access.token,
      token_type: this.settings.tokenType,
      expires_in: Math.round((access.expiresAt - access.issuedAt) / 1000),
    };
    if (refresh) body.refresh_token = refresh.token;
    if (access.scopes.length) body.scope = access.scopes.join(' ');
    const extras = this.settings.tokenResponseExtras?.({
      grantType,
      clientId: access.clientId,
      subject: access.subject,
      scopes: access.scopes,
    });
    return { ...body, ...extras };
  }

  // ---- revocation endpoint (RFC 7009) -------------------------------------------------------------------

  private async handleRevoke(req: EmulatorRequest, res: ServerResponse): Promise<void> {
    try {
      const params = await readParams(req);
      const { registration, authenticated } = this.authenticateClient(req, params);
      const token = params.get('token');
      if (!token) throw new OAuthError('invalid_request', 'token is missing.');
      const info = this.tokens.accessTokens.get(token) ?? this.tokens.refreshTokens.get(token);
      if (info && info.clientId === registration.clientId) {
        if (!authenticated && registration.clientSecret) {
          throw new OAuthError('invalid_client', 'Client authentication failed: send the client secret.');
        }
        // Revoking a refresh token ends the whole grant; an access token goes alone.
        if (this.tokens.refreshTokens.has(token)) this.tokens.revokeGrant(info.grantId);
        else this.tokens.revokeToken(token);
      }
      // RFC 7009 §2.2: an unknown token is not an error.
      res.writeHead(200, { ...TOKEN_HEADERS, 'content-length': 0 });
      res.end();
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      sendJson(res, e.status, e.toJSON(), TOKEN_HEADERS);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  private page(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
    res.end(html);
  }

  private redirect(res: ServerResponse, location: string, cookie?: string): void {
    const headers: Record<string, string> = { location, 'cache-control': 'no-store', 'content-length': '0' };
    if (cookie) headers['set-cookie'] = cookie;
    res.writeHead(302, headers);
    res.end();
  }
}

function allows(client: OAuthClientRegistration, grant: GrantType): boolean {
  return !client.grantTypes || client.grantTypes.includes(grant);
}

function csrfCookie(transaction: string): string {
  return `oauth_csrf_${transaction.replace(/[^A-Za-z0-9_-]/g, '')}`;
}
