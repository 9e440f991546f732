import { createHash } from "node:crypto";
import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import type { RetryPolicy } from "../../core/policies.js";
import type { InferIn, InferOut, Schema } from "../../core/schema.js";
import type { RunRecord } from "../../ports/flow-store.js";
import { parseOptions } from "../definition-options.js";
import { checkBudget, type FlowBudget } from "./budget.js";
import type { FlowContext } from "./flow-context.js";
import { flowOptionsSchema } from "./flow-options-schema.js";
import type { FlowRetention } from "./retention-option.js";
import type { SignalDef } from "./signal.js";
import type { Trigger } from "./triggers.js";

/** How a flow is declared (all optional). */
export interface FlowOptions<
  IS extends Schema | undefined = Schema | undefined,
  OS extends Schema | undefined = Schema | undefined,
> {
  /** Schema of the input, checked before a run is created (a failure creates no run). */
  readonly input?: IS;
  /** Schema of the output, checked when the run ends. */
  readonly output?: OS;
  /**
   * Version of the code, recorded by every run. Default: a hash of the flow's source. A run
   * started by another version is not replayed by this code (it is `blocked`, then reported)
   * unless the version is listed in `compatibleWith`.
   */
  readonly version?: string;
  readonly compatibleWith?: readonly string[];
  /** Signals the runs wait for (payloads are validated when delivered). */
  readonly signals?: readonly SignalDef[];
  /** Bus events the runs wait for with `ctx.waitFor(event)`. */
  readonly events?: readonly EventDef[];
  /** Cron schedules and bus events that start runs. */
  readonly triggers?: readonly Trigger[];
  /** Default retry policy of the flow's steps. */
  readonly retry?: RetryPolicy;
  /**
   * What one run may do: steps per activation, journal entries in all (defaults: the engine's, else
   * 10 000 and 50 000). Past it the run fails with `TESSERA_FLOW_BUDGET`; its completed steps are
   * compensated.
   */
  readonly budget?: FlowBudget;
  /**
   * How long its finished runs are kept: `{ maxAge: "30d", maxRuns: 10_000 }` (either bound
   * suffices), `false` until pruned by hand. Unset: the engine's (`retentionMs`, default 7 days).
   */
  readonly retention?: FlowRetention;
  readonly description?: string;
}

/** The code of a flow. */
export type FlowBody<In, Out> = (ctx: FlowContext, input: In) => Promise<Out>;

/** A declared flow. `In`/`Out` are what a starter passes and gets. */
export interface FlowDef<N extends string = string, In = never, Out = unknown> {
  readonly kind: "flow";
  readonly name: N;
  readonly version: string;
  readonly options: FlowOptions;
  readonly body: FlowBody<never, unknown>;
  /**
   * The signals a run of this flow accepts when they depend on the run (a declared flow's: the waits
   * of the run's definition version); other names are refused. Default: `options.signals`.
   */
  readonly signalsOf?: (run: RunRecord) => Promise<readonly SignalDef[]>;
  /** Type carrier only, never set at run time. */
  readonly "~types"?: { readonly in: (input: In) => void; readonly out: Out };
}

const flowName = /^[a-z][a-z0-9-]*$/;

function defaultVersion(name: string, body: unknown, options: FlowOptions): string {
  const h = createHash("sha256").update(name).update(String(body));
  for (const t of options.triggers ?? []) h.update(t.kind);
  return h.digest("hex").slice(0, 12);
}

/**
 * Declares a durable flow. Its code calls services, runs steps, sleeps and waits through `ctx`;
 * every effect is journaled, so a run survives crashes and never repeats a completed step.
 *
 * @example
 * export const processText = flow("process-text", { input: Message, output: Result }, async (ctx, { message }) => {
 *   const upper = await ctx.call(text.entries.upper, { message });
 *   const reversed = await ctx.call(text.entries.reverse, upper);
 *   const { count } = await ctx.call(text.entries.spaces, { message });
 *   return { message: reversed.message, count };
 * });
 */
export function flow<
  const N extends string,
  IS extends Schema | undefined = undefined,
  OS extends Schema = Schema,
>(
  name: N,
  options: FlowOptions<IS, OS> & { readonly output: OS },
  body: FlowBody<InferOut<IS>, InferIn<OS>>,
): FlowDef<N, InferIn<IS>, InferOut<OS>>;
export function flow<const N extends string, IS extends Schema | undefined = undefined, R = unknown>(
  name: N,
  options: FlowOptions<IS, undefined>,
  body: (ctx: FlowContext, input: InferOut<IS>) => Promise<R>,
): FlowDef<N, InferIn<IS>, R>;
export function flow(name: string, options: FlowOptions, body: FlowBody<never, unknown>): FlowDef<string> {
  if (!flowName.test(name) || name === "runs") {
    throw TesseraError.definition(
      name,
      `flow name "${name}" must be lower-case letters, digits and "-" (and not "runs")`,
    );
  }
  if (typeof body !== "function")
    throw TesseraError.definition(name, `flow ${name}: the body must be a function`);
  parseOptions(name, flowOptionsSchema, options);
  checkBudget(`flow ${name}`, options.budget);
  return Object.freeze({
    kind: "flow",
    name,
    version: options.version ?? defaultVersion(name, body, options),
    options,
    body,
  });
}
