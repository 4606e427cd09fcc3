import { createPublicKey, type KeyObject } from 'node:crypto';
import type { OAuthError } from './errors.js';

/** The JWT-bearer grant (RFC 7523) that Box JWT apps and Google service accounts use. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A public key registered for an app or service account, named by the `kid` its assertions carry. */
export interface AssertionPublicKey {
  id: string;
  /** SPKI or PKCS#1 PEM, or a certificate (what the service's console shows). */
  pem: string;
}

/** Why an assertion is refused; each service words its own error for each. */
export type AssertionFailure =
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'audience'
  | 'expired'
  | 'exp_too_far'
  | 'iat_missing'
  | 'iat_in_future'
  | 'jti_missing'
  | 'jti_replayed';

export interface AssertionRules {
  /** Accepted `aud` values (the service's token URL under its public names). */
  audiences: readonly string[];
  /** The longest an assertion may live: Box measures `exp` from now (60 s), Google from `iat` (3600 s). */
  maxLifetimeSeconds: number;
  lifetimeFrom: 'now' | 'iat';
  requireIat: boolean;
  requireJti: boolean;
  /** Clock skew tolerated on `exp` and `iat`. */
  skewSeconds: number;
  /** The service's error for each failure. */
  fail: (failure: AssertionFailure) => OAuthError;
}

/** The parts of an assertion that are read before the key is known: who signed it, and with which key. */
export interface AssertionPeek {
  kid: string | undefined;
  alg: unknown;
  claims: Record<string, unknown>;
}

/**
 * Checks signed assertions the way the services do: RS256 only, the signature against the registered key
 * the `kid` names, or any of the issuer's keys without a `kid` (verified with `jose`), `aud`, `exp` (not past, not too far ahead), `iat`, and `jti` seen
 * once only (remembered until the assertion would have expired anyway).
 */
export class AssertionVerifier {
  private readonly seen = new Map<string, number>();
  private readonly keys = new WeakMap<AssertionPublicKey, KeyObject>();

  constructor(private readonly now: () => number) {}

  /** Decodes header and claims without verifying anything; undefined when it is no compact JWS. */
  static peek(assertion: string): AssertionPeek | undefined {
    const parts = assertion.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
      if (
        !header ||
        typeof header !== 'object' ||
        !claims ||
        typeof claims !== 'object' ||
        Array.isArray(claims)
      )
        return undefined;
      return {
        kid: typeof header.kid === 'string' ? header.kid : undefined,
        alg: header.alg,
        claims: claims as Record<string, unknown>,
      };
    } catch {
      return undefined;
    }
  }

  /** Verifies an assertion against the keys of its issuer; returns its claims or throws the service's error. */
  async verify(
    assertion: string,
    keys: readonly AssertionPublicKey[],
    rules: AssertionRules,
  ): Promise<Record<string, unknown>> {
    const peek = AssertionVerifier.peek(assertion);
    if (!peek) throw rules.fail('malformed');
    if (peek.alg !== 'RS256') throw rules.fail('algorithm');
    // Without a `kid`, any of the issuer's keys may verify it: Box's own TypeScript SDK sends none.
    const candidates = peek.kid === undefined ? keys : keys.filter((k) => k.id === peek.kid);
    if (!candidates.length) throw rules.fail('unknown_key');
    const { compactVerify } = await import('jose');
    let verified = false;
    for (const key of candidates) {
      try {
        await compactVerify(assertion, this.publicKey(key), { algorithms: ['RS256'] });
        verified = true;
        break;
      } catch {
        // the next key, if any
      }
    }
    if (!verified) throw rules.fail('signature');
    const c = peek.claims;
    const nowSeconds = this.now() / 1000;
    const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!audiences.some((a) => typeof a === 'string' && rules.audiences.includes(a)))
      throw rules.fail('audience');
    if (typeof c.exp !== 'number') throw rules.fail('expired');
    if (c.exp <= nowSeconds - rules.skewSeconds) throw rules.fail('expired');
    if (rules.requireIat && typeof c.iat !== 'number') throw rules.fail('iat_missing');
    if (typeof c.iat === 'number' && c.iat > nowSeconds + rules.skewSeconds)
      throw rules.fail('iat_in_future');
    const from = rules.lifetimeFrom === 'iat' && typeof c.iat === 'number' ? c.iat : nowSeconds;
    if (c.exp - from > rules.maxLifetimeSeconds + rules.skewSeconds) throw rules.fail('exp_too_far');
    const jti = typeof c.jti === 'string' ? c.jti : undefined;
    if (rules.requireJti && (!jti || jti.length < 16 || jti.length > 128)) throw rules.fail('jti_missing');
    if (jti !== undefined) this.useJti(`${String(c.iss)}\u0000${jti}`, c.exp, rules);
    return c;
  }

  private useJti(id: string, exp: number, rules: AssertionRules): void {
    const now = this.now();
    for (const [k, until] of this.seen) if (until < now) this.seen.delete(k);
    if (this.seen.has(id)) throw rules.fail('jti_replayed');
    this.seen.set(id, (exp + rules.skewSeconds) * 1000);
  }

  private publicKey(key: AssertionPublicKey): KeyObject {
    let k = this.keys.get(key);
    if (!k) {
      k = createPublicKey(key.pem);
      this.keys.set(key, k);
    }
    return k;
  }
}
