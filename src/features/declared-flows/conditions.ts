import { TesseraError } from "../../core/errors.js";
import { type Data, getPath } from "./data-paths.js";
import type { Condition, Outcome } from "./definition.js";

/**
 * The error codes of a server's failure: a call failing with one of them is retried (a client's
 * mistake, 4xx, would fail again) and its outcome is `server-error`.
 */
export const serverCodes = [
  "TESSERA_UNAVAILABLE",
  "TESSERA_TIMEOUT",
  "TESSERA_INTERNAL",
  "TESSERA_OVERLOADED",
  "TESSERA_CIRCUIT_OPEN",
] as const;

/** The outcome a failed call leaves for later `choice` rules (`{outcome, is}`) to read. */
export function outcomeOf(err: unknown): Outcome {
  const code = TesseraError.from(err).code;
  return (serverCodes as readonly string[]).includes(code) ? "server-error" : "client-error";
}

/** Whether a `choice` rule's condition holds on the run's data and the outcomes of its steps so far. */
export function holds(c: Condition, data: Data, outcomes: ReadonlyMap<string, Outcome>): boolean {
  if ("outcome" in c) {
    const o = outcomes.get(c.outcome);
    return o === c.is || (c.is === "error" && (o === "client-error" || o === "server-error"));
  }
  const v = getPath(data, c.field);
  if ("exists" in c) return (v !== undefined && v !== null) === c.exists;
  if ("equals" in c) return JSON.stringify(v) === JSON.stringify(c.equals);
  if ("notEquals" in c) return JSON.stringify(v) !== JSON.stringify(c.notEquals);
  if (typeof v !== "number") return false;
  if ("gt" in c) return v > c.gt!;
  if ("gte" in c) return v >= c.gte!;
  if ("lt" in c) return v < c.lt!;
  return v <= c.lte!;
}
