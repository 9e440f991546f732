import type { Context } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { ServiceUse } from "../../core/uses.js";

/** The name of the main-mode plugin, and of the feature of `mainLoop`. */
export const MAIN_MODE = "main-mode";

export interface MainLoopOptions {
  /** Runs before the loop starts (and before any loop of the node starts): open files, warm caches. */
  readonly setup?: (ctx: Context) => unknown;
  /**
   * Runs on SIGINT or SIGTERM, before the node shuts down: the states are still served and the
   * transport still open, so it may flush state (`await ctx.use(quotes).flush()`) or send a last message.
   */
  readonly onSignal?: (signal: "SIGINT" | "SIGTERM", ctx: Context) => unknown;
}

/** A service's main loop: the service is a leading edge, it produces messages or state updates of its own accord. */
export interface MainLoop extends ServiceUse {
  readonly feature: typeof MAIN_MODE;
  readonly run: (ctx: Context) => unknown;
  readonly options: MainLoopOptions;
}

/**
 * Declares, in a service's `uses`, the service's main loop ("main mode"): a leading-edge service
 * with no inbound entries, whose `run(ctx)` starts once the node runs and produces messages or
 * state updates. `ctx.signal` is aborted when the node stops: loop until then.
 *
 * @example
 * service("ticker", {
 *   config: tickerConfig,
 *   uses: [owns(quotes), mainLoop(async (ctx) => {
 *     const { rate } = ctx.config(tickerConfig);
 *     while (!ctx.signal.aborted) { await ctx.use(quotes).patch({ AAPL: price() }); await sleep(1000 / rate); }
 *   }, { onSignal: (_signal, ctx) => ctx.use(quotes).flush() })],
 * });
 */
export function mainLoop(run: (ctx: Context) => unknown, options: MainLoopOptions = {}): MainLoop {
  if (typeof run !== "function")
    throw TesseraError.definition("mainLoop", "mainLoop needs a function: mainLoop(async (ctx) => { … })");
  return { feature: MAIN_MODE, run, options };
}

/** The main loop a service declares, if any. */
export function mainLoopOf(svc: {
  readonly options: { readonly uses?: readonly ServiceUse[] };
}): MainLoop | undefined {
  return (svc.options.uses ?? []).find((u): u is MainLoop => u.feature === MAIN_MODE);
}
