import { createHash, randomBytes } from 'node:crypto';

/** PKCE (RFC 7636) on the client side: a fresh verifier per authorization and its challenge. */

/** 32 random bytes, base64url: 43 characters of the unreserved set, as RFC 7636 §4.1 recommends. */
export function createVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** Random `state` for CSRF protection of the redirect (RFC 6749 §10.12). */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}

/** `OAuthPKCEChallengeEncoding`: 1 plain, 2 S256. */
export function challengeFor(
  verifier: string,
  encoding: number,
): { challenge: string; method: 'plain' | 'S256' } {
  if (encoding === 1) return { challenge: verifier, method: 'plain' };
  return { challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url'), method: 'S256' };
}

export const VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;
