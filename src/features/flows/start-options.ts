import type { Context } from "../../core/context.js";
import type { RunOrigin } from "../../ports/flow-store.js";

/** How a run is started (`engine.startRun`, `engine.execute`). */
export interface StartOptions {
  /** The same key for the same flow gives back the same run. */
  readonly idempotencyKey?: string;
  /** POSTed `{runId, flow, status, output, error}` when the run ends. */
  readonly callbackUrl?: string;
  /**
   * Who starts the run and in which trace: every call the run makes carries them, after a restart
   * too (they are stored with the run). From a handler: `originOf(ctx)`.
   */
  readonly origin?: RunOrigin;
}

/**
 * The origin of a run started by the handler of `ctx`: its caller's identity and its span.
 *
 * @example
 * await engine.startRun(orderSaga, input, { origin: originOf(ctx) });
 */
export function originOf(ctx: Pick<Context, "identity" | "trace">): RunOrigin {
  return ctx.identity === undefined
    ? { traceparent: ctx.trace.traceparent }
    : { identity: ctx.identity, traceparent: ctx.trace.traceparent };
}
