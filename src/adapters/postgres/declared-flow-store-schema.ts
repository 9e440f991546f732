import type { Migration } from "../../ports/migration.js";
import { ident } from "./sql-ident.js";

/** Qualified table names of the declared-flow store, in the flow store's schema. */
export interface DeclaredFlowTables {
  readonly schema: string;
  readonly services: string;
  readonly flows: string;
  readonly versions: string;
  readonly migrations: string;
}

export function declaredFlowTables(schema: string): DeclaredFlowTables {
  const s = ident(schema);
  return {
    schema: s,
    services: `${s}.declared_services`,
    flows: `${s}.declared_flows`,
    versions: `${s}.declared_versions`,
    migrations: `${s}.declared_migrations`,
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
      sql: `CREATE TABLE IF NOT EXISTS ${t.services} (id text PRIMARY KEY, name text NOT NULL UNIQUE, address text NOT NULL,
         inputs text NOT NULL, outputs text NOT NULL, description text, created_at bigint NOT NULL, updated_at bigint NOT NULL);
       CREATE TABLE IF NOT EXISTS ${t.flows} (id text PRIMARY KEY, name text NOT NULL UNIQUE, latest int NOT NULL,
         deleted boolean NOT NULL DEFAULT false, updated_at bigint NOT NULL);
       CREATE TABLE IF NOT EXISTS ${t.versions} (flow_id text NOT NULL, version int NOT NULL, definition text NOT NULL,
         created_at bigint NOT NULL, PRIMARY KEY (flow_id, version));`,
    },
  ];
}
