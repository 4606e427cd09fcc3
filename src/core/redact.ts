/**
 * Secret redaction. Every log line and every error message passes through a {@link Redactor} before it
 * leaves the library, so a token, client secret or password can never be printed by accident.
 *
 * Two layers: the exact values a client knows to be secret (registered as they become known: tokens,
 * secrets, passwords), and patterns that catch secrets in shapes we did not register (Authorization
 * headers, `access_token=` parameters, JSON token fields).
 */
export const REDACTED = '[REDACTED]';

// Every pattern here sees server data (error bodies, headers): each must run in linear time, which
// test/core/linear-parsing.test.ts checks on adversarial input.
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
];

const isSchemeChar = (c: number) =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  c === 0x2b ||
  c === 0x2e ||
  c === 0x2d;
const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
// \s of a regular expression, for the characters a URL can stop at.
const isSpace = (c: number) =>
  c === 0x20 ||
  (c >= 0x09 && c <= 0x0d) ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;

/**
 * Masks the password of credentials embedded in a URL (`scheme://user:pass@host` -> `scheme://user:[REDACTED]@host`).
 * A scan instead of a regular expression: the pattern `[a-z][a-z0-9+.-]*://` retried at every position is
 * quadratic on text such as `a.a.a.…`, and error bodies are server data. Each character is looked at a
 * bounded number of times: the backward scan for the scheme stops at the previous `://`, the forward scans
 * at the next `/`.
 */
export function redactUrlCredentials(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf('://', from);
    if (at < 0) break;
    from = at + 3;
    let start = at;
    while (start > 0 && isSchemeChar(text.charCodeAt(start - 1))) start--;
    let letter = false;
    for (let i = start; i < at && !letter; i++) letter = isLetter(text.charCodeAt(i));
    if (!letter) continue;
    // user: one or more characters up to ':' (none of '/', '@', ':' or a space in it).
    let i = at + 3;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x3a || c === 0x2f || c === 0x40 || isSpace(c)) break;
      i++;
    }
    if (i === at + 3 || text.charCodeAt(i) !== 0x3a) continue;
    const passwordStart = i + 1;
    // password: one or more characters up to '@' (no '/' or space in it).
    let j = passwordStart;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x40 || c === 0x2f || isSpace(c)) break;
      j++;
    }
    if (j === passwordStart || text.charCodeAt(j) !== 0x40) continue;
    out += `${text.slice(copied, passwordStart)}${REDACTED}`;
    copied = j;
    from = j + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

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
    return redactUrlCredentials(out);
  }
}

/** Redaction with the patterns only, for code that has no client at hand. */
export const defaultRedactor = new Redactor();
