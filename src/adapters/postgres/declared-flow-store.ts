import type { Pool } from "pg";
import {
  type DefinitionRow,
  definitionRecordOf as definitionOf,
  type ServiceRow,
  serviceRecordOf as serviceOf,
} from "../../ports/declared-flow-rows.js";
import type {
  DeclaredFlowStore,
  DefinitionRecord,
  NewDefinition,
  NewService,
  ServiceRecord,
} from "../../ports/declared-flow-store.js";
import { guardedPool } from "./connection-failure.js";
import {
  type DeclaredFlowTables,
  declaredFlowMigrations,
  declaredFlowTables,
} from "./declared-flow-store-schema.js";
import { migratePostgres } from "./postgres-migrations.js";

export interface PostgresDeclaredFlowStoreOptions {
  /** A `pg` pool; the store does not end it unless `closePool`. */
  readonly pool: Pool;
  /** The PostgreSQL schema of the store's tables, created if missing (default `tessera`). */
  readonly schema?: string;
  readonly closePool?: boolean;
}

/**
 * The declared-flow store on PostgreSQL (`pg`), in the flow store's schema. A new version is one
 * upsert of the flow's head row (its `latest` counter) and one insert, in one transaction.
 *
 * @example
 * const registry = postgresDeclaredFlowStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 */
export class PostgresDeclaredFlowStore implements DeclaredFlowStore {
  readonly kind = "postgres";
  private readonly pool: Pool;
  private readonly t: DeclaredFlowTables;

  constructor(private readonly options: PostgresDeclaredFlowStoreOptions) {
    this.pool = guardedPool(options.pool);
    this.t = declaredFlowTables(options.schema ?? "tessera");
  }

  migrate(): Promise<void> {
    return migratePostgres(this.pool, this.t.schema, this.t.migrations, declaredFlowMigrations(this.t));
  }

  async putService(s: NewService, now: number): Promise<ServiceRecord> {
    const { rows } = await this.pool.query<ServiceRow>(
      `INSERT INTO ${this.t.services} (id, name, address, inputs, outputs, description, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (name) DO UPDATE SET address = excluded.address, inputs = excluded.inputs,
         outputs = excluded.outputs, description = excluded.description, updated_at = excluded.updated_at
       RETURNING *`,
      [
        s.id,
        s.name,
        s.address,
        JSON.stringify(s.inputs),
        JSON.stringify(s.outputs),
        s.description ?? null,
        now,
      ],
    );
    return serviceOf(rows[0]!);
  }

  async getService(idOrName: string): Promise<ServiceRecord | undefined> {
    const { rows } = await this.pool.query<ServiceRow>(
      `SELECT * FROM ${this.t.services} WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1`,
      [idOrName],
    );
    return rows[0] === undefined ? undefined : serviceOf(rows[0]);
  }

  async listServices(): Promise<ServiceRecord[]> {
    const { rows } = await this.pool.query<ServiceRow>(`SELECT * FROM ${this.t.services} ORDER BY name`);
    return rows.map(serviceOf);
  }

  async deleteService(idOrName: string): Promise<boolean> {
    const s = await this.getService(idOrName);
    if (s === undefined) return false;
    const r = await this.pool.query(`DELETE FROM ${this.t.services} WHERE id = $1`, [s.id]);
    return (r.rowCount ?? 0) > 0;
  }

  async putDefinition(d: NewDefinition, now: number): Promise<DefinitionRecord> {
    const t = this.t;
    const definition = JSON.stringify(d.definition);
    // One statement: the head's counter moves and the version row lands together.
    const { rows } = await this.pool.query<{ id: string; latest: number }>(
      `WITH head AS (
         INSERT INTO ${t.flows} (id, name, latest, deleted, updated_at) VALUES ($1, $2, 1, false, $4)
         ON CONFLICT (name) DO UPDATE SET latest = ${t.flows}.latest + 1, deleted = false, updated_at = excluded.updated_at
         RETURNING id, latest),
       v AS (INSERT INTO ${t.versions} (flow_id, version, definition, created_at) SELECT id, latest, $3, $4 FROM head)
       SELECT id, latest FROM head`,
      [d.id, d.name, definition, now],
    );
    const head = rows[0]!;
    return definitionOf({
      id: head.id,
      name: d.name,
      deleted: false,
      version: head.latest,
      definition,
      created_at: String(now),
    });
  }

  async getDefinition(idOrName: string, version?: number): Promise<DefinitionRecord | undefined> {
    const t = this.t;
    const { rows } = await this.pool.query<DefinitionRow>(
      `SELECT f.id, f.name, f.deleted, v.version, v.definition, v.created_at FROM ${t.flows} f
       JOIN ${t.versions} v ON v.flow_id = f.id AND v.version = COALESCE($2::int, f.latest)
       WHERE (f.id = $1 OR f.name = $1) AND ($2::int IS NOT NULL OR NOT f.deleted)
       ORDER BY (f.id = $1) DESC LIMIT 1`,
      [idOrName, version ?? null],
    );
    return rows[0] === undefined ? undefined : definitionOf(rows[0]);
  }

  async listDefinitions(options: { readonly deleted?: boolean } = {}): Promise<DefinitionRecord[]> {
    const t = this.t;
    const { rows } = await this.pool.query<DefinitionRow>(
      `SELECT f.id, f.name, f.deleted, v.version, v.definition, v.created_at FROM ${t.flows} f
       JOIN ${t.versions} v ON v.flow_id = f.id AND v.version = f.latest WHERE $1 OR NOT f.deleted ORDER BY f.name`,
      [options.deleted === true],
    );
    return rows.map(definitionOf);
  }

  async listVersions(idOrName: string): Promise<DefinitionRecord[]> {
    const t = this.t;
    const { rows } = await this.pool.query<DefinitionRow>(
      `SELECT f.id, f.name, f.deleted, v.version, v.definition, v.created_at FROM ${t.flows} f
       JOIN ${t.versions} v ON v.flow_id = f.id
       WHERE f.id = (SELECT id FROM ${t.flows} WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1)
         AND NOT f.deleted
       ORDER BY v.version`,
      [idOrName],
    );
    return rows.map(definitionOf);
  }

  async deleteDefinition(idOrName: string, now: number): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE ${this.t.flows} SET deleted = true, updated_at = $2
       WHERE id = (SELECT id FROM ${this.t.flows} WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1)
         AND NOT deleted`,
      [idOrName, now],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    if (this.options.closePool) await this.pool.end();
  }
}

/** Creates a {@link PostgresDeclaredFlowStore}. */
export function postgresDeclaredFlowStore(
  options: PostgresDeclaredFlowStoreOptions,
): PostgresDeclaredFlowStore {
  return new PostgresDeclaredFlowStore(options);
}
