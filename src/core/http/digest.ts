import { createHash, randomBytes } from 'node:crypto';
import { CloudStorageError, ErrorCode } from '../errors.js';

/**
 * HTTP Digest access authentication (RFC 7616, and RFC 2617 / 2069 servers), as a proxy asks for it in a
 * 407 answer (`proxyAuthScheme` 1). One {@link DigestSession} per proxy and user keeps the server's nonce,
 * so later requests and tunnels authenticate at once, counting the nonce's uses in `nc`; a new challenge
 * (a 407 with `stale=true`, or a new nonce) replaces it.
 */

export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/**
 * Reads the challenges of a WWW-Authenticate / Proxy-Authenticate value, in one pass: `Digest realm="x",
 * nonce="y", Basic realm="z"`. Parameter names are lower-cased.
 */
export function parseChallenges(value: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const n = value.length;
  const skip = (chars: string) => {
    while (i < n && chars.includes(value[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && !' \t,="'.includes(value[i]!)) i++;
    return value.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < n) {
    skip(' \t,');
    if (i >= n) break;
    const word = token();
    if (!word) {
      i++;
      continue;
    }
    const afterWord = i;
    skip(' \t');
    if (value[i] === '=' && current) {
      i++;
      skip(' \t');
      let v: string;
      if (value[i] === '"') {
        i++;
        let out = '';
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          out += value[i];
          i++;
        }
        i++;
        v = out;
      } else {
        v = token();
      }
      current.params.set(word.toLowerCase(), v);
    } else {
      // A new scheme; "token68" credentials after it (Negotiate abc==) are kept as the param "".
      i = afterWord;
      current = { scheme: word.toLowerCase(), params: new Map() };
      challenges.push(current);
    }
  }
  return challenges;
}

/** The Digest challenge among the headers' challenges, or undefined. */
export function digestChallenge(headerValues: readonly string[]): Challenge | undefined {
  for (const value of headerValues) {
    const found = parseChallenges(value).find((c) => c.scheme === 'digest');
    if (found) return found;
  }
  return undefined;
}

const HASHES: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256', 'sha-512-256': 'sha512-256' };

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export class DigestSession {
  private challenge: Challenge | undefined;
  private nc = 0;

  constructor(
    private readonly user: string,
    private readonly password: string,
    /** Where the challenge came from, for error messages ("the proxy 127.0.0.1:3128"). */
    private readonly who: string,
  ) {}

  /** Whether a challenge is known, so requests can authenticate without a 407 first. */
  get ready(): boolean {
    return this.challenge !== undefined;
  }

  /**
   * Takes a new challenge. Returns false when it is the same nonce we already answered and the server does
   * not say it went stale: the credentials themselves were refused.
   */
  accept(challenge: Challenge): boolean {
    const nonce = challenge.params.get('nonce');
    if (!nonce) {
      throw new CloudStorageError(
        ErrorCode.UnsupportedOperation,
        `${this.who} sent a Digest challenge without a nonce; it cannot be answered.`,
      );
    }
    const stale = challenge.params.get('stale')?.toLowerCase() === 'true';
    const sameNonce = this.challenge?.params.get('nonce') === nonce;
    if (sameNonce && !stale) return false;
    this.algorithm(challenge);
    this.qop(challenge);
    this.challenge = challenge;
    this.nc = 0;
    return true;
  }

  /** Forgets the challenge (after the server refused the credentials). */
  clear(): void {
    this.challenge = undefined;
    this.nc = 0;
  }

  /** The Authorization / Proxy-Authorization value for one request (`uri` is its request target). */
  authorization(method: string, uri: string, cnonce = randomBytes(16).toString('hex')): string {
    const c = this.challenge;
    if (!c) throw new Error('no Digest challenge yet');
    const { name, hash, sess } = this.algorithm(c);
    const h = (text: string) => createHash(hash).update(text, 'utf8').digest('hex');
    const realm = c.params.get('realm') ?? '';
    const nonce = c.params.get('nonce')!;
    const qop = this.qop(c);
    this.nc++;
    const nc = this.nc.toString(16).padStart(8, '0');
    let ha1 = h(`${this.user}:${realm}:${this.password}`);
    if (sess) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
    const ha2 = h(`${method}:${uri}`);
    const response = qop ? h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${nonce}:${ha2}`);
    const userhash = c.params.get('userhash')?.toLowerCase() === 'true';
    const parts = [
      `username=${quote(userhash ? h(`${this.user}:${realm}`) : this.user)}`,
      `realm=${quote(realm)}`,
      `nonce=${quote(nonce)}`,
      `uri=${quote(uri)}`,
      ...(c.params.has('algorithm') ? [`algorithm=${name}`] : []),
      `response=${quote(response)}`,
      ...(c.params.has('opaque') ? [`opaque=${quote(c.params.get('opaque')!)}`] : []),
      ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
      ...(userhash ? ['userhash=true'] : []),
    ];
    return `Digest ${parts.join(', ')}`;
  }

  private algorithm(c: Challenge): { name: string; hash: string; sess: boolean } {
    const name = c.params.get('algorithm') ?? 'MD5';
    const lower = name.toLowerCase();
    const sess = lower.endsWith('-sess');
    const hash = HASHES[sess ? lower.slice(0, -5) : lower];
    if (!hash) {
      throw new CloudStorageError(
        ErrorCode.UnsupportedOperation,
        `${this.who} asks for Digest algorithm ${name}; MD5, SHA-256 and SHA-512-256 (and their -sess forms) are supported.`,
      );
    }
    return { name, hash, sess };
  }

  /** "auth" when offered; "" for an RFC 2069 server that offers no qop; auth-int alone cannot be answered. */
  private qop(c: Challenge): string {
    const offered = c.params.get('qop');
    if (offered === undefined) return '';
    const list = offered.split(',').map((q) => q.trim().toLowerCase());
    if (list.includes('auth')) return 'auth';
    throw new CloudStorageError(
      ErrorCode.UnsupportedOperation,
      `${this.who} offers only Digest qop="${offered}"; only qop=auth is supported.`,
    );
  }
}
