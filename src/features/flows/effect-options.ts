// The durations a coded flow gives its effects, checked where the code gives them: `ctx.sleep`,
// `ctx.sleepUntil`, a wait's `timeout`, a call's `timeout`, the retry policies of steps and calls
// and of a call's compensation. One past 365 days (MAX_DURATION_MS) used to be taken as it was: its
// due time went past what a Date can hold and every listing of runs answered 500.
import { TesseraError } from "../../core/errors.js";
import type { RetryPolicy } from "../../core/policies.js";
import { type Duration, durationProblem, MAX_DURATION_MS, toMs } from "./duration.js";
import type { FlowCallOptions, StepOptions, WaitOptions } from "./flow-context.js";

const refused = (flow: string, what: string, problem: string) =>
  TesseraError.definition(`${flow}.${what}`, `flow ${flow}: ${what}: ${problem}`);

function msProblem(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === "number" ? durationProblem(v) : `must be milliseconds, got ${JSON.stringify(v)}`;
}

function retryProblem(r: RetryPolicy | undefined): [string, string] | undefined {
  if (r === undefined || r === null || typeof r !== "object") return undefined;
  for (const key of ["baseDelayMs", "maxDelayMs"] as const) {
    const p = msProblem(r[key]);
    if (p !== undefined) return [`retry.${key}`, p];
  }
  return undefined;
}

/**
 * `TESSERA_DEFINITION` when a call's options hold a duration no engine can honour (a `timeout` or a
 * retry delay that is not milliseconds from 0 to 365 days), in the call or its compensation.
 */
export function callOptionsError(
  flow: string,
  name: string,
  options: FlowCallOptions | undefined,
): TesseraError | undefined {
  if (options == null) return undefined;
  const found = optionProblem("", options) ?? optionProblem("compensate.", options.compensate);
  return found && refused(flow, `ctx.call(${name}) ${found[0]}`, found[1]);
}

/** The first duration problem of a `timeout` and a `retry` (a call's or its compensation's). */
function optionProblem(
  prefix: string,
  o: { readonly timeout?: number; readonly retry?: RetryPolicy } | undefined,
): [string, string] | undefined {
  if (o == null) return undefined;
  const timeout = msProblem(o.timeout);
  if (timeout !== undefined) return [`${prefix}timeout`, timeout];
  const retry = retryProblem(o.retry);
  return retry && [`${prefix}${retry[0]}`, retry[1]];
}

/** `TESSERA_DEFINITION` when a step's retry policy has a delay no engine can honour. */
export function stepOptionsError(
  flow: string,
  name: string,
  options: StepOptions<unknown> | undefined,
): TesseraError | undefined {
  const found = options == null ? undefined : retryProblem(options.retry);
  return found && refused(flow, `ctx.step(${name}) ${found[0]}`, found[1]);
}

/** `TESSERA_DEFINITION` when a wait's `timeout` is no duration or is longer than 365 days. */
export function waitOptionsError(
  flow: string,
  options: WaitOptions<unknown> | undefined,
): TesseraError | undefined {
  if (options?.timeout === undefined) return undefined;
  const p = durationProblem(options.timeout);
  return p === undefined ? undefined : refused(flow, "ctx.waitFor timeout", p);
}

/** The milliseconds of `ctx.sleep(duration)`, or `TESSERA_DEFINITION` naming the flow. */
export function sleepMs(flow: string, duration: Duration): number | TesseraError {
  const p = durationProblem(duration);
  return p === undefined ? toMs(duration) : refused(flow, "ctx.sleep", p);
}

/** `TESSERA_DEFINITION` when `ctx.sleepUntil` is given no time, or one more than 365 days ahead. */
export function sleepUntilError(flow: string, at: number, now: number): TesseraError | undefined {
  if (Number.isFinite(at) && at - now <= MAX_DURATION_MS) return undefined;
  return refused(
    flow,
    "ctx.sleepUntil",
    Number.isFinite(at)
      ? `${new Date(Math.min(at, 8.64e15)).toISOString()} is more than 365 days ahead (the maximum)`
      : "not a valid time",
  );
}
