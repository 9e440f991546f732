import type { Context } from "./context.js";

/** What a middleware sees of a call. `input` is the raw input, before validation. */
export interface Invocation {
  /** `service.entry`. */
  readonly target: string;
  readonly ctx: Context;
  input: unknown;
}

/**
 * User middleware, run around the handler after the built-in policies (timeout, retry, circuit
 * breaker, bulkhead) and before input validation. Call `next()` to go on; return its result, or a
 * value of your own, or throw.
 *
 * @example
 * const timing: Middleware = async (call, next) => {
 *   const t0 = performance.now();
 *   try { return await next(); } finally { call.ctx.log.info("timing", { ms: performance.now() - t0 }); }
 * };
 */
export type Middleware = (call: Invocation, next: () => Promise<unknown>) => Promise<unknown>;
