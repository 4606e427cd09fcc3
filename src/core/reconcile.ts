import { CloudStorageError, ErrorCode, isBrokenConnection } from './errors.js';
import { HttpClient } from './http/client.js';
import { backoffDelay, sleep } from './http/retry.js';

/**
 * The reconcile-before-repeat rule, for calls that are not safe to send twice: a POST that creates a file,
 * starts or commits an upload session. When the outcome of such a call is unknown — no answer, a reset or
 * dropped connection, a stall past the timeout, a 5xx — it is not repeated blindly (that makes duplicates,
 * or a `name in use` for a file that is in fact ours). The service is asked first what it has now, and
 * only what did not happen is sent again:
 * - a file with the name and the same content hash (and size) is there: the call is done;
 * - a session that was committed: done; a session that exists: continue it;
 * - nothing: send the call again.
 *
 * Core owns the loop (how many attempts, the backoff, which failures leave the outcome unknown); the
 * provider owns `reconcile()`, the question it asks its service. See docs/PROVIDERS.md.
 */
export interface UnsafeCall<T> {
  /** Sends the call once. */
  send(): Promise<T>;
  /**
   * After an unknown outcome: what the service has now. The call's result when it did happen, undefined
   * when it did not (the call is then sent again).
   */
  reconcile(failure: CloudStorageError): Promise<T | undefined>;
  /** False when the call cannot be sent twice (a one-shot stream body): reconcile, then give up. */
  repeatable?: boolean;
}

/** HTTP statuses after which the service may or may not have done the work. */
const UNKNOWN_OUTCOME_STATUS = new Set([500, 502, 503, 504]);

/**
 * Whether a failure leaves the outcome of the request unknown: the connection broke, dropped or stalled
 * mid-exchange (core {@link isBrokenConnection}), or the service answered with a server error.
 */
export function isOutcomeUnknown(e: unknown): e is CloudStorageError {
  if (!(e instanceof CloudStorageError)) return false;
  if (e.httpStatus === undefined) return isBrokenConnection(e);
  return UNKNOWN_OUTCOME_STATUS.has(e.httpStatus);
}

/** How often and how patiently {@link sendReconciled} repeats: the retry settings of the HTTP client. */
export interface RepeatPolicy {
  maxRetries: number;
  /** The longest Retry-After (seconds) waited for; a longer one falls back to the backoff. */
  maxRetryAfter: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** MaxRetries, MaxRetryAfter, RetryBaseDelayMs and RetryMaxDelayMs of a client; the defaults for anything else. */
export function repeatPolicyOf(http: unknown): RepeatPolicy {
  if (http instanceof HttpClient) {
    const s = http.settings;
    return {
      maxRetries: s.get('MaxRetries'),
      maxRetryAfter: s.get('MaxRetryAfter'),
      baseDelayMs: s.get('RetryBaseDelayMs'),
      maxDelayMs: s.get('RetryMaxDelayMs'),
    };
  }
  return { maxRetries: 3, maxRetryAfter: 60, baseDelayMs: 500, maxDelayMs: 10_000 };
}

/**
 * Sends an {@link UnsafeCall}, reconciling after each unknown outcome before any repeat: up to MaxRetries
 * repeats, with the client's backoff (or the server's Retry-After, up to MaxRetryAfter) in between. Any
 * other failure, and the last unknown one, is thrown as it came. `http` is the client whose retry settings
 * apply.
 */
export async function sendReconciled<T>(
  http: unknown,
  call: UnsafeCall<T>,
  signal?: AbortSignal,
): Promise<T> {
  const policy = repeatPolicyOf(http);
  for (let attempt = 0; ; attempt++) {
    let failure: CloudStorageError;
    try {
      return await call.send();
    } catch (e) {
      if (!isOutcomeUnknown(e) || signal?.aborted) throw e;
      failure = e;
    }
    const retryAfter = failure.retryAfter;
    const wait =
      retryAfter !== undefined && retryAfter <= policy.maxRetryAfter
        ? retryAfter * 1000
        : backoffDelay(attempt, { baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs });
    await sleep(wait, signal);
    const done = await call.reconcile(failure);
    if (done !== undefined) return done;
    if (call.repeatable === false || attempt >= policy.maxRetries) throw failure;
  }
}

/**
 * Whether an upload session that failed with `e` is worth keeping for a resume: the caller stopped it
 * (interrupt, fragmentComplete, or the call's `signal`, whose reason surfaces as is from inside a call),
 * the connection broke or stalled, or the service was busy. Any other failure (a refusal, a changed source)
 * leaves a session no one will resume: abort it where the service allows (Box DELETE, B2
 * b2_cancel_large_file), rather than leave it behind.
 */
export function keepsSessionForResume(e: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (!(e instanceof CloudStorageError)) return false;
  if (e.code === ErrorCode.Interrupted || e.code === ErrorCode.UploadAborted) return true;
  return e.httpStatus === 429 || isOutcomeUnknown(e);
}
