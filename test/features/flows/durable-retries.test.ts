import { afterEach, describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { flow } from "../../../src/features/flows/index.js";
import { retryDelay } from "../../../src/features/flows/retry.js";
import { createGateway, TesseraError } from "../../../src/index.js";
import { testClient } from "../../../src/testing/index.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 14, finding 1: retry state lived in memory. Every attempt of a step with a retry policy is
// now an entry of the journal (its number, its error, when the next is due), and the delay between
// attempts is a durable timer.

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});
const start = async (...args: Parameters<typeof harness>) => {
  const h = await harness(...args);
  open.push(h);
  return h;
};

/** The service of the issue: down for its first five calls, the sixth succeeds. */
function booking(calls: { n: number }, retry: { attempts: number; baseDelayMs: number; factor?: number }) {
  return flow("booking", {}, async (ctx) => {
    try {
      await ctx.step(
        "book",
        () => {
          calls.n++;
          if (calls.n < 6) throw TesseraError.unavailable(`down (call ${calls.n})`);
          return "booked";
        },
        { retry },
      );
      return "booked";
    } catch (err) {
      if (err instanceof TesseraError) return "catch path";
      throw err;
    }
  });
}

describe("durable retries", () => {
  it("a retried step resumed by another worker made more attempts than its policy allows (6 of 4)", async () => {
    const store = memoryFlowStore();
    const calls = { n: 0 };
    const f = booking(calls, { attempts: 4, baseDelayMs: 1000, factor: 1 });
    const first = await start([f], { store, inlineSleepMs: 0, workerId: "first" });
    const { run } = await first.engine.startRun(f, undefined);
    // Three attempts failed and are durable: the run sleeps until the fourth.
    await expect
      .poll(async () => (await store.journal(run.id)).filter((e) => e.state === "error").length, {
        timeout: 20_000,
      })
      .toBe(3);
    await expect.poll(async () => (await store.getRun(run.id))?.status).toBe("sleeping");
    await first.stop();
    open.splice(open.indexOf(first), 1);
    expect(calls.n).toBe(3);
    const second = await start([f], { store, inlineSleepMs: 0, workerId: "second" });
    const end = await second.engine.awaitRun(run.id, 20_000);
    expect(end).toMatchObject({ status: "completed", output: "catch path" });
    expect(calls.n).toBe(4);
    const attempts = (await store.journal(run.id)).map((e) => (e.value as { attempt?: number }).attempt);
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it("the delay between attempts was random far below the stated delay ('1s', backoff 1 gave 28 ms)", async () => {
    for (const r of [0, 0.001, 0.5, 0.999]) {
      const d = retryDelay({ attempts: 4, baseDelayMs: 1000, factor: 1 }, 1, () => r);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
    }
    // backoff: delay · factor^(n-1), each within [half, all] of it.
    expect(retryDelay({ attempts: 4, baseDelayMs: 1000, factor: 3 }, 3, () => 0)).toBe(4500);
    expect(retryDelay({ attempts: 4, baseDelayMs: 1000, factor: 3 }, 3, () => 0.9999)).toBe(9000);
    // The journal keeps when each next attempt is due; none started before it.
    const calls = { n: 0 };
    const f = booking(calls, { attempts: 3, baseDelayMs: 300, factor: 1 });
    const { engine, node } = await start([f], { inlineSleepMs: 5000 });
    const { run } = await engine.startRun(f, undefined);
    expect((await engine.awaitRun(run.id, 10_000)).output).toBe("catch path");
    const journal = await engine.store.journal(run.id);
    expect(journal).toHaveLength(3);
    for (let i = 0; i < 2; i++) {
      const { retryAt } = journal[i]!.value as { retryAt: number };
      expect(retryAt - journal[i]!.at).toBeGreaterThanOrEqual(150);
      expect(retryAt - journal[i]!.at).toBeLessThanOrEqual(300);
      expect(journal[i + 1]!.at).toBeGreaterThanOrEqual(retryAt);
    }
    // The run's history shows each attempt, its error and when the next was due.
    const view = (await testClient(createGateway(node)).get(`/flows/runs/${run.id}`)).body as {
      history: { retryAt?: string }[];
    };
    expect(view.history).toMatchObject([
      {
        seq: 1,
        kind: "step",
        name: "book",
        state: "error",
        attempt: 1,
        error: { code: "TESSERA_UNAVAILABLE" },
      },
      { seq: 2, kind: "step", name: "book", state: "error", attempt: 2 },
      { seq: 3, kind: "step", name: "book", state: "error", attempt: 3 },
    ]);
    expect(view.history[0]!.retryAt).toEqual(expect.any(String));
    expect(view.history[2]!.retryAt).toBeUndefined();
  });

  it("a delay of 2h retried after 14.8 s, and the run showed running with no due time", async () => {
    const calls = { n: 0 };
    const f = booking(calls, { attempts: 2, baseDelayMs: 2 * 3600_000 });
    const { engine, node } = await start([f], { inlineSleepMs: 1000 });
    const before = Date.now();
    const { run } = await engine.startRun(f, undefined);
    await expect.poll(async () => (await engine.store.getRun(run.id))?.status).toBe("sleeping");
    const view = (await testClient(createGateway(node)).get(`/flows/runs/${run.id}`)).body as {
      dueAt: string;
      history: unknown[];
    };
    const due = Date.parse(view.dueAt);
    expect(due).toBeGreaterThanOrEqual(before + 3600_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    expect(view.history).toMatchObject([{ attempt: 1, retryAt: view.dueAt }]);
    expect(calls.n).toBe(1);
  });
});
