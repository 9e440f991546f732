// The two effects a flow's code asks for most, `ctx.step` and `ctx.call`, over the execution's
// journaled effect (see run-execution.ts): each gets its idempotency key `<runId>:<seq>`, the
// activation's fencing token and the signal aborted when the lease is lost (issue 19).
import type { EntryRef } from "../../core/context.js";
import type { RunRecord } from "../../ports/flow-store.js";
import { type CallInvoker, compensableCall, invokeEntry, originInvoker } from "./call-effect.js";
import type { Compensable } from "./compensation.js";
import type { FlowDef } from "./flow.js";
import type { FlowCallOptions, StepInfo, StepOptions } from "./flow-context.js";
import { type AttemptHost, retryDurably } from "./retry.js";
import type { RunLease } from "./run-lease.js";

/** What steps and calls need from their execution (see `RunExecution`). */
export interface StepHost extends AttemptHost {
  readonly run: RunRecord;
  readonly def: FlowDef;
  readonly lease: RunLease;
  readonly compensables: Compensable[];
  readonly invoker: CallInvoker;
  /** Runs (or replays) one effect; `onOk` sees its success (live or replayed). */
  effect<T>(
    kind: string,
    name: string,
    exec: (seq: number) => Promise<T>,
    onOk?: (seq: number, value: T, at: number) => void,
  ): Promise<T>;
  /** What the effect of `seq` tells the code it runs: key, fencing token, signal… */
  stepInfo(seq: number, attempt: number): StepInfo;
  /** The signal of an effect asked for now (the lease's, and its branch's), made when first read. */
  effectSignal(): () => AbortSignal;
  /** Throws `Interrupted` unless the run's lease surely still holds. */
  fence(): void;
}

/** `ctx.call`: one journaled call of an entry (each attempt journaled when it retries). */
export function callEffect(
  x: StepHost,
  ref: EntryRef,
  input: unknown,
  options: FlowCallOptions | undefined,
): Promise<unknown> {
  const { retry, compensate, ...once } = options ?? {};
  const invoker = originInvoker(x.invoker, x.run.origin);
  const call = (seq: number) =>
    invokeEntry(invoker, ref, input, once, {
      requestId: `${x.run.id}:${seq}`,
      fencingToken: x.lease.fencingToken,
      signal: x.effectSignal(),
      fence: () => x.fence(),
    });
  const undo = compensableCall(invoker, ref.id, compensate, x.compensables);
  if (retry === undefined) return x.effect("call", ref.id, call, undo);
  // Each attempt journaled, the delays durable; the request id is the first attempt's on every one.
  return retryDurably(x, "call", ref.id, retry, (_attempt, first) => call(first), false, undo);
}

/** `ctx.step`: one journaled local side effect (each attempt journaled when it retries). */
export function stepEffect<T>(
  x: StepHost,
  name: string,
  fn: (info: StepInfo) => T | Promise<T>,
  options: StepOptions<Awaited<T>>,
): Promise<Awaited<T>> {
  const retry = options.retry ?? x.def.options.retry;
  const compensate = options.compensate as Compensable["compensate"] | undefined;
  // The lease is checked again right before the step's code: many runs' steps may start one after
  // the other in one turn of the event loop, a freeze in between must stop those not started yet.
  const run = (seq: number, attempt: number) =>
    Promise.resolve().then(() => {
      x.fence();
      return fn(x.stepInfo(seq, attempt));
    });
  if (retry === undefined) {
    return x.effect(
      "step",
      name,
      (seq) => run(seq, 1),
      compensate === undefined
        ? undefined
        : (seq, result, at) => x.compensables.push({ seq, name, result, compensate, retry, at }),
    ) as Promise<Awaited<T>>;
  }
  // Compensated under the seq (the idempotency key) of its first attempt.
  return retryDurably(
    x,
    "step",
    name,
    retry,
    (attempt, first) => run(first, attempt),
    true,
    (seq, result, at) => {
      if (compensate !== undefined) x.compensables.push({ seq, name, result, compensate, retry, at });
    },
  ) as Promise<Awaited<T>>;
}
