import type { Logger } from "../core/logger.js";
import { createFlowEngine, type FlowEngine } from "../features/flows/engine.js";
import { resolveEgressSettings } from "./egress-settings.js";
import { resolveFlowSettings } from "./flow-settings.js";
import type { Project } from "./load-project.js";
import type { StoreSet } from "./store-set.js";

/**
 * The flow engine of a project that declares `flows`, on the stage's store (the store set owns and
 * closes it); it joins the node as a plugin (started and stopped with it) and its `flows` service
 * is served with the others. Its lease, renewal, poll, stop and retention of finished runs come
 * from the project file's `flowEngine` and the `TESSERA_FLOWS_*` variables (flow-settings.ts); its egress policy (run
 * callbacks, declared flows' calls) from `egress` and `TESSERA_EGRESS_*` (egress-settings.ts).
 */
export function projectFlowEngine(
  project: Project,
  stores: StoreSet,
  logger: Logger,
): FlowEngine | undefined {
  const flows = project.config.flows ?? [];
  if (flows.length === 0 && project.config.declaredFlows === undefined) return undefined;
  const { config } = project;
  const settings = resolveFlowSettings(
    project.env,
    config.stages?.[project.stage]?.flowEngine,
    config.flowEngine,
  );
  const egress = resolveEgressSettings(project.env, config.stages?.[project.stage]?.egress, config.egress);
  const { takeovers, ...engine } = settings;
  const budget = takeovers === undefined ? {} : { budget: { takeovers } };
  return createFlowEngine({ store: stores.flowStore(), flows, logger, ...engine, ...budget, egress });
}
