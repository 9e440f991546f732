import { z } from "zod";
import type { Context } from "../../core/context.js";
import type { ServiceUse } from "../../core/uses.js";
import { fnOption, parseOptions } from "../definition-options.js";

/** The name of the lifecycle plugin, and of the feature of `lifecycle(...)`. */
export const LIFECYCLE = "lifecycle";

/**
 * service_framework's setup hooks, in the order they run when the node starts (each phase for
 * every service of the node before the next phase): `configs` once the config is checked
 * (`ctx.config(model)`: derive, check keys against each other, throw to refuse the start),
 * `connections` once the connections are wired (send a first message, warm a replier), `states`
 * once states are served and held (set an owned state's first value). All run before any main loop.
 */
export interface SetupHooks {
  readonly configs?: (ctx: Context) => unknown;
  readonly connections?: (ctx: Context) => unknown;
  readonly states?: (ctx: Context) => unknown;
}

export interface LifecycleHooks {
  /** One function (run in the `configs` phase) or the three phases of {@link SetupHooks}. */
  readonly setup?: ((ctx: Context) => unknown) | SetupHooks;
  /**
   * Runs on SIGINT or SIGTERM before the node shuts down (service_framework's `sigint_handler` /
   * `sigterm_handler`): states are still served and connections open, so it may flush or say goodbye.
   */
  readonly onSignal?: (signal: "SIGINT" | "SIGTERM", ctx: Context) => unknown;
}

/** A service's lifecycle hooks, as declared in its `uses`. */
export interface LifecycleUse extends ServiceUse {
  readonly feature: typeof LIFECYCLE;
  readonly setup: SetupHooks;
  readonly onSignal?: LifecycleHooks["onSignal"];
}

const hooksSchema = z.strictObject({
  setup: z
    .union([
      fnOption,
      z.strictObject({
        configs: fnOption.optional(),
        connections: fnOption.optional(),
        states: fnOption.optional(),
      }),
    ])
    .optional(),
  onSignal: fnOption.optional(),
});

/**
 * Declares, in any service's `uses` (not only main-mode ones), setup hooks that run when the node
 * starts and a handler for SIGINT/SIGTERM; `tesserae start` adds the plugin that runs them.
 *
 * @example
 * service("trader", {
 *   config: traderConfig,
 *   uses: [holds(book), lifecycle({
 *     setup: { configs: (ctx) => checkLimits(ctx.config(traderConfig)), states: (ctx) => ctx.log.info("book", ctx.use(book).seq) },
 *     onSignal: (signal, ctx) => ctx.log.warn(`${signal}: closing positions`),
 *   })],
 * });
 */
export function lifecycle(hooks: LifecycleHooks): ServiceUse {
  parseOptions("lifecycle", hooksSchema, hooks);
  const setup = typeof hooks.setup === "function" ? { configs: hooks.setup } : (hooks.setup ?? {});
  const use: LifecycleUse = {
    feature: LIFECYCLE,
    setup,
    ...(hooks.onSignal === undefined ? {} : { onSignal: hooks.onSignal }),
  };
  return use;
}

/** The lifecycle hooks a service declares (all of them, in order). */
export function lifecycleOf(svc: {
  readonly options: { readonly uses?: readonly ServiceUse[] };
}): LifecycleUse[] {
  return (svc.options.uses ?? []).filter((u): u is LifecycleUse => u.feature === LIFECYCLE);
}
