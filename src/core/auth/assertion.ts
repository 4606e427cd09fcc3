import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import { CloudStorageError, ErrorCode, invalidArgument } from '../errors.js';
import { requestToken, type TokenResponse } from './token-endpoint.js';
import type { TokenSource, TokenSourceContext } from './token-source.js';

/** The JWT-bearer grant of RFC 7523. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** One assertion to sign, read from the provider's properties each time a token is needed. */
export interface AssertionSpec {
  /** The claims besides `iat`, `exp` and `jti` (iss, sub, aud, scope, box_sub_type, …). */
  claims: Record<string, unknown>;
  /** The RSA private key, PEM (PKCS#8, possibly encrypted, or PKCS#1). */
  privateKey: string;
  /** Decrypts an encrypted private key. */
  passphrase?: string;
  /** The `kid` header: which of the app's public keys verifies the signature. */
  keyId?: string;
  /** Seconds from `iat` to `exp` (Box allows at most 60, Google 3600). */
  lifetimeSeconds: number;
  /** Whether to send a fresh random `jti` (Box requires one; Google's clients send none). */
  jti: boolean;
  /** Where to send it, when not the OAuth client's token URL (a service-account key names its own). */
  tokenUrl?: string;
  /** Client authentication at the token endpoint (Box sends id and secret with the assertion). */
  clientId?: string;
  clientSecret?: string;
  /** The property names of the key and the passphrase, for messages ("jwtPrivateKey"). */
  names: { privateKey: string; passphrase: string };
  /** What is asked, for messages ("Box JWT sign-in"). */
  purpose: string;
}

/**
 * Signs an assertion with the service account's or app's private key (RS256, with `jose`) and trades it at
 * the token endpoint for an access token (the JWT-bearer grant). There is no refresh token: each new access
 * token takes a new assertion, with a new `jti` and expiry.
 */
export class JwtAssertionGrant implements TokenSource {
  private cachedKey: { pem: string; passphrase: string; key: KeyObject } | undefined;

  constructor(
    readonly description: string,
    private readonly spec: () => AssertionSpec,
  ) {}

  async fetchToken(context: TokenSourceContext): Promise<TokenResponse> {
    const spec = this.spec();
    const assertion = await this.sign(spec, context.now());
    context.redactor.add(assertion);
    return requestToken({
      http: context.http,
      redactor: context.redactor,
      url: spec.tokenUrl || context.tokenUrl,
      params: { grant_type: JWT_BEARER_GRANT, assertion },
      clientId: spec.clientId ?? '',
      clientSecret: spec.clientSecret ?? '',
      clientAuthentication: 'form',
      purpose: spec.purpose,
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.record ? { record: context.record } : {}),
    });
  }

  /** The signed assertion (compact JWS), for `now` in ms since the epoch. */
  async sign(spec: AssertionSpec, now: number): Promise<string> {
    const key = this.key(spec);
    const { SignJWT } = await import('jose');
    const iat = Math.floor(now / 1000);
    const jwt = new SignJWT({ ...spec.claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(spec.keyId ? { kid: spec.keyId } : {}) })
      .setIssuedAt(iat)
      .setExpirationTime(iat + spec.lifetimeSeconds);
    if (spec.jti) jwt.setJti(randomBytes(32).toString('base64url'));
    return jwt.sign(key);
  }

  private key(spec: AssertionSpec): KeyObject {
    const passphrase = spec.passphrase ?? '';
    const cached = this.cachedKey;
    if (cached && cached.pem === spec.privateKey && cached.passphrase === passphrase) return cached.key;
    const key = loadPrivateKey(spec.privateKey, passphrase, spec.names);
    this.cachedKey = { pem: spec.privateKey, passphrase, key };
    return key;
  }
}

/**
 * Reads an RSA private key from PEM (node:crypto decrypts an encrypted PKCS#8 key with the passphrase). A
 * missing or wrong passphrase is error 603 naming the property to fix; something that is no RSA key is
 * error 1000.
 */
export function loadPrivateKey(
  pem: string,
  passphrase: string,
  names: { privateKey: string; passphrase: string },
): KeyObject {
  if (!pem.trim()) throw invalidArgument(`${names.privateKey} is empty: set it to the PEM private key.`);
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && !passphrase) {
    throw new CloudStorageError(
      ErrorCode.InvalidCredentials,
      `The private key (${names.privateKey}) is encrypted: set ${names.passphrase} to its passphrase.`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(
      passphrase ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' },
    );
  } catch (e) {
    if (encrypted) {
      throw new CloudStorageError(
        ErrorCode.InvalidCredentials,
        `The private key (${names.privateKey}) could not be decrypted: ${names.passphrase} is not its passphrase.`,
        { cause: e },
      );
    }
    throw invalidArgument(`${names.privateKey} is not a PEM private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalidArgument(
      `${names.privateKey} is a ${key.asymmetricKeyType} key; the sign-in needs an RSA key (RS256).`,
    );
  }
  return key;
}
