import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { dropSchema, newPool, postgresAvailable, testSchema } from "../support/postgres.js";
import {
  type Effects,
  killWorkers,
  postgresEffects,
  runEnd,
  sqliteEffects,
  startRun,
  startWorker,
} from "./fixtures/flow-harness.js";

// Issue 14, finding 2: SIGKILL a worker while one branch of a ctx.parallel is in flight and the other
// has finished; a restarted worker replays the branches by position (whatever order they ran in),
// every effect lands once, and the journal is the one a run without a crash writes.

const dir = mkdtempSync(join(tmpdir(), "tesserae-parallel-crash-"));
vi.setConfig({ testTimeout: 90_000 });
const pgUp = await postgresAvailable();
const pool = newPool(4);
const schemas: string[] = [];
afterEach(killWorkers);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(pool, s);
  await pool.end();
});

let n = 0;
const stores: [string, boolean, () => Promise<{ env: Record<string, string>; fx: Effects }>][] = [
  [
    "sqlite",
    true,
    async () => {
      const fx = sqliteEffects(join(dir, `fx-${++n}.db`));
      return { fx, env: { STORE: `sqlite:${join(dir, `flows-${n}.db`)}`, FX: fx.env } };
    },
  ],
  [
    "postgres",
    pgUp,
    async () => {
      const schema = testSchema("parallel_crash", ++n);
      schemas.push(schema);
      await dropSchema(pool, schema);
      const fx = await postgresEffects(pool, schema);
      return { fx, env: { STORE: `postgres:${schema}`, FX: fx.env } };
    },
  ],
];

interface Item {
  readonly kind: string;
  readonly name: string;
  readonly state: string;
  readonly position?: string;
}

async function history(url: string, runId: string): Promise<string[]> {
  const run = (await (await fetch(`${url}/flows/runs/${runId}`)).json()) as { history: Item[] };
  return run.history.map((h) => `${h.position} ${h.kind} ${h.name} ${h.state}`).sort();
}

const steps = ["first", "fast-1", "fast-2", "slow", "after-slow", "last"];

for (const [name, up, setup] of stores) {
  describe.skipIf(!up)(`parallel branches under kill -9 (${name})`, () => {
    it("SIGKILL while a sibling branch is in flight: the restarted worker replays both branches by position, each effect lands once, the journal is the one of an uncrashed run", async () => {
      const { env, fx } = await setup();
      const w = { ...env, WORKER_ID: "parallel-crash", STEP_MS: "1500" };
      const first = await startWorker(w);
      const calm = await startRun(first.url, "parallel-crash", {});
      expect(await runEnd(first.url, calm)).toMatchObject({ status: "completed", output: "done" });
      const runId = await startRun(first.url, "parallel-crash", {});
      await first.line(`IN-BRANCH ${runId}`);
      // The fast branch books twice while the slow one is in flight: kill once both bookings are in.
      const until = Date.now() + 20_000;
      while ((await fx.attempts(runId, "fast-2")) === 0) {
        if (Date.now() > until) throw new Error("the fast branch never finished");
        await new Promise((r) => setTimeout(r, 20));
      }
      await first.kill();
      const second = await startWorker(w);
      expect(await runEnd(second.url, runId)).toMatchObject({ status: "completed", output: "done" });
      for (const step of steps) {
        expect(await fx.effects(runId)).toContain(`${runId} ${step}`);
      }
      expect((await fx.effects(runId)).length).toBe(steps.length);
      // Journaled steps did not run again; the one in flight ran again with the same key (its effect
      // landed once, above); fast-2's outcome was durable as soon as it completed (follow-up, finding 2).
      expect(await fx.attempts(runId, "first")).toBe(1);
      expect(await fx.attempts(runId, "fast-1")).toBe(1);
      expect(await fx.attempts(runId, "fast-2")).toBe(1);
      expect(await fx.attempts(runId, "slow")).toBe(2);
      expect(await fx.attempts(runId, "after-slow")).toBe(1);
      expect(await fx.attempts(runId, "last")).toBe(1);
      expect(await history(second.url, runId)).toEqual(await history(second.url, calm));
    });

    // Issue 14 follow-up, finding 2: the outcome of a branch's step stayed pending in the store while
    // a sibling ran (until the next write), so a kill -9 then made the completed step run again.
    it("a quick branch step completed while its slow sibling ran was still pending after seconds and ran again after kill -9: it is journaled at once and runs once", async () => {
      const { env, fx } = await setup();
      const w = { ...env, WORKER_ID: "par-quick", STEP_MS: "3000" };
      const first = await startWorker(w);
      const runId = await startRun(first.url, "par-quick", {});
      await first.line(`IN-BRANCH ${runId}`);
      await journaled(first.url, runId, ["quick"]);
      await first.kill();
      const second = await startWorker(w);
      expect(await runEnd(second.url, runId)).toMatchObject({ status: "completed", output: "done" });
      expect(await fx.attempts(runId, "quick")).toBe(1);
      expect(await fx.attempts(runId, "slow")).toBe(2);
    });

    it("q2 of a branch that then slept stayed pending while the sibling ran and was called again after kill -9: q1 and q2 run once, q3 after the sleep", async () => {
      const { env, fx } = await setup();
      const w = { ...env, WORKER_ID: "par-sleep", STEP_MS: "3000", SLEEP_MS: "2000" };
      const first = await startWorker(w);
      const runId = await startRun(first.url, "par-sleep", {});
      await first.line(`IN-BRANCH ${runId}`);
      await journaled(first.url, runId, ["q1", "q2", "sleep"]);
      await first.kill();
      const second = await startWorker(w);
      expect(await runEnd(second.url, runId)).toMatchObject({ status: "completed", output: "done" });
      for (const step of ["q1", "q2", "q3"]) expect(await fx.attempts(runId, step)).toBe(1);
      expect(await fx.attempts(runId, "slow")).toBe(2);
    });
  });
}

/** Polls the run until each of `names` is journaled `ok` (what the outside user watched before killing). */
async function journaled(url: string, runId: string, names: readonly string[]): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    const run = (await (await fetch(`${url}/flows/runs/${runId}`)).json()) as { history: Item[] };
    if (names.every((n) => run.history.some((h) => h.name === n && h.state === "ok"))) return;
    if (Date.now() > until)
      throw new Error(`${names.join(", ")} never journaled ok: ${JSON.stringify(run.history)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
