/**
 * Header values built from user data (file names), in the forms the services send.
 */

/** RFC 5987 `attr-char`: what `filename*` may carry unescaped. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

/**
 * `Content-Disposition` for a file name of any script (RFC 6266): an ASCII `filename="…"` fallback for old
 * clients (non-ASCII, controls, quotes and backslashes become `_`) and the exact name as
 * `filename*=UTF-8''<percent-encoded UTF-8>`, which every current client prefers.
 */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  let fallback = '';
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    fallback += code < 0x20 || code > 0x7e || ch === '"' || ch === '\\' ? '_' : ch;
  }
  let encoded = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const ch = String.fromCharCode(byte);
    encoded +=
      byte < 0x80 && ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
