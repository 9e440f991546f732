import { TesseraError } from "../../core/errors.js";

/** A duration: milliseconds, or a string such as `"250ms"`, `"5s"`, `"10m"`, `"2h"`, `"7d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * The longest duration a flow may state: 365 days (a Step Functions run lasts at most a year).
 * A longer one (`"99999999999d"`) used to be accepted and stored a due time past what a `Date`
 * can hold, which made every listing of runs answer 500; a flow waiting longer than a year
 * should wait for a signal, or sleep in a loop.
 */
export const MAX_DURATION_MS = 365 * units.d!;

/**
 * Why `d` is no duration a flow may state (the message to show), or `undefined` when it is one:
 * milliseconds (finite, not negative) or a string such as `"5s"`, at most {@link MAX_DURATION_MS}.
 */
export function durationProblem(d: unknown): string | undefined {
  const ms = msOf(d);
  if (ms === undefined)
    return `invalid duration ${JSON.stringify(d)} (e.g. "500ms", "5s", "2h", "1d", or milliseconds)`;
  return ms > MAX_DURATION_MS
    ? `duration ${JSON.stringify(d)} is longer than the maximum of 365 days ("365d")`
    : undefined;
}

/**
 * Milliseconds of a number (finite, not negative) or of a duration string, with no maximum; else
 * `undefined` (for a message that tells a malformed duration from one too long).
 */
export function msOf(d: unknown): number | undefined {
  if (typeof d === "number") return Number.isFinite(d) && d >= 0 ? d : undefined;
  const m = typeof d === "string" ? pattern.exec(d) : null;
  return m === null ? undefined : Number(m[1]) * units[m[2]!]!;
}

/**
 * Milliseconds of a {@link Duration}; `TESSERA_VALIDATION` when it is none or is longer than
 * {@link MAX_DURATION_MS} (see {@link durationProblem}).
 *
 * @example
 * toMs("2m") // 120000
 */
export function toMs(d: Duration): number {
  const problem = durationProblem(d);
  if (problem !== undefined)
    throw new TesseraError("TESSERA_VALIDATION", problem, { details: { duration: d } });
  return msOf(d)!;
}
