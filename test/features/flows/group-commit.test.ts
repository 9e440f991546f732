import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { flow } from "../../../src/features/flows/index.js";
import type { CommitBatch, FlowStore } from "../../../src/ports/flow-store.js";
import { type Harness, harness } from "./fixtures.js";

/** A store that records every commit (one transaction each) and makes it take a little time, as an fsync does. */
function countingStore(inner: FlowStore): { store: FlowStore; batches: CommitBatch[] } {
  const batches: CommitBatch[] = [];
  const store = new Proxy(inner, {
    get(target, prop) {
      if (prop === "commit")
        return async (batch: CommitBatch) => {
          batches.push(batch);
          await new Promise((r) => setTimeout(r, 2));
          return target.commit(batch);
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, batches };
}

const steps = ["one", "two", "three"];
const threeSteps = flow("three-steps", { input: z.object({ n: z.number() }) }, async (ctx, { n }) => {
  let total = n;
  for (const s of steps) total = await ctx.step(s, () => total + 1);
  return total;
});

let open: Harness | undefined;
afterEach(async () => {
  await open?.stop();
  open = undefined;
});

describe("group commit", () => {
  it("batches the journal writes of concurrent runs into few transactions, and every run completes", async () => {
    const { store, batches } = countingStore(memoryFlowStore());
    open = await harness([threeSteps], { store });
    const runs = 50;
    const outputs = await Promise.all(
      Array.from({ length: runs }, (_, n) => open!.engine.execute(threeSteps, { n: n * 10 })),
    );
    expect(outputs).toEqual(Array.from({ length: runs }, (_, n) => n * 10 + 3));

    const creates = batches.reduce((sum, b) => sum + b.creates.length, 0);
    const writes = batches.reduce((sum, b) => sum + b.writes.length, 0);
    const entries = batches.reduce((sum, b) => sum + b.writes.reduce((s, w) => s + w.entries.length, 0), 0);
    expect(creates).toBe(runs);
    // Each run journals its three steps and writes its end: nothing is lost by batching.
    expect(entries).toBe(runs * steps.length);
    expect(writes).toBeGreaterThanOrEqual(runs * 2);
    // One transaction per write would be ≥ 150 commits; batched, a handful carry them all.
    expect(batches.length).toBeLessThan((creates + writes) / 10);
    expect(Math.max(...batches.map((b) => b.creates.length + b.writes.length))).toBeGreaterThanOrEqual(
      runs / 2,
    );
    // A batch holds one write per run (a run's writes queued together are merged).
    for (const b of batches) expect(new Set(b.writes.map((w) => w.runId)).size).toBe(b.writes.length);

    for (const run of await store.listRuns({ flow: "three-steps" })) {
      expect(run.status).toBe("completed");
      expect((await store.journal(run.id)).map((e) => `${e.seq} ${e.name} ${e.state}`)).toEqual([
        "1 one ok",
        "2 two ok",
        "3 three ok",
      ]);
    }
  });
});
