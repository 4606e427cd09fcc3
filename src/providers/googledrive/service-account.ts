import { readFileSync } from 'node:fs';
import { type AssertionSpec, JwtAssertionGrant, type OAuthClient } from '../../core/auth/index.js';
import { invalidArgument } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';

/** Google's token endpoint, and the `aud` of service-account assertions when the key names none. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The JSON key of a service account, as Google Cloud's console downloads it (the fields the sign-in uses). */
export interface GoogleServiceAccountKey {
  type?: 'service_account';
  project_id?: string;
  private_key_id?: string;
  private_key: string;
  client_email: string;
  client_id?: string;
  token_uri?: string;
}

/** The service-account sign-in properties of the GoogleDrive class. */
export interface GoogleServiceAccountProperties {
  /**
   * The service account's JSON key (the object or its JSON text). Setting it turns service-account sign-in
   * on: the scopes are oAuthAuthorizationScope (space-separated).
   */
  serviceAccountKey: GoogleServiceAccountKey | string | undefined;
  /** The same, from the path of the key file. */
  serviceAccountKeyFile: string;
  /** A user of the domain to act for (domain-wide delegation: the assertion's `sub`); '' the account itself. */
  serviceAccountSubject: string;
}

export const SERVICE_ACCOUNT_PROPERTY_NAMES = [
  'serviceAccountKey',
  'serviceAccountKeyFile',
  'serviceAccountSubject',
] as const satisfies ReadonlyArray<keyof GoogleServiceAccountProperties>;

/** Google accepts assertions that live at most an hour. */
const ASSERTION_LIFETIME_SECONDS = 3600;

/**
 * Google service accounts: the JWT-bearer grant with an assertion signed by the account's key (`kid` the
 * key id, `iss` the account's email, `scope`, `aud` the key's token URI, an hour's lifetime, `sub` for
 * domain-wide delegation). The access token (an hour) is renewed before it expires with a new assertion;
 * there is no refresh token.
 */
export class GoogleServiceAccountAuth implements GoogleServiceAccountProperties {
  private key: GoogleServiceAccountKey | undefined;
  private keyFile = '';
  private subject = '';
  private readonly grant: JwtAssertionGrant;

  constructor(
    private readonly oauth: OAuthClient,
    private readonly redactor: Redactor,
  ) {
    this.grant = new JwtAssertionGrant('a service-account assertion', () => this.assertion());
  }

  get serviceAccountKey(): GoogleServiceAccountKey | string | undefined {
    return this.key ? { ...this.key } : undefined;
  }
  set serviceAccountKey(value: GoogleServiceAccountKey | string | undefined) {
    this.use(value === undefined || value === '' ? undefined : parseKey(value, 'serviceAccountKey'));
    this.keyFile = '';
  }

  get serviceAccountKeyFile(): string {
    return this.keyFile;
  }
  set serviceAccountKeyFile(path: string) {
    if (!path) {
      this.use(undefined);
    } else {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw invalidArgument(`serviceAccountKeyFile: cannot read ${path} (${(e as Error).message}).`);
      }
      this.use(parseKey(text, `serviceAccountKeyFile ${path}`));
    }
    this.keyFile = path;
  }

  get serviceAccountSubject(): string {
    return this.subject;
  }
  set serviceAccountSubject(value: string) {
    if (value !== this.subject && this.oauth.usesTokenSource(this.grant)) this.oauth.discardToken();
    this.subject = value;
  }

  private use(key: GoogleServiceAccountKey | undefined): void {
    if (key) this.redactor.add(key.private_key);
    if (key?.client_email !== this.key?.client_email) this.oauth.discardToken();
    this.key = key;
    this.oauth.useTokenSource(this.grant, Boolean(key));
  }

  private assertion(): AssertionSpec {
    const key = this.key!;
    const tokenUri = key.token_uri || GOOGLE_TOKEN_URL;
    const scope = this.oauth.oAuthAuthorizationScope.trim();
    if (!scope)
      throw invalidArgument(
        'A service-account sign-in needs oAuthAuthorizationScope (space-separated scopes).',
      );
    return {
      claims: {
        iss: key.client_email,
        scope,
        aud: tokenUri,
        ...(this.subject ? { sub: this.subject } : {}),
      },
      privateKey: key.private_key,
      ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
      lifetimeSeconds: ASSERTION_LIFETIME_SECONDS,
      jti: false,
      // oAuthServerTokenUrl (an emulator, a proxy) wins; the assertion still names the key's token URI.
      tokenUrl: this.oauth.oAuthServerTokenUrl || tokenUri,
      names: { privateKey: 'the private_key of serviceAccountKey', passphrase: 'a passphrase' },
      purpose: `service-account sign-in (${key.client_email}${this.subject ? ` for ${this.subject}` : ''})`,
    };
  }
}

function parseKey(value: GoogleServiceAccountKey | string, what: string): GoogleServiceAccountKey {
  let key: unknown = value;
  if (typeof value === 'string') {
    try {
      key = JSON.parse(value);
    } catch {
      throw invalidArgument(`${what} is not JSON: give the JSON key downloaded for the service account.`);
    }
  }
  const k = key as Partial<GoogleServiceAccountKey> | null;
  const missing = (['client_email', 'private_key'] as const).filter(
    (f) => typeof k?.[f] !== 'string' || !k[f],
  );
  if (missing.length || (k?.type !== undefined && k.type !== 'service_account')) {
    throw invalidArgument(
      `${what} is not a service-account key (${missing.length ? `no ${missing.join(', ')}` : `type ${k?.type}`}): create a JSON key for the service account (IAM, Service accounts, Keys, Add key).`,
    );
  }
  return k as GoogleServiceAccountKey;
}
