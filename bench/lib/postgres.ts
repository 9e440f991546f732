// The PostgreSQL of the event-store benchmarks: the machine's server, in databases of their own.
import pg from "pg";

const base = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/tessera_bench";

/**
 * The URL of a bench database (`tessera_bench`, or `tessera_bench_<suffix>`): created when missing,
 * or created anew with `fresh`. Peers share the server, never the tables.
 */
export async function benchDatabaseUrl(suffix?: string, fresh = false): Promise<string> {
  const url = new URL(base);
  if (suffix !== undefined) url.pathname = `${url.pathname}_${suffix}`;
  const name = url.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad bench database name ${name}`);
  const adminUrl = new URL(base);
  adminUrl.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return url.toString();
}

/** Pool size of every peer: the same number of connections for each. */
export const POOL_SIZE = 10;
