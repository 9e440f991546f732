import pg from "pg";
import { memoryDeclaredFlowStore } from "../adapters/memory/index.js";
import { postgresDeclaredFlowStore } from "../adapters/postgres/index.js";
import { sqliteDeclaredFlowStore } from "../adapters/sqlite/index.js";
import type { ServiceDef } from "../core/service.js";
import { createDeclaredFlows, type DeclaredFlows } from "../features/declared-flows/declared-flows.js";
import { declaredFlowsService } from "../features/declared-flows/declared-flows-service.js";
import { machineryService } from "../features/declared-flows/machinery-service.js";
import { diagramsService } from "../features/diagrams/diagrams-service.js";
import type { FlowEngine } from "../features/flows/engine.js";
import type { DeclaredFlowStore } from "../ports/declared-flow-store.js";
import type { Project } from "./load-project.js";
import { openSqliteFile } from "./sqlite-file.js";
import type { StoreUrl } from "./store-url.js";

/** The declared-flow store a store URL names (beside the flow store, in the same database). */
export function declaredFlowStoreFor(store: StoreUrl): DeclaredFlowStore {
  if (store.kind === "sqlite") {
    return sqliteDeclaredFlowStore({ database: openSqliteFile(store.path!), closeDatabase: true });
  }
  if (store.kind === "postgres")
    return postgresDeclaredFlowStore({
      pool: new pg.Pool({ connectionString: store.url, max: 4 }),
      closePool: true,
    });
  return memoryDeclaredFlowStore();
}

/**
 * The declared flows of a project that asks for them (`declaredFlows`), on its flow engine: the
 * node plugin and the services it serves (the `/declared` API, machinery's paths, the diagrams).
 * The diagrams of coded flows are served whenever the project has flows.
 */
export function projectDeclaredFlows(
  project: Project,
  engine: FlowEngine | undefined,
): { readonly plugin: DeclaredFlows | undefined; readonly services: readonly ServiceDef[] } {
  const config = project.config.declaredFlows;
  if (engine === undefined) return { plugin: undefined, services: [] };
  if (config === undefined) return { plugin: undefined, services: [diagramsService(engine)] };
  const plugin = createDeclaredFlows({
    engine,
    store: declaredFlowStoreFor(project.settings.store),
    closeStore: true,
    ...(config.aliases === undefined ? {} : { aliases: config.aliases }),
  });
  return {
    plugin,
    services: [declaredFlowsService(plugin), machineryService(plugin), diagramsService(engine, plugin)],
  };
}
