import { afterEach, describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { flow } from "../../../src/features/flows/index.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 15, items 3 and 4: a graceful stop writes what its executions know before it releases their
// runs (due at once for the next worker); an outcome followed by an in-memory sleep is durable
// before the sleep; the runs started on a busy worker wait in the store for any worker.

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.stop();
});

/** A gate the test opens: the step in flight finishes when the test says so. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe("graceful stop", () => {
  it("a graceful stop used to drop the outcome of the step in flight: the next worker ran it again", async () => {
    const store = memoryFlowStore();
    const attempts = new Map<string, number>();
    const count = (s: string) => attempts.set(s, (attempts.get(s) ?? 0) + 1);
    const slow = gate();
    let started!: () => void;
    const inStep = new Promise<void>((r) => {
      started = r;
    });
    const f = flow("handed-over", {}, async (ctx) => {
      await ctx.step("one", () => count("one"));
      await ctx.step("two", async () => {
        count("two");
        started();
        await slow.wait;
      });
      await ctx.step("three", () => count("three"));
      return "done";
    });
    const a = await harness([f], { store, workerId: "a" });
    const { run } = await a.engine.startRun(f, undefined);
    await inStep;
    const stopping = a.stop();
    // The step in flight finishes within the grace period: its outcome is written, three never starts.
    slow.open();
    await stopping;
    expect(attempts.get("three")).toBeUndefined();
    const released = await store.getRun(run.id);
    expect(released?.owner).toBeUndefined();
    expect((await store.journal(run.id)).map((e) => `${e.name} ${e.state}`)).toEqual(["one ok", "two ok"]);
    const b = await harness([f], { store, workerId: "b" });
    open.push(b);
    expect((await b.engine.awaitRun(run.id, 5000)).status).toBe("completed");
    expect(Object.fromEntries(attempts)).toEqual({ one: 1, two: 1, three: 1 });
  });

  it("a step outlasting the grace period is stopped at once: its run is released, due now, and the next worker finishes it", async () => {
    const store = memoryFlowStore();
    let inStep!: () => void;
    const started = new Promise<void>((r) => {
      inStep = r;
    });
    const f = flow("outlasting", {}, async (ctx) => {
      await ctx.step("one", () => 1);
      await ctx.step("long", async () => {
        inStep();
        await new Promise((r) => setTimeout(r, 300));
      });
      return "done";
    });
    const a = await harness([f], { store, workerId: "a", leaseMs: 60_000, stopGraceMs: 20 });
    const { run } = await a.engine.startRun(f, undefined);
    await started;
    await a.stop();
    const released = await store.getRun(run.id);
    expect(released?.owner).toBeUndefined();
    expect(released?.dueAt).toBeLessThanOrEqual(Date.now());
    const b = await harness([f], { store, workerId: "b" });
    open.push(b);
    expect((await b.engine.awaitRun(run.id, 5000)).status).toBe("completed");
  });

  it("an outcome followed by an in-memory sleep stayed in memory: a crash during the sleep ran the step again", async () => {
    const store = memoryFlowStore();
    const f = flow("step-then-nap", {}, async (ctx) => {
      await ctx.step("one", () => 1);
      await ctx.sleep(800);
      await ctx.step("two", () => 2);
    });
    const a = await harness([f], { store, workerId: "a", inlineSleepMs: 1000 });
    open.push(a);
    const { run } = await a.engine.startRun(f, undefined);
    // During the in-memory sleep the journal already holds the step's outcome and the sleep.
    await expect
      .poll(async () => (await store.journal(run.id)).map((e) => `${e.kind} ${e.name}`), { timeout: 600 })
      .toEqual(["step one", "sleep sleep"]);
    expect((await store.getRun(run.id))?.status).toBe("running");
  });
});

describe("work spreads", () => {
  it("every run started through one worker ran there while another sat idle", async () => {
    const store = memoryFlowStore();
    const ran = new Map<string, number>();
    const f = flow("spread", {}, async (ctx) => {
      await ctx.step("work", async () => {
        await new Promise((r) => setTimeout(r, 100));
      });
      return ctx.runId;
    });
    const byWorker = (w: string) =>
      flow("spread", {}, async (ctx) => {
        await ctx.step("work", async () => {
          ran.set(w, (ran.get(w) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 100));
        });
      });
    const a = await harness([byWorker("a")], { store, workerId: "a", claimBatch: 2 });
    const b = await harness([byWorker("b")], { store, workerId: "b", claimBatch: 2 });
    open.push(a, b);
    const runs = await Promise.all(Array.from({ length: 12 }, () => a.engine.startRun(f, undefined)));
    for (const { run } of runs) expect((await a.engine.awaitRun(run.id, 10_000)).status).toBe("completed");
    expect(ran.get("a")).toBeGreaterThan(0);
    expect(ran.get("b")).toBeGreaterThan(0);
    expect((ran.get("a") ?? 0) + (ran.get("b") ?? 0)).toBe(12);
  });

  it("a lone worker of concurrency 100 ran at most about two batches at once while runs queued in the store", async () => {
    let running = 0;
    let most = 0;
    const f = flow("lone", {}, async (ctx) => {
      await ctx.step("work", async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 300));
        running--;
      });
    });
    // Default claimBatch: a tenth of the concurrency.
    const a = await harness([f], { workerId: "a", concurrency: 100 });
    open.push(a);
    const runs = await Promise.all(Array.from({ length: 200 }, () => a.engine.startRun(f, undefined)));
    for (const { run } of runs) expect((await a.engine.awaitRun(run.id, 30_000)).status).toBe("completed");
    expect(most).toBeGreaterThanOrEqual(90);
  });

  it("the memory store claimed runs in insertion order: the oldest due run comes first", async () => {
    const store = memoryFlowStore();
    await store.migrate();
    const now = 1_000_000;
    const base = { flow: "f", version: "1", input: null };
    const sleepUntil = (dueAt: number) => ({ status: "sleeping" as const, dueAt, release: true });
    await store.commit({
      owner: "x",
      now,
      leaseMs: 1000,
      creates: [
        { ...base, id: "late", owner: "x" },
        { ...base, id: "early", owner: "x" },
      ],
      writes: [],
    });
    await store.commit({
      owner: "x",
      now,
      leaseMs: 1000,
      creates: [],
      writes: [
        { runId: "late", entries: [], update: sleepUntil(now - 100) },
        { runId: "early", entries: [], update: sleepUntil(now - 500) },
      ],
    });
    const [first] = await store.claim({ owner: "y", flows: ["f"], limit: 1, leaseMs: 1000, now });
    expect(first?.id).toBe("early");
  });
});

describe("lease settings", () => {
  it("a renewal not shorter than the lease let every lease expire before its renewal: refused", async () => {
    await expect(harness([], { leaseMs: 1000, renewMs: 1000 })).rejects.toMatchObject({
      code: "TESSERA_DEFINITION",
      message: expect.stringMatching(/renewMs \(1000\) must be shorter than leaseMs \(1000\)/),
    });
  });
});
