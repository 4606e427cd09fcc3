/**
 * The OAuth 2.0 authorization server the service emulators mount. It imports nothing from the client code
 * (src/core): a misunderstanding of OAuth must not be able to hide in code both sides share.
 */
export {
  type EmulatedUser,
  type GrantType,
  type IssuedTokens,
  type IssueTokenOptions,
  OAuthAuthorizationServer,
  type OAuthClientRegistration,
  type OAuthServerOptions,
  type OAuthServerSettings,
  type TokenCheck,
  type TokenContext,
} from './authorization-server.js';
export { OAuthError, type OAuthErrorCode } from './errors.js';
export { type CodeChallengeMethod, s256 } from './pkce.js';
export { findRedirectUri, isLoopbackUri, redirectUriMatches } from './redirect-uri.js';
export type {
  AccessTokenFormat,
  AccessTokenInfo,
  AuthorizationCodeInfo,
  RefreshTokenInfo,
} from './token-registry.js';
