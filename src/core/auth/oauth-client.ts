import { parseBool, type SettingOptions, Settings } from '../config.js';
import { CloudStorageError, ErrorCode, invalidArgument } from '../errors.js';
import type { LogEvent } from '../events.js';
import type { AuthProvider } from '../http/types.js';
import { installXPath } from '../json-xpath.js';
import { sendReconciled } from '../reconcile.js';
import { Redactor } from '../redact.js';
import { openInSystemBrowser } from './browser.js';
import { decodeJwtPayload } from './jwt.js';
import { LoopbackRedirectServer, type RedirectCapture } from './loopback-server.js';
import { loopbackTlsOptions } from './loopback-tls.js';
import { OAuthParams } from './oauth-params.js';
import { OAUTH_PROPERTY_NAMES, type OAuthProperties, OAuthState } from './oauth-state.js';
import { defaultFailurePage, defaultSuccessPage } from './pages.js';
import { challengeFor, createState, createVerifier } from './pkce.js';
import { type OAuthSettings, type OAuthSettingTable, oauthSettings } from './settings.js';
import { requestToken, type TokenResponse } from './token-endpoint.js';
import type { TokenSource } from './token-source.js';
import {
  type BrowserLauncher,
  type HttpRequester,
  OAuthClientProfile,
  OAuthGrantType,
  type OAuthServiceProfile,
  type TokenRecord,
  type TokenStore,
  type UnauthorizedResponse,
} from './types.js';

export interface OAuthClientOptions extends Partial<Omit<OAuthProperties, 'oAuthWebAuthUrl'>> {
  /** The HTTP client the token requests go through. */
  http: HttpRequester;
  /**
   * The settings to read: a provider passes its own Settings instance (whose table includes
   * {@link oauthSettings}); otherwise the client makes one from these typed values.
   */
  settings?: OAuthSettings | SettingOptions<OAuthSettingTable>;
  /** Where secrets are registered; default the HTTP client's redactor, else a new one. */
  redactor?: Redactor;
  /** Where tokens are kept between runs; default none (memory only). */
  store?: TokenStore;
  /** The service's defaults and quirks. */
  service?: OAuthServiceProfile;
  /** Opens the authorization URL; default the platform's opener. */
  openBrowser?: BrowserLauncher;
  /** Receives log lines (already redacted). */
  log?: (event: LogEvent) => void;
  /** Password for the password grant (oAuthGrantType 2); the user name is OAuthPasswordGrantUsername. */
  passwordGrantPassword?: string;
  /** Clock in ms since the epoch; tests inject one to expire tokens without waiting. */
  now?: () => number;
  /** Gets access tokens instead of the OAuth grants (a signed assertion, a callback); see {@link TokenSource}. */
  tokenSource?: TokenSource;
}

/** Refresh this long before expiry at most; short-lived tokens use a tenth of their lifetime instead. */
const MAX_REFRESH_MARGIN_MS = 60_000;

const DEFAULT_EXPIRED_CHECK = (r: UnauthorizedResponse): boolean =>
  /invalid_token|expired/i.test(r.headers['www-authenticate'] ?? '') || /expired/i.test(r.bodyText);

/**
 * OAuth 2.0 for the clients: the grants of the reference classes (authorization code with PKCE through a
 * loopback server and the browser, or handed in by a web app; client credentials; refresh; password), token
 * caching with expiry, automatic refresh, refresh-token rotation, and persistence through a {@link TokenStore}.
 *
 * It is the {@link AuthProvider} of the HTTP client: `authorizationHeader()` before each request (refreshing
 * first when the token expired), `handleUnauthorized()` after a 401 (refresh once when the 401 says the token
 * expired). It never opens a browser outside `authorize()`: a refresh that would need the user is an error.
 */
export class OAuthClient extends OAuthState implements AuthProvider, OAuthProperties {
  private readonly http: HttpRequester;
  private readonly store: TokenStore | undefined;
  /** Whether the last renewal took the tokens another client had stored (see adoptedSharedToken). */
  private adoptedShared = false;
  private readonly service: OAuthServiceProfile;
  private readonly openBrowser: BrowserLauncher;
  private readonly log: ((event: LogEvent) => void) | undefined;
  /**
   * Where new access tokens come from instead of the grants and the refresh token (Box JWT, Google service
   * accounts, a callback); undefined: the OAuth grants of the oAuth* properties.
   */
  tokenSource: TokenSource | undefined;

  private inflight: Promise<void> | undefined;
  /** The read of the token store under way (see loadFromStore). */
  private storeLoading: Promise<void> | undefined;
  private readonly params = new OAuthParams();
  private lastRequest = '';
  private recordRequests = false;
  private server: LoopbackRedirectServer | undefined;
  private serverStarting: Promise<void> | undefined;
  /** The port the last server got when OAuthWebServerPort was 0: still "automatic" while unchanged. */
  private autoPort: number | undefined;
  /** The return URL this client set itself (embedded server), so it can be replaced when the port changes. */
  private autoReturnUrl: string | undefined;
  /** `state` of the Web profile's authorization URL (made when it is read, or set through webAuthState). */
  private webState: string | undefined;
  /** The `state` the redirect carried, handed back with the code (handleWebRedirect or webRedirectState). */
  private returnedState: string | undefined;

  constructor(options: OAuthClientOptions) {
    super(
      options.settings instanceof Settings
        ? options.settings
        : new Settings(oauthSettings, options.settings ?? {}),
      options.redactor ?? options.http.redactor ?? new Redactor(),
      options.now ?? Date.now,
    );
    this.http = options.http;
    this.store = options.store;
    this.service = options.service ?? {};
    this.openBrowser = options.openBrowser ?? openInSystemBrowser;
    this.log = options.log;
    this.tokenSource = options.tokenSource;
    this.installSettingHooks();
    for (const name of OAUTH_PROPERTY_NAMES) {
      if (name === 'oAuthWebAuthUrl') continue;
      const value = options[name];
      if (value !== undefined) (this as unknown as Record<string, unknown>)[name] = value;
    }
    if (options.passwordGrantPassword !== undefined)
      this.passwordGrantPassword = options.passwordGrantPassword;
    this.redactor.add(this.settings.get('OAuthPKCEVerifier'));
  }

  // ---- Web profile ---------------------------------------------------------------------------------------

  /**
   * The URL to send the user to (Web profile): the authorization URL with `redirect_uri` = oAuthReturnUrl,
   * a `state`, and the PKCE challenge of OAuthPKCEVerifier (made up on first read, so the same URL comes back
   * until a code is exchanged).
   */
  get oAuthWebAuthUrl(): string {
    const state = this.ensureWebState();
    let challenge: { challenge: string; method: 'plain' | 'S256' } | undefined;
    if (this.settings.get('OAuthUsePKCE')) {
      let verifier = this.settings.get('OAuthPKCEVerifier');
      if (!verifier) {
        verifier = createVerifier();
        this.redactor.add(verifier);
        this.settings.set('OAuthPKCEVerifier', verifier, true);
      }
      challenge = challengeFor(verifier, this.settings.get('OAuthPKCEChallengeEncoding'));
    }
    return this.buildAuthUrl(this.oAuthReturnUrl, state, challenge);
  }

  private ensureWebState(): string {
    if (!this.webState) this.webState = createState();
    return this.webState;
  }

  /**
   * For the Web profile: the `state` in {@link oAuthWebAuthUrl} (made up on first read, like the csrf_token
   * of Box's SDK). When another instance or process handles the redirect, keep it with the user's session
   * and set it on that instance, as OAuthPKCEVerifier is carried.
   */
  get webAuthState(): string {
    return this.ensureWebState();
  }
  set webAuthState(value: string) {
    this.webState = value || undefined;
  }

  /**
   * For the Web profile: the `state` the redirect to oAuthReturnUrl carried, handed back with
   * oAuthAuthorizationCode. authorize() exchanges a handed-in code only when this equals webAuthState: a
   * code without it, or with another, may be forged (CSRF) and is refused before any token request.
   * {@link handleWebRedirect} sets both from the redirect URL.
   */
  get webRedirectState(): string {
    return this.returnedState ?? '';
  }
  set webRedirectState(value: string) {
    this.returnedState = value || undefined;
  }

  /**
   * For the Web profile: takes the URL (or query string) the user came back with, checks its error and
   * `state` (against webAuthState: refused when no state was made or set), and sets oAuthAuthorizationCode
   * and webRedirectState; then call {@link authorize}.
   */
  handleWebRedirect(redirect: string | URL | URLSearchParams): void {
    const q =
      redirect instanceof URLSearchParams
        ? redirect
        : new URL(String(redirect), 'http://redirect.invalid').searchParams;
    this.checkRedirect(q, this.webState);
    this.oAuthAuthorizationCode = q.get('code')!;
    this.returnedState = q.get('state')!;
  }

  /** Whether the embedded redirect server is listening. */
  get webServerActive(): boolean {
    return this.server?.active ?? false;
  }

  // ---- AuthProvider -------------------------------------------------------------------------------------

  async authorizationHeader(signal?: AbortSignal): Promise<string | undefined> {
    if (this.authorization) return this.authorization;
    await this.ensureToken(false, signal);
    return this.headerValue();
  }

  adoptedSharedToken(): boolean {
    return this.adoptedShared;
  }

  async handleUnauthorized(response: UnauthorizedResponse): Promise<boolean> {
    if (this.authorization || response.status !== 401) return false;
    // With OAuthAutomaticRefresh off, only authorize() gets new tokens.
    if (!this.settings.get('OAuthAutomaticRefresh')) return false;
    const expired = (this.service.isExpiredTokenResponse ?? DEFAULT_EXPIRED_CHECK)(response);
    if (!expired || !this.canRenewWithoutUser()) return false;
    this.emitLog(2, 'The server reports the access token as expired; getting a new one.');
    // The server knows better than our clock: treat the token as expired, whatever its expiresAt says.
    if (this.token) this.token = { ...this.token, expiresAt: 0 };
    this.adoptedShared = false;
    await this.renew(false);
    return true;
  }

  // ---- authorize ----------------------------------------------------------------------------------------

  /**
   * Gets an access token for the configured profile and grant, and returns the authorization string
   * ("Bearer <token>"). A cached token that has not expired is returned as is; an expired one is refreshed;
   * otherwise the grant runs (for the Application profile with the authorization code grant, this opens the
   * browser and waits for the redirect).
   */
  async authorize(signal?: AbortSignal): Promise<string> {
    if (this.authorization) return this.authorization;
    await this.ensureToken(true, signal);
    return this.headerValue();
  }

  /** Clears the OAuth state (when OAuthResetData is on, the default) and stops the redirect server. */
  async reset(): Promise<void> {
    if (!this.settings.get('OAuthResetData')) return;
    await this.stopWebServer();
    this.resetProperties();
    this.params.clear();
    this.lastRequest = '';
    this.recordRequests = false;
    this.webState = undefined;
    this.returnedState = undefined;
    this.autoPort = undefined;
    this.autoReturnUrl = undefined;
    for (const name of Object.keys(oauthSettings)) this.settings.clear(name as keyof OAuthSettingTable);
  }

  /**
   * Starts the embedded redirect server (as `OAuthWebServerActive=True` does, in the background). Await it
   * before reading OAuthWebServerPort, e.g. to point a relay at the server.
   */
  startWebServer(): Promise<void> {
    if (this.server?.active) return Promise.resolve();
    this.serverStarting ??= this.doStartWebServer().finally(() => {
      this.serverStarting = undefined;
    });
    return this.serverStarting;
  }

  private async doStartWebServer(): Promise<void> {
    const configured = this.settings.get('OAuthWebServerPort');
    const port = configured === this.autoPort ? 0 : configured;
    const server = new LoopbackRedirectServer(loopbackTlsOptions(this.settings));
    await server.start(port);
    this.server = server;
    if (port === 0) {
      this.autoPort = server.port;
      this.settings.set('OAuthWebServerPort', server.port, true);
    }
    this.emitLog(2, `OAuth redirect server listening on 127.0.0.1:${server.port}.`);
  }

  /** Stops the embedded redirect server (as `OAuthWebServerActive=False` does). */
  async stopWebServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  /**
   * Forgets the cached access token (not the store's), so that the next request gets a new one: for a
   * change of whom the tokens act for (Box jwtUserId). The store is not read again for it.
   */
  discardToken(): void {
    this.token = undefined;
    this.storeLoaded = true;
  }

  /** Makes `source` the token source, or with `active` false removes it (when it is the one in use). */
  useTokenSource(source: TokenSource, active: boolean): void {
    if (active) this.tokenSource = source;
    else if (this.tokenSource === source) this.tokenSource = undefined;
  }

  /** Whether new tokens come from `source` now. */
  usesTokenSource(source: TokenSource): boolean {
    return this.tokenSource === source;
  }

  /** Releases what the client holds open (the redirect server). */
  async close(): Promise<void> {
    await this.stopWebServer();
  }

  // ---- token lifecycle ----------------------------------------------------------------------------------

  private async ensureToken(interactive: boolean, signal?: AbortSignal): Promise<void> {
    await this.loadFromStore();
    const automatic = this.settings.get('OAuthAutomaticRefresh');
    if (!interactive && !automatic) {
      if (this.token?.accessToken) return;
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        'There is no access token yet: call authorize() first (OAuthAutomaticRefresh is off, so requests do not get one by themselves).',
        { redactor: this.redactor },
      );
    }
    const fresh = () =>
      !(interactive && this.codeHandedIn()) && this.token?.accessToken && !this.needsRenewal(this.token);
    if (fresh()) return;
    if (interactive && this.inflight) await this.inflight.catch(() => undefined);
    if (fresh()) return;
    await this.renew(interactive, signal);
  }

  /** Whether the app handed in an authorization code (Web profile) that authorize() has yet to exchange. */
  private codeHandedIn(): boolean {
    return (
      this.oAuthGrantType === OAuthGrantType.AuthorizationCode &&
      this.oAuthClientProfile === OAuthClientProfile.Web &&
      this.oAuthAuthorizationCode !== ''
    );
  }

  /** Gets a new access token: refresh when possible, else the configured grant. One at a time per client. */
  private renew(interactive: boolean, signal?: AbortSignal): Promise<void> {
    if (this.inflight) return this.inflight;
    const run = this.doRenew(interactive, signal).finally(() => {
      this.inflight = undefined;
    });
    this.inflight = run;
    return run;
  }

  private async doRenew(interactive: boolean, signal?: AbortSignal): Promise<void> {
    if (this.tokenSource) {
      await this.renewFromSource(this.tokenSource, signal);
      return;
    }
    const grant = this.oAuthGrantType;
    // A code handed in (Web profile) is a new authorization the app asked for: it wins over a refresh.
    if (interactive && this.codeHandedIn()) {
      await this.exchangeHandedInCode(signal);
      return;
    }
    if (this.token?.refreshToken && grant !== OAuthGrantType.ClientCredentials) {
      try {
        await this.refreshWithLock(signal);
        return;
      } catch (e) {
        const dead = e instanceof CloudStorageError && e.providerCode === 'invalid_grant';
        const canSignIn = interactive && grant === OAuthGrantType.AuthorizationCode;
        if (!dead || !canSignIn || this.oAuthClientProfile === OAuthClientProfile.Web) throw e;
        this.emitLog(1, 'The refresh token was refused; signing in again.');
        this.token = undefined;
      }
    }
    switch (grant) {
      case OAuthGrantType.ClientCredentials:
        await this.grant(
          { grant_type: 'client_credentials', ...this.scopeParam() },
          'client credentials grant',
          signal,
        );
        return;
      case OAuthGrantType.Password:
        await this.passwordGrant(signal);
        return;
      case OAuthGrantType.Implicit:
        throw new CloudStorageError(
          ErrorCode.UnsupportedOperation,
          'The implicit grant (oAuthGrantType 1) is not supported: it returns tokens in the browser URL and cannot refresh. Use the authorization code grant (0), which uses PKCE.',
          { redactor: this.redactor },
        );
    }
    if (!interactive) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        this.token?.accessToken
          ? 'The access token expired and there is no refresh token to renew it without the user: call authorize() to sign in again.'
          : 'Not authorized yet: call authorize() first (it may open a browser), or set oAuthRefreshToken or authorization.',
        { redactor: this.redactor },
      );
    }
    if (this.oAuthClientProfile === OAuthClientProfile.Web) {
      await this.exchangeHandedInCode(signal);
      return;
    }
    await this.browserFlow(signal);
  }

  /**
   * The refresh grant, under the store's lock. Inside the lock the store is read again: when another process
   * refreshed meanwhile, its tokens are adopted instead of refreshing twice (with rotation, refreshing twice
   * would kill one of the two refresh tokens).
   */
  private async refreshWithLock(signal?: AbortSignal): Promise<void> {
    await this.underRefreshLock(async (mine, stored) => {
      const refreshToken =
        stored?.refreshToken &&
        stored.refreshToken !== mine?.refreshToken &&
        stored.accessToken !== mine?.accessToken
          ? stored.refreshToken
          : mine?.refreshToken;
      if (!refreshToken)
        throw new CloudStorageError(ErrorCode.InvalidCredentials, 'There is no refresh token.');
      this.redactor.add(refreshToken);
      // Retried on connection faults and 5xx with backoff (core sendReconciled; the token server cannot be
      // asked what it did). With rotation, a refresh whose answer was lost may have replaced this refresh
      // token by one no one received: the next attempt is then refused, and only a new sign-in helps.
      let answerLost = false;
      try {
        await sendReconciled(
          this.http,
          {
            send: () =>
              this.grant(
                { grant_type: 'refresh_token', refresh_token: refreshToken },
                'token refresh',
                signal,
              ),
            reconcile: async () => {
              answerLost = true;
              return undefined;
            },
          },
          signal,
        );
      } catch (e) {
        if (answerLost && e instanceof CloudStorageError && e.providerCode === 'invalid_grant') {
          throw new CloudStorageError(
            ErrorCode.InvalidCredentials,
            'The answer to a token refresh was lost on the way, and the service now refuses the refresh token that refresh used (it rotated it in the lost answer): sign in again (authorize()) to get new tokens.',
            { cause: e, providerCode: 'invalid_grant', httpStatus: e.httpStatus, redactor: this.redactor },
          );
        }
        throw e;
      }
    });
  }

  /**
   * A new access token from the token source (an assertion, a callback), under the store's lock like a
   * refresh: processes sharing a store take the token one of them got instead of each asking for one.
   */
  private async renewFromSource(source: TokenSource, signal?: AbortSignal): Promise<void> {
    await this.underRefreshLock(async (mine) => {
      this.emitLog(2, `Getting a new access token from ${source.description}.`);
      const response = await source.fetchToken({
        http: this.http,
        redactor: this.redactor,
        tokenUrl: this.tokenUrl(),
        previous: mine?.accessToken || undefined,
        now: this.now,
        ...(signal ? { signal } : {}),
        record: (text) => {
          if (this.recordRequests) this.lastRequest = text;
        },
      });
      await this.accept(response);
      this.emitLog(
        1,
        `New access token from ${source.description}${response.expiresIn ? `; it expires in ${response.expiresIn} s` : ''}.`,
      );
    });
  }

  /**
   * Runs a renewal under the store's refresh lock. Inside the lock the store is read again: when another
   * client renewed meanwhile, its tokens are adopted and `renew` is not called.
   */
  private async underRefreshLock(
    renew: (mine: TokenRecord | undefined, stored: TokenRecord | undefined) => Promise<void>,
  ): Promise<void> {
    const run = async () => {
      const mine = this.token;
      const stored = this.store ? await this.store.get() : undefined;
      if (stored?.accessToken && stored.accessToken !== mine?.accessToken && !this.needsRenewal(stored)) {
        this.adopt(stored);
        this.adoptedShared = true;
        this.emitLog(2, 'Another client renewed the tokens; using the stored ones.');
        return;
      }
      await renew(mine, stored);
    };
    await (this.store?.withRefreshLock ? this.store.withRefreshLock(run) : run());
  }

  private async passwordGrant(signal?: AbortSignal): Promise<void> {
    const username = this.settings.get('OAuthPasswordGrantUsername');
    if (!username)
      throw invalidArgument(
        'The password grant needs OAuthPasswordGrantUsername (and passwordGrantPassword).',
      );
    await this.grant(
      { grant_type: 'password', username, password: this.passwordGrantPassword, ...this.scopeParam() },
      'password grant',
      signal,
    );
  }

  private async exchangeHandedInCode(signal?: AbortSignal): Promise<void> {
    const code = this.oAuthAuthorizationCode;
    if (!code) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        'The Web profile needs oAuthAuthorizationCode: send the user to oAuthWebAuthUrl, take the code from the redirect to oAuthReturnUrl, set it, then call authorize().',
        { redactor: this.redactor },
      );
    }
    const verifier = this.settings.get('OAuthUsePKCE') ? this.settings.get('OAuthPKCEVerifier') : '';
    try {
      // Fail closed: the code is exchanged only with the state of this authorization coming back with it.
      this.checkState(this.returnedState, this.webState);
      await this.exchangeCode(code, this.oAuthReturnUrl, verifier, signal);
    } finally {
      // A code works once; the next authorization starts with a fresh state and verifier.
      this.oAuthAuthorizationCode = '';
      this.webState = undefined;
      this.returnedState = undefined;
      this.settings.clear('OAuthPKCEVerifier');
    }
  }

  /** The Application profile: loopback server, browser, redirect, code exchange. */
  private async browserFlow(signal?: AbortSignal): Promise<void> {
    this.requireSetting(this.oAuthClientId, 'oAuthClientId', "your app's client id");
    const authUrl = this.authUrl();
    this.requireSetting(authUrl, 'oAuthServerAuthUrl', 'the authorization URL of the service');
    await this.startWebServer();
    const server = this.server!;
    try {
      const redirectUri = this.embeddedReturnUrl(server);
      const state = createState();
      let verifier = '';
      let challenge: { challenge: string; method: 'plain' | 'S256' } | undefined;
      if (this.settings.get('OAuthUsePKCE')) {
        verifier = createVerifier();
        this.redactor.add(verifier);
        this.settings.set('OAuthPKCEVerifier', verifier, true);
        challenge = challengeFor(verifier, this.settings.get('OAuthPKCEChallengeEncoding'));
      }
      const url = this.buildAuthUrl(redirectUri, state, challenge);
      const waiting = server.next(this.settings.get('OAuthBrowserResponseTimeout') * 1000, signal);
      waiting.catch(() => undefined);
      this.emitLog(1, 'Opening the browser for authorization.');
      // Not awaited before the redirect: a launcher may only return once the browser has loaded the page
      // the redirect server is holding back until the code exchange is done.
      void Promise.resolve()
        .then(() => this.openBrowser(url))
        .catch((e) => {
          this.emitLog(1, `Could not open a browser (${e instanceof Error ? e.message : String(e)}).`);
          process.stderr.write(`Open this URL in a browser to authorize the application:\n${url}\n`);
        });
      const capture = await waiting;
      await this.completeRedirect(capture, state, redirectUri, verifier, signal);
    } finally {
      if (!this.settings.get('OAuthReUseWebServer')) await this.stopWebServer();
    }
  }

  /** Checks the redirect, exchanges the code, and only then answers the browser with the outcome. */
  private async completeRedirect(
    capture: RedirectCapture,
    state: string,
    redirectUri: string,
    verifier: string,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      this.checkRedirect(capture.query, state);
      this.oAuthAuthorizationCode = capture.query.get('code')!;
      await this.exchangeCode(this.oAuthAuthorizationCode, redirectUri, verifier, signal);
    } catch (e) {
      const reason = e instanceof Error ? this.redactor.redact(e.message) : 'The authorization failed.';
      const custom = this.settings.get('OAuthWebServerFailedResponse');
      capture.respond(400, custom || defaultFailurePage(reason));
      throw e;
    }
    capture.respond(200, this.settings.get('OAuthWebServerResponse') || defaultSuccessPage());
  }

  /**
   * The `state` a redirect carried against the one this authorization made. Fails closed: when no state was
   * made (or set), nothing can be checked, so the code is refused too.
   */
  private checkState(returned: string | undefined, expected: string | undefined): void {
    if (expected === undefined) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        'An authorization code arrived, but this instance made no state for it (read oAuthWebAuthUrl first, or set webAuthState to the state saved when it was read), so it cannot tell the code from a forged one (CSRF); no token was requested.',
        { providerCode: 'state_mismatch', redactor: this.redactor },
      );
    }
    if (returned !== expected) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        returned === undefined
          ? 'The authorization code came without the state of its redirect (Web profile: pass the redirect URL to handleWebRedirect, or set webRedirectState with the code), so it cannot be checked against CSRF; no token was requested.'
          : 'The redirect carries a wrong state, so it may be forged (CSRF); no token was requested. Authorize again from the start.',
        { providerCode: 'state_mismatch', redactor: this.redactor },
      );
    }
  }

  /** Checks a redirect's `error` and `state`; a mismatch ends the flow before any token request. */
  private checkRedirect(q: URLSearchParams, expectedState: string | undefined): void {
    const error = q.get('error');
    if (error) {
      const description = q.get('error_description');
      const denied = error === 'access_denied';
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        denied
          ? `Authorization was denied (access_denied${description ? `: ${description}` : ''}). The user must press Allow; call authorize() to try again.`
          : `The authorization server returned an error: ${error}${description ? ` (${description})` : ''}. Check the OAuth settings and authorize again.`,
        { providerCode: error, redactor: this.redactor },
      );
    }
    this.checkState(q.get('state') ?? undefined, expectedState);
    if (!q.get('code')) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        'The redirect has no authorization code. Authorize again.',
        { redactor: this.redactor },
      );
    }
  }

  private async exchangeCode(
    code: string,
    redirectUri: string,
    verifier: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const params: Record<string, string> = { grant_type: 'authorization_code', code };
    if (redirectUri || this.settings.get('OAuthIncludeEmptyRedirectURI')) params.redirect_uri = redirectUri;
    if (verifier) {
      this.redactor.add(verifier);
      params.code_verifier = verifier;
    }
    await this.grant(params, 'code exchange', signal);
  }

  /** Sends a token request with the extra parameters and client credentials, and takes in the answer. */
  private async grant(params: Record<string, string>, purpose: string, signal?: AbortSignal): Promise<void> {
    const url = this.tokenUrl();
    this.requireSetting(url, 'oAuthServerTokenUrl', 'the token URL of the service');
    this.emitLog(2, `OAuth ${purpose}: POST ${url}`);
    const response = await requestToken({
      http: this.http,
      redactor: this.redactor,
      url,
      params: {
        ...this.service.tokenParams?.(params.grant_type ?? ''),
        ...this.params.request(),
        ...params,
      },
      clientId: this.oAuthClientId,
      clientSecret: this.oAuthClientSecret,
      clientAuthentication: this.service.clientAuthentication ?? 'form',
      purpose,
      ...(signal ? { signal } : {}),
      record: (text) => {
        if (this.recordRequests) this.lastRequest = text;
      },
    });
    await this.accept(response);
    this.emitLog(
      1,
      `OAuth ${purpose} succeeded${response.expiresIn ? `; the access token expires in ${response.expiresIn} s` : ''}${response.refreshToken ? '; new refresh token stored' : ''}.`,
    );
  }

  /** Takes in a token response: cache, properties, settings, extra parameters, then the store, at once. */
  private async accept(response: TokenResponse): Promise<void> {
    const record: TokenRecord = {
      accessToken: response.accessToken,
      // Services that do not rotate (Dropbox, Google) send no refresh token on refresh: keep the old one.
      ...(response.refreshToken || this.token?.refreshToken
        ? { refreshToken: response.refreshToken ?? this.token?.refreshToken }
        : {}),
      ...(response.expiresIn
        ? { expiresAt: this.now() + response.expiresIn * 1000, issuedAt: this.now() }
        : {}),
      ...(response.scope || this.token?.scope ? { scope: response.scope ?? this.token?.scope } : {}),
      ...(response.tokenType ? { tokenType: response.tokenType } : {}),
      ...(Object.keys(response.extra).length ? { extra: response.extra } : {}),
    };
    this.adopt(record);
    this.settings.set('OAuthAccessTokenExpiration', response.expiresIn ?? 0, true);
    this.params.fromResponse(response.extra);
    if (this.store) await this.store.set(record);
  }

  /** Makes a record the current tokens (from a response or from the store). */
  private adopt(record: TokenRecord): void {
    this.redactor.add(record.accessToken);
    this.redactor.add(record.refreshToken);
    this.token = structuredClone(record);
    if (record.expiresAt !== undefined && record.issuedAt !== undefined) {
      const lifetime = Math.round((record.expiresAt - record.issuedAt) / 1000);
      if (lifetime > 0) this.settings.set('OAuthAccessTokenExpiration', lifetime, true);
    }
    if (record.scope) this.oAuthAuthorizationScope = record.scope;
    if (record.tokenType) {
      const type = record.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : record.tokenType;
      this.settings.set('OAuthAuthorizationTokenType', type, true);
    }
  }

  private async loadFromStore(): Promise<void> {
    // Calls that start together all wait for the one read of the store (else all but the first would
    // go on without a token).
    if (this.storeLoading) return this.storeLoading;
    if (this.storeLoaded) return;
    this.storeLoaded = true;
    if (this.token?.accessToken || this.token?.refreshToken || !this.store) return;
    const store = this.store;
    this.storeLoading = (async () => {
      const stored = await store.get();
      if (stored?.accessToken || stored?.refreshToken) this.adopt(stored);
    })().finally(() => {
      this.storeLoading = undefined;
    });
    return this.storeLoading;
  }

  /** Whether a token is expired or about to: within a tenth of its lifetime, at most a minute, of expiry. */
  private needsRenewal(record: TokenRecord): boolean {
    if (record.expiresAt === undefined) return false;
    const lifetime =
      record.issuedAt !== undefined
        ? record.expiresAt - record.issuedAt
        : this.settings.get('OAuthAccessTokenExpiration') * 1000;
    const margin = lifetime > 0 ? Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 10) : MAX_REFRESH_MARGIN_MS;
    return this.now() >= record.expiresAt - margin;
  }

  private canRenewWithoutUser(): boolean {
    if (this.tokenSource) return true;
    if (
      this.oAuthGrantType === OAuthGrantType.ClientCredentials ||
      this.oAuthGrantType === OAuthGrantType.Password
    )
      return true;
    return Boolean(this.token?.refreshToken);
  }

  private headerValue(): string {
    const type = this.settings.get('OAuthAuthorizationTokenType') || 'Bearer';
    return `${type} ${this.token!.accessToken}`;
  }

  // ---- URLs and parameters ------------------------------------------------------------------------------

  private authUrl(): string {
    return this.oAuthServerAuthUrl || this.service.authUrl || '';
  }

  private tokenUrl(): string {
    return this.oAuthServerTokenUrl || this.service.tokenUrl || '';
  }

  /** The redirect URI of the embedded server, unless the user set oAuthReturnUrl to something else (a relay). */
  private embeddedReturnUrl(server: LoopbackRedirectServer): string {
    if (this.oAuthReturnUrl && this.oAuthReturnUrl !== this.autoReturnUrl) return this.oAuthReturnUrl;
    const host = this.settings.get('OAuthWebServerHost') || 'localhost';
    const url = `${server.secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
    this.autoReturnUrl = url;
    this.oAuthReturnUrl = url;
    return url;
  }

  private buildAuthUrl(
    redirectUri: string,
    state: string,
    challenge: { challenge: string; method: 'plain' | 'S256' } | undefined,
  ): string {
    this.requireSetting(this.oAuthClientId, 'oAuthClientId', "your app's client id");
    const base = this.authUrl();
    this.requireSetting(base, 'oAuthServerAuthUrl', 'the authorization URL of the service');
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw invalidArgument(`oAuthServerAuthUrl is not a valid URL: ${base}`);
    }
    const q = url.searchParams;
    q.set('response_type', 'code');
    q.set('client_id', this.oAuthClientId);
    if (redirectUri || this.settings.get('OAuthIncludeEmptyRedirectURI')) q.set('redirect_uri', redirectUri);
    if (this.oAuthAuthorizationScope) q.set('scope', this.oAuthAuthorizationScope);
    q.set('state', state);
    if (challenge) {
      q.set('code_challenge', challenge.challenge);
      q.set('code_challenge_method', challenge.method);
    }
    if (this.oAuthRequestRefreshToken && this.oAuthGrantType === OAuthGrantType.AuthorizationCode) {
      for (const [k, v] of Object.entries(this.service.refreshTokenParams?.() ?? {})) q.set(k, v);
    }
    for (const [k, v] of Object.entries(this.params.request())) q.set(k, v);
    return url.toString();
  }

  private scopeParam(): Record<string, string> {
    return this.oAuthAuthorizationScope ? { scope: this.oAuthAuthorizationScope } : {};
  }

  private requireSetting(value: string, name: string, what: string): void {
    if (!value) throw invalidArgument(`${name} is empty: set it to ${what}.`);
  }

  // ---- settings wiring ----------------------------------------------------------------------------------

  private installSettingHooks(): void {
    const s = this.settings;
    s.defineReader('OAuthJWTPayload', () => decodeJwtPayload(this.token?.accessToken));
    installXPath(s, 'OAuthJWT', () => decodeJwtPayload(this.token?.accessToken));

    this.params.install(s);

    s.defineReader('OAuthTransferredRequest', () => (this.recordRequests ? this.lastRequest : ''));
    s.defineWriter('OAuthTransferredRequest', (value) => {
      const on = parseBool(value);
      if (on === undefined) throw invalidArgument(`OAuthTransferredRequest takes ON or OFF; got "${value}".`);
      this.recordRequests = on;
      if (!on) this.lastRequest = '';
    });

    s.defineReader('OAuthWebServerActive', () => (this.webServerActive ? 'True' : 'False'));
    s.defineWriter('OAuthWebServerActive', (value) => {
      // A bool setting: the registry has checked the value already.
      const on = parseBool(value) === true;
      // config() is synchronous: the server starts or stops in the background. A failure to start is
      // logged, and authorize() tries again (and reports it) when it needs the server.
      const action = on ? this.startWebServer() : this.stopWebServer();
      action.catch((e) =>
        this.emitLog(1, `OAuth redirect server: ${e instanceof Error ? e.message : String(e)}`),
      );
    });

    s.defineWriter('OAuthPKCEVerifier', (value) => this.redactor.add(value));
    s.defineWriter('OAuthAccessTokenExpiration', (value) => {
      const seconds = Number(value.trim());
      if (this.token?.accessToken && Number.isInteger(seconds) && seconds > 0) {
        this.token = { ...this.token, expiresAt: this.now() + seconds * 1000, issuedAt: this.now() };
      }
    });
    s.defineWriter('OAuthWebServerCertStorePassword', (value) => this.redactor.add(value));
  }

  private emitLog(level: 1 | 2 | 3, message: string): void {
    this.log?.({ logLevel: level, logType: 'Info', message: this.redactor.redact(message) });
  }
}
