import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { openSqliteFile } from "../../src/config/sqlite-file.js";
import { STORE_POOL_SIZE, type StoreDrivers } from "../../src/config/store-set.js";
import type { EntryRef } from "../../src/core/context.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TesseraNode } from "../../src/core/node.js";
import { PG_URL, postgresAvailable } from "../support/postgres.js";

// The example project declares flows, declared flows and event sourcing: the three stores of its
// stage's URL share one SQLite handle or one PostgreSQL pool (they each opened their own: pools of
// 10 + 4 + 10), and stopping the node closes it.

const config = "examples/text/tesserae.config.ts";
const tmp = mkdtempSync(join(tmpdir(), "tesserae-store-set-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Drivers that count what they open and keep it for the test to look at. */
function countingDrivers() {
  const databases: Database.Database[] = [];
  const pools: { pool: pg.Pool; config: pg.PoolConfig }[] = [];
  const drivers: StoreDrivers = {
    sqlite: (path) => {
      const database = openSqliteFile(path);
      databases.push(database);
      return database;
    },
    postgres: (poolConfig) => {
      const pool = new pg.Pool(poolConfig);
      pools.push({ pool, config: poolConfig });
      return pool;
    },
  };
  return { drivers, databases, pools };
}

async function projectNode(store: string, drivers: StoreDrivers): Promise<TesseraNode> {
  const project = await loadProject({ config, store, processEnv: { ...process.env } });
  const node = await createProjectNode(project, silentLogger, { drivers });
  await node.start();
  return node;
}

const entry = (node: TesseraNode, service: string, name: string) =>
  node.services.find((s) => s.name === service)!.entries[name] as EntryRef<unknown, unknown>;

/** Uses every store: an event-sourced command, a flow run, the declared flows' registry. */
async function useEveryStore(node: TesseraNode): Promise<void> {
  const { id } = (await node.call(entry(node, "accounts", "post"), { owner: "Ada" })) as { id: string };
  expect(id).toEqual(expect.any(String));
  await node.call(entry(node, "flows", "list"), {});
  await node.call(entry(node, "declared-flows", "listServices"), {});
}

/** How many descriptors of this process are open on `file` (Linux). */
function openDescriptors(file: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(join("/proc/self/fd", fd)) === file;
    } catch {
      return false;
    }
  }).length;
}

describe("the stores of one sqlite: URL", () => {
  it("share one database handle, closed with the node", async () => {
    const file = join(tmp, "stores", "dev.db");
    const { drivers, databases, pools } = countingDrivers();
    const node = await projectNode(`sqlite:${file}`, drivers);
    await useEveryStore(node);
    expect(databases).toHaveLength(1);
    expect(pools).toHaveLength(0);
    expect(databases[0]!.open).toBe(true);
    if (existsSync("/proc/self/fd")) expect(openDescriptors(file)).toBe(1);
    await node.stop();
    expect(databases[0]!.open).toBe(false);
    if (existsSync("/proc/self/fd")) expect(openDescriptors(file)).toBe(0);
  });
});

const up = await postgresAvailable();

describe.skipIf(!up)("the stores of one postgres:// URL", () => {
  const database = `t_store_set_${process.pid}`;
  const application = `tesserae-store-set-${process.pid}`;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  const connections = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
          [application],
        )
      ).rows[0]!.n,
    );

  it("share one pool, whose connections end with the node", async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(PG_URL);
    url.pathname = `/${database}`;
    url.searchParams.set("application_name", application);
    const { drivers, databases, pools } = countingDrivers();
    const node = await projectNode(url.toString(), drivers);
    await useEveryStore(node);
    expect(pools).toHaveLength(1);
    expect(databases).toHaveLength(0);
    expect(pools[0]!.config.max).toBe(STORE_POOL_SIZE);
    const open = await connections();
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(STORE_POOL_SIZE);
    // Every store migrated in the one database, each in its own migrations table.
    const migrated = await pools[0]!.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'tessera' AND table_name LIKE '%migrations' ORDER BY table_name`,
    );
    expect(migrated.rows.map((r) => r.table_name)).toEqual([
      "declared_migrations",
      "es_migrations",
      "flow_migrations",
    ]);
    await node.stop();
    expect(pools[0]!.pool.ended).toBe(true);
    // A backend leaves pg_stat_activity shortly after its client hangs up.
    for (let i = 0; i < 50 && (await connections()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await connections()).toBe(0);
  });
});
