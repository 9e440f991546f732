import { TesseraError } from "../../core/errors.js";
import { backoffDelay } from "../../core/middleware/retry.js";
import type { RetryPolicy } from "../../core/policies.js";
import { isControl } from "./flow-errors.js";

function retryable(policy: RetryPolicy, err: unknown, anyError: boolean): boolean {
  if (isControl(err)) return false;
  if (policy.on !== undefined) return policy.on.includes(TesseraError.from(err).code);
  return anyError || (err instanceof TesseraError && err.retryable);
}

/**
 * Runs `fn` until it succeeds or the policy gives up, with full-jitter exponential backoff. For
 * steps any error is retried (`anyError`) unless the policy lists codes in `on`; for calls only the
 * retryable codes are.
 */
export async function runWithRetry<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => T | Promise<T>,
  anyError = false,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !retryable(policy, err, anyError)) throw err;
      await new Promise((r) => setTimeout(r, backoffDelay(policy, attempt - 1)));
    }
  }
}
