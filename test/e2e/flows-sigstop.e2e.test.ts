import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { dropSchema, newPool, PG_URL, postgresAvailable, testSchema } from "../support/postgres.js";
import {
  type FlowWorker,
  killWorkers,
  postgresEffects,
  runEnd,
  sqliteEffects,
  startRun,
  startWorker,
} from "./fixtures/flow-harness.js";

// Issue 19, item 1: a worker frozen (SIGSTOP) past its lease, then resumed (SIGCONT), still started
// step effects on runs another worker had taken over, some after the step's compensation had run.
// Two worker processes on one store (SQLite, PostgreSQL), a 1 s lease renewed every 250 ms: wa runs
// RUNS sagas of short steps (the `marching` flow: STEPS steps, then a failing one); it is frozen
// mid-way; wb takes every run over and unwinds it (each ends `compensated`); then wa is resumed. No
// effect may start on wa after that: every one it starts then would be on a run it lost.

vi.setConfig({ testTimeout: 120_000 });
const pgUp = await postgresAvailable();
const pool = newPool(4);
const dir = mkdtempSync(join(tmpdir(), "tesserae-sigstop-"));
const schemas: string[] = [];
afterEach(killWorkers);
afterAll(async () => {
  for (const s of schemas) await dropSchema(pool, s);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

const RUNS = 40;
const STEPS = 15;

interface Attempt {
  readonly run_id: string;
  readonly step: string;
  readonly worker: string;
  readonly token: number;
  readonly at: number;
  /** How long wa's event loop had not turned when the effect began (ms). */
  readonly lag: number;
  /** The target refused it: it carried a lower fencing token than one the target saw for the run. */
  readonly refused: boolean;
}

/** The store where the test reads runs and attempts (the effects' own table). */
interface Where {
  readonly env: Record<string, string>;
  /** Runs by status, and who holds them. */
  runs(): Promise<{ id: string; status: string; owner: string | null; fencing_token: number }[]>;
  attempts(): Promise<Attempt[]>;
  /**
   * True when a process holds a write lock the other worker needs: a SQLite process frozen while it
   * holds one stops every other writer of the file (no takeover is possible then), so the test
   * freezes the worker at a moment it holds none.
   */
  locked(): boolean;
  /** Env of wa beside the common one. */
  readonly waEnv: Record<string, string>;
  /**
   * Resolves when freezing wa now would cut the most: on PostgreSQL, while one of its group commits
   * is in flight (its runs' next effects wait for that answer: the old engine started them after the
   * freeze, the store had said yes before the takeover). Within 2 s in any case.
   */
  ripe(): Promise<void>;
}

async function sqliteWhere(n: number): Promise<Where> {
  const store = join(dir, `flows-${n}.db`);
  const fx = sqliteEffects(join(dir, `fx-${n}.db`));
  const read = <T>(file: string, sql: string) => {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  const busy = (file: string) => {
    const db = new Database(file);
    try {
      db.pragma("busy_timeout = 0");
      db.exec("BEGIN IMMEDIATE");
      db.exec("ROLLBACK");
      return false;
    } catch {
      return true;
    } finally {
      db.close();
    }
  };
  return {
    waEnv: {},
    ripe: async () => undefined,
    locked: () => busy(store) || busy(join(dir, `fx-${n}.db`)),
    env: { STORE: `sqlite:${store}`, FX: fx.env },
    runs: async () =>
      read(store, "SELECT id, status, owner, fencing_token FROM tessera_flow_runs WHERE flow = 'marching'"),
    attempts: async () =>
      read<Attempt>(
        join(dir, `fx-${n}.db`),
        "SELECT run_id, step, worker, token, at, lag, refused FROM attempts ORDER BY id",
      ).map((x) => ({ ...x, refused: Boolean(x.refused) })),
  };
}

async function postgresWhere(n: number): Promise<Where> {
  const schema = testSchema("flow_sigstop", n);
  schemas.push(schema);
  await dropSchema(pool, schema);
  const fx = await postgresEffects(pool, schema);
  const url = new URL(PG_URL);
  url.searchParams.set("application_name", `sigstop-wa-${n}`);
  return {
    waEnv: { PG_URL: url.toString() },
    ripe: async () => {
      const end = Date.now() + 2000;
      while (Date.now() < end) {
        const { rows } = await pool.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%WITH created AS%'",
          [`sigstop-wa-${n}`],
        );
        if (rows[0].n > 0) return;
      }
    },
    locked: () => false,
    env: { STORE: `postgres:${schema}`, FX: fx.env },
    runs: async () =>
      (
        await pool.query(
          `SELECT id, status, owner, fencing_token::int AS fencing_token FROM "${schema}".flow_runs WHERE flow = 'marching'`,
        )
      ).rows,
    attempts: async () =>
      (
        await pool.query<Attempt>(
          `SELECT run_id, step, worker, token::int AS token, at::float8 AS at, lag, refused FROM "${schema}".attempts ORDER BY id`,
        )
      ).rows,
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True once the process is stopped (state T in /proc): a signal is not acted on at once. */
function frozen(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).startsWith("T");
}

async function frozenPastTheLease(where: Where, label: string): Promise<void> {
  const env = {
    ...where.env,
    LEASE_MS: "1000",
    RENEW_MS: "250",
    POLL_MS: "100",
    STEP_MS: "20",
    STEPS: String(STEPS),
    FENCE: "1",
  };
  const [a, b]: FlowWorker[] = await Promise.all([
    startWorker({ ...env, ...where.waEnv, WORKER_ID: "wa", CLAIM_BATCH: "100" }),
    startWorker({ ...env, WORKER_ID: "wb", CLAIM_BATCH: "100" }),
  ]);
  const ids = await Promise.all(Array.from({ length: RUNS }, () => startRun(a!.url, "marching", {})));
  // Every run marching on wa, a few steps in.
  await until(
    async () =>
      new Set((await where.attempts()).filter((x) => x.step === "m3").map((x) => x.run_id)).size >= RUNS,
    60_000,
    "every run at its third step",
  );
  let stopped = Date.now();
  for (let attempt = 1; ; attempt++) {
    await where.ripe();
    a!.child.kill("SIGSTOP");
    await until(async () => frozen(a!.child.pid!), 5000, "wa stopped");
    stopped = Date.now();
    if (!where.locked()) break;
    if (attempt >= 200) throw new Error("wa held a SQLite write lock at every one of 200 freezes");
    a!.child.kill("SIGCONT");
    await pause(5 + Math.random() * 20);
  }
  // wb takes every run over once wa's lease expired, and unwinds it: every run ends compensated.
  await until(
    async () => (await where.runs()).every((r) => r.status === "compensated"),
    60_000,
    "every run compensated on wb",
  ).catch(async (err) => {
    const runs = await where.runs();
    const by = new Map<string, number>();
    for (const r of runs) by.set(`${r.status} ${r.owner}`, (by.get(`${r.status} ${r.owner}`) ?? 0) + 1);
    const failed = runs.find((r) => r.status === "failed");
    const detail =
      failed === undefined ? "" : await (await fetch(`${b!.url}/flows/runs/${failed.id}`)).text();
    throw new Error(
      `${(err as Error).message}: ${JSON.stringify([...by])}\n${detail}\nwb: ${b!.stderr().slice(-3000)}`,
    );
  });
  const tokens = new Map((await where.runs()).map((r) => [r.id, r.fencing_token]));
  const resumed = Date.now();
  a!.child.kill("SIGCONT");
  // wa serves again (its event loop turns); then a window as long as many of its steps.
  expect((await fetch(`${a!.url}/flows/runs/${ids[0]}`)).status).toBe(200);
  await pause(1500);
  const all = await where.attempts();
  const onB = all.filter((x) => x.worker === "wb");
  const afterResume = all.filter((x) => x.worker === "wa" && x.at >= resumed);
  // Code that began in the turn of wa's event loop the freeze cut (the engine had handed the step
  // over before it; its first line ran after): its event loop had not turned for the whole freeze.
  // The engine cannot stop that one; the fencing token does, at the target.
  const cut = afterResume.filter((x) => x.lag >= 1000);
  const late = afterResume.filter((x) => x.lag < 1000);
  // Effects of wa that landed on a run once wb had taken it over (wb's first effect on it is later still).
  const takenAt = new Map<string, number>();
  for (const x of onB) takenAt.set(x.run_id, Math.min(x.at, takenAt.get(x.run_id) ?? x.at));
  const landed = all.filter(
    (x) => x.worker === "wa" && !x.refused && x.at >= (takenAt.get(x.run_id) ?? Infinity),
  );
  console.log(
    `${label}: wa frozen ${resumed - stopped} ms with ${RUNS} runs; wb took them over (tokens ${[...new Set(tokens.values())].join(", ")}) and ran ${onB.length} effects (${onB.filter((x) => x.step.startsWith("undo-")).length} compensations). After SIGCONT wa started ${late.length} effects; ${cut.length} handed over before the freeze ran on after it (refused by their token: ${cut.filter((x) => x.refused).length}); effects of wa that landed after the takeover: ${landed.length}`,
  );
  const show = (xs: Attempt[]) => xs.map((x) => `${x.run_id} ${x.step} token ${x.token} lag ${x.lag}`);
  expect(show(late)).toEqual([]);
  expect(show(cut.filter((x) => !x.refused))).toEqual([]);
  expect(show(landed)).toEqual([]);
  // wb's effects carried a token above wa's: a target comparing tokens refuses whatever wa sent late.
  for (const x of onB) expect(x.token).toBeGreaterThan(1);
  for (const id of ids) expect((await runEnd(b!.url, id)).status).toBe("compensated");
  // wa said so: its leases expired before they could be renewed.
  expect(a!.stderr()).toContain("leases expired before their renewal");
}

describe("a worker frozen (SIGSTOP) past its lease, then resumed, started step effects on runs another worker had taken over and compensated: it starts none", () => {
  it("on SQLite", async () => {
    await frozenPastTheLease(await sqliteWhere(1), "SQLite");
  });

  it.skipIf(!pgUp)("on PostgreSQL", async () => {
    await frozenPastTheLease(await postgresWhere(2), "PostgreSQL");
  });
});
