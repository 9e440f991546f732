// The peers of the flow scenarios, parameterised: the peer files under bench/peers/ call these.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { postgresFlowStore } from "../../src/adapters/postgres/index.js";
import { sqliteFlowStore } from "../../src/adapters/sqlite/index.js";
import { createFlowEngine, flow, flowsService } from "../../src/features/flows/index.js";
import { createNode, silentLogger } from "../../src/index.js";
import type { FlowStore } from "../../src/ports/flow-store.js";
import { measureRuns } from "./flow-load.js";
import { benchDatabaseUrl, POOL_SIZE } from "./postgres.js";

/** The flow of every peer: three tiny local steps. */
export const threeSteps = flow("three-steps", { input: z.number() }, async (ctx, n) => {
  const a = await ctx.step("one", () => n + 1);
  const b = await ctx.step("two", () => a * 2);
  return ctx.step("three", () => b - 1);
});

async function measureEngine(store: FlowStore, onEnd: () => Promise<void>): Promise<void> {
  const engine = createFlowEngine({ store, flows: [threeSteps], concurrency: 1000, logger: silentLogger });
  const node = createNode({
    services: [flowsService(engine)],
    plugins: [engine],
    transport: memoryTransport(),
    logger: silentLogger,
  });
  await node.start();
  if ((await engine.execute(threeSteps, 1)) !== 3) throw new Error("the flow gave a wrong answer");
  await measureRuns(async (n) => {
    if ((await engine.execute(threeSteps, n)) !== 2 * (n + 1) - 1) throw new Error(`run ${n}: wrong answer`);
  }, 3);
  await node.stop();
  await onEnd();
}

/** Tesserae's engine on PostgreSQL, a pool of POOL_SIZE, in a schema of its own (dropped first). */
export async function oursPostgres(): Promise<void> {
  const pool = new pg.Pool({ connectionString: await benchDatabaseUrl(), max: POOL_SIZE });
  await pool.query("DROP SCHEMA IF EXISTS bench_flows CASCADE");
  await measureEngine(postgresFlowStore({ pool, schema: "bench_flows" }), async () => {
    await pool.query("DROP SCHEMA IF EXISTS bench_flows CASCADE");
    await pool.end();
  });
}

/** Tesserae's engine on SQLite (WAL) at a synchronous setting, in a temporary file. */
export async function oursSqlite(synchronous: "FULL" | "NORMAL"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tesserae-bench-flows-"));
  const database = new Database(join(dir, "flows.db"));
  await measureEngine(sqliteFlowStore({ database, synchronous }), async () => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The floor of one durable write on PostgreSQL: one single-row INSERT per transaction, 100 in flight on `connections`. */
export async function insertPostgres(connections: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: await benchDatabaseUrl(), max: connections });
  await pool.query("DROP TABLE IF EXISTS bench_flow_inserts");
  await pool.query(
    "CREATE TABLE bench_flow_inserts (id bigserial PRIMARY KEY, run text NOT NULL, seq int NOT NULL, value text)",
  );
  await measureRuns(async (n) => {
    await pool.query("INSERT INTO bench_flow_inserts (run, seq, value) VALUES ($1, 1, $2)", [
      `r${n}`,
      String(n),
    ]);
  }, 1);
  await pool.query("DROP TABLE bench_flow_inserts");
  await pool.end();
}

/** The floor of one durable write on SQLite: one single-row transaction (autocommit), WAL, at a synchronous setting. */
export async function insertSqlite(synchronous: "FULL" | "NORMAL"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tesserae-bench-insert-"));
  const db = new Database(join(dir, "insert.db"));
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(
    "CREATE TABLE inserts (id INTEGER PRIMARY KEY, run TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT)",
  );
  const insert = db.prepare("INSERT INTO inserts (run, seq, value) VALUES (?, 1, ?)");
  await measureRuns(async (n) => {
    insert.run(`r${n}`, String(n));
  }, 1);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
