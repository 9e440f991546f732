import type { Migration } from "../../ports/migration.js";
import { tablePrefix } from "./table-prefix.js";

/** Table names of the declared-flow store, sharing one prefix (beside the flow store's tables). */
export interface DeclaredFlowTables {
  readonly services: string;
  readonly flows: string;
  readonly versions: string;
  readonly migrations: string;
}

export function declaredFlowTables(prefix: string): DeclaredFlowTables {
  tablePrefix(prefix);
  return {
    services: `${prefix}services`,
    flows: `${prefix}flows`,
    versions: `${prefix}versions`,
    migrations: `${prefix}migrations`,
  };
}

/**
 * The versioned migrations of the declared-flow store: services, flows (a head row per name with
 * its `latest` version) and their versions. Never edit a released migration: add the next one.
 */
export function declaredFlowMigrations(t: DeclaredFlowTables): readonly Migration[] {
  return [
    {
      version: 1,
      sql: `CREATE TABLE IF NOT EXISTS ${t.services} (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, address TEXT NOT NULL,
         inputs TEXT NOT NULL, outputs TEXT NOT NULL, description TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS ${t.flows} (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, latest INTEGER NOT NULL,
         deleted INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS ${t.versions} (flow_id TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
         created_at INTEGER NOT NULL, PRIMARY KEY (flow_id, version));`,
    },
  ];
}
