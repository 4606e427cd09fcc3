/**
 * The OAuth 2.0 authorization server the service emulators mount. It imports nothing from the client code
 * (src/core): a misunderstanding of OAuth must not be able to hide in code both sides share.
 */
export { OAuthAuthorizationServer } from './authorization-server.js';
export { OAuthError, type OAuthErrorCode } from './errors.js';
export {
  type AssertionFailure,
  type AssertionPublicKey,
  type AssertionRules,
  AssertionVerifier,
  JWT_BEARER_GRANT,
} from './jwt-assertion.js';
export type {
  EmulatedUser,
  GrantType,
  IssuedTokens,
  IssueTokenOptions,
  JwtBearerGrant,
  JwtBearerRequest,
  OAuthClientRegistration,
  OAuthServerOptions,
  OAuthServerSettings,
  TokenCheck,
  TokenContext,
} from './options.js';
export { type CodeChallengeMethod, s256 } from './pkce.js';
export { findRedirectUri, isLoopbackUri, redirectUriMatches } from './redirect-uri.js';
export type {
  AccessTokenFormat,
  AccessTokenInfo,
  AuthorizationCodeInfo,
  RefreshTokenInfo,
} from './token-registry.js';
