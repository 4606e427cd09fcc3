import { createHmac, randomBytes } from 'node:crypto';
import type { CodeChallengeMethod } from './pkce.js';

/**
 * What the authorization server remembers: authorization codes, access tokens and refresh tokens, each tied
 * to a grant (one user's consent to one client). Revoking a grant kills every token issued under it, which
 * is what happens when an authorization code is replayed (RFC 6749 §4.1.2).
 */
export interface AuthorizationCodeInfo {
  code: string;
  clientId: string;
  /** The redirect_uri of the authorization request, when it had one; the token request must repeat it. */
  redirectUri: string | undefined;
  /** The URI the code was delivered to (the registered default when the request named none). */
  sentTo: string;
  subject: string;
  scopes: string[];
  challenge: string | undefined;
  challengeMethod: CodeChallengeMethod | undefined;
  expiresAt: number;
  used: boolean;
  grantId: string;
  issueRefreshToken: boolean;
}

export interface AccessTokenInfo {
  token: string;
  clientId: string;
  subject: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  grantId: string;
}

export interface RefreshTokenInfo {
  token: string;
  clientId: string;
  subject: string;
  scopes: string[];
  issuedAt: number;
  /** Undefined: the refresh token does not expire. */
  expiresAt: number | undefined;
  grantId: string;
  /** Issued to a client that authenticated with PKCE only (no secret): its refreshes need no secret either. */
  publicClient: boolean;
}

export type AccessTokenFormat = 'opaque' | 'jwt';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export class TokenRegistry {
  readonly codes = new Map<string, AuthorizationCodeInfo>();
  readonly accessTokens = new Map<string, AccessTokenInfo>();
  readonly refreshTokens = new Map<string, RefreshTokenInfo>();
  /** Key for the HS256 signature of JWT-format access tokens (they are still looked up, never trusted). */
  private readonly jwtKey = randomBytes(32);
  private grantCounter = 0;

  constructor(private readonly now: () => number) {}

  /** The codes and tokens, for a snapshot of the emulator (see snapshot.ts). */
  saved(): Record<string, unknown> {
    return {
      codes: this.codes,
      accessTokens: this.accessTokens,
      refreshTokens: this.refreshTokens,
      grantCounter: this.grantCounter,
    };
  }

  newGrantId(): string {
    return `grant-${++this.grantCounter}-${randomToken(6)}`;
  }

  mintAccessToken(
    info: Omit<AccessTokenInfo, 'token' | 'issuedAt' | 'expiresAt'>,
    lifetimeSeconds: number,
    format: AccessTokenFormat,
    prefix: string,
    issuer: string,
  ): AccessTokenInfo {
    const issuedAt = this.now();
    const expiresAt = issuedAt + lifetimeSeconds * 1000;
    const token =
      format === 'jwt' ? this.jwt(info, issuedAt, expiresAt, issuer) : `${prefix}${randomToken()}`;
    const record = { ...info, token, issuedAt, expiresAt };
    this.accessTokens.set(token, record);
    return record;
  }

  mintRefreshToken(
    info: Omit<RefreshTokenInfo, 'token' | 'issuedAt' | 'expiresAt'>,
    lifetimeSeconds: number | undefined,
  ): RefreshTokenInfo {
    const issuedAt = this.now();
    const record: RefreshTokenInfo = {
      ...info,
      token: randomToken(48),
      issuedAt,
      expiresAt: lifetimeSeconds ? issuedAt + lifetimeSeconds * 1000 : undefined,
    };
    this.refreshTokens.set(record.token, record);
    return record;
  }

  /** Removes one token (access or refresh); returns whether it existed. */
  revokeToken(token: string): boolean {
    return this.accessTokens.delete(token) || this.refreshTokens.delete(token);
  }

  /** Removes every token issued under a grant. */
  revokeGrant(grantId: string): void {
    for (const [t, info] of this.accessTokens) if (info.grantId === grantId) this.accessTokens.delete(t);
    for (const [t, info] of this.refreshTokens) if (info.grantId === grantId) this.refreshTokens.delete(t);
  }

  /** Drops expired codes and tokens, so a long-running emulator does not grow without bound. */
  sweep(): void {
    const now = this.now();
    for (const [c, info] of this.codes) if (info.expiresAt + 60_000 < now) this.codes.delete(c);
    for (const [t, info] of this.accessTokens)
      if (info.expiresAt + 3_600_000 < now) this.accessTokens.delete(t);
    for (const [t, info] of this.refreshTokens) {
      if (info.expiresAt !== undefined && info.expiresAt < now) this.refreshTokens.delete(t);
    }
  }

  private jwt(
    info: Omit<AccessTokenInfo, 'token' | 'issuedAt' | 'expiresAt'>,
    issuedAt: number,
    expiresAt: number,
    issuer: string,
  ): string {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const header = enc({ alg: 'HS256', typ: 'JWT' });
    const payload = enc({
      iss: issuer,
      sub: info.subject,
      aud: info.clientId,
      client_id: info.clientId,
      scope: info.scopes.join(' '),
      iat: Math.floor(issuedAt / 1000),
      exp: Math.floor(expiresAt / 1000),
      jti: randomToken(12),
    });
    const signature = createHmac('sha256', this.jwtKey).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }
}
