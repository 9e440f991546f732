import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { type FlowDef, flow } from "../../../src/features/flows/index.js";
import { leaseValidMs } from "../../../src/features/flows/run-lease.js";
import { entry, service } from "../../../src/index.js";
import type { FlowStore } from "../../../src/ports/flow-store.js";
import { type Harness, harness } from "./fixtures.js";

// Issue 19, item 1: a worker that lost its lease still started effects. Here in one process: a
// worker whose renewals fail (its store unreachable for renewals) reaches its local deadline, and
// its effects in flight are aborted, none starts after; every effect carries the run's fencing token.

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.stop();
});

/** The store, its renewals failing (a worker cut off from its database, or frozen). */
function renewalsFail(store: FlowStore): FlowStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === "renew") return () => Promise.reject(new Error("renewal refused by the test"));
      return Reflect.get(target, key, receiver);
    },
  });
}

function signal(): { wait: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const wait = new Promise<void>((r) => {
    fire = r;
  });
  return { wait, fire };
}

describe("fencing of effects", () => {
  it("a worker that could not renew its lease went on starting effects past it: its step is aborted, nothing starts after, the next worker goes on with the next token", async () => {
    const store = memoryFlowStore();
    const seen: string[] = [];
    const inOne = signal();
    const aborted = signal();
    let reason: unknown;
    const f = flow("fenced", {}, async (ctx) => {
      await ctx.step("one", async (info) => {
        seen.push(`one ${info.fencingToken} ${info.idempotencyKey === `${ctx.runId}:1`}`);
        if (info.fencingToken > 1) return;
        inOne.fire();
        // A long piece of work that honours its signal.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 20_000);
          info.signal?.addEventListener("abort", () => {
            clearTimeout(t);
            reason = info.signal?.reason;
            aborted.fire();
            resolve();
          });
        });
      });
      await ctx.step("two", (info) => {
        seen.push(`two ${info.fencingToken}`);
      });
      return "done";
    });
    const a = await harness([f], { store: renewalsFail(store), workerId: "a", leaseMs: 400, renewMs: 100 });
    open.push(a);
    const { run } = await a.engine.startRun(f, undefined);
    await inOne.wait;
    await aborted.wait;
    expect((reason as { code?: string }).code).toBe("TESSERA_INTERRUPTED");
    // Worker a writes nothing more: the outcome of `one` stays unjournaled, `two` never starts there.
    expect(await store.journal(run.id)).toEqual([]);
    const b = await harness([f], { store, workerId: "b", leaseMs: 400, renewMs: 100 });
    open.push(b);
    expect((await b.engine.awaitRun(run.id, 10_000)).status).toBe("completed");
    expect(seen).toEqual(["one 1 true", "one 2 true", "two 2"]);
    expect(await store.getRun(run.id)).toMatchObject({ owner: undefined, fencingToken: 2, takeovers: 0 });
  });

  it("a call carries the run's fencing token beside its idempotency key (ctx.fencingToken)", async () => {
    const calls: unknown[] = [];
    const target = service("booking", {
      entries: {
        book: entry({ input: z.object({ seat: z.string() }) }, ({ seat }, ctx) => {
          calls.push({ seat, key: ctx.idempotencyKey, token: ctx.fencingToken });
          return { seat };
        }),
      },
    });
    const f = flow("books", {}, async (ctx) => {
      await ctx.call(target.entries.book, { seat: "1A" });
      await ctx.call(target.entries.book, { seat: "1B" }, { retry: { attempts: 2 } });
      return "booked";
    });
    const h = await harness([f], {}, undefined, [target]);
    open.push(h);
    const { run } = await h.engine.startRun(f, undefined);
    expect((await h.engine.awaitRun(run.id, 5000)).status).toBe("completed");
    expect(calls).toEqual([
      { seat: "1A", key: `${run.id}:1`, token: 1 },
      { seat: "1B", key: `${run.id}:2`, token: 1 },
    ]);
  });

  it("the local deadline is the lease less a margin that a renewal on time never reaches", () => {
    expect(leaseValidMs(4000, 1000)).toBe(3000);
    expect(leaseValidMs(1000, 250)).toBe(750);
    // Rare renewals: half the time left between a renewal and the end of the lease.
    expect(leaseValidMs(1000, 900)).toBe(950);
  });
});

describe("runs that freeze their workers", () => {
  /** A run of `flowName` taken over `n` times already (claimed by workers that vanished). */
  async function takenOver(store: FlowStore, def: FlowDef, n: number): Promise<string> {
    const flowName = def.name;
    const id = `run-${Math.random().toString(36).slice(2)}`;
    await store.commit({
      owner: "x",
      now: 1,
      leaseMs: 1,
      creates: [{ id, flow: flowName, version: def.version, input: null }],
      writes: [],
    });
    for (let i = 0; i <= n; i++)
      await store.claim({ owner: `ghost-${i}`, flows: [flowName], limit: 1, leaseMs: 1, now: 10 + 10 * i });
    expect((await store.getRun(id))?.takeovers).toBe(n);
    return id;
  }

  it("a run whose step froze every worker that resumed it was claimed for ever: after 5 takeovers in a row it fails, its code not run again", async () => {
    const store = memoryFlowStore();
    let ran = 0;
    const f = flow("spins", {}, async (ctx) => {
      ran++;
      await ctx.step("one", () => 1);
      return "done";
    });
    const stalled = await takenOver(store, f, 4);
    const h = await harness([f], { store });
    open.push(h);
    const end = await h.engine.awaitRun(stalled, 5000);
    expect(end).toMatchObject({ status: "failed", error: { code: "TESSERA_FLOW_BUDGET" } });
    expect(end.error?.message).toMatch(/taken over 5 times in a row without progress/);
    expect(end.error?.details).toEqual({ takeovers: 5 });
    expect(ran).toBe(0);
    // One takeover fewer: the run goes on, and its progress starts the count again.
    const fine = await takenOver(store, f, 3);
    expect((await h.engine.awaitRun(fine, 5000)).status).toBe("completed");
    expect(ran).toBe(1);
    expect((await store.getRun(fine))?.takeovers).toBe(0);
  });

  it("a flow's budget sets its takeovers", async () => {
    const store = memoryFlowStore();
    const f = flow("impatient", { budget: { takeovers: 1 } }, async () => "done");
    const stalled = await takenOver(store, f, 0);
    const h = await harness([f], { store });
    open.push(h);
    expect((await h.engine.awaitRun(stalled, 5000)).error?.details).toEqual({ takeovers: 1 });
  });
});
