/**
 * OAuth 2.0 for the clients: grants, PKCE, state, the loopback redirect server, browser launch, token
 * refresh and token stores. Providers create one {@link OAuthClient} and hand it to the HTTP client as its
 * AuthProvider.
 */
export { type AssertionSpec, JWT_BEARER_GRANT, JwtAssertionGrant, loadPrivateKey } from './assertion.js';
export { openerFor, openInSystemBrowser } from './browser.js';
export { decodeJwtPayload } from './jwt.js';
export { LOOPBACK_ADDRESS, LoopbackRedirectServer, type RedirectCapture } from './loopback-server.js';
export { OAuthClient, type OAuthClientOptions } from './oauth-client.js';
export { OAuthParams } from './oauth-params.js';
export { OAUTH_PROPERTY_NAMES, type OAuthProperties, OAuthState } from './oauth-state.js';
export { challengeFor, createState, createVerifier } from './pkce.js';
export { exposeOAuthProperties, forwardProperties } from './properties.js';
export { isOAuthSetting, type OAuthSettings, type OAuthSettingTable, oauthSettings } from './settings.js';
export {
  CallbackTokenStore,
  type CallbackTokenStoreOptions,
  FileTokenStore,
  type FileTokenStoreOptions,
  MemoryTokenStore,
  RedisTokenStore,
  type RedisTokenStoreOptions,
  storeTokensCallback,
} from './stores/index.js';
export { requestToken, type TokenResponse } from './token-endpoint.js';
export {
  type AccessTokenAnswer,
  type AccessTokenCallback,
  CallbackTokenSource,
  type TokenSource,
  type TokenSourceContext,
} from './token-source.js';
export {
  type BrowserLauncher,
  type HttpRequester,
  OAuthClientProfile,
  type OAuthClientProfileValue,
  OAuthGrantType,
  type OAuthGrantTypeValue,
  type OAuthServiceProfile,
  type TokenRecord,
  type TokenStore,
  type UnauthorizedResponse,
} from './types.js';
