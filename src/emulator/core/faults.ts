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
  /** Answer with this status instead of running the handler. */
  status?: number;
  /** Retry-After header value (seconds, or an HTTP date) sent with `status`. */
  retryAfter?: string | number;
  /** Body sent with `status`; by default the service plugin's error body for that status, or a short text. */
  body?: string | object;
  /** Let the handler answer, but destroy the connection after this many bytes of the response body. */
  resetAfterBytes?: number;
  /** Destroy the connection right away, before any response. */
  resetConnection?: boolean;
  /** Wait this long before handling. */
  delayMs?: number;
  /** Treat the request's access token as expired (the service answers as for an expired token). */
  expiredToken?: boolean;
}

export interface ArmedFault extends FaultSpec {
  id: number;
  remaining: number;
}

export class FaultInjector {
  private faults: ArmedFault[] = [];
  private nextId = 1;

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
  take(method: string, path: string, host: string): ArmedFault | undefined {
    const i = this.faults.findIndex((f) => matches(f, method, path, host));
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    if (--fault.remaining <= 0) this.faults.splice(i, 1);
    return fault;
  }
}

function matches(f: FaultSpec, method: string, path: string, host: string): boolean {
  if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.host && f.host !== host) return false;
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path);
}
