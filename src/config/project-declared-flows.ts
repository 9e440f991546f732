import type { ServiceDef } from "../core/service.js";
import { createDeclaredFlows, type DeclaredFlows } from "../features/declared-flows/declared-flows.js";
import { declaredFlowsService } from "../features/declared-flows/declared-flows-service.js";
import { machineryService } from "../features/declared-flows/machinery-service.js";
import { diagramsService } from "../features/diagrams/diagrams-service.js";
import type { FlowEngine } from "../features/flows/engine.js";
import type { Project } from "./load-project.js";
import { resolveManagementSettings } from "./management-settings.js";
import type { StoreSet } from "./store-set.js";

/**
 * The declared flows of a project that asks for them (`declaredFlows`), on its flow engine: the
 * node plugin and the services it serves (the `/declared` API, machinery's paths, the diagrams).
 * The diagrams of coded flows are served whenever the project has flows. Their store, beside the
 * flow store, is the store set's. Who may use their management API comes from `management` and
 * `TESSERA_MANAGEMENT_*` (management-settings.ts).
 */
export function projectDeclaredFlows(
  project: Project,
  stores: StoreSet,
  engine: FlowEngine | undefined,
): { readonly plugin: DeclaredFlows | undefined; readonly services: readonly ServiceDef[] } {
  const config = project.config.declaredFlows;
  if (engine === undefined) return { plugin: undefined, services: [] };
  if (config === undefined) return { plugin: undefined, services: [diagramsService(engine)] };
  const management = resolveManagementSettings(
    project.env,
    project.config.stages?.[project.stage]?.management,
    project.config.management,
    project.settings.gateway.authorize,
  );
  const plugin = createDeclaredFlows({
    engine,
    store: stores.declaredFlowStore(),
    ...(config.aliases === undefined ? {} : { aliases: config.aliases }),
    ...(management === undefined ? {} : { management }),
  });
  return {
    plugin,
    services: [declaredFlowsService(plugin), machineryService(plugin), diagramsService(engine, plugin)],
  };
}
