import { OAuthClient, type OAuthClientOptions, type TokenStore } from '../../../src/core/auth/index.js';
import { oauthSettings } from '../../../src/core/auth/settings.js';
import { Settings } from '../../../src/core/config.js';
import type { CloudStorageError } from '../../../src/core/errors.js';
import { type CoreEvents, TypedEmitter } from '../../../src/core/events.js';
import { HttpClient, httpSettings } from '../../../src/core/http/index.js';
import { Redactor } from '../../../src/core/redact.js';
import { EmulatorServer, sendJson } from '../../../src/emulator/core/index.js';
import { OAuthAuthorizationServer, type OAuthServerOptions } from '../../../src/emulator/core/oauth/index.js';

export const CLIENT_ID = 'test-app-client-id';
export const CLIENT_SECRET = 'test-app-client-secret-0123456789';
export const WEB_RETURN_URL = 'https://webapp.example/oauth/callback';
export const AUTHORIZE_PATH = '/oauth2/authorize';
export const TOKEN_PATH = '/oauth2/token';

/** A clock shared by the emulator and the client, so tests expire tokens by moving it, not by waiting. */
export class TestClock {
  t = Date.now();
  readonly now = () => this.t;
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export interface OAuthEnv {
  server: EmulatorServer;
  oauth: OAuthAuthorizationServer;
  clock: TestClock;
  baseUrl: string;
  authUrl: string;
  tokenUrl: string;
  /** The token endpoint requests the emulator received. */
  tokenRequests(): number;
  stop(): Promise<void>;
}

/**
 * An emulator with the OAuth server mounted and one protected route, GET /me, that answers 401 (with an
 * RFC 6750 WWW-Authenticate) unless the bearer token is good.
 */
export async function startOAuthEnv(options: Partial<OAuthServerOptions> = {}): Promise<OAuthEnv> {
  const clock = new TestClock();
  const server = new EmulatorServer();
  const oauth = new OAuthAuthorizationServer({
    authorizePath: AUTHORIZE_PATH,
    tokenPath: TOKEN_PATH,
    revokePath: '/oauth2/revoke',
    serviceName: 'Test Service',
    user: { id: 'user-42', name: 'Ada Lovelace' },
    now: clock.now,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        name: 'Test App',
        redirectUris: ['http://localhost', 'http://127.0.0.1', 'http://127.0.0.1/callback', WEB_RETURN_URL],
      },
    ],
    ...options,
  });
  oauth.install(server);
  server.host('api').router.get('/me', (req, res) => {
    const check = oauth.verifyAccessToken(req);
    if (!check.ok) {
      sendJson(
        res,
        401,
        { error: check.reason, message: check.description },
        { 'www-authenticate': OAuthAuthorizationServer.wwwAuthenticate(check, 'Test Service') },
      );
      return;
    }
    sendJson(res, 200, { id: check.subject, clientId: check.clientId, scopes: check.scopes });
  });
  await server.start();
  const baseUrl = server.url('api');
  return {
    server,
    oauth,
    clock,
    baseUrl,
    authUrl: `${baseUrl}${AUTHORIZE_PATH}`,
    tokenUrl: `${baseUrl}${TOKEN_PATH}`,
    tokenRequests: () => server.requestLog.filter((e) => e.path === TOKEN_PATH).length,
    stop: () => server.stop(),
  };
}

export interface TestClient {
  oauth: OAuthClient;
  http: HttpClient;
  redactor: Redactor;
  /** Every log line of the HTTP client and the OAuth client. */
  logs: string[];
  /** GET /me through the real HTTP client, authenticated by the OAuth client. */
  me(): Promise<{ id: string; clientId: string; scopes: string[] }>;
}

/** The real HttpClient and an OAuthClient sharing one Settings instance, as a provider wires them. */
export function makeClient(
  env: OAuthEnv,
  options: Partial<OAuthClientOptions> & { store?: TokenStore } = {},
): TestClient {
  const settings = new Settings({ ...httpSettings, ...oauthSettings });
  settings.set('LogLevel', 3);
  const events = new TypedEmitter<CoreEvents>();
  const redactor = new Redactor();
  const logs: string[] = [];
  events.on('log', (e) => logs.push(e.message));
  const http = new HttpClient({ settings, events, redactor });
  const oauth = new OAuthClient({
    http,
    settings,
    oAuthClientId: CLIENT_ID,
    oAuthClientSecret: CLIENT_SECRET,
    oAuthServerAuthUrl: env.authUrl,
    oAuthServerTokenUrl: env.tokenUrl,
    openBrowser: fetchBrowser,
    now: env.clock.now,
    log: (e) => logs.push(e.message),
    ...options,
  });
  http.auth = oauth;
  return {
    oauth,
    http,
    redactor,
    logs,
    async me() {
      const res = await http.request({ method: 'GET', url: `${env.baseUrl}/me` });
      return res.json();
    },
  };
}

/**
 * A "browser" for servers in autoApprove mode: fetches the authorization URL and follows the redirects, which
 * lead to the client's loopback server.
 */
export async function fetchBrowser(url: string): Promise<void> {
  const res = await fetch(url);
  await res.text();
}

/** Follows the authorization URL one hop and returns the redirect it answers with (autoApprove). */
export async function redirectOf(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  await res.text();
  const location = res.headers.get('location');
  if (!location) throw new Error(`expected a redirect from ${url}, got ${res.status}`);
  return new URL(location);
}

/** Awaits a promise that must reject with a CloudStorageError; returns it. */
export async function rejection(p: Promise<unknown>): Promise<CloudStorageError> {
  try {
    await p;
  } catch (e) {
    return e as CloudStorageError;
  }
  throw new Error('expected the promise to reject');
}

/**
 * Collects every secret the tests produce (codes and tokens minted by the emulator, PKCE verifiers, the
 * client secret) and every text the library put out (log lines, error messages and stacks, pages), then
 * reports any secret found in any text.
 */
export class SecretScan {
  readonly secrets = new Set<string>([CLIENT_SECRET]);
  readonly outputs: string[] = [];
  private readonly clients: TestClient[] = [];

  /** Records every code and token the emulator mints from now on. */
  track(env: OAuthEnv): void {
    const tokens = env.oauth.tokens;
    const mintAccess = tokens.mintAccessToken.bind(tokens);
    tokens.mintAccessToken = (...args) => {
      const r = mintAccess(...args);
      this.secrets.add(r.token);
      return r;
    };
    const mintRefresh = tokens.mintRefreshToken.bind(tokens);
    tokens.mintRefreshToken = (...args) => {
      const r = mintRefresh(...args);
      this.secrets.add(r.token);
      return r;
    };
    const codes = tokens.codes;
    const setCode = codes.set.bind(codes);
    codes.set = (code, info) => {
      this.secrets.add(code);
      return setCode(code, info);
    };
  }

  client(c: TestClient): TestClient {
    this.clients.push(c);
    return c;
  }

  secret(value: string | undefined): void {
    if (value) this.secrets.add(value);
  }

  output(text: string | undefined): void {
    if (text) this.outputs.push(text);
  }

  error(e: unknown): void {
    if (!(e instanceof Error)) {
      this.output(String(e));
      return;
    }
    this.output(e.message);
    this.output(e.stack);
    this.output(String(e));
  }

  leaks(extra: string[] = []): string[] {
    const texts = [...this.outputs, ...this.clients.flatMap((c) => c.logs), ...extra];
    const found: string[] = [];
    for (const s of this.secrets) {
      if (s.length < 8) continue;
      for (const t of texts) if (t.includes(s)) found.push(`${s.slice(0, 4)}… in: ${t.slice(0, 120)}`);
    }
    return found;
  }
}
