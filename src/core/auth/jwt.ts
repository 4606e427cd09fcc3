/**
 * Reads the payload of a JWT-format access token (`OAuthJWTPayload`). Nothing is verified: the client only
 * looks at its own token's claims, the server is the one that trusts or rejects it.
 */
export function decodeJwtPayload(token: string | undefined): string {
  if (!token) return '';
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return '';
  try {
    const json = Buffer.from(parts[1], 'base64url').toString('utf8');
    const value = JSON.parse(json) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? json : '';
  } catch {
    return '';
  }
}
