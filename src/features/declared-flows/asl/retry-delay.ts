import type { Retrier } from "./asl-types.js";

/** A retrier's attempts in all after the first (default 3; 0: none). */
export const maxRetries = (r: Retrier): number => r.MaxAttempts ?? 3;

/**
 * The delay before retry number `n` (0 for the first) of a retrier, in ms: `IntervalSeconds`
 * (default 1) × `BackoffRate` (default 2) to the n, at most `MaxDelaySeconds`; with the `FULL`
 * jitter strategy a random part of it (`random` is journaled on the engine).
 *
 * @example
 * retryDelayMs({ ErrorEquals: ["States.ALL"], IntervalSeconds: 2 }, 1, Math.random) // 4000
 */
export function retryDelayMs(r: Retrier, n: number, random: () => number): number {
  let seconds = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** n;
  if (r.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, r.MaxDelaySeconds);
  if (r.JitterStrategy === "FULL") seconds *= random();
  return Math.round(seconds * 1000);
}
