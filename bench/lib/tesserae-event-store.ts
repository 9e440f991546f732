// Tesserae's PostgreSQL event store in the bench database, in a fresh schema.
import pg from "pg";
import { type PostgresEventStore, postgresEventStore } from "../../src/adapters/postgres/index.js";
import { benchDatabaseUrl, POOL_SIZE } from "./postgres.js";

export async function benchEventStore(
  schema = "bench_tessera",
): Promise<{ store: PostgresEventStore; pool: pg.Pool }> {
  const pool = new pg.Pool({ connectionString: await benchDatabaseUrl(), max: POOL_SIZE });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const store = postgresEventStore({ pool, schema, closePool: true });
  await store.migrate();
  return { store, pool };
}
