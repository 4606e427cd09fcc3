import { bool, int, readOnly, type Settings, type SettingTable, str } from '../config.js';
import { xpathSettingTable } from '../json-xpath.js';
import { VERIFIER_PATTERN } from './pkce.js';

/**
 * The OAuth config settings of the reference classes, keyed by their exact names. Every provider spreads this
 * table into its own; the {@link OAuthClient} installs readers and writers for the settings that are computed
 * (OAuthJWTPayload, OAuthParam*, OAuthWebServerActive, OAuthTransferredRequest).
 *
 * Two deliberate differences from the reference:
 * - `OAuthReUseWebServer` defaults to False: the loopback server closes after the redirect, so no socket is
 *   left listening and the process can exit. Set it to True to keep one server (and one redirect URI) for
 *   several authorizations; stop it with `OAuthWebServerActive=False`.
 * - The embedded server always listens on 127.0.0.1; `OAuthWebServerHost` only names the host in the
 *   redirect URI (default "localhost", which browsers resolve to the loopback interface).
 * - `OAuthWebServerCertStoreType` defaults to 6 (PEM key file), not 0: the Windows user store does not exist
 *   here.
 */
export const oauthSettings = {
  OAuthAccessTokenExpiration: int(
    0,
    'Lifetime in seconds of the current access token, as the token server reported it (0: unknown). Setting it after setting oAuthAccessToken by hand tells the client when that token expires.',
    { min: 0 },
  ),
  OAuthAuthorizationTokenType: str('Bearer', 'Scheme of the Authorization header: "Bearer <access token>".'),
  OAuthAutomaticRefresh: bool(
    true,
    'Refresh an expired access token before a request when that needs no user. When off, expiry is checked only by authorize().',
  ),
  OAuthBrowserResponseTimeout: int(
    0,
    'Seconds to wait for the browser to come back to the redirect server; 0 waits forever.',
    {
      min: 0,
    },
  ),
  OAuthIncludeEmptyRedirectURI: bool(true, 'Send redirect_uri in the code exchange even when it is empty.'),
  OAuthJWTPayload: readOnly(
    'The decoded payload (JSON) of the access token when it is a JWT; empty otherwise.',
  ),
  ...xpathSettingTable('OAuthJWT'),
  OAuthParamCount: int(
    0,
    'Number of extra OAuth parameters (OAuthParamName[i]/OAuthParamValue[i]). After a token response the list also holds the response parameters.',
    { min: 0, max: 1000 },
  ),
  OAuthParamName: str('', 'Name of the i-th extra OAuth parameter.', { indexed: true }),
  OAuthParamValue: str('', 'Value of the i-th extra OAuth parameter.', { indexed: true }),
  OAuthPasswordGrantUsername: str('', 'User name for the password grant (oAuthGrantType 2).'),
  OAuthPKCEChallengeEncoding: int(2, 'PKCE code challenge method: 1 plain, 2 S256.', { min: 1, max: 2 }),
  OAuthPKCEVerifier: str(
    '',
    'The PKCE verifier of the current authorization. With the Web profile it can be set, so another instance can do the code exchange.',
    {
      validate: (v) =>
        v === '' || VERIFIER_PATTERN.test(v)
          ? undefined
          : 'a verifier is 43 to 128 characters of [A-Za-z0-9-._~].',
    },
  ),
  OAuthResetData: bool(true, 'Whether reset() also clears the OAuth properties, settings and cached tokens.'),
  OAuthReUseWebServer: bool(false, 'Keep the embedded redirect server running between authorizations.'),
  OAuthTransferredRequest: str(
    '',
    'Set to ON to record the OAuth requests; reading it returns the last one (secrets masked).',
  ),
  OAuthUsePKCE: bool(true, 'Use PKCE (RFC 7636) with the authorization code grant.'),
  OAuthWebServerActive: bool(
    false,
    'Whether the embedded redirect server is running; set it to start or stop the server.',
  ),
  OAuthWebServerCertStore: str(
    '',
    'TLS certificate of the embedded server: a file name or the data itself, per OAuthWebServerCertStoreType.',
  ),
  OAuthWebServerCertStorePassword: str(
    '',
    'Password of the certificate store (PFX) or of the encrypted PEM key.',
  ),
  OAuthWebServerCertStoreType: int(
    6,
    'Certificate store type: 2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob (the others are Windows or Java stores).',
    { allowed: [0, 1, 2, 3, 4, 5, 6, 7, 14, 15, 16, 17] },
  ),
  OAuthWebServerCertSubject: str(
    '',
    'Subject of the certificate to use; "*" or empty takes the one in the store.',
  ),
  OAuthWebServerFailedResponse: str(
    '',
    'HTML sent to the browser when the authorization failed (empty: a built-in page).',
  ),
  OAuthWebServerHost: str(
    'localhost',
    'Host name of the embedded redirect server as it appears in the redirect URI.',
  ),
  OAuthWebServerPort: int(
    0,
    'Port of the embedded redirect server; 0 picks a free one (readable once the server runs).',
    {
      min: 0,
      max: 65535,
    },
  ),
  OAuthWebServerResponse: str(
    '',
    'HTML sent to the browser when the authorization succeeded (empty: a built-in page).',
  ),
  OAuthWebServerSSLEnabled: bool(
    false,
    'Serve the redirect over HTTPS with the OAuthWebServerCert* certificate.',
  ),
} satisfies SettingTable;

export type OAuthSettingTable = typeof oauthSettings;

/** The Settings instance the OAuth client reads: any provider table that includes {@link oauthSettings}. */
export type OAuthSettings = Settings<OAuthSettingTable>;

/** Whether a setting name belongs to the OAuth table (providers use it to honour OAuthResetData). */
export function isOAuthSetting(name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(oauthSettings).some((n) => n.toLowerCase() === lower);
}
