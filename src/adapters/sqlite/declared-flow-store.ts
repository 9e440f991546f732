import type { Database } from "better-sqlite3";
import type {
  DeclaredFlowStore,
  DefinitionRecord,
  NewDefinition,
  NewService,
  ServiceRecord,
} from "../../ports/declared-flow-store.js";

export interface SqliteDeclaredFlowStoreOptions {
  /** An open better-sqlite3 database; closed by `close()` only with `closeDatabase`. */
  readonly database: Database;
  /** Prefix of the store's tables (default `tessera_declared_`). */
  readonly prefix?: string;
  readonly closeDatabase?: boolean;
}

interface ServiceRow {
  id: string;
  name: string;
  address: string;
  inputs: string;
  outputs: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

interface DefinitionRow {
  id: string;
  name: string;
  deleted: number;
  version: number;
  definition: string;
  created_at: number;
}

function serviceOf(r: ServiceRow): ServiceRecord {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    inputs: JSON.parse(r.inputs),
    outputs: JSON.parse(r.outputs),
    ...(r.description === null ? {} : { description: r.description }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function definitionOf(r: DefinitionRow): DefinitionRecord {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    definition: JSON.parse(r.definition),
    createdAt: r.created_at,
    deleted: r.deleted === 1,
  };
}

/**
 * The declared-flow store on SQLite (better-sqlite3): services, flows and their versions in three
 * tables beside the flow store's.
 *
 * @example
 * const registry = sqliteDeclaredFlowStore({ database: new Database(".tesserae/dev.db") });
 */
export class SqliteDeclaredFlowStore implements DeclaredFlowStore {
  readonly kind = "sqlite";
  private readonly db: Database;
  private readonly t: { services: string; flows: string; versions: string; migrations: string };

  constructor(private readonly options: SqliteDeclaredFlowStoreOptions) {
    this.db = options.database;
    const p = options.prefix ?? "tessera_declared_";
    if (!/^[a-z_][a-z0-9_]*$/i.test(p)) throw new TypeError(`table prefix "${p}" must be an identifier`);
    this.t = {
      services: `${p}services`,
      flows: `${p}flows`,
      versions: `${p}versions`,
      migrations: `${p}migrations`,
    };
  }

  async migrate(): Promise<void> {
    const t = this.t;
    const migrations = [
      `CREATE TABLE ${t.services} (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, address TEXT NOT NULL,
         inputs TEXT NOT NULL, outputs TEXT NOT NULL, description TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
       CREATE TABLE ${t.flows} (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, latest INTEGER NOT NULL,
         deleted INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
       CREATE TABLE ${t.versions} (flow_id TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
         created_at INTEGER NOT NULL, PRIMARY KEY (flow_id, version));`,
    ];
    this.db
      .transaction(() => {
        this.db.exec(
          `CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
        );
        const done = new Set(
          this.db.prepare(`SELECT version FROM ${t.migrations}`).pluck().all() as number[],
        );
        migrations.forEach((sql, i) => {
          if (done.has(i + 1)) return;
          this.db.exec(sql);
          this.db
            .prepare(`INSERT INTO ${t.migrations} (version, applied_at) VALUES (?, ?)`)
            .run(i + 1, Date.now());
        });
      })
      .immediate();
  }

  async putService(s: NewService, now: number): Promise<ServiceRecord> {
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
  }

  async getService(idOrName: string): Promise<ServiceRecord | undefined> {
    const row = this.db
      .prepare(`SELECT * FROM ${this.t.services} WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`)
      .get(idOrName, idOrName, idOrName) as ServiceRow | undefined;
    return row === undefined ? undefined : serviceOf(row);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return (this.db.prepare(`SELECT * FROM ${this.t.services} ORDER BY name`).all() as ServiceRow[]).map(
      serviceOf,
    );
  }

  async deleteService(idOrName: string): Promise<boolean> {
    const s = await this.getService(idOrName);
    if (s === undefined) return false;
    return this.db.prepare(`DELETE FROM ${this.t.services} WHERE id = ?`).run(s.id).changes > 0;
  }

  async putDefinition(d: NewDefinition, now: number): Promise<DefinitionRecord> {
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
          .prepare(`INSERT INTO ${t.versions} (flow_id, version, definition, created_at) VALUES (?, ?, ?, ?)`)
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
  }

  async getDefinition(idOrName: string, version?: number): Promise<DefinitionRecord | undefined> {
    const head = this.head(idOrName);
    if (head === undefined || (version === undefined && head.deleted === 1)) return undefined;
    const row = this.db
      .prepare(
        `SELECT version, definition, created_at FROM ${this.t.versions} WHERE flow_id = ? AND version = ?`,
      )
      .get(head.id, version ?? head.latest) as Pick<DefinitionRow, "version" | "definition" | "created_at">;
    return row === undefined ? undefined : definitionOf({ ...head, ...row });
  }

  async listDefinitions(options: { readonly deleted?: boolean } = {}): Promise<DefinitionRecord[]> {
    const t = this.t;
    return (
      this.db
        .prepare(
          `SELECT f.id, f.name, f.deleted, v.version, v.definition, v.created_at FROM ${t.flows} f
           JOIN ${t.versions} v ON v.flow_id = f.id AND v.version = f.latest WHERE f.deleted <= ? ORDER BY f.name`,
        )
        .all(options.deleted === true ? 1 : 0) as DefinitionRow[]
    ).map(definitionOf);
  }

  async listVersions(idOrName: string): Promise<DefinitionRecord[]> {
    const head = this.head(idOrName);
    if (head === undefined || head.deleted === 1) return [];
    return (
      this.db
        .prepare(
          `SELECT version, definition, created_at FROM ${this.t.versions} WHERE flow_id = ? ORDER BY version`,
        )
        .all(head.id) as Pick<DefinitionRow, "version" | "definition" | "created_at">[]
    ).map((r) => definitionOf({ ...head, ...r }));
  }

  async deleteDefinition(idOrName: string, now: number): Promise<boolean> {
    const head = this.head(idOrName);
    if (head === undefined || head.deleted === 1) return false;
    this.db.prepare(`UPDATE ${this.t.flows} SET deleted = 1, updated_at = ? WHERE id = ?`).run(now, head.id);
    return true;
  }

  async close(): Promise<void> {
    if (this.options.closeDatabase) this.db.close();
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
