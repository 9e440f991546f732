import { TesseraError } from "../../core/errors.js";
import type { RetryPolicy } from "../../core/policies.js";
import { MAX_DURATION_MS } from "./duration.js";
import { errorBody, isControl } from "./flow-errors.js";

function retryable(policy: RetryPolicy, err: unknown, anyError: boolean): boolean {
  if (isControl(err)) return false;
  if (policy.on !== undefined) return policy.on.includes(TesseraError.from(err).code);
  return anyError || (err instanceof TesseraError && err.retryable);
}

/**
 * The delay before retry `n` (1 for the first retry): `baseDelayMs · factor^(n-1)` (defaults 50 ms
 * and 2), capped by `maxDelayMs` when the policy sets it, then shortened by jitter to a random point
 * between half of it and all of it — never longer than the stated delay, never under half of it (so
 * that many runs failing together do not retry in lock-step, and `delay: "1s"` never means 28 ms).
 * Growth stops at {@link MAX_DURATION_MS}: 20 attempts of `delay: "1d", backoff: 10` used to give a
 * due time past what a `Date` can hold.
 */
export function retryDelay(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  const grown = (policy.baseDelayMs ?? 50) * (policy.factor ?? 2) ** Math.max(0, n - 1);
  const full = Math.min(grown, MAX_DURATION_MS);
  const capped = policy.maxDelayMs === undefined ? full : Math.min(full, policy.maxDelayMs);
  return Math.round(capped * (0.5 + random() / 2));
}

/**
 * Runs `fn` in memory until it succeeds or the policy gives up, waiting {@link retryDelay} between
 * attempts. For what is not journaled attempt by attempt (a compensation, a completion callback).
 * For steps any error is retried (`anyError`) unless the policy lists codes in `on`; otherwise
 * only the retryable codes are.
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
      await new Promise((r) => setTimeout(r, retryDelay(policy, attempt)));
    }
  }
}

/** What the journal keeps of a failed attempt: the error, the attempt's number, when the next is due. */
export interface AttemptFailure {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
  readonly attempt: number;
  /** Epoch ms when the next attempt is due; absent when this failure was the last attempt. */
  readonly retryAt?: number;
}

/** How a journaled effect lets its retry loop decide and read back what an attempt journaled. */
export interface AttemptHooks {
  /** Sees the journaled success (live or replayed), with its seq and when it completed. */
  ok(seq: number, value: unknown, at: number): void;
  /** The value to journal for a live failure. */
  failure(err: unknown): unknown;
  /** Sees the journaled failure (live or replayed) before it is thrown. */
  failed(seq: number, value: unknown): void;
}

/** What a durable retry needs from its execution. */
export interface AttemptHost {
  now(): number;
  /** Runs, or replays from the journal, one attempt as an effect of its own. */
  attempt<T>(kind: string, name: string, exec: (seq: number) => Promise<T>, hooks: AttemptHooks): Promise<T>;
  /** Resumes at `at` (epoch ms): in memory when it is soon, else the run is suspended until then. */
  resumeAt(at: number): Promise<void>;
}

/**
 * Runs a step (or a call) under its retry policy with every attempt journaled: each attempt is an
 * effect of its own (kind and name of the step), and a failed one that will be retried journals its
 * error with its `attempt` number and the `retryAt` of the next; the delay between them is a durable
 * timer (a long one suspends the run, which any worker resumes when due). A replay after a crash
 * reads the attempts back and goes on with the next one, so the step never makes more than
 * `attempts` attempts in all. `fn` gets the attempt's number and the seq of the first attempt (the
 * idempotency key, the same on every attempt); `onOk` sees the success with that seq and the time it
 * completed (a saga's compensable step).
 */
export async function retryDurably<T>(
  host: AttemptHost,
  kind: string,
  name: string,
  policy: RetryPolicy,
  fn: (attempt: number, firstSeq: number) => Promise<T>,
  anyError: boolean,
  onOk?: (firstSeq: number, value: T, at: number) => void,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  let first: number | undefined;
  for (let attempt = 1; ; attempt++) {
    let retryAt: number | undefined;
    const hooks: AttemptHooks = {
      ok: (seq, value, at) => {
        first ??= seq;
        onOk?.(first, value as T, at);
      },
      failure: (err): AttemptFailure => {
        const body = { ...errorBody(err), attempt };
        if (attempt >= attempts || !retryable(policy, err, anyError)) return body;
        return { ...body, retryAt: host.now() + retryDelay(policy, attempt) };
      },
      failed: (seq, value) => {
        first ??= seq;
        const at = (value as Partial<AttemptFailure> | undefined)?.retryAt;
        if (typeof at === "number") retryAt = at;
      },
    };
    try {
      const exec = (seq: number) => {
        first ??= seq;
        return fn(attempt, first);
      };
      return await host.attempt(kind, name, exec, hooks);
    } catch (err) {
      if (retryAt === undefined) throw err;
    }
    await host.resumeAt(retryAt);
  }
}
