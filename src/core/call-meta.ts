import type { Identity } from "./identity.js";
import type { TraceParent } from "./traceparent.js";

/** What travels with a call from caller to callee (and along nested calls). */
export interface CallMeta {
  readonly requestId: string;
  readonly identity: Identity | undefined;
  /** Epoch ms. */
  readonly deadline: number | undefined;
  /** The caller's abort signal, created only if somebody asks for it. */
  readonly signal: (() => AbortSignal | undefined) | undefined;
  /**
   * The span that made the call (the caller's, or the one a `traceparent` header named);
   * `undefined`: the callee starts a trace.
   */
  readonly trace?: TraceParent | undefined;
  /**
   * The key under which an idempotent entry answers a repeated call with its first answer: a flow
   * step's `<runId>:<seq>`, or an HTTP `Idempotency-Key`. Never passed on to nested calls.
   */
  readonly idempotencyKey?: string | undefined;
  /**
   * Beside a flow effect's idempotency key: the run's lease generation, higher at every activation
   * and takeover (see the flow engine's fencing). Never passed on to nested calls.
   */
  readonly fencingToken?: number | undefined;
}

/**
 * A compiled call: every pipeline stage has this shape. It returns the result itself when the
 * work completed synchronously (the fast path: no promise, no timer), else a promise. It never
 * throws: a failure is always a rejected promise.
 */
export type Invoke = (input: unknown, meta: CallMeta) => unknown;
