import { afterEach, describe, expect, it } from "vitest";
import type { CommitBatch, FlowStore, NewRun, RunWrite } from "../../src/ports/flow-store.js";
import type { FlowStoreFactory, FlowStoreFixture } from "./flow-store-contract.js";

// Issue 19: every claim gives a run its next fencing token (the lease generation), which the
// effects carry and which fences the writes and renewals of a stale activation; a run taken from a
// holder that stopped renewing counts a takeover, until it makes progress again.

const T0 = 1_700_000_000_000;
const LEASE = 1000;
let ids = 0;
const newRun = (over: Partial<NewRun> = {}): NewRun => ({
  id: `fence-${++ids}-${Math.random().toString(36).slice(2, 8)}`,
  flow: "f",
  version: "v1",
  input: null,
  ...over,
});
const batch = (over: Partial<CommitBatch>): CommitBatch => ({
  owner: "w1",
  now: T0,
  leaseMs: LEASE,
  creates: [],
  writes: [],
  ...over,
});
const ok = (seq: number) => ({
  seq,
  kind: "step",
  name: `s${seq}`,
  state: "ok" as const,
  value: seq,
  at: T0,
});
const pending = (seq: number) => ({ ...ok(seq), state: "pending" as const, value: null });

/** The fencing tokens and takeovers of every flow store adapter. */
export function flowStoreFencingContract(name: string, factory: FlowStoreFactory, skip = false): void {
  describe.skipIf(skip)(`flow store fencing contract: ${name}`, () => {
    const fixtures: FlowStoreFixture[] = [];
    const open = async () => {
      const f = await factory();
      fixtures.push(f);
      await f.store.migrate();
      return f.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    const claim = (store: FlowStore, owner: string, now: number, runId?: string) =>
      store.claim({ owner, flows: ["f"], limit: 10, leaseMs: LEASE, now, ...(runId ? { runId } : {}) });
    const write = (store: FlowStore, owner: string, now: number, w: RunWrite) =>
      store.commit(batch({ owner, now, writes: [w] }));

    it("gives a run the next fencing token at every claim: 1 created held, 0 queued", async () => {
      const store = await open();
      const held = newRun();
      const queued = newRun();
      const r = await store.commit(batch({ creates: [{ ...held, owner: "w1" }, queued] }));
      expect(r.created.get(held.id)?.run.fencingToken).toBe(1);
      expect(r.created.get(queued.id)?.run.fencingToken).toBe(0);
      expect((await store.getRun(held.id))?.fencingToken).toBe(1);
      expect((await store.getRun(queued.id))?.fencingToken).toBe(0);
      const [first] = await claim(store, "w2", T0, queued.id);
      expect(first?.fencingToken).toBe(1);
      // Suspended and claimed again: the next activation has the next token.
      await write(store, "w2", T0, {
        runId: queued.id,
        entries: [],
        update: { status: "sleeping", dueAt: T0 + 5, release: true },
      });
      const [again] = await claim(store, "w1", T0 + 5, queued.id);
      expect(again?.fencingToken).toBe(2);
      // The held one taken over once its lease expired.
      const [taken] = await claim(store, "w3", T0 + LEASE + 1, held.id);
      expect(taken).toMatchObject({ owner: "w3", fencingToken: 2 });
      expect((await store.getRun(held.id))?.fencingToken).toBe(2);
    });

    it("refuses the writes and renewals of an older fencing token, even from the same worker id", async () => {
      const store = await open();
      const run = newRun();
      await store.commit(batch({ creates: [{ ...run, owner: "w1" }] }));
      // The worker restarts with the same id (its runs released), and claims the run back: token 2.
      await store.releaseAll("w1", T0 + 1, true);
      const [back] = await claim(store, "w1", T0 + 1);
      expect(back?.fencingToken).toBe(2);
      // The frozen first incarnation (token 1) wakes up: neither its write nor its renewal passes.
      const stale = await write(store, "w1", T0 + 2, { runId: run.id, entries: [ok(1)], fencingToken: 1 });
      expect(stale.lost).toEqual([run.id]);
      expect(await store.journal(run.id)).toEqual([]);
      const renewed = await store.renew("w1", [{ id: run.id, fencingToken: 1 }], LEASE, T0 + 2);
      expect(renewed.lost).toEqual([run.id]);
      expect((await store.getRun(run.id))?.leaseUntil).toBe(T0 + 1 + LEASE);
      // The current one (token 2) writes and renews; without a token only the owner is checked.
      const current = await write(store, "w1", T0 + 3, { runId: run.id, entries: [ok(1)], fencingToken: 2 });
      expect(current.lost).toEqual([]);
      expect((await store.renew("w1", [{ id: run.id, fencingToken: 2 }], LEASE, T0 + 4)).lost).toEqual([]);
      expect((await store.getRun(run.id))?.leaseUntil).toBe(T0 + 4 + LEASE);
      expect((await store.renew("w1", [{ id: run.id }], LEASE, T0 + 5)).lost).toEqual([]);
      expect((await store.journal(run.id)).map((e) => e.seq)).toEqual([1]);
    });

    it("counts the takeovers of a run in a row, from zero again once it makes progress", async () => {
      const store = await open();
      const run = newRun();
      await store.commit(batch({ creates: [run] }));
      // A first claim of a queued run is no takeover.
      expect((await claim(store, "w1", T0))[0]?.takeovers).toBe(0);
      // w1 froze: w2 takes the run over once the lease expired, then w3 from w2.
      expect((await claim(store, "w2", T0 + LEASE + 1))[0]?.takeovers).toBe(1);
      expect((await claim(store, "w3", T0 + 2 * LEASE + 2))[0]?.takeovers).toBe(2);
      // Re-issuing an effect journaled pending is no progress.
      const t3 = 3;
      await write(store, "w3", T0 + 2 * LEASE + 3, {
        runId: run.id,
        entries: [pending(1)],
        fencingToken: t3,
      });
      expect((await store.getRun(run.id))?.takeovers).toBe(2);
      // An outcome is.
      await write(store, "w3", T0 + 2 * LEASE + 4, { runId: run.id, entries: [ok(1)], fencingToken: t3 });
      expect((await store.getRun(run.id))?.takeovers).toBe(0);
      // So is a status (a suspension).
      expect((await claim(store, "w4", T0 + 4 * LEASE))[0]?.takeovers).toBe(1);
      await write(store, "w4", T0 + 4 * LEASE, {
        runId: run.id,
        entries: [],
        update: { status: "sleeping", dueAt: T0 + 5 * LEASE, release: true },
      });
      const slept = await store.getRun(run.id);
      expect(slept).toMatchObject({ takeovers: 0, status: "sleeping", fencingToken: 4 });
      // A wake-up at the due time is no takeover.
      expect((await claim(store, "w1", T0 + 5 * LEASE))[0]?.takeovers).toBe(0);
      // Nor is a worker taking back its own expired lease (it is alive: it claims).
      expect((await claim(store, "w1", T0 + 7 * LEASE))[0]).toMatchObject({ takeovers: 0, fencingToken: 6 });
    });

    it("counts a takeover for the runs a restarted worker finds, none for a graceful release", async () => {
      const store = await open();
      const [a, b] = [newRun(), newRun()];
      await store.commit(
        batch({
          creates: [
            { ...a, owner: "w1" },
            { ...b, owner: "w1" },
          ],
        }),
      );
      await store.releaseAll("w1", T0 + 1, true);
      expect((await store.getRun(a.id))?.takeovers).toBe(1);
      await claim(store, "w1", T0 + 1);
      expect((await store.getRun(b.id))?.takeovers).toBe(1);
      expect(await store.releaseAll("w1", T0 + 2)).toBe(2);
      expect((await store.getRun(a.id))?.takeovers).toBe(1);
      expect(await store.getRun(b.id)).toMatchObject({ takeovers: 1, owner: undefined });
    });

    it("starts the takeovers of a run ended by its holder, and of a retried run, from zero", async () => {
      const store = await open();
      const run = newRun();
      await store.commit(batch({ creates: [run] }));
      await claim(store, "w1", T0);
      await claim(store, "w2", T0 + LEASE + 1);
      await write(store, "w2", T0 + LEASE + 2, {
        runId: run.id,
        entries: [],
        update: {
          status: "failed",
          error: { code: "TESSERA_FLOW_BUDGET", message: "stalled" },
          release: true,
        },
        fencingToken: 2,
      });
      expect((await store.getRun(run.id))?.takeovers).toBe(0);
      const retried = await store.retry(run.id, "v1", T0 + LEASE + 3);
      expect(retried).toMatchObject({ status: "queued", takeovers: 0 });
      expect((await claim(store, "w3", T0 + LEASE + 3))[0]).toMatchObject({ takeovers: 0, fencingToken: 3 });
    });
  });
}
