import { TesseraError } from "../../../core/errors.js";
import { flowStep } from "../../flows/budget.js";
import type { FlowContext } from "../../flows/flow-context.js";
import type { Data } from "../data-paths.js";
import type { ServiceCaller } from "../interpreter.js";
import type { RunSnapshot } from "../run-snapshot.js";
import type { AslEffects } from "./asl-effects.js";
import type { Json } from "./asl-types.js";

/**
 * The effects of a States Language run on the durable engine: a Task is one `ctx.step` named after
 * its state (its result, or its error, journaled: a replay never calls the service again), a Wait
 * and a retry's delay are durable timers, Parallel branches and Map iterations are `ctx.parallel`
 * branches, and the times and random values the run draws (`States.UUID`, `States.MathRandom`, a
 * jitter, the context object's times) are journaled, so that a replay draws the same.
 *
 * @example
 * const out = await new AslExecution(flowEffects(ctx, snapshot, caller, 30_000), input).run(machine, input);
 */
export function flowEffects(
  ctx: FlowContext,
  snapshot: RunSnapshot,
  caller: ServiceCaller,
  defaultTimeoutMs: number,
): AslEffects {
  return {
    executionId: ctx.runId,
    machineName: ctx.flow,
    // Kept in the snapshot: drawn where a state first read it, it was drawn in whichever branch got
    // there first, and a replay whose branches ran in another order was blocked as non-deterministic.
    ...(snapshot.startedAt === undefined ? {} : { startTime: snapshot.startedAt }),
    task: (name, resource, input, timeoutMs) => {
      const target = snapshot.services[resource];
      if (target === undefined) throw TesseraError.notFound(`service ${resource} is not registered`);
      return ctx.step(name, async (info) => {
        const r = await caller.call(resource, target, input as Data, info, timeoutMs ?? defaultTimeoutMs);
        return (r ?? null) as Json;
      });
    },
    sleep: (_name, ms) => ctx.sleep(ms),
    sleepUntil: async (_name, at) => {
      if (at > ctx.now()) await ctx.sleepUntil(at);
    },
    parallel: (branches) => ctx.parallel(branches) as never,
    now: () => ctx.now(),
    random: () => ctx.random(),
    uuid: () => ctx.uuid(),
    tick: () => flowStep(ctx),
  };
}
