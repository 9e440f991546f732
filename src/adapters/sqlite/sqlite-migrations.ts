import type { Database } from "better-sqlite3";
import { type Migration, pendingMigrations } from "../../ports/migration.js";

/**
 * Applies a store's migrations that its migrations table does not list yet, and lists them, in one
 * write transaction (`BEGIN IMMEDIATE`): a second process starting at the same time waits for it
 * (busy timeout), then finds them applied.
 *
 * @example
 * migrateSqlite(database, "tessera_flow_migrations", flowMigrations(tables));
 */
export function migrateSqlite(database: Database, table: string, migrations: readonly Migration[]): void {
  database
    .transaction(() => {
      database.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
      );
      const applied = new Set(database.prepare(`SELECT version FROM ${table}`).pluck().all() as number[]);
      const record = database.prepare(`INSERT INTO ${table} (version, applied_at) VALUES (?, ?)`);
      for (const m of pendingMigrations(migrations, applied)) {
        database.exec(m.sql);
        record.run(m.version, Date.now());
      }
    })
    .immediate();
}
