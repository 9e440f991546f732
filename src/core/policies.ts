import { is, listOf, num, required, shape } from "./definition-rules.js";
import { type ErrorCode, isErrorCode } from "./error-codes.js";

/**
 * Retry with exponential backoff and full jitter. Only errors whose code is retryable (see the
 * error catalogue) or listed in `on` are retried, and never past the call's deadline.
 *
 * @example
 * entry({ retry: { attempts: 3, baseDelayMs: 20 } }, handler)
 */
export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  readonly attempts: number;
  /** Delay before the first retry; doubles (× `factor`) each time. Default 50 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of one delay. Default 2000 ms. */
  readonly maxDelayMs?: number;
  /** Growth factor of the delay. Default 2. */
  readonly factor?: number;
  /** Codes to retry; default: every code marked retryable in the catalogue. */
  readonly on?: readonly ErrorCode[];
}

/**
 * A circuit breaker per target: when at least `minRequests` calls ended in the rolling `windowMs`
 * and the share of failures reaches `threshold`, the circuit opens and calls fail fast with
 * `TESSERA_CIRCUIT_OPEN` for `openMs`; then one trial call is let through (half-open).
 *
 * @example
 * entry({ breaker: { threshold: 0.5, minRequests: 10, openMs: 5000 } }, handler)
 */
export interface BreakerPolicy {
  /** Failure ratio in [0, 1] that opens the circuit. Default 0.5. */
  readonly threshold?: number;
  /** Calls needed in the window before the ratio counts. Default 10. */
  readonly minRequests?: number;
  /** Rolling window. Default 10 000 ms. */
  readonly windowMs?: number;
  /** How long the circuit stays open before a trial call. Default 5000 ms. */
  readonly openMs?: number;
  /** Codes that count as failures. Default: UNAVAILABLE, TIMEOUT, INTERNAL, OVERLOADED. */
  readonly failOn?: readonly ErrorCode[];
}

/**
 * At most `concurrency` calls of the entry run at once; up to `queue` more wait in line; beyond
 * that, calls are refused at once with `TESSERA_OVERLOADED`.
 *
 * @example
 * entry({ bulkhead: { concurrency: 10, queue: 100 } }, handler)
 */
export interface BulkheadPolicy {
  readonly concurrency: number;
  /** Default 0: no waiting line. */
  readonly queue?: number;
}

/** The resilience policies an entry (or a service, as defaults for its entries) may set. */
export interface CallPolicies {
  /** Deadline of a call in ms, retries included; nested calls inherit what is left. */
  readonly timeout?: number;
  readonly retry?: RetryPolicy;
  readonly breaker?: BreakerPolicy;
  readonly bulkhead?: BulkheadPolicy;
}

const errorCode = is(isErrorCode, "an error code (TESSERA_…)");

/**
 * The rules of the policies, used by `service()` for a service's defaults and each entry's own:
 * numbers that cannot work (a timeout of 0, a bulkhead of no concurrency) are refused when the
 * service is declared rather than answering every call with an error.
 */
export const callPolicyRules = {
  timeout: num({ gt: 0 }),
  retry: shape({
    attempts: required(num({ integer: true, min: 1 })),
    baseDelayMs: num({ min: 0 }),
    maxDelayMs: num({ min: 0 }),
    factor: num({ min: 1 }),
    on: listOf(errorCode),
  }),
  breaker: shape({
    threshold: num({ gt: 0, max: 1 }),
    minRequests: num({ integer: true, min: 0 }),
    windowMs: num({ gt: 0 }),
    openMs: num({ gt: 0 }),
    failOn: listOf(errorCode),
  }),
  bulkhead: shape({
    concurrency: required(num({ integer: true, min: 1 })),
    queue: num({ integer: true, min: 0 }),
  }),
} as const;
