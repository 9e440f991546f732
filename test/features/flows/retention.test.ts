import { afterEach, describe, expect, it, vi } from "vitest";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { memoryTransport } from "../../../src/adapters/memory/memory-transport.js";
import { createFlowEngine, flow } from "../../../src/features/flows/index.js";
import { RunPruner } from "../../../src/features/flows/retention.js";
import { createNode, silentLogger } from "../../../src/index.js";
import { type FlowStore, terminalStatuses } from "../../../src/ports/flow-store.js";
import { finishedStatuses, type PruneQuery } from "../../../src/ports/run-retention.js";
import { harness } from "./fixtures.js";

// Issue 19, item 3: runs were never pruned (46,000 finished runs after 30 s of load stayed in the
// store for ever). Finished runs are now kept for a time or a count per flow, and pruned in the
// background in small batches.

const one = (name: string, options: Parameters<typeof flow>[1] = {}) =>
  flow(name, options, async (ctx) => ctx.step("one", async () => 1));

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A store whose finished runs all ended at `endedAt`, `n` per flow. */
async function finishedRuns(store: FlowStore, flows: Record<string, number>, endedAt: number) {
  for (const [name, n] of Object.entries(flows)) {
    const creates = Array.from({ length: n }, (_, i) => ({
      id: `${name}-${String(i).padStart(4, "0")}`,
      flow: name,
      version: "1",
      input: {},
      owner: "w",
    }));
    await store.commit({ owner: "w", now: endedAt, leaseMs: 60_000, creates, writes: [] });
    await store.commit({
      owner: "w",
      now: endedAt,
      leaseMs: 60_000,
      creates: [],
      writes: creates.map((c) => ({
        runId: c.id,
        entries: [],
        update: { status: "completed", release: true },
      })),
    });
  }
}

/** Records every prune call of a store. */
function counting(store: FlowStore): { store: FlowStore; calls: PruneQuery[] } {
  const calls: PruneQuery[] = [];
  return {
    calls,
    store: new Proxy(store, {
      get: (target, key) =>
        key === "prune"
          ? (q: PruneQuery) => {
              calls.push(q);
              return target.prune(q);
            }
          : Reflect.get(target, key),
    }),
  };
}

describe("retention of finished runs", () => {
  it("a flow's own retention, else the engine's, says which finished runs a pass deletes", async () => {
    let now = 1_700_000_000_000;
    const store = memoryFlowStore();
    const flows = [
      one("by-default"),
      one("by-count", { retention: { maxRuns: 1 } }),
      one("for-ever", { retention: false }),
      one("by-age", { retention: { maxAge: "5s" } }),
    ];
    const engine = createFlowEngine({
      store,
      flows,
      now: () => now,
      retentionMs: 1000,
      pruneEveryMs: 0,
      logger: silentLogger,
    });
    const node = createNode({ services: [], transport: memoryTransport(), logger: silentLogger });
    await engine.start(node);
    try {
      for (const f of flows) for (let i = 0; i < 2; i++) await engine.execute(f, undefined as never);
      expect(await engine.pruner.runPass()).toMatchObject({ deleted: 1, flows: { "by-count": 1 } });
      now += 2000;
      // by-count's age is the engine's: either bound suffices.
      expect(await engine.pruner.runPass()).toMatchObject({
        deleted: 3,
        flows: { "by-default": 2, "by-count": 1 },
      });
      now += 4000;
      expect(await engine.pruner.runPass()).toMatchObject({ deleted: 2, flows: { "by-age": 2 } });
      const left = (await store.listRuns({})).map((r) => r.flow).sort();
      expect(left).toEqual(["for-ever", "for-ever"]);
    } finally {
      await engine.stop();
    }
  });

  it("the engine prunes in the background, and runs go on meanwhile", async () => {
    const store = memoryFlowStore();
    const quick = one("quick");
    const h = await harness([quick], { store, retentionMs: 1, pruneEveryMs: 20 });
    try {
      for (let i = 0; i < 30; i++) await h.engine.execute(quick, undefined as never);
      await vi.waitFor(async () => expect(await store.listRuns({})).toEqual([]), { timeout: 10_000 });
      expect(await h.engine.execute(quick, undefined as never)).toBe(1);
    } finally {
      await h.stop();
    }
  });

  it("a pass is bounded: batches of `batch` runs, at most `perPass`, flow after flow", async () => {
    const base = memoryFlowStore();
    await finishedRuns(base, { f: 10, g: 10 }, 1000);
    const { store, calls } = counting(base);
    const pruner = new RunPruner({
      store,
      now: () => 10_000,
      flows: () => [one("f"), one("g")],
      retentionMs: 1,
      batch: 4,
      perPass: 10,
    });
    expect(await pruner.runPass()).toEqual({ deleted: 10, flows: { f: 6, g: 4 }, more: true });
    expect(calls.map((q) => [q.flow, q.limit])).toEqual([
      ["f", 4],
      ["g", 4],
      ["f", 2],
    ]);
    // The budget ended on a full batch: the pass cannot know that nothing is left.
    expect(await pruner.runPass()).toEqual({ deleted: 10, flows: { f: 4, g: 6 }, more: true });
    expect(await pruner.runPass()).toEqual({ deleted: 0, flows: {}, more: false });
    expect(await base.listRuns({})).toEqual([]);
  });

  it("a failing store is logged once, retried after a growing pause, and its recovery said", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    // A pass yields between batches (setImmediate, not faked): let it end.
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    vi.spyOn(Math, "random").mockReturnValue(0.5); // no jitter
    const base = memoryFlowStore();
    let down = true;
    let attempts = 0;
    const store = new Proxy(base, {
      get: (target, key) =>
        key === "prune"
          ? async (q: PruneQuery) => {
              attempts++;
              if (down) throw new Error("database unreachable");
              return target.prune(q);
            }
          : Reflect.get(target, key),
    });
    const warn = vi.fn();
    const info = vi.fn();
    const logger = { ...silentLogger, warn, info, child: () => logger };
    const pruner = new RunPruner({ store, now: () => 0, flows: () => [one("f")], pruneEveryMs: 100 });
    pruner.start(logger);
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toBe(1);
    // 200 ms after the first failure, 400 after the second, 800 after the third.
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(400);
    expect(attempts).toBe(3);
    await vi.advanceTimersByTimeAsync(799);
    expect(attempts).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe("pruning finished runs failed: retrying with a growing pause");
    down = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toBe(4);
    await settle();
    expect(info).toHaveBeenCalledWith("pruning finished runs again", { failures: 3 });
    // Back to its pace.
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(attempts).toBe(5);
    expect(warn).toHaveBeenCalledTimes(1);
    await pruner.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toBe(5);
  });

  it("pruneEveryMs: 0 prunes nothing in the background; a prune by hand still does", async () => {
    vi.useFakeTimers();
    const store = memoryFlowStore();
    await finishedRuns(store, { f: 3 }, 1000);
    const pruner = new RunPruner({
      store,
      now: () => 10_000,
      flows: () => [one("f")],
      retentionMs: 1,
      pruneEveryMs: 0,
    });
    pruner.start(silentLogger);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(await store.listRuns({})).toHaveLength(3);
    expect(await pruner.byHand({ dryRun: true })).toEqual({ deleted: 3, flows: { f: 3 }, more: false });
    expect(await pruner.byHand({ flow: "f", keep: 1 })).toMatchObject({ deleted: 2 });
    // A flow the engine does not run (removed from the code) is pruned by hand when named.
    await finishedRuns(store, { removed: 2 }, 1000);
    expect(await pruner.byHand({ flow: "removed" })).toMatchObject({ deleted: 2 });
    await pruner.stop();
  });

  it("a failed run pruned while it is retried answers TESSERA_NOT_FOUND, not a TypeError", async () => {
    const base = memoryFlowStore();
    const failing = flow("failing", {}, async (ctx) =>
      ctx.step("boom", async () => {
        throw new Error("boom");
      }),
    );
    // The prune lands between the engine's read of the run and its retry.
    const store = new Proxy(base, {
      get: (target, key) =>
        key === "retry"
          ? async (runId: string, version: string, now: number) => {
              await target.prune({ flow: "failing", keepLast: 0, limit: 10 });
              return target.retry(runId, version, now);
            }
          : Reflect.get(target, key),
    });
    const h = await harness([failing], { store, pruneEveryMs: 0 });
    try {
      const { run } = await h.engine.startRun(failing, undefined as never);
      expect((await h.engine.awaitRun(run.id, 5000)).status).toBe("failed");
      await expect(h.engine.retry(run.id)).rejects.toMatchObject({
        code: "TESSERA_NOT_FOUND",
        message: `no run ${run.id}`,
      });
    } finally {
      await h.stop();
    }
  });

  it("prunes exactly the terminal statuses of the flow store (run-retention.ts writes them out)", () => {
    expect(new Set(finishedStatuses)).toEqual(terminalStatuses);
  });

  it("a retention that is no retention is refused when the flow or the engine is declared", () => {
    const mistakes: [unknown, string][] = [
      [true, "f.retention must be false or { maxAge, maxRuns }, got true"],
      ["7d", 'f.retention must be false or { maxAge, maxRuns }, got "7d"'],
      [{ maxAge: "soon" }, 'f.retention.maxAge must be a positive duration up to "365d"'],
      [{ maxAge: 0 }, "f.retention.maxAge must be a positive duration"],
      [{ maxRuns: 0 }, "f.retention.maxRuns must be a whole number of at least 1, got 0"],
      [{ keep: 5 }, "f.retention.keep is not an option (known: maxAge, maxRuns)"],
    ];
    for (const [retention, message] of mistakes) {
      expect(() => flow("f", { retention } as never, async () => 1)).toThrow(message);
    }
    for (const [option, value] of [
      ["retentionMs", 0],
      ["retentionRuns", 1.5],
      ["pruneEveryMs", -1],
    ] as const) {
      expect(() => createFlowEngine({ store: memoryFlowStore(), flows: [], [option]: value })).toThrow(
        `engine.${option}`,
      );
    }
  });
});
