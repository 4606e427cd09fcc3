/**
 * Secret redaction. Every log line and every error message passes through a {@link Redactor} before it
 * leaves the library, so a token, client secret or password can never be printed by accident.
 *
 * Two layers: the exact values a client knows to be secret (registered as they become known: tokens,
 * secrets, passwords), and patterns that catch secrets in shapes we did not register (Authorization
 * headers, `access_token=` parameters, JSON token fields).
 */
export const REDACTED = '[REDACTED]';

const PATTERNS: Array<[RegExp, string]> = [
  // Authorization / Proxy-Authorization headers, whatever the scheme.
  [/((?:proxy-)?authorization\s*[:=]\s*)("?)[^\r\n"]+/gi, `$1$2${REDACTED}`],
  // Query or form parameters that carry secrets.
  [
    /\b(access_token|refresh_token|client_secret|code_verifier|password|passwd|id_token|assertion|code)=([^&\s"']+)/gi,
    `$1=${REDACTED}`,
  ],
  // JSON fields that carry secrets.
  [
    /("(?:access_token|refresh_token|client_secret|password|id_token|code_verifier|authorizationToken|applicationKey)"\s*:\s*")((?:[^"\\]|\\.)*)"/gi,
    `$1${REDACTED}"`,
  ],
  // Credentials embedded in a URL (scheme://user:pass@host).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a value that must never appear in output. Short values are ignored (they would mask noise). */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    // A secret also travels encoded: in a URL, in a form body (URLSearchParams encodes differently from
    // encodeURIComponent: '+' for a space, %21 for '!'), or escaped inside a JSON string. Base64 forms
    // (Basic auth) are registered by whoever builds them.
    const variants = [
      encodeURIComponent(secret),
      new URLSearchParams([['', secret]]).toString().slice(1),
      JSON.stringify(secret).slice(1, -1),
    ];
    for (const variant of variants) if (variant !== secret) this.secrets.add(variant);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
    return out;
  }
}

/** Redaction with the patterns only, for code that has no client at hand. */
export const defaultRedactor = new Redactor();
