import { afterEach, describe, expect, it } from "vitest";
import type { FlowStore, NewRun, RunStatus } from "../../src/ports/flow-store.js";
import type { FlowStoreFactory, FlowStoreFixture } from "./flow-store-contract.js";

const T0 = 1_700_000_000_000;
const LEASE = 60_000;
let ids = 0;
const newRun = (flow: string, over: Partial<NewRun> = {}): NewRun => ({
  id: `run-${String(++ids).padStart(6, "0")}-${Math.random().toString(36).slice(2, 8)}`,
  flow,
  version: "v1",
  input: { n: ids },
  ...over,
});

/**
 * Retention (issue 19): every `FlowStore` deletes finished runs of a flow past an age or a count,
 * in bounded batches, with their journals and signals, and never a run that is still active,
 * blocked or held — whatever its age. Each adapter's test file calls it with a factory of stores.
 */
export function flowStorePruneContract(name: string, factory: FlowStoreFactory, skip = false): void {
  describe.skipIf(skip)(`flow store prune contract: ${name}`, () => {
    const fixtures: FlowStoreFixture[] = [];
    const open = async () => {
      const f = await factory();
      fixtures.push(f);
      await f.store.migrate();
      return f;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    /**
     * A run of `flow` that ends `status` at `endedAt` (created held by w1 at T0, one journal entry
     * and one signal), or stays in an active status: `release` false keeps it held.
     */
    async function runEnding(
      store: FlowStore,
      flow: string,
      status: RunStatus,
      endedAt: number,
      over: Partial<NewRun> = {},
      release = true,
    ): Promise<string> {
      const n = newRun(flow, { ...over, owner: "w1" });
      const made = await store.commit({ owner: "w1", now: T0, leaseMs: LEASE, creates: [n], writes: [] });
      const id = made.created.get(n.id)!.run.id;
      await store.sendSignal(id, "ping", { at: endedAt }, T0);
      const res = await store.commit({
        owner: "w1",
        now: endedAt,
        leaseMs: LEASE,
        creates: [],
        writes: [
          {
            runId: id,
            entries: [{ seq: 1, kind: "step", name: "s1", state: "ok", value: 1, at: endedAt }],
            update: { status, release, ...(status === "waiting" ? { waitingFor: "ping" } : {}) },
          },
        ],
      });
      expect(res.lost).toEqual([]);
      return id;
    }

    const exists = async (store: FlowStore, id: string) => (await store.getRun(id)) !== undefined;

    it("deletes the finished runs that ended before the bound, with their journals and signals", async () => {
      const { store } = await open();
      const old = [
        await runEnding(store, "f", "completed", T0 + 10),
        await runEnding(store, "f", "failed", T0 + 20),
        await runEnding(store, "f", "compensated", T0 + 30),
        await runEnding(store, "f", "cancelled", T0 + 40),
      ];
      const recent = await runEnding(store, "f", "completed", T0 + 100);
      const otherFlow = await runEnding(store, "g", "completed", T0 + 10);
      expect(await store.prune({ flow: "f", endedBefore: T0 + 100, limit: 100 })).toBe(4);
      for (const id of old) {
        expect(await exists(store, id)).toBe(false);
        expect(await store.journal(id)).toEqual([]);
        expect(await store.signals(id)).toEqual([]);
      }
      expect(await exists(store, recent)).toBe(true);
      expect(await store.journal(recent)).toHaveLength(1);
      expect(await exists(store, otherFlow)).toBe(true);
      expect(await store.prune({ flow: "f", endedBefore: T0 + 100, limit: 100 })).toBe(0);
    });

    it("never deletes a run that is active, blocked or held, however old", async () => {
      const { store } = await open();
      const kept = [
        (await store.commit({ owner: "w1", now: T0, leaseMs: LEASE, creates: [newRun("f")], writes: [] }))
          .created,
      ].flatMap((m) => [...m.values()].map((c) => c.run.id)); // queued
      kept.push(await runEnding(store, "f", "running", T0 + 1, {}, false)); // held by a worker
      kept.push(await runEnding(store, "f", "sleeping", T0 + 2));
      kept.push(await runEnding(store, "f", "waiting", T0 + 3));
      kept.push(await runEnding(store, "f", "compensating", T0 + 4, {}, false)); // compensation in progress
      kept.push(await runEnding(store, "f", "compensating", T0 + 5)); // compensation due again
      kept.push(await runEnding(store, "f", "blocked", T0 + 6));
      const done = await runEnding(store, "f", "completed", T0 + 7);
      const far = T0 + 365 * 86_400_000;
      expect(await store.prune({ flow: "f", endedBefore: far, limit: 100, dryRun: true })).toBe(1);
      expect(await store.prune({ flow: "f", endedBefore: far, keepLast: 0, limit: 100 })).toBe(1);
      for (const id of kept) expect(await exists(store, id)).toBe(true);
      expect(await exists(store, done)).toBe(false);
    });

    it("keeps the newest keepLast finished runs of a flow, ties ordered by run id", async () => {
      const { store } = await open();
      const runs: string[] = [];
      // Two ends share each time: the count must cut between them by id, as it orders.
      for (let i = 0; i < 10; i++) runs.push(await runEnding(store, "f", "completed", T0 + 10 * (i >> 1)));
      const active = await runEnding(store, "f", "sleeping", T0);
      expect(await store.prune({ flow: "f", keepLast: 3, limit: 100, dryRun: true })).toBe(7);
      expect(await store.prune({ flow: "f", keepLast: 3, limit: 100 })).toBe(7);
      const left = (await store.listRuns({ flow: "f" })).map((r) => r.id).sort();
      expect(left).toEqual([...runs.slice(7), active].sort());
      expect(await store.prune({ flow: "f", keepLast: 3, limit: 100 })).toBe(0);
      expect(await store.prune({ flow: "f", keepLast: 50, limit: 100 })).toBe(0);
    });

    it("takes the later of an age and a count: either bound suffices", async () => {
      const { store } = await open();
      const runs: string[] = [];
      for (let i = 0; i < 6; i++) runs.push(await runEnding(store, "f", "failed", T0 + 10 * i));
      // The age lets 2 go, the count (keep 3) lets 3 go: 3 go.
      expect(await store.prune({ flow: "f", endedBefore: T0 + 20, keepLast: 3, limit: 100 })).toBe(3);
      // The age lets 5 go, the count (keep 3) none more: 2 more go.
      expect(await store.prune({ flow: "f", endedBefore: T0 + 50, keepLast: 3, limit: 100 })).toBe(2);
      expect((await store.listRuns({ flow: "f" })).map((r) => r.id)).toEqual([runs[5]]);
      expect(await store.prune({ flow: "f", limit: 100 })).toBe(0);
    });

    it("deletes at most limit runs a call, the oldest ends first", async () => {
      const { store } = await open();
      const runs: string[] = [];
      for (let i = 0; i < 7; i++) runs.push(await runEnding(store, "f", "completed", T0 + 100 - i));
      expect(await store.prune({ flow: "f", endedBefore: T0 + 1000, limit: 3 })).toBe(3);
      // The last three created ended first.
      for (const id of runs.slice(4)) expect(await exists(store, id)).toBe(false);
      expect(await store.prune({ flow: "f", endedBefore: T0 + 1000, limit: 3 })).toBe(3);
      expect(await store.prune({ flow: "f", endedBefore: T0 + 1000, limit: 3 })).toBe(1);
      expect(await store.listRuns({ flow: "f" })).toEqual([]);
    });

    it("counts without deleting in a dry run", async () => {
      const { store } = await open();
      for (let i = 0; i < 4; i++) await runEnding(store, "f", "completed", T0 + i);
      expect(await store.prune({ flow: "f", endedBefore: T0 + 3, limit: 1, dryRun: true })).toBe(3);
      expect(await store.listRuns({ flow: "f" })).toHaveLength(4);
    });

    it("frees a pruned run's idempotency key: the same key starts a new run", async () => {
      const { store } = await open();
      const first = await runEnding(store, "f", "completed", T0 + 1, { idempotencyKey: "order-7" });
      expect(await store.prune({ flow: "f", endedBefore: T0 + 2, limit: 10 })).toBe(1);
      expect(await store.findByKey("f", "order-7")).toBeUndefined();
      const again = newRun("f", { idempotencyKey: "order-7" });
      const res = await store.commit({
        owner: "w1",
        now: T0 + 3,
        leaseMs: LEASE,
        creates: [again],
        writes: [],
      });
      expect(res.created.get(again.id)).toMatchObject({ created: true });
      expect(res.created.get(again.id)?.run.id).not.toBe(first);
    });

    it("keeps a failed run that was retried (it is queued again)", async () => {
      const { store } = await open();
      const id = await runEnding(store, "f", "failed", T0 + 1);
      await store.retry(id, "v2", T0 + 2);
      expect(await store.prune({ flow: "f", endedBefore: T0 + 1000, limit: 10 })).toBe(0);
      expect((await store.getRun(id))?.status).toBe("queued");
    });

    it("refuses a malformed prune with TESSERA_VALIDATION, deleting nothing", async () => {
      const { store } = await open();
      await runEnding(store, "f", "completed", T0);
      for (const q of [
        { flow: "", endedBefore: T0 + 1, limit: 10 },
        { flow: "f", endedBefore: T0 + 1, limit: 0 },
        { flow: "f", endedBefore: Number.NaN, limit: 10 },
        { flow: "f", keepLast: -1, limit: 10 },
      ])
        await expect(store.prune(q)).rejects.toMatchObject({ code: "TESSERA_VALIDATION" });
      expect(await store.listRuns({ flow: "f" })).toHaveLength(1);
    });

    it("prunes safely from two workers at once: each run deleted once, the rest kept", async (ctx) => {
      const f = await open();
      if (f.twin === undefined) return ctx.skip();
      const twin = await f.twin();
      const done: string[] = [];
      for (let i = 0; i < 40; i++) done.push(await runEnding(f.store, "f", "completed", T0 + i));
      const active = await runEnding(f.store, "f", "waiting", T0);
      const pruneAll = async (s: FlowStore) => {
        let n = 0;
        for (let k = 0; k < 40; k++) n += await s.prune({ flow: "f", endedBefore: T0 + 1000, limit: 5 });
        return n;
      };
      const [a, b] = await Promise.all([pruneAll(f.store), pruneAll(twin)]);
      expect(a + b).toBe(40);
      expect((await f.store.listRuns({ flow: "f" })).map((r) => r.id)).toEqual([active]);
    });
  });
}
