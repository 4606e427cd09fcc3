import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthError } from './errors.js';

/** PKCE (RFC 7636) as the authorization server sees it: checking a challenge and a verifier. */
export type CodeChallengeMethod = 'plain' | 'S256';

/** A verifier or plain challenge: 43–128 characters of the unreserved set (RFC 7636 §4.1). */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Validates the challenge parameters of an authorization request; returns the method to store. */
export function parseChallenge(
  challenge: string | null,
  method: string | null,
): CodeChallengeMethod | undefined {
  if (!challenge) {
    if (method)
      throw new OAuthError('invalid_request', 'code_challenge_method was given without code_challenge.');
    return undefined;
  }
  // RFC 7636 §4.3: the method defaults to "plain".
  const m = method ?? 'plain';
  if (m !== 'plain' && m !== 'S256') {
    throw new OAuthError('invalid_request', `Unsupported code_challenge_method "${m}": use S256 or plain.`);
  }
  if (!VERIFIER.test(challenge)) {
    throw new OAuthError(
      'invalid_request',
      'code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].',
    );
  }
  return m;
}

/** The S256 transform: BASE64URL(SHA256(ASCII(verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Whether `verifier` answers `challenge` under `method`; compares in constant time. */
export function verifierMatches(verifier: string, challenge: string, method: CodeChallengeMethod): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const derived = Buffer.from(method === 'S256' ? s256(verifier) : verifier);
  const expected = Buffer.from(challenge);
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}
