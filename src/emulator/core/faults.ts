/**
 * Fault injection: a test arms a fault for the next N requests that match a route, and the emulator
 * server applies it before (or while) the service handler answers.
 */
export interface FaultSpec {
  /** Matches the request path: a substring, or a RegExp. Omitted: every path. */
  path?: string | RegExp;
  /** Matches the method (case-insensitive). Omitted: every method. */
  method?: string;
  /** Which listener (host) of the emulator; omitted: any. */
  host?: string;
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
  /** Answer with this status instead of running the handler (at once: the request body is not read first). */
  status?: number;
  /** Retry-After header value (seconds, or an HTTP date) sent with `status`. */
  retryAfter?: string | number;
  /** Body sent with `status`; by default the service plugin's error body for that status, or a short text. */
  body?: string | object;
  /**
   * With `status`: close the connection right after the answer, with the request body unread (a server
   * that does not drain). The unread bytes make the close a reset, which may destroy the answer.
   */
  closeUnread?: boolean;
  /**
   * Let the handler answer, but reset the connection after this many bytes of the answer's body (0: right
   * after the status line and headers, for answers with or without a body).
   */
  resetAfterBytes?: number;
  /** Reset the connection once this many bytes of the request body were read (0: before any); no handler runs. */
  resetRequestAfterBytes?: number;
  /** Reset the connection right away, before any response. */
  resetConnection?: boolean;
  /**
   * Close the connection without an answer: `before` the handler runs (nothing happened), or `after` it
   * committed (the service did the work; its answer is lost).
   */
  drop?: 'before' | 'after';
  /**
   * Send nothing more and hold the connection until the client leaves: `before` the handler runs, `after`
   * it committed (no answer), or mid-answer with {@link stallAfterBytes}.
   */
  stall?: 'before' | 'after';
  /** Let the handler answer, but stop after this many bytes of the body and hold the connection. */
  stallAfterBytes?: number;
  /** Wait this long before handling. */
  delayMs?: number;
  /** Treat the request's access token as expired (the service answers as for an expired token). */
  expiredToken?: boolean;
}

/** What became of a request, as the request log records it. */
export type RequestOutcome =
  /** The whole answer was sent. */
  | 'answered'
  /** The client left (or the server stopped) before the answer was complete. */
  | 'abandoned'
  /** An injected reset or drop cut the exchange. */
  | 'reset'
  | 'dropped'
  /** An injected stall held the exchange until the client left. */
  | 'stalled';

export interface ArmedFault extends FaultSpec {
  id: number;
  remaining: number;
}

/**
 * Faults drawn at random, repeatably: each request that no armed fault matches meets one with probability
 * `rate`, made by `pick` from the seeded generator (the same seed and the same requests give the same
 * faults). For soak tests, and for `cloudstorage serve` users testing their own retries.
 */
export interface RandomFaults {
  /** The share of requests that meet a fault, 0–1. */
  rate: number;
  seed: number;
  /** Makes the fault for one request (its matching fields are ignored). */
  pick(random: () => number, request: FaultedRequest): FaultSpec;
  /** Which requests may meet one (default: all). */
  applies?(request: FaultedRequest): boolean;
}

/** What a random fault may look at: the request line and its headers (names in lower case). */
export interface FaultedRequest {
  method: string;
  path: string;
  host: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A small, fast seeded generator (mulberry32): uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private faults: ArmedFault[] = [];
  private nextId = 1;
  private random: { spec: RandomFaults; next: () => number } | undefined;
  /** How many faults were drawn at random so far. */
  drawn = 0;

  /** Starts drawing faults at random (see {@link RandomFaults}); `undefined` stops. */
  randomly(spec: RandomFaults | undefined): void {
    this.random = spec ? { spec, next: seededRandom(spec.seed) } : undefined;
    this.drawn = 0;
  }

  /** Arms a fault; returns its id (for `clear`). */
  add(spec: FaultSpec): number {
    const fault: ArmedFault = { ...spec, id: this.nextId++, remaining: spec.times ?? 1 };
    this.faults.push(fault);
    return fault.id;
  }

  clear(id?: number): void {
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
  }

  get pending(): number {
    return this.faults.length;
  }

  /** Takes the first armed fault matching this request, counting it down. */
  take(
    method: string,
    path: string,
    host: string,
    headers: FaultedRequest['headers'] = {},
  ): ArmedFault | undefined {
    const i = this.faults.findIndex((f) => matches(f, method, path, host));
    if (i < 0) return this.draw({ method, path, host, headers });
    const fault = this.faults[i]!;
    if (--fault.remaining <= 0) this.faults.splice(i, 1);
    return fault;
  }

  private draw(request: FaultedRequest): ArmedFault | undefined {
    if (!this.random) return undefined;
    const { spec, next } = this.random;
    if (spec.applies && !spec.applies(request)) return undefined;
    if (next() >= spec.rate) return undefined;
    this.drawn++;
    return { ...spec.pick(next, request), id: this.nextId++, remaining: 0 };
  }
}

function matches(f: FaultSpec, method: string, path: string, host: string): boolean {
  if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.host && f.host !== host) return false;
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path);
}
