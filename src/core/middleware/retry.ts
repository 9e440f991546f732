import type { Invoke } from "../call-meta.js";
import { TesseraError } from "../errors.js";
import type { RetryPolicy } from "../policies.js";

/** The ceiling of the `retry`-th backoff delay (from 0): min(max, base × factor^n). */
export function backoffCeiling(
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "factor">,
  retry: number,
): number {
  const base = policy.baseDelayMs ?? 50;
  const cap = policy.maxDelayMs ?? 2000;
  return Math.min(cap, base * (policy.factor ?? 2) ** retry);
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, base × factor^n)]. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.random() * backoffCeiling(policy, retry);
}

export function isRetryable(policy: RetryPolicy, err: unknown): boolean {
  if (!(err instanceof TesseraError)) return false;
  return policy.on ? policy.on.includes(err.code) : err.retryable;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retries retryable failures with backoff, never starting an attempt that would end past the deadline. */
export function withRetry(policy: RetryPolicy, next: Invoke): Invoke {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  return async (input, meta) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(input, meta);
      } catch (err) {
        if (attempt >= attempts || !isRetryable(policy, err)) throw err;
        const delay = backoffDelay(policy, attempt - 1);
        if (meta.deadline !== undefined && Date.now() + delay >= meta.deadline) throw err;
        await sleep(delay);
      }
    }
  };
}
