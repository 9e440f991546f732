import { TesseraError } from "../../core/errors.js";

/** A duration: milliseconds, or a string such as `"250ms"`, `"5s"`, `"10m"`, `"2h"`, `"7d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Milliseconds of a {@link Duration}.
 *
 * @example
 * toMs("2m") // 120000
 */
export function toMs(d: Duration): number {
  if (typeof d === "number") {
    if (!Number.isFinite(d) || d < 0) throw TesseraError.badRequest(`invalid duration ${d}`);
    return d;
  }
  const m = pattern.exec(d);
  if (m === null) throw TesseraError.badRequest(`invalid duration "${d}" (e.g. "500ms", "5s", "2h", "1d")`);
  return Number(m[1]) * units[m[2]!]!;
}
