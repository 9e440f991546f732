import type { CallMeta } from "../../core/call-meta.js";
import type { CallOptions, EntryRef } from "../../core/context.js";
import type { ErrorCode } from "../../core/error-codes.js";
import { TesseraError } from "../../core/errors.js";
import type { RetryPolicy } from "../../core/policies.js";
import { parseTraceparent } from "../../core/traceparent.js";
import type { RunOrigin } from "../../ports/flow-store.js";
import type { Compensable } from "./compensation.js";
import type { CallCompensation, CallOutcome, StepInfo } from "./flow-context.js";
import { isControl } from "./flow-errors.js";
import { runWithRetry } from "./retry.js";

/** How the engine reaches entries: the node's untyped call (`node.invoke`). */
export type CallInvoker = (
  ref: EntryRef,
  input: unknown,
  meta: CallMeta,
  options?: CallOptions,
) => Promise<unknown>;

/**
 * The invoker of a run's calls: each carries the identity and the trace of whoever started the run
 * (kept with the run, so after a restart too), where it had none (issue 17, bug 5: a flow's calls
 * reached their callee with no identity, in a new trace).
 */
export function originInvoker(invoke: CallInvoker, origin: RunOrigin | undefined): CallInvoker {
  if (origin === undefined) return invoke;
  const trace = parseTraceparent(origin.traceparent);
  return (ref, input, meta, options) =>
    invoke(
      ref,
      input,
      { ...meta, identity: meta.identity ?? origin.identity, trace: meta.trace ?? trace },
      options,
    );
}

/** Who makes a flow's call: the effect's key, its activation's fencing token and signal. */
export interface EffectCall {
  /** `<runId>:<seq>`: the request id, and the idempotency key. */
  readonly requestId: string;
  /** The run's lease generation (see `RunRecord.fencingToken`). */
  readonly fencingToken: number;
  /** Aborted when the worker loses the run's lease, or when a sibling branch failed (made when read). */
  readonly signal?: (() => AbortSignal | undefined) | undefined;
  /** Throws when the run's lease may be gone: checked before each attempt leaves. */
  readonly fence?: (() => void) | undefined;
}

/**
 * Calls an entry for a flow. The request id is `<runId>:<seq>`, the same on every replay and retry,
 * so that a callee can recognise a repeated call; the fencing token goes beside it (the callee's
 * `ctx.fencingToken`, the `tessera-fencing-token` header of a remote call). `signal` reaches the
 * callee as its `ctx.signal`.
 */
export function invokeEntry(
  invoke: CallInvoker,
  ref: EntryRef,
  input: unknown,
  options: { readonly timeout?: number; readonly retry?: RetryPolicy } | undefined,
  call: EffectCall,
): Promise<unknown> {
  const { requestId, signal, fence } = call;
  // The request id is the idempotency key too: an idempotent callee answers a repeat (a replay
  // after a crash, a retry) with its first answer instead of running again.
  const meta: CallMeta = {
    requestId,
    identity: undefined,
    deadline: undefined,
    signal,
    idempotencyKey: requestId,
    fencingToken: call.fencingToken,
  };
  const callOptions = options?.timeout === undefined ? undefined : { timeout: options.timeout };
  const once = () => {
    fence?.();
    return invoke(ref, input, meta, callOptions);
  };
  if (options?.retry !== undefined) return runWithRetry(options.retry, once);
  try {
    return once();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * What `callEffect` hands the effect as its on-success hook when the call declares `compensate`:
 * it registers the compensating call with the run's other compensations (see compensation.ts),
 * which journal it at `-seq` and give it the idempotency key `<runId>:-<seq>` as its request id.
 * Undefined when there is nothing to undo.
 */
export function compensableCall(
  invoke: CallInvoker,
  name: string,
  compensation: CallCompensation<unknown> | undefined,
  compensables: Compensable[],
): ((seq: number, result: unknown, at: number) => void) | undefined {
  if (compensation === undefined) return undefined;
  const { call, input = (result: unknown) => result, retry, timeout } = compensation;
  const undo = (result: unknown, info: StepInfo) =>
    invokeEntry(invoke, call, input(result), timeout === undefined ? undefined : { timeout }, {
      requestId: info.idempotencyKey,
      fencingToken: info.fencingToken,
      signal: () => info.signal,
    });
  return (seq, result, at) =>
    compensables.push({ seq, name, result, compensate: undo as Compensable["compensate"], retry, at });
}

/** Codes that mean the caller asked for something wrong (the 4xx of HTTP); anything else is a server error. */
const clientCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "TESSERA_BAD_REQUEST",
  "TESSERA_VALIDATION",
  "TESSERA_UNAUTHORIZED",
  "TESSERA_FORBIDDEN",
  "TESSERA_NOT_FOUND",
  "TESSERA_METHOD_NOT_ALLOWED",
  "TESSERA_CONFLICT",
  "TESSERA_PAYLOAD_TOO_LARGE",
  "TESSERA_UNSUPPORTED_MEDIA_TYPE",
]);

/** The outcome of a journaled call, for branching: control-flow errors still propagate. */
export async function callOutcome<Out>(call: Promise<Out>): Promise<CallOutcome<Out>> {
  try {
    const value = await call;
    return value === undefined || value === null ? { kind: "no-content" } : { kind: "ok", value };
  } catch (err) {
    if (isControl(err)) throw err;
    const error = TesseraError.from(err);
    return clientCodes.has(error.code) ? { kind: "client-error", error } : { kind: "server-error", error };
  }
}
