import type { FlowContext } from "../../flows/flow-context.js";
import type { Data } from "../data-paths.js";
import type { ServiceCaller } from "../interpreter.js";
import type { RunSnapshot } from "../run-snapshot.js";
import type { AslFlowDefinition } from "./asl-definition.js";
import { AslExecution } from "./asl-execution.js";
import type { Json } from "./asl-types.js";
import { flowEffects } from "./flow-effects.js";

/**
 * Runs a States Language flow's machine on the durable engine through `ctx`, from the run's
 * snapshot (the definition and services of its version); resolves with the machine's output.
 *
 * @example
 * return runAslFlow(ctx, snapshot, caller, 30_000, input);
 */
export async function runAslFlow(
  ctx: FlowContext,
  snapshot: RunSnapshot,
  caller: ServiceCaller,
  defaultTimeoutMs: number,
  input: Data,
): Promise<Data> {
  const def = snapshot.definition as AslFlowDefinition;
  const fx = flowEffects(ctx, snapshot, caller, defaultTimeoutMs);
  return (await new AslExecution(fx, input as Json).run(def.definition, input as Json)) as Data;
}
