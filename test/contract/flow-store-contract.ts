import { afterEach, describe, expect, it } from "vitest";
import type { CommitBatch, FlowStore, JournalEntry, NewRun, RunWrite } from "../../src/ports/flow-store.js";

/** A fresh, empty, migrated store; `cleanup` closes it and removes what it created. */
export interface FlowStoreFixture {
  readonly store: FlowStore;
  /** A second store on the same data (another worker), when the adapter can share it. */
  readonly twin?: () => Promise<FlowStore>;
  cleanup(): Promise<void>;
}

export type FlowStoreFactory = () => Promise<FlowStoreFixture>;

const T0 = 1_700_000_000_000;
const LEASE = 1000;
let ids = 0;
const newRun = (over: Partial<NewRun> = {}): NewRun => ({
  id: `run-${++ids}-${Math.random().toString(36).slice(2, 8)}`,
  flow: "f",
  version: "v1",
  input: { n: ids },
  ...over,
});
const entry = (seq: number, over: Partial<JournalEntry> = {}): JournalEntry => ({
  seq,
  kind: "step",
  name: `s${seq}`,
  state: "ok",
  value: { seq },
  at: T0 + seq,
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

/**
 * The behaviour every `FlowStore` adapter must show (DESIGN.md, convention 3). Each adapter's test
 * file calls it once with a factory of fresh stores.
 */
export function flowStoreContract(name: string, factory: FlowStoreFactory, skip = false): void {
  describe.skipIf(skip)(`flow store contract: ${name}`, () => {
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

    /** Creates runs held by `owner` (or queued without one). */
    async function create(store: FlowStore, runs: NewRun[], owner?: string) {
      const r = await store.commit(batch({ creates: runs.map((x) => ({ ...x, owner })) }));
      return runs.map((x) => r.created.get(x.id)!);
    }

    it("migrates idempotently", async () => {
      const { store } = await open();
      await store.migrate();
      await store.migrate();
      expect(await store.listRuns({})).toEqual([]);
    });

    it("creates runs, queued or held, and keeps their input", async () => {
      const { store } = await open();
      const [a, b] = await create(store, [newRun({ input: { deep: [1, { x: "é" }] } }), newRun()]);
      expect(a?.created).toBe(true);
      expect(a?.run).toMatchObject({
        status: "queued",
        version: "v1",
        input: { deep: [1, { x: "é" }] },
        signalCount: 0,
      });
      const got = await store.getRun(a!.run.id);
      expect(got).toMatchObject({ status: "queued", flow: "f", createdAt: T0, dueAt: T0, owner: undefined });
      expect(got?.cancelRequested).toBe(false);
      const [held] = await create(store, [newRun()], "w1");
      expect(await store.getRun(held!.run.id)).toMatchObject({
        status: "running",
        owner: "w1",
        leaseUntil: T0 + LEASE,
      });
      expect(b?.created).toBe(true);
      expect(await store.getRun("nope")).toBeUndefined();
    });

    it("gives back the earlier run for an idempotency key, per flow", async () => {
      const { store } = await open();
      const [a] = await create(store, [newRun({ idempotencyKey: "k" })]);
      const [again, otherFlow] = await create(store, [
        newRun({ idempotencyKey: "k", input: "different" }),
        newRun({ idempotencyKey: "k", flow: "g" }),
      ]);
      expect(again).toMatchObject({ created: false, run: { id: a!.run.id, input: a!.run.input } });
      expect(otherFlow?.created).toBe(true);
      const [twice1, twice2] = await create(store, [
        newRun({ idempotencyKey: "same" }),
        newRun({ idempotencyKey: "same" }),
      ]);
      expect(twice1?.created).toBe(true);
      expect(twice2).toMatchObject({ created: false, run: { id: twice1!.run.id } });
      expect((await store.findByKey("f", "k"))?.id).toBe(a!.run.id);
      expect(await store.findByKey("f", "none")).toBeUndefined();
    });

    it("journals entries of held runs in one commit, in seq order, and updates them", async () => {
      const { store } = await open();
      const runs = await create(
        store,
        [newRun(), newRun(), newRun({ callbackUrl: "http://127.0.0.1:9/cb" })],
        "w1",
      );
      const writes: RunWrite[] = runs.map((r, i) => ({
        runId: r.run.id,
        entries: [
          entry(2),
          entry(1, { state: "error", value: { code: "TESSERA_CONFLICT", message: "no" } }),
          entry(-1),
        ],
        update: i === 0 ? { status: "completed", output: { ok: true }, release: true } : undefined,
      }));
      const res = await store.commit(batch({ now: T0 + 10, writes }));
      expect(res.lost).toEqual([]);
      const journal = await store.journal(runs[1]!.run.id);
      expect(journal.map((e) => e.seq)).toEqual([-1, 1, 2]);
      expect(journal[1]).toEqual(
        entry(1, { state: "error", value: { code: "TESSERA_CONFLICT", message: "no" } }),
      );
      const done = await store.getRun(runs[0]!.run.id);
      expect(done).toMatchObject({
        status: "completed",
        output: { ok: true },
        owner: undefined,
        dueAt: undefined,
      });
      expect(await store.getRun(runs[1]!.run.id)).toMatchObject({ owner: "w1", status: "running" });
      expect((await store.getRun(runs[2]!.run.id))?.callbackUrl).toBe("http://127.0.0.1:9/cb");
      // An entry written again (a wait that started, then ended) is replaced.
      await store.commit(
        batch({ writes: [{ runId: runs[1]!.run.id, entries: [entry(2, { value: "final" })] }] }),
      );
      expect((await store.journal(runs[1]!.run.id))[2]?.value).toBe("final");
      await store.commit(
        batch({ writes: [{ runId: runs[1]!.run.id, entries: [entry(3, { value: undefined })] }] }),
      );
      expect((await store.journal(runs[1]!.run.id))[3]?.value).toBeUndefined();
    });

    it("keeps each entry's position (parallel branches replay by it) and replaces it with the entry", async () => {
      const { store } = await open();
      const [r] = await create(store, [newRun()], "w1");
      const id = r!.run.id;
      await store.commit(
        batch({
          writes: [
            {
              runId: id,
              entries: [
                entry(1, { position: "1" }),
                entry(2, { position: "2.0/1", state: "pending", value: null }),
                entry(3, { position: "2.1/1" }),
                entry(-1),
              ],
            },
          ],
        }),
      );
      await store.commit(batch({ writes: [{ runId: id, entries: [entry(2, { position: "2.0/1" })] }] }));
      expect(await store.journal(id)).toEqual([
        entry(-1),
        entry(1, { position: "1" }),
        entry(2, { position: "2.0/1" }),
        entry(3, { position: "2.1/1" }),
      ]);
    });

    it("retries a run that failed in a parallel from the first failure among its branches", async () => {
      const { store } = await open();
      const [r] = await create(store, [newRun()], "w1");
      const id = r!.run.id;
      const err = { code: "TESSERA_CONFLICT", message: "no" };
      const cancelled = { code: "TESSERA_CANCELLED", message: "cancelled" };
      await store.commit(
        batch({
          writes: [
            {
              runId: id,
              entries: [
                entry(1, { position: "1" }),
                entry(2, { position: "2.0/1" }),
                entry(3, { position: "2.1/1", state: "error", value: err }),
                entry(4, { position: "2.0/2", state: "error", value: cancelled }),
                entry(5, { position: "2", kind: "parallel", name: "parallel", state: "error", value: err }),
              ],
              update: { status: "failed", error: err as never, release: true },
            },
          ],
        }),
      );
      await store.retry(id, "v1", T0 + 9);
      expect((await store.journal(id)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it("refuses the writes of a worker that no longer holds the run (fencing)", async () => {
      const { store } = await open();
      const [r] = await create(store, [newRun()], "w1");
      const id = r!.run.id;
      const res = await store.commit(batch({ owner: "w2", writes: [{ runId: id, entries: [entry(1)] }] }));
      expect(res.lost).toEqual([id]);
      expect(await store.journal(id)).toEqual([]);
      // w1's lease expires; w2 claims the run; w1's late write is refused.
      const claimed = await store.claim({
        owner: "w2",
        flows: ["f"],
        limit: 10,
        leaseMs: LEASE,
        now: T0 + LEASE + 1,
      });
      expect(claimed.map((c) => c.id)).toEqual([id]);
      expect(claimed[0]).toMatchObject({ owner: "w2", status: "running" });
      const late = await store.commit(
        batch({ owner: "w1", now: T0 + LEASE + 2, writes: [{ runId: id, entries: [entry(1)] }] }),
      );
      expect(late.lost).toEqual([id]);
      const ok = await store.commit(
        batch({ owner: "w2", now: T0 + LEASE + 2, writes: [{ runId: id, entries: [entry(1)] }] }),
      );
      expect(ok.lost).toEqual([]);
      const terminal = await store.commit(
        batch({
          owner: "w2",
          now: T0 + LEASE + 3,
          writes: [{ runId: id, entries: [], update: { status: "failed", release: true } }],
        }),
      );
      expect(terminal.lost).toEqual([]);
      const after = await store.commit(batch({ owner: "w2", writes: [{ runId: id, entries: [entry(2)] }] }));
      expect(after.lost).toEqual([id]);
    });

    it("claims due runs only, of the given flows, up to the limit", async () => {
      const { store } = await open();
      const queued = await create(store, [newRun(), newRun(), newRun(), newRun({ flow: "other" })]);
      const [held] = await create(store, [newRun()], "w1");
      // A suspended run: due later.
      await store.commit(
        batch({
          writes: [
            {
              runId: held!.run.id,
              entries: [],
              update: { status: "sleeping", dueAt: T0 + 500, release: true },
            },
          ],
        }),
      );
      const first = await store.claim({ owner: "w2", flows: ["f"], limit: 2, leaseMs: LEASE, now: T0 });
      expect(first).toHaveLength(2);
      const second = await store.claim({ owner: "w3", flows: ["f"], limit: 10, leaseMs: LEASE, now: T0 });
      expect(second).toHaveLength(1);
      expect(new Set([...first, ...second].map((r) => r.id))).toEqual(
        new Set(queued.slice(0, 3).map((q) => q.run.id)),
      );
      expect(
        await store.claim({ owner: "w3", flows: ["f"], limit: 10, leaseMs: LEASE, now: T0 + 499 }),
      ).toEqual([]);
      const woken = await store.claim({
        owner: "w3",
        flows: ["f"],
        limit: 10,
        leaseMs: LEASE,
        now: T0 + 500,
      });
      expect(woken.map((r) => r.id)).toEqual([held!.run.id]);
      expect(woken[0]?.status).toBe("running");
      const other = await store.claim({ owner: "w3", flows: ["other"], limit: 10, leaseMs: LEASE, now: T0 });
      expect(other.map((r) => r.id)).toEqual([queued[3]!.run.id]);
    });

    it("claims one run by id when it is due", async () => {
      const { store } = await open();
      const [a, b] = await create(store, [newRun(), newRun()]);
      const got = await store.claim({
        owner: "w1",
        flows: ["f"],
        limit: 1,
        leaseMs: LEASE,
        now: T0,
        runId: b!.run.id,
      });
      expect(got.map((r) => r.id)).toEqual([b!.run.id]);
      expect(
        await store.claim({ owner: "w2", flows: ["f"], limit: 1, leaseMs: LEASE, now: T0, runId: b!.run.id }),
      ).toEqual([]);
      expect((await store.getRun(a!.run.id))?.owner).toBeUndefined();
    });

    it("never gives the same run to two concurrent claims", async () => {
      const { store, twin } = await open();
      await create(
        store,
        Array.from({ length: 60 }, () => newRun()),
      );
      const other = twin === undefined ? store : await twin();
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? store : other).claim({
            owner: `w${i}`,
            flows: ["f"],
            limit: 15,
            leaseMs: LEASE,
            now: T0,
          }),
        ),
      );
      const all = claims.flat().map((r) => r.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(60);
    });

    it("delivers signals: counts them, wakes an unheld run, and a release that missed one is due at once", async () => {
      const { store } = await open();
      const [a, b] = await create(store, [newRun(), newRun()], "w1");
      const ida = a!.run.id;
      await store.commit(
        batch({
          writes: [
            {
              runId: ida,
              entries: [],
              update: { status: "waiting", waitingFor: "go", release: true, seenSignals: 0 },
            },
          ],
        }),
      );
      expect((await store.getRun(ida))?.dueAt).toBeUndefined();
      expect(await store.sendSignal(ida, "go", { v: 1 }, T0 + 5)).toBe(true);
      expect(await store.getRun(ida)).toMatchObject({ signalCount: 1, dueAt: T0 + 5 });
      expect(await store.signals(ida)).toEqual([
        { id: expect.any(Number), name: "go", payload: { v: 1 }, at: T0 + 5 },
      ]);
      // b is held while a signal arrives; it then suspends having seen none: due at once.
      const idb = b!.run.id;
      await store.sendSignal(idb, "go", "x", T0 + 6);
      expect((await store.getRun(idb))?.dueAt).toBe(T0);
      await store.commit(
        batch({
          now: T0 + 7,
          writes: [
            {
              runId: idb,
              entries: [],
              update: { status: "waiting", waitingFor: "go", release: true, seenSignals: 0 },
            },
          ],
        }),
      );
      expect((await store.getRun(idb))?.dueAt).toBe(T0 + 7);
      // Ended runs take no signals.
      const [c] = await create(store, [newRun()], "w1");
      await store.commit(
        batch({
          writes: [{ runId: c!.run.id, entries: [], update: { status: "completed", release: true } }],
        }),
      );
      expect(await store.sendSignal(c!.run.id, "go", 1, T0)).toBe(false);
      expect(await store.sendSignal("missing", "go", 1, T0)).toBe(false);
    });

    it("delivers an event to every run waiting for it", async () => {
      const { store } = await open();
      const runs = await create(store, [newRun(), newRun(), newRun()], "w1");
      const waits = ["event:paid", "x event:paid", "event:paid-later"];
      await store.commit(
        batch({
          writes: runs.map((r, i) => ({
            runId: r.run.id,
            entries: [],
            update: { status: "waiting" as const, waitingFor: waits[i], release: true, seenSignals: 0 },
          })),
        }),
      );
      expect(await store.signalWaiting("event:paid", { order: 1 }, T0 + 1)).toBe(2);
      expect((await store.signals(runs[1]!.run.id))[0]?.payload).toEqual({ order: 1 });
      expect(await store.signals(runs[2]!.run.id)).toEqual([]);
    });

    it("records a cancellation and tells the holder", async () => {
      const { store } = await open();
      const [held, free] = await create(store, [newRun(), newRun()], "w1");
      await store.commit(
        batch({
          writes: [
            {
              runId: free!.run.id,
              entries: [],
              update: { status: "sleeping", dueAt: T0 + 9999, release: true },
            },
          ],
        }),
      );
      expect((await store.requestCancel(held!.run.id, T0 + 1))?.cancelRequested).toBe(true);
      expect(await store.requestCancel(free!.run.id, T0 + 1)).toMatchObject({
        cancelRequested: true,
        dueAt: T0 + 1,
      });
      const res = await store.commit(batch({ writes: [{ runId: held!.run.id, entries: [entry(1)] }] }));
      expect(res.cancelled).toEqual([held!.run.id]);
      const renewed = await store.renew("w1", [{ id: held!.run.id }], LEASE, T0 + 2);
      expect(renewed).toMatchObject({ lost: [], cancelled: [held!.run.id] });
      expect(await store.requestCancel("missing", T0)).toBeUndefined();
    });

    it("renews leases and reports the runs it lost", async () => {
      const { store } = await open();
      const [a, b] = await create(store, [newRun(), newRun()], "w1");
      await store.claim({
        owner: "w2",
        flows: ["f"],
        limit: 1,
        leaseMs: LEASE,
        now: T0 + LEASE + 1,
        runId: b!.run.id,
      });
      const r = await store.renew("w1", [{ id: a!.run.id }, { id: b!.run.id }], LEASE, T0 + 50);
      expect(r.lost).toEqual([b!.run.id]);
      expect((await store.getRun(a!.run.id))?.leaseUntil).toBe(T0 + 50 + LEASE);
    });

    it("releases every run of a worker, due at once", async () => {
      const { store } = await open();
      await create(store, [newRun(), newRun()], "w1");
      await create(store, [newRun()], "w2");
      expect(await store.releaseAll("w1", T0 + 3)).toBe(2);
      const claimed = await store.claim({
        owner: "w9",
        flows: ["f"],
        limit: 10,
        leaseMs: LEASE,
        now: T0 + 3,
      });
      expect(claimed).toHaveLength(2);
    });

    it("retries a failed run from its last failed effect, a compensated one from the start, a blocked one as is", async () => {
      const { store } = await open();
      const [failed, compensated, blocked, completed] = await create(
        store,
        [newRun(), newRun(), newRun(), newRun()],
        "w1",
      );
      const err = { code: "TESSERA_INTERNAL", message: "x" };
      await store.commit(
        batch({
          writes: [
            {
              runId: failed!.run.id,
              entries: [
                entry(1),
                entry(2, { state: "error", value: err }),
                entry(3),
                entry(4, { state: "error", value: err }),
              ],
              update: { status: "failed", error: err as never, release: true },
            },
            {
              runId: compensated!.run.id,
              entries: [
                entry(1),
                entry(2, { state: "error", value: err }),
                entry(-1, { kind: "compensate" }),
              ],
              update: { status: "compensated", error: err as never, release: true },
            },
            {
              runId: blocked!.run.id,
              entries: [entry(1), entry(2)],
              update: { status: "blocked", release: true },
            },
            {
              runId: completed!.run.id,
              entries: [],
              update: { status: "completed", output: 1, release: true },
            },
          ],
        }),
      );
      const r1 = await store.retry(failed!.run.id, "v2", T0 + 9);
      expect(r1).toMatchObject({
        status: "queued",
        version: "v2",
        error: undefined,
        dueAt: T0 + 9,
        cancelRequested: false,
      });
      expect((await store.journal(failed!.run.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
      await store.retry(compensated!.run.id, "v2", T0 + 9);
      expect(await store.journal(compensated!.run.id)).toEqual([]);
      await store.retry(blocked!.run.id, "v2", T0 + 9);
      expect((await store.journal(blocked!.run.id)).map((e) => e.seq)).toEqual([1, 2]);
      expect((await store.retry(completed!.run.id, "v2", T0 + 9))?.status).toBe("completed");
      expect(await store.retry("missing", "v2", T0)).toBeUndefined();
    });

    it("lists runs newest first, filtered by flow and status", async () => {
      const { store } = await open();
      await store.commit(batch({ now: T0, creates: [newRun({ id: "a-old" })] }));
      await store.commit(
        batch({ now: T0 + 1, creates: [newRun({ id: "b-new" }), newRun({ id: "c-other", flow: "g" })] }),
      );
      expect((await store.listRuns({ flow: "f" })).map((r) => r.id)).toEqual(["b-new", "a-old"]);
      expect((await store.listRuns({ status: "queued", limit: 1 })).length).toBe(1);
      expect(await store.listRuns({ status: "failed" })).toEqual([]);
    });

    it("commits a large batch of many runs at once (group commit)", async () => {
      const { store } = await open();
      const runs = await create(
        store,
        Array.from({ length: 300 }, () => newRun()),
        "w1",
      );
      const res = await store.commit(
        batch({
          writes: runs.map((r) => ({
            runId: r.run.id,
            entries: [entry(1), entry(2), entry(3)],
            update: { status: "completed", output: r.run.id, release: true },
          })),
        }),
      );
      expect(res.lost).toEqual([]);
      expect((await store.listRuns({ status: "completed", limit: 1000 })).length).toBe(300);
      expect((await store.journal(runs[299]!.run.id)).length).toBe(3);
    });
  });
}
