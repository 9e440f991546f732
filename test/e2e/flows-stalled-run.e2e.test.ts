import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  type FlowWorker,
  killWorkers,
  runEnd,
  sqliteEffects,
  startRun,
  startWorker,
} from "./fixtures/flow-harness.js";

// Issue 19 (from the notes of the previous session): a flow whose step loops without ever awaiting
// freezes its worker; once that worker is killed (or taken over), the run is claimed again and
// freezes the next worker, for ever. Here each worker that takes the `spin` run (fixtures/flow-worker.ts)
// freezes and is killed (SIGKILL, as a supervisor would); after 5 takeovers in a row without progress
// (the default budget) the next worker fails the run instead of running its code again.

vi.setConfig({ testTimeout: 180_000 });
const dir = mkdtempSync(join(tmpdir(), "tesserae-stalled-"));
afterEach(killWorkers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a run whose step never awaits", () => {
  it("froze every worker that resumed it, for ever: after 5 takeovers without progress it fails with TESSERA_FLOW_BUDGET", async () => {
    const fx = sqliteEffects(join(dir, "fx.db"));
    const env = {
      STORE: `sqlite:${join(dir, "flows.db")}`,
      FX: fx.env,
      LEASE_MS: "1000",
      RENEW_MS: "250",
      POLL_MS: "100",
    };
    // Taken over by a new worker after the lease (w2, w3, w4), or found by the same worker id
    // restarted (w2, w3 again): both count. The first claim (w1, after the run's sleep) does not.
    const workers = ["w1", "w2", "w2", "w3", "w3"];
    let worker: FlowWorker = await startWorker({ ...env, WORKER_ID: workers[0]! });
    const runId = await startRun(worker.url, "spin", {});
    const frozen: string[] = [];
    for (let i = 0; i < workers.length; i++) {
      if (i > 0) worker = await startWorker({ ...env, WORKER_ID: workers[i]! });
      // It says SPINNING, then its event loop never turns again: no renewal, no HTTP answer.
      await worker.line(`SPINNING ${runId}`, 30_000);
      frozen.push(workers[i]!);
      await worker.kill("SIGKILL");
    }
    // The sixth worker takes the run over a fifth time in a row without progress: it fails the run.
    const last = await startWorker({ ...env, WORKER_ID: "w4" });
    const end = await runEnd(last.url, runId, 30_000);
    console.log(`frozen and killed: ${frozen.join(", ")}; then w4: ${JSON.stringify(end.error)}`);
    expect(end).toMatchObject({
      status: "failed",
      error: { code: "TESSERA_FLOW_BUDGET", details: { takeovers: 5 } },
    });
    expect((end.error as { message: string }).message).toMatch(
      /taken over 5 times in a row without progress/,
    );
    // The step before the loop ran once per frozen activation, and never on w4: its code did not run.
    expect(await fx.attempts(runId, "before")).toBe(5);
    expect(last.lines.some((l) => l.startsWith("SPINNING"))).toBe(false);
    // w4 serves on.
    expect((await fetch(`${last.url}/flows/runs/${runId}`)).status).toBe(200);
  });
});
