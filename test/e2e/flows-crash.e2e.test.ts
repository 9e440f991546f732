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

// SIGKILL a worker during a step, during a durable sleep and during compensation; a restarted worker
// (same worker id: it takes its runs back at once) finishes the run, and every side effect happened
// exactly once in a table the engine knows nothing of.

const dir = mkdtempSync(join(tmpdir(), "tesserae-flow-crash-"));
// Worker processes start slowly on a busy machine: time enough for two starts and the runs.
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

interface Setup {
  readonly env: Record<string, string>;
  readonly fx: Effects;
}

let n = 0;
const stores: [string, boolean, () => Promise<Setup>][] = [
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
      const schema = testSchema("flow_crash", ++n);
      schemas.push(schema);
      await dropSchema(pool, schema);
      const fx = await postgresEffects(pool, schema);
      return { fx, env: { STORE: `postgres:${schema}`, FX: fx.env } };
    },
  ],
];

for (const [name, up, setup] of stores) {
  describe.skipIf(!up)(`flow crash recovery (${name})`, () => {
    it("SIGKILL during a step: the run completes, each effect once, completed steps not run again", async () => {
      const { env, fx } = await setup();
      const w = { ...env, WORKER_ID: "crash-1" };
      const first = await startWorker(w);
      const runId = await startRun(first.url, "crashable", { tag: "x" });
      await first.line(`IN-STEP ${runId}`);
      await first.kill();
      const second = await startWorker(w);
      expect(await runEnd(second.url, runId)).toMatchObject({ status: "completed" });
      expect(await fx.effects(runId)).toEqual([`${runId} one`, `${runId} two`, `${runId} three`]);
      expect(await fx.attempts(runId, "one")).toBe(1);
      // The interrupted step ran again (at least once), its effect landed once (its idempotency key).
      expect(await fx.attempts(runId, "two")).toBe(2);
      expect(await fx.attempts(runId, "three")).toBe(1);
    });

    it("SIGKILL during a durable sleep: the run wakes on the restarted worker", async () => {
      const { env, fx } = await setup();
      const w = { ...env, WORKER_ID: "crash-2", STEP_MS: "10" };
      const first = await startWorker(w);
      const runId = await startRun(first.url, "crashable", { tag: "y" });
      await first.line(`SLEEPING ${runId}`);
      await new Promise((r) => setTimeout(r, 200));
      await first.kill();
      const second = await startWorker(w);
      expect(await runEnd(second.url, runId)).toMatchObject({ status: "completed" });
      expect(await fx.effects(runId)).toEqual([`${runId} one`, `${runId} two`, `${runId} three`]);
      for (const step of ["one", "two", "three"]) expect(await fx.attempts(runId, step)).toBe(1);
    });

    it("SIGKILL between attempts of a retried step: a restart made 3 more attempts (6 of 4); now exactly 4 in all, then the catch path", async () => {
      const { env, fx } = await setup();
      // inlineSleepMs is 0 in the worker: each delay between attempts suspends the run durably.
      const w = { ...env, WORKER_ID: "crash-4", RETRY_MS: "2000" };
      const first = await startWorker(w);
      const runId = await startRun(first.url, "retry-crash", {});
      await first.line(`ATTEMPT 3 ${runId}`);
      // The third failure is journaled and the run sleeps until the fourth attempt: kill it there.
      for (;;) {
        const run = (await (await fetch(`${first.url}/flows/runs/${runId}`)).json()) as {
          status: string;
          history: { attempt?: number }[];
        };
        if (run.status === "sleeping" && run.history.some((h) => h.attempt === 3)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await first.kill();
      expect(await fx.attempts(runId, "book")).toBe(3);
      const second = await startWorker(w);
      expect(await runEnd(second.url, runId)).toMatchObject({ status: "completed", output: "catch path" });
      expect(await fx.attempts(runId, "book")).toBe(4);
      expect(await fx.attempts(runId, "catch-path")).toBe(1);
      const history = (
        (await (await fetch(`${second.url}/flows/runs/${runId}`)).json()) as {
          history: { name: string; attempt?: number }[];
        }
      ).history;
      expect(history.filter((h) => h.name === "book").map((h) => h.attempt)).toEqual([1, 2, 3, 4]);
    });

    it("SIGKILL during compensation: compensating resumes in reverse order; the interrupted compensation runs again, its effect lands once", async () => {
      const { env, fx } = await setup();
      // undo-b records its effect, prints COMPENSATING, then lasts STEP_MS before it is journaled: a
      // long one, so that the kill surely lands before its outcome is durable.
      const w = { ...env, WORKER_ID: "crash-3", STEP_MS: "4000" };
      const first = await startWorker(w);
      const runId = await startRun(first.url, "saga-crash", {});
      await first.line(`COMPENSATING ${runId}`);
      await first.kill();
      const second = await startWorker(w);
      const end = await runEnd(second.url, runId);
      expect(end).toMatchObject({
        status: "compensated",
        error: { code: "TESSERA_CONFLICT", message: "c is full" },
      });
      expect(await fx.effects(runId)).toEqual([
        `${runId} a`,
        `${runId} b`,
        `${runId} undo-b`,
        `${runId} undo-a`,
      ]);
      expect(await fx.attempts(runId, "a")).toBe(1);
      expect(await fx.attempts(runId, "b")).toBe(1);
      expect(await fx.attempts(runId, "undo-a")).toBe(1);
      // A compensation is not journaled until it returns: the one in flight when the worker died runs
      // again on restart (at least once), with the same idempotency key, so its effect (one row per
      // key, above) landed once.
      expect(await fx.attempts(runId, "undo-b")).toBe(2);
    });
  });
}
