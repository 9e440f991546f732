import { afterEach, describe, expect, it, vi } from "vitest";
import { TesseraError } from "../../src/core/errors.js";
import type { EventStore, RecordedEvent, Upcaster } from "../../src/ports/event-store.js";

/** A fresh, empty store; `cleanup` closes it and removes what it created. */
export interface StoreFixture {
  readonly store: EventStore;
  cleanup(): Promise<void>;
}

export type StoreFactory = (options: { upcasters?: readonly Upcaster[] }) => Promise<StoreFixture>;

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return err as TesseraError;
  }
  throw new Error("expected a rejection, got a result");
}

const ev = (type: string, data: unknown = {}) => ({ type, data });

/**
 * The behaviour every `EventStore` adapter must show (DESIGN.md, convention 3). Each adapter's test
 * file calls it once with a factory of fresh stores.
 */
export function eventStoreContract(name: string, factory: StoreFactory, skip = false): void {
  describe.skipIf(skip)(`event store contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: { upcasters?: readonly Upcaster[] } = {}) => {
      const f = await factory(options);
      fixtures.push(f);
      return f.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    it("appends a batch to a new stream and reads it back in order", async () => {
      const store = await open();
      const r = await store.append(
        "acc-1",
        [ev("opened", { owner: "Ada" }), ev("deposited", { amount: 5 })],
        {
          expectedVersion: 0,
        },
      );
      expect(r.version).toBe(2);
      expect(r.events.map((e) => e.version)).toEqual([1, 2]);
      const read = await store.readStream("acc-1");
      expect(read.map((e) => [e.version, e.type, e.data])).toEqual([
        [1, "opened", { owner: "Ada" }],
        [2, "deposited", { amount: 5 }],
      ]);
      expect(read[0]!.id).toBe(r.events[0]!.id);
      expect(read[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(read[0]!.recordedAt).toBeInstanceOf(Date);
      expect(read[0]!.schema).toBe(1);
      expect(await store.streamVersion("acc-1")).toBe(2);
      expect(await store.streamVersion("nope")).toBe(0);
      expect(await store.readStream("nope")).toEqual([]);
    });

    it("keeps given ids and metadata", async () => {
      const store = await open();
      const id = "7f0c3c1e-5b7a-4c8e-9a57-1a2b3c4d5e6f";
      await store.append("s", [{ type: "t", data: [1, "x"], id, metadata: { by: "ada" }, schema: 2 }]);
      const [e] = await store.readStream("s");
      expect(e).toMatchObject({ id, data: [1, "x"], metadata: { by: "ada" }, schema: 2 });
    });

    it("refuses a wrong expected version with the current version, appending nothing", async () => {
      const store = await open();
      await store.append("acc-1", [ev("a"), ev("b")], { expectedVersion: 0 });
      const err = await rejection(store.append("acc-1", [ev("c")], { expectedVersion: 1 }));
      expect(err.code).toBe("TESSERA_CONFLICT");
      expect(err.details).toMatchObject({ stream: "acc-1", expectedVersion: 1, currentVersion: 2 });
      const again = await rejection(store.append("acc-1", [ev("c")], { expectedVersion: 0 }));
      expect(again.details).toMatchObject({ currentVersion: 2 });
      const missing = await rejection(store.append("new", [ev("c")], { expectedVersion: 3 }));
      expect(missing.details).toMatchObject({ currentVersion: 0 });
      expect(await store.streamVersion("acc-1")).toBe(2);
      expect(await store.streamVersion("new")).toBe(0);
      expect((await store.readAll()).length).toBe(2);
      await store.append("acc-1", [ev("c")], { expectedVersion: 2 });
      await store.append("acc-1", [ev("d")], { expectedVersion: "any" });
      await store.append("acc-1", [ev("e")]);
      expect(await store.streamVersion("acc-1")).toBe(5);
    });

    it("refuses an expected version that is not a version, and an event id that is not a UUID", async () => {
      const store = await open();
      const err = await rejection(store.append("s", [ev("a")], { expectedVersion: -1 }));
      expect(err.code).toBe("TESSERA_BAD_REQUEST");
      // Among concurrent appends, only the bad one fails.
      const [bad, good] = await Promise.allSettled([
        store.append("s", [{ type: "a", data: 1, id: "not-a-uuid" }], { expectedVersion: 0 }),
        store.append("t", [ev("a")], { expectedVersion: 0 }),
      ]);
      expect(bad).toMatchObject({ status: "rejected", reason: { code: "TESSERA_BAD_REQUEST" } });
      expect(good).toMatchObject({ status: "fulfilled", value: { version: 1 } });
      expect(await store.streamVersion("s")).toBe(0);
    });

    it("reads a stream from a version, with a limit", async () => {
      const store = await open();
      await store.append("s", [ev("a"), ev("b"), ev("c"), ev("d")]);
      expect((await store.readStream("s", { after: 2 })).map((e) => e.type)).toEqual(["c", "d"]);
      expect((await store.readStream("s", { after: 1, limit: 2 })).map((e) => e.type)).toEqual(["b", "c"]);
    });

    it("reads the global log from a position, across streams, in order", async () => {
      const store = await open();
      await store.append("a", [ev("a1")]);
      await store.append("b", [ev("b1"), ev("b2")]);
      await store.append("a", [ev("a2")]);
      const all = await store.readAll();
      expect(all.map((e) => e.type)).toEqual(["a1", "b1", "b2", "a2"]);
      const positions = all.map((e) => e.position);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      expect(new Set(positions).size).toBe(4);
      expect(await store.headPosition()).toBe(positions[3]);
      const tail = await store.readAll({ after: positions[1]!, limit: 1 });
      expect(tail.map((e) => e.type)).toEqual(["b2"]);
      expect(await store.readAll({ after: positions[3]! })).toEqual([]);
    });

    it("commits a transaction's appends, documents, checkpoint and outbox together, or nothing", async () => {
      const store = await open();
      await store.append("b", [ev("b1")]);
      const failed = store.transaction(async (tx) => {
        await tx.append("a", [ev("a1"), ev("a2")], { expectedVersion: 0 });
        await tx.putDocument("view", "a", { n: 2 });
        await tx.saveCheckpoint("p", 9);
        await tx.enqueue([{ id: "m1", name: "Happened", payload: {} }]);
        await tx.append("b", [ev("b2")], { expectedVersion: 0 }); // conflict: b is at 1
      });
      expect((await rejection(failed)).code).toBe("TESSERA_CONFLICT");
      expect(await store.streamVersion("a")).toBe(0);
      expect(await store.getDocument("view", "a")).toBeUndefined();
      expect(await store.loadCheckpoint("p")).toBe(0);
      expect(await store.outboxSize()).toBe(0);
      expect((await store.readAll()).map((e) => e.type)).toEqual(["b1"]);

      const out = await store.transaction(async (tx) => {
        await tx.append("a", [ev("a1")], { expectedVersion: 0 });
        await tx.append("b", [ev("b2")], { expectedVersion: 1 });
        await tx.putDocument("view", "a", { n: 1 });
        expect(await tx.getDocument("view", "a")).toEqual({ n: 1 });
        await tx.saveCheckpoint("p", 3);
        expect(await tx.loadCheckpoint("p")).toBe(3);
        await tx.enqueue([{ id: "m1", name: "Happened", payload: { x: 1 } }]);
        return "done";
      });
      expect(out).toBe("done");
      expect((await store.readAll()).map((e) => e.type)).toEqual(["b1", "a1", "b2"]);
      expect(await store.getDocument("view", "a")).toEqual({ n: 1 });
      expect(await store.loadCheckpoint("p")).toBe(3);
      expect(await store.outboxSize()).toBe(1);
    });

    it("runs a transaction that throws its own error without a trace", async () => {
      const store = await open();
      const boom = store.transaction(async (tx) => {
        await tx.append("a", [ev("a1")]);
        throw new Error("boom");
      });
      await expect(boom).rejects.toThrow("boom");
      expect(await store.readAll()).toEqual([]);
      await store.append("a", [ev("a1")], { expectedVersion: 0 });
    });

    it("lets one of concurrent writers win each version; the losers learn the current version and succeed on retry", async () => {
      const store = await open();
      const writers = 50;
      // The highest version whose append has resolved: any append started after sees it.
      let resolved = 0;
      const conflicts: { expected: number; current: number; floor: number }[] = [];
      const wonWith = new Map<number, number>();
      await Promise.all(
        Array.from({ length: writers }, async (_, i) => {
          let expected = 0;
          for (;;) {
            const floor = resolved;
            try {
              const r = await store.append("hot", [ev("inc", { i })], { expectedVersion: expected });
              resolved = Math.max(resolved, r.version);
              wonWith.set(i, expected);
              return;
            } catch (err) {
              if (!(err instanceof TesseraError) || err.code !== "TESSERA_CONFLICT") throw err;
              const current = (err.details as { currentVersion: number }).currentVersion;
              conflicts.push({ expected, current, floor });
              expected = current;
            }
          }
        }),
      );
      const events = await store.readStream("hot");
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
      expect(new Set(events.map((e) => (e.data as { i: number }).i)).size).toBe(writers);
      expect(conflicts.length).toBeGreaterThan(0);
      // Each conflict carried the stream's version at that moment: not stale (at least every append
      // finished before the attempt began), past the one expected, and a version that was written.
      for (const c of conflicts) {
        expect(c.current).toBeGreaterThan(c.expected);
        expect(c.current).toBeGreaterThanOrEqual(c.floor);
        expect(c.current).toBeLessThanOrEqual(writers);
      }
      // Each writer won with the version its last conflict gave it (or 0 without a conflict).
      for (const e of events) expect(wonWith.get((e.data as { i: number }).i)).toBe(e.version - 1);
      // Once quiet, a stale writer learns exactly the last version, and its retry with it succeeds.
      const stale = await rejection(store.append("hot", [ev("late")], { expectedVersion: 7 }));
      expect(stale).toMatchObject({ code: "TESSERA_CONFLICT", details: { currentVersion: writers } });
      const retried = await store.append("hot", [ev("late")], { expectedVersion: writers });
      expect(retried.version).toBe(writers + 1);
    });

    it("subscribes: catches up, then follows live appends in global order", async () => {
      const store = await open();
      await store.append("a", [ev("a1"), ev("a2")]);
      const seen: RecordedEvent[] = [];
      const sub = store.subscribe({
        handle: (batch) => {
          seen.push(...batch);
        },
        pollMs: 20,
      });
      await waitFor(() => expect(seen.map((e) => e.type)).toEqual(["a1", "a2"]));
      await store.append("b", [ev("b1")]);
      await waitFor(() => expect(seen.map((e) => e.type)).toEqual(["a1", "a2", "b1"]));
      await store.append("a", [ev("a3")]);
      await sub.caughtUp();
      expect(seen.map((e) => e.type)).toEqual(["a1", "a2", "b1", "a3"]);
      expect(sub.position).toBe(seen[3]!.position);
      await sub.stop();
      await store.append("a", [ev("a4")]);
      await new Promise((r) => setTimeout(r, 80));
      expect(seen).toHaveLength(4);
    });

    it("subscribes from a position and offers a failed batch again", async () => {
      const store = await open();
      await store.append("a", [ev("a1"), ev("a2"), ev("a3")]);
      const [first] = await store.readAll({ limit: 1 });
      const seen: string[] = [];
      let failures = 0;
      const errors: unknown[] = [];
      const sub = store.subscribe({
        after: first!.position,
        batchSize: 1,
        pollMs: 20,
        handle: ([e]) => {
          if (e!.type === "a3" && failures++ < 2) throw new Error("not now");
          seen.push(e!.type);
        },
        onError: (err) => errors.push(err),
      });
      await waitFor(() => expect(seen).toEqual(["a2", "a3"]));
      expect(errors).toHaveLength(2);
      await sub.stop();
    });

    it("never skips an event of transactions that commit out of order", async () => {
      const store = await open();
      const seen: RecordedEvent[] = [];
      const sub = store.subscribe({ handle: (b) => void seen.push(...b), pollMs: 10 });
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      // A transaction that appends first and commits last.
      const slow = store.transaction(async (tx) => {
        await tx.append("slow", [ev("s1")]);
        await held;
      });
      await new Promise((r) => setTimeout(r, 30));
      const fast = Array.from({ length: 20 }, (_, i) => store.append(`fast-${i % 5}`, [ev(`f${i}`)]));
      setTimeout(release, 60);
      await Promise.all([slow, ...fast]);
      // Then a storm of concurrent appends, while the subscription runs.
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.append(`storm-${i % 10}`, [ev(`x${i}`), ev(`y${i}`)])),
      );
      await sub.caughtUp();
      await waitFor(() => expect(seen).toHaveLength(221));
      const positions = seen.map((e) => e.position);
      for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]!);
      expect(new Set(seen.map((e) => e.id)).size).toBe(221);
      expect(seen.map((e) => e.id)).toEqual((await store.readAll()).map((e) => e.id));
      // Within a stream, the log keeps the stream's order.
      const storm0 = seen.filter((e) => e.stream === "storm-0").map((e) => e.version);
      expect(storm0).toEqual([...storm0].sort((a, b) => a - b));
      await sub.stop();
    });

    it("keeps the latest snapshot of a stream", async () => {
      const store = await open();
      expect(await store.loadSnapshot("a")).toBeUndefined();
      await store.saveSnapshot("a", { version: 10, state: { balance: 3 }, schema: 1 });
      await store.saveSnapshot("a", { version: 20, state: { balance: 7, tags: ["x"] }, schema: 2 });
      expect(await store.loadSnapshot("a")).toEqual({
        version: 20,
        state: { balance: 7, tags: ["x"] },
        schema: 2,
      });
      await store.transaction((tx) => tx.saveSnapshot("b", { version: 1, state: null, schema: 1 }));
      expect(await store.loadSnapshot("b")).toEqual({ version: 1, state: null, schema: 1 });
    });

    it("upcasts old event shapes when reading", async () => {
      const store = await open({
        upcasters: [
          { type: "deposited", from: 1, up: (d) => ({ cents: (d as { amount: number }).amount * 100 }) },
          { type: "deposited", from: 2, up: (d) => ({ ...(d as object), currency: "EUR" }) },
        ],
      });
      // An old event keeps the schema it is given; one given none is stored at the current one.
      await store.append("a", [
        { type: "deposited", data: { amount: 2 }, schema: 1 },
        { type: "deposited", data: { cents: 50 }, schema: 2 },
        { type: "deposited", data: { cents: 1, currency: "USD" }, schema: 3 },
        { type: "other", data: { amount: 1 } },
      ]);
      const expected = [
        [{ cents: 200, currency: "EUR" }, 3],
        [{ cents: 50, currency: "EUR" }, 3],
        [{ cents: 1, currency: "USD" }, 3],
        [{ amount: 1 }, 1],
      ];
      expect((await store.readStream("a")).map((e) => [e.data, e.schema])).toEqual(expected);
      expect((await store.readAll()).map((e) => [e.data, e.schema])).toEqual(expected);
    });

    it("keeps checkpoints, with an optional compare-and-set", async () => {
      const store = await open();
      expect(await store.loadCheckpoint("p")).toBe(0);
      await store.transaction((tx) => tx.saveCheckpoint("p", 5, 0));
      expect(await store.loadCheckpoint("p")).toBe(5);
      const err = await rejection(store.transaction((tx) => tx.saveCheckpoint("p", 9, 4)));
      expect(err.code).toBe("TESSERA_CONFLICT");
      expect(await store.loadCheckpoint("p")).toBe(5);
    });

    it("stores read-model documents", async () => {
      const store = await open();
      await store.transaction(async (tx) => {
        await tx.putDocument("accounts", "b", { balance: 2 });
        await tx.putDocument("accounts", "a", { balance: 1, owner: "Ada" });
        await tx.putDocument("accounts", "c", { balance: 3 });
        await tx.putDocument("other", "a", { x: 1 });
      });
      expect(await store.getDocument("accounts", "a")).toEqual({ balance: 1, owner: "Ada" });
      const some = await store.transaction((tx) => tx.getDocuments("accounts", ["a", "c", "zz"]));
      expect([...some]).toEqual(
        expect.arrayContaining([
          ["a", { balance: 1, owner: "Ada" }],
          ["c", { balance: 3 }],
        ]),
      );
      expect(some.size).toBe(2);
      expect((await store.transaction((tx) => tx.getDocuments("accounts", []))).size).toBe(0);
      expect(await store.getDocument("accounts", "z")).toBeUndefined();
      expect((await store.findDocuments("accounts")).map((d) => d.id)).toEqual(["a", "b", "c"]);
      expect(await store.findDocuments("accounts", { after: "a", limit: 1 })).toEqual([
        { id: "b", doc: { balance: 2 } },
      ]);
      await store.transaction(async (tx) => {
        await tx.deleteDocument("accounts", "b");
        await tx.putDocument("accounts", "a", { balance: 10 });
      });
      expect((await store.findDocuments("accounts")).map((d) => d.doc)).toEqual([
        { balance: 10 },
        { balance: 3 },
      ]);
      await store.transaction(async (tx) => {
        await tx.clearCollection("accounts");
        expect(await tx.getDocument("accounts", "a")).toBeUndefined();
        await tx.putDocument("accounts", "d", { balance: 4 });
      });
      expect((await store.findDocuments("accounts")).map((d) => d.id)).toEqual(["d"]);
      expect(await store.getDocument("other", "a")).toEqual({ x: 1 });
      await store.transaction((tx) =>
        tx.writeDocuments([
          { collection: "accounts", id: "e", doc: { balance: 5 } },
          { collection: "accounts", id: "d", doc: undefined },
          { collection: "other", id: "a", doc: { x: 2 } },
          { collection: "other", id: "b", doc: undefined },
        ]),
      );
      expect(await store.findDocuments("accounts")).toEqual([{ id: "e", doc: { balance: 5 } }]);
      expect(await store.findDocuments("other")).toEqual([{ id: "a", doc: { x: 2 } }]);
    });

    it("leases outbox messages in order and removes acknowledged ones", async () => {
      const store = await open();
      await store.transaction((tx) =>
        tx.enqueue([
          { id: "m1", name: "A", payload: { n: 1 }, headers: { h: "1" } },
          { id: "m2", name: "B", payload: { n: 2 } },
          { id: "m3", name: "C", payload: { n: 3 } },
        ]),
      );
      const first = await store.claimOutbox(2, 60_000);
      expect(first.map((m) => m.id)).toEqual(["m1", "m2"]);
      expect(first[0]).toEqual({ id: "m1", name: "A", payload: { n: 1 }, headers: { h: "1" } });
      // Leased: another relay only gets the rest.
      expect((await store.claimOutbox(10, 60_000)).map((m) => m.id)).toEqual(["m3"]);
      await store.ackOutbox(["m1", "m2"]);
      expect(await store.outboxSize()).toBe(1);
      // A lease that ran out makes the message available again (its relay died).
      await store.transaction((tx) => tx.enqueue([{ id: "m4", name: "D", payload: null }]));
      expect((await store.claimOutbox(10, 1)).map((m) => m.id)).toEqual(["m4"]);
      await new Promise((r) => setTimeout(r, 20));
      expect((await store.claimOutbox(10, 1)).map((m) => m.id)).toEqual(["m4"]);
      await store.ackOutbox(["m3", "m4"]);
      expect(await store.outboxSize()).toBe(0);
    });

    it("lists streams by prefix", async () => {
      const store = await open();
      for (const s of ["account-2", "account-1", "order-1", "account-3"]) await store.append(s, [ev("x")]);
      expect(await store.listStreams("account-")).toEqual(["account-1", "account-2", "account-3"]);
      expect(await store.listStreams("account-", { after: "account-1", limit: 1 })).toEqual(["account-2"]);
      expect(await store.listStreams("zzz")).toEqual([]);
    });
  });
}
