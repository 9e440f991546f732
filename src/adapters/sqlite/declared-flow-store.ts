import type { Database } from "better-sqlite3";
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
import {
  type DeclaredFlowTables,
  declaredFlowMigrations,
  declaredFlowTables,
} from "./declared-flow-store-schema.js";
import { type SqliteConnection, sqliteConnection } from "./sqlite-connection.js";
import { migrateSqlite } from "./sqlite-migrations.js";

export interface SqliteDeclaredFlowStoreOptions {
  /** An open better-sqlite3 database; closed by `close()` only with `closeDatabase`. */
  readonly database: Database;
  /** Prefix of the store's tables (default `tessera_declared_`). */
  readonly prefix?: string;
  readonly closeDatabase?: boolean;
}

/**
 * The declared-flow store on SQLite (better-sqlite3): services, flows and their versions in three
 * tables beside the flow store's. Its operations take their turn on the database's connection, which
 * it may share with other stores.
 *
 * @example
 * const registry = sqliteDeclaredFlowStore({ database: new Database(".tesserae/dev.db") });
 */
export class SqliteDeclaredFlowStore implements DeclaredFlowStore {
  readonly kind = "sqlite";
  private readonly db: Database;
  private readonly t: DeclaredFlowTables;
  private readonly connection: SqliteConnection;

  constructor(private readonly options: SqliteDeclaredFlowStoreOptions) {
    this.db = options.database;
    this.t = declaredFlowTables(options.prefix ?? "tessera_declared_");
    this.connection = sqliteConnection(this.db);
  }

  migrate(): Promise<void> {
    return this.connection.run(() =>
      migrateSqlite(this.db, this.t.migrations, declaredFlowMigrations(this.t)),
    );
  }

  putService(s: NewService, now: number): Promise<ServiceRecord> {
    return this.connection.run(() => {
      const row = this.db
        .prepare(
          `INSERT INTO ${this.t.services} (id, name, address, inputs, outputs, description, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET address = excluded.address, inputs = excluded.inputs,
             outputs = excluded.outputs, description = excluded.description, updated_at = excluded.updated_at
           RETURNING *`,
        )
        .get(
          s.id,
          s.name,
          s.address,
          JSON.stringify(s.inputs),
          JSON.stringify(s.outputs),
          s.description ?? null,
          now,
          now,
        ) as ServiceRow;
      return serviceOf(row);
    });
  }

  getService(idOrName: string): Promise<ServiceRecord | undefined> {
    return this.connection.run(() => this.serviceNow(idOrName));
  }

  private serviceNow(idOrName: string): ServiceRecord | undefined {
    const row = this.db
      .prepare(`SELECT * FROM ${this.t.services} WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`)
      .get(idOrName, idOrName, idOrName) as ServiceRow | undefined;
    return row === undefined ? undefined : serviceOf(row);
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.connection.run(() =>
      (this.db.prepare(`SELECT * FROM ${this.t.services} ORDER BY name`).all() as ServiceRow[]).map(
        serviceOf,
      ),
    );
  }

  deleteService(idOrName: string): Promise<boolean> {
    return this.connection.run(() => {
      const s = this.serviceNow(idOrName);
      if (s === undefined) return false;
      return this.db.prepare(`DELETE FROM ${this.t.services} WHERE id = ?`).run(s.id).changes > 0;
    });
  }

  putDefinition(d: NewDefinition, now: number): Promise<DefinitionRecord> {
    return this.connection.run(() => {
      const t = this.t;
      return this.db
        .transaction(() => {
          const head = this.db
            .prepare(
              `INSERT INTO ${t.flows} (id, name, latest, deleted, updated_at) VALUES (?, ?, 1, 0, ?)
               ON CONFLICT (name) DO UPDATE SET latest = latest + 1, deleted = 0, updated_at = excluded.updated_at
               RETURNING id, latest`,
            )
            .get(d.id, d.name, now) as { id: string; latest: number };
          const definition = JSON.stringify(d.definition);
          this.db
            .prepare(
              `INSERT INTO ${t.versions} (flow_id, version, definition, created_at) VALUES (?, ?, ?, ?)`,
            )
            .run(head.id, head.latest, definition, now);
          return definitionOf({
            id: head.id,
            name: d.name,
            deleted: 0,
            version: head.latest,
            definition,
            created_at: now,
          });
        })
        .immediate();
    });
  }

  getDefinition(idOrName: string, version?: number): Promise<DefinitionRecord | undefined> {
    return this.connection.run(() => {
      const head = this.head(idOrName);
      if (head === undefined || (version === undefined && head.deleted === 1)) return undefined;
      const row = this.db
        .prepare(
          `SELECT version, definition, created_at FROM ${this.t.versions} WHERE flow_id = ? AND version = ?`,
        )
        .get(head.id, version ?? head.latest) as Pick<DefinitionRow, "version" | "definition" | "created_at">;
      return row === undefined ? undefined : definitionOf({ ...head, ...row });
    });
  }

  listDefinitions(options: { readonly deleted?: boolean } = {}): Promise<DefinitionRecord[]> {
    return this.connection.run(() => {
      const t = this.t;
      return (
        this.db
          .prepare(
            `SELECT f.id, f.name, f.deleted, v.version, v.definition, v.created_at FROM ${t.flows} f
             JOIN ${t.versions} v ON v.flow_id = f.id AND v.version = f.latest WHERE f.deleted <= ? ORDER BY f.name`,
          )
          .all(options.deleted === true ? 1 : 0) as DefinitionRow[]
      ).map(definitionOf);
    });
  }

  listVersions(idOrName: string): Promise<DefinitionRecord[]> {
    return this.connection.run(() => {
      const head = this.head(idOrName);
      if (head === undefined || head.deleted === 1) return [];
      return (
        this.db
          .prepare(
            `SELECT version, definition, created_at FROM ${this.t.versions} WHERE flow_id = ? ORDER BY version`,
          )
          .all(head.id) as Pick<DefinitionRow, "version" | "definition" | "created_at">[]
      ).map((r) => definitionOf({ ...head, ...r }));
    });
  }

  deleteDefinition(idOrName: string, now: number): Promise<boolean> {
    return this.connection.run(() => {
      const head = this.head(idOrName);
      if (head === undefined || head.deleted === 1) return false;
      this.db
        .prepare(`UPDATE ${this.t.flows} SET deleted = 1, updated_at = ? WHERE id = ?`)
        .run(now, head.id);
      return true;
    });
  }

  async close(): Promise<void> {
    if (this.options.closeDatabase) await this.connection.run(() => this.db.close());
  }

  private head(idOrName: string): { id: string; name: string; deleted: number; latest: number } | undefined {
    return this.db
      .prepare(
        `SELECT id, name, deleted, latest FROM ${this.t.flows} WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`,
      )
      .get(idOrName, idOrName, idOrName) as
      | { id: string; name: string; deleted: number; latest: number }
      | undefined;
  }
}

/** Creates a {@link SqliteDeclaredFlowStore}. */
export function sqliteDeclaredFlowStore(options: SqliteDeclaredFlowStoreOptions): SqliteDeclaredFlowStore {
  return new SqliteDeclaredFlowStore(options);
}
