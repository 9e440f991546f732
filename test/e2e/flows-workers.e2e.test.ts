import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../support/postgres.js";
import { killWorkers, postgresEffects, startRun, startWorker } from "./fixtures/flow-harness.js";

// Several worker processes on one PostgreSQL store (memory transport each, hosting what their flows
// call): they share the runs, a dead worker's runs finish on the other, cron fires once per tick.

// Worker processes start slowly on a busy machine: time enough for two starts and the runs.
vi.setConfig({ testTimeout: 90_000 });
const pgUp = await postgresAvailable();
const pool = newPool(4);
const schemas: string[] = [];
afterEach(killWorkers);
afterAll(async () => {
  for (const s of schemas) await dropSchema(pool, s);
  await pool.end();
});

let n = 0;
async function setup() {
  const schema = testSchema("flow_workers", ++n);
  schemas.push(schema);
  await dropSchema(pool, schema);
  const fx = await postgresEffects(pool, schema);
  return { schema, fx, env: { STORE: `postgres:${schema}`, FX: fx.env, LEASE_MS: "1500" } };
}

const count = async (sql: string, args: unknown[] = []) =>
  Number((await pool.query<{ n: string }>(sql, args)).rows[0]?.n);

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!pgUp)("flow workers on PostgreSQL", () => {
  it("two workers complete 200 runs between them, none run twice", async () => {
    const { schema, env } = await setup();
    // Long leases: no lease may expire while both live (a busy machine must not look like a dead worker).
    // Few runs at once per worker, so that one worker cannot drain the queue before the other's
    // next poll, even when a loaded machine starves that one for a while.
    const w = { ...env, CONCURRENCY: "5", LEASE_MS: "20000" };
    const [a] = await Promise.all([
      startWorker({ ...w, WORKER_ID: "wa" }),
      startWorker({ ...w, WORKER_ID: "wb" }),
    ]);
    // All started on one worker: it runs 5 at once, the rest wait in the store and both claim them.
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) => startRun(a.url, "counted", { n: i })),
    );
    await until(
      async () =>
        (await count(`SELECT count(*) AS n FROM "${schema}".flow_runs WHERE status = 'completed'`)) === 200,
      60_000,
      "200 completed runs",
    );
    expect(new Set(ids).size).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".effects`)).toBe(600);
    // Every step of every run executed exactly once: no run ran twice.
    expect(await count(`SELECT count(*) AS n FROM "${schema}".attempts`)).toBe(600);
    const byWorker = await pool.query<{ worker: string }>(`SELECT DISTINCT worker FROM "${schema}".attempts`);
    expect(byWorker.rows.map((r) => r.worker).sort()).toEqual(["wa", "wb"]);
  });

  it("a killed worker's runs finish on the other after its lease expires", async () => {
    const { schema, env } = await setup();
    const [a, b] = await Promise.all([
      startWorker({ ...env, WORKER_ID: "wa" }),
      startWorker({ ...env, WORKER_ID: "wb" }),
    ]);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => startRun(i % 4 === 0 ? b.url : a.url, "counted", { n: i })),
    );
    await until(
      async () => (await count(`SELECT count(*) AS n FROM "${schema}".effects`)) >= 60,
      30_000,
      "60 effects",
    );
    await a.kill();
    const orphaned = await count(
      `SELECT count(*) AS n FROM "${schema}".flow_runs WHERE owner = 'wa' AND status <> 'completed'`,
    );
    expect(orphaned).toBeGreaterThan(0);
    await until(
      async () =>
        (await count(`SELECT count(*) AS n FROM "${schema}".flow_runs WHERE status = 'completed'`)) === 200,
      60_000,
      "200 completed runs after the kill",
    );
    // Each effect exactly once (its idempotency key), whatever ran again after the kill.
    expect(await count(`SELECT count(*) AS n FROM "${schema}".effects`)).toBe(600);
    expect(
      await count(
        `SELECT count(*) AS n FROM (SELECT run_id FROM "${schema}".effects GROUP BY run_id HAVING count(*) = 3) x`,
      ),
    ).toBe(200);
  });

  it("a cron schedule on two nodes fires once per tick", async () => {
    const { schema, env } = await setup();
    const t0 = Date.now();
    await Promise.all([
      startWorker({ ...env, WORKER_ID: "ca", CRON: "1" }),
      startWorker({ ...env, WORKER_ID: "cb", CRON: "1" }),
    ]);
    await new Promise((r) => setTimeout(r, 4200));
    await killWorkers();
    const elapsed = (Date.now() - t0) / 1000;
    const runs = await pool.query<{ input: string; status: string }>(
      `SELECT input, status FROM "${schema}".flow_runs WHERE flow = 'ticker'`,
    );
    const ticks = runs.rows.map((r) => (JSON.parse(r.input) as { tick: string }).tick);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsed));
    expect(new Set(ticks).size).toBe(ticks.length);
    const secs = ticks.map((t) => Date.parse(t) / 1000).sort((x, y) => x - y);
    for (let i = 1; i < secs.length; i++) expect(secs[i]! - secs[i - 1]!).toBe(1);
    // Each tick's run did its work once.
    const done = runs.rows.filter((r) => r.status === "completed").length;
    expect(
      await count(`SELECT count(*) AS n FROM "${schema}".attempts WHERE step = 'tick'`),
    ).toBeGreaterThanOrEqual(done);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".effects WHERE step = 'tick'`)).toBe(
      await count(`SELECT count(*) AS n FROM "${schema}".attempts WHERE step = 'tick'`),
    );
  });
});
