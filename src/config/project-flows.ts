import pg from "pg";
import { memoryFlowStore } from "../adapters/memory/index.js";
import { postgresFlowStore } from "../adapters/postgres/index.js";
import { sqliteFlowStore } from "../adapters/sqlite/index.js";
import type { Logger } from "../core/logger.js";
import { createFlowEngine, type FlowEngine } from "../features/flows/engine.js";
import type { FlowStore } from "../ports/flow-store.js";
import type { Project } from "./load-project.js";
import { openSqliteFile } from "./sqlite-file.js";
import type { StoreUrl } from "./store-url.js";

/** The flow store a store URL names: a SQLite file (WAL), a PostgreSQL pool, or memory. */
export function flowStoreFor(store: StoreUrl): FlowStore {
  if (store.kind === "sqlite") {
    return sqliteFlowStore({ database: openSqliteFile(store.path!), closeDatabase: true });
  }
  if (store.kind === "postgres") {
    return postgresFlowStore({
      pool: new pg.Pool({ connectionString: store.url, max: 10 }),
      closePool: true,
    });
  }
  return memoryFlowStore();
}

/**
 * The flow engine of a project that declares `flows`, on the stage's store; it joins the node as a
 * plugin (started and stopped with it) and its `flows` service is served with the others.
 */
export function projectFlowEngine(project: Project, logger: Logger): FlowEngine | undefined {
  const flows = project.config.flows ?? [];
  if (flows.length === 0 && project.config.declaredFlows === undefined) return undefined;
  return createFlowEngine({ store: flowStoreFor(project.settings.store), flows, logger, closeStore: true });
}
