import { TesseraError } from "../../core/errors.js";
import { type Data, getPath } from "./data-paths.js";
import type { Condition, Outcome } from "./definition.js";
import { sameJson } from "./same-json.js";

/**
 * The error codes of a server's failure: a call failing with one of them is retried (a client's
 * mistake, 4xx, would fail again). Its outcome is `server-error`, or `timeout` for
 * `TESSERA_TIMEOUT`.
 */
export const serverCodes = [
  "TESSERA_UNAVAILABLE",
  "TESSERA_TIMEOUT",
  "TESSERA_INTERNAL",
  "TESSERA_OVERLOADED",
  "TESSERA_CIRCUIT_OPEN",
] as const;

/**
 * How a call or a wait ended, as a `choice` reads it: `is` its outcome, `failed` whether it was a
 * call that failed (so that `is: "error"` holds for a call that timed out, not for a wait that did).
 */
export interface StepOutcome {
  readonly is: Outcome;
  readonly failed: boolean;
}

/**
 * The outcome of a failed call for later `choice` rules: `timeout` when it timed out (a call's
 * deadline, `TESSERA_TIMEOUT`: it used to read as `server-error`), `server-error` for the other
 * server failures, else `client-error`.
 */
export function outcomeOf(err: unknown): StepOutcome {
  const code = TesseraError.from(err).code;
  if (code === "TESSERA_TIMEOUT") return { is: "timeout", failed: true };
  const server = (serverCodes as readonly string[]).includes(code);
  return { is: server ? "server-error" : "client-error", failed: true };
}

/** Whether a `choice` rule's condition holds on the run's data and the outcomes of its steps so far. */
export function holds(c: Condition, data: Data, outcomes: ReadonlyMap<string, StepOutcome>): boolean {
  if ("outcome" in c) {
    const o = outcomes.get(c.outcome);
    if (o === undefined) return false;
    return o.is === c.is || (c.is === "error" && o.failed);
  }
  const v = getPath(data, c.field);
  if ("exists" in c) return (v !== undefined && v !== null) === c.exists;
  if ("equals" in c) return sameJson(v, c.equals);
  if ("notEquals" in c) return !sameJson(v, c.notEquals);
  if (typeof v !== "number") return false;
  if ("gt" in c) return v > c.gt!;
  if ("gte" in c) return v >= c.gte!;
  if ("lt" in c) return v < c.lt!;
  return v <= c.lte!;
}
