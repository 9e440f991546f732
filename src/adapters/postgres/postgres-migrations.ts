import type { Pool } from "pg";
import { type Migration, pendingMigrations } from "../../ports/migration.js";
import { inTransaction } from "./pg-transaction.js";

/**
 * Applies a store's migrations that its migrations table does not list yet, and lists them, in one
 * transaction under an advisory lock on the schema: processes that start at the same time take
 * turns (the later ones find the migrations applied), and so do the stores of one schema.
 *
 * @param schema the quoted schema (see `ident`), created if missing
 * @param table the migrations table, qualified by the schema
 *
 * @example
 * await migratePostgres(pool, '"tessera"', '"tessera".flow_migrations', flowMigrations(tables));
 */
export async function migratePostgres(
  pool: Pool,
  schema: string,
  table: string,
  migrations: readonly Migration[],
): Promise<void> {
  // The advisory lock does not refresh PostgreSQL's catalog snapshot: a store that waited for it
  // could still miss the schema or table the one before it created, and its `IF NOT EXISTS` then
  // failed on the catalog's unique index (seen in a full run). The retry sees them.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(pool, schema, table, migrations);
    } catch (err) {
      const code = (err as { code?: unknown } | undefined)?.code;
      if (attempt >= 3 || (code !== "23505" && code !== "42P06" && code !== "42P07")) throw err;
    }
  }
}

async function migrateOnce(
  pool: Pool,
  schema: string,
  table: string,
  migrations: readonly Migration[],
): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`tessera-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((r) => r.version),
    );
    for (const m of pendingMigrations(migrations, applied)) {
      await client.query(m.sql);
      await client.query(`INSERT INTO ${table} (version) VALUES ($1)`, [m.version]);
    }
  });
}
